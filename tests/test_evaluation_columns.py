"""Values and targets as columns (`ObservationColumns`, `TargetColumns`, what build_input reads the
database into) give the very evaluation the objects give: the same input JSON (so the same input
hash), the same panel as placing the objects one by one, the same results field by field (types
too), the same binding checks as made from the result objects, the same refusals."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from planwatch.core.divisions import installed
from planwatch.core.errors import InvalidParameters
from planwatch.core.evaluation import (
    QUALIFIERS,
    REGION,
    EvaluationParameters,
    Observation,
    ObservationColumns,
    SensitivityParameters,
    TargetColumns,
    TargetSpec,
    binding_checks,
    build_panel,
    evaluate,
    evaluate_panel,
    evaluation_input_from_plan,
    indicator_results,
    to_jsonable,
)
from planwatch.core.evaluation.binding import panel_binding_checks
from planwatch.core.evaluation.indicator import ANNUALS, PACES
from planwatch.core.evaluation.types import AnnualVerdict
from planwatch.core.kinds import Qualifier
from planwatch.core.planfile import parse_plan_text
from planwatch.core.synth import SynthSize, dump_synth, synth_plan

SIZE = SynthSize(localities=30, indicators=12, years=5, seed=3)


@pytest.fixture(scope="module")
def made():
    """A synthetic plan (示例数据) with random values (some missing, one region figure) and random
    locality targets with every qualifier; a third of its indicators made binding."""
    doc = parse_plan_text(dump_synth(synth_plan(SIZE, installed)), name="synth.yaml")
    base = evaluation_input_from_plan(doc)
    rng = np.random.default_rng(11)
    observations, targets = [], []
    years = range(base.period.base_year, base.period.end_year + 1)
    for spec in base.indicators:
        for loc in base.localities:
            for year in years:
                if rng.random() < 0.9:
                    observations.append(Observation(spec.code, loc.code, year, float(rng.uniform(1, 120))))
                if rng.random() < 0.3:
                    qualifier = QUALIFIERS[int(rng.integers(len(QUALIFIERS)))]
                    targets.append(
                        TargetSpec(spec.code, loc.code, year, float(rng.uniform(1, 120)), qualifier)
                    )
    rng.shuffle(observations)  # the input's order is the plan's whatever the order read
    binding = {spec.code for k, spec in enumerate(base.indicators) if k % 3 == 0 and spec.dimension}
    return doc, observations, targets, binding


def inputs(made):
    doc, observations, targets, binding = made

    def bound(inp):
        specs = tuple(dataclasses.replace(s, binding=s.code in binding) for s in inp.indicators)
        return dataclasses.replace(inp, indicators=specs)

    objects = bound(evaluation_input_from_plan(doc, observations, targets))
    columns = bound(
        evaluation_input_from_plan(doc, ObservationColumns.of(observations), TargetColumns.of(targets))
    )
    return objects, columns


def test_the_columns_read_as_the_objects_and_make_the_same_input_json(made):
    objects, columns = inputs(made)
    assert isinstance(columns.observations, ObservationColumns)
    assert isinstance(columns.targets, TargetColumns)
    assert tuple(columns.observations) == objects.observations
    assert tuple(columns.targets) == objects.targets
    assert to_jsonable(columns) == to_jsonable(objects)


def placed_one_by_one(inp, panel):
    """The panel's arrays as the engine placed them before the columns: object by object."""
    scopes = [*(loc.code for loc in inp.localities), REGION]
    shape = (len(inp.indicators), len(scopes), len(panel.years))
    values, aims = np.full(shape, np.nan), np.full(shape, np.nan)
    qualifiers = np.zeros(shape, dtype=np.int8)
    index = {spec.code: i for i, spec in enumerate(inp.indicators)}
    areas = {area.code for area in inp.areas}
    for o in inp.observations:
        values[index[o.indicator], scopes.index(o.scope), o.year - panel.years[0]] = o.value
    for t in inp.targets:
        if t.scope not in areas:
            at = (index[t.indicator], scopes.index(t.scope), t.year - panel.years[0])
            aims[at], qualifiers[at] = t.value, QUALIFIERS.index(t.qualifier)
    return values, aims, qualifiers


def test_the_panel_is_the_one_placed_object_by_object(made):
    objects, columns = inputs(made)
    panel = build_panel(columns)
    values, aims, qualifiers = placed_one_by_one(objects, panel)
    n_l = len(objects.localities)
    np.testing.assert_array_equal(panel.values[:, :n_l, :], values[:, :n_l, :])
    np.testing.assert_array_equal(panel.targets, aims)
    np.testing.assert_array_equal(panel.qualifiers, qualifiers)


def result_as_before(ev, i, s, y):
    """One result read cell by cell, as indicator_results made them before they were made by column."""
    panel = ev.panel
    spec = panel.indicators[i]

    def at(name):
        return np.broadcast_to(getattr(ev, name), panel.values.shape)[i, s, y].item()

    def none(x):
        return None if isinstance(x, float) and math.isnan(x) else x

    region = s == len(panel.localities)
    annual = at("annual")
    return (
        spec.code,
        panel.scopes[s],
        panel.years[y],
        none(panel.values[i, s, y].item()),
        none(at("year_target")),
        QUALIFIERS[at("year_qualifier")],
        None if at("met") < 0 else at("met") == 1,
        none(at("completion")),
        none(at("target")),
        None if math.isnan(at("target_year")) else int(at("target_year")),
        int(panel.base_years[i]),
        none(panel.base_values[i, s].item()),
        None if at("pace") < 0 else at("pace"),
        None if annual < 0 else annual,
        spec.lead if annual == ANNUALS.index(AnnualVerdict.NO_TARGET) and not region else None,
        panel.region_missing.get((i, y), ()) if region else (),
    )


def result_now(r, pace_index, annual_index):
    return (
        r.indicator,
        r.scope,
        r.year,
        r.value,
        r.year_target,
        r.qualifier,
        r.met,
        r.completion,
        r.target,
        r.target_year,
        r.base_year,
        r.base_value,
        pace_index(r.pace),
        annual_index(r.annual),
        r.owed_by,
        r.missing_localities,
    )


def test_the_results_are_those_read_cell_by_cell_with_python_types(made):
    _, columns = inputs(made)
    ev = evaluate_panel(build_panel(columns))
    panel = ev.panel
    results = indicator_results(ev)
    cells = [
        (i, s, y)
        for i in range(len(panel.indicators))
        for s in range(len(panel.scopes))
        for y in range(len(panel.years))
    ]
    assert len(results) == len(cells)
    for r, (i, s, y) in zip(results, cells, strict=True):
        now = result_now(
            r,
            lambda p: None if p is None else PACES.index(p),
            lambda a: None if a is None else ANNUALS.index(a),
        )
        assert now == result_as_before(ev, i, s, y)
        assert all(type(x) is float or x is None for x in (r.value, r.completion, r.forecast, r.sdg_ratio))
        assert type(r.year) is int and type(r.base_year) is int
        assert r.target_year is None or type(r.target_year) is int
        assert type(r.notes) is tuple and type(r.missing_localities) is tuple


def test_the_binding_checks_from_the_arrays_are_those_of_the_results(made):
    _, columns = inputs(made)
    ev = evaluate_panel(build_panel(columns))
    panel = ev.panel
    codes = [spec.code for spec in panel.indicators if spec.binding]
    localities = [loc.code for loc in panel.localities]
    assert codes
    for year in panel.years:
        from_results = binding_checks(indicator_results(ev, [year]), codes, localities)
        assert panel_binding_checks(ev, year) == from_results
    assert {c.status for c in panel_binding_checks(ev, panel.period.end_year)} >= {"pass", "fail"}


def test_the_evaluation_is_the_same_from_objects_and_from_columns(made):
    objects, columns = inputs(made)
    params = EvaluationParameters(sensitivity=SensitivityParameters(draws=50))
    year = objects.period.end_year
    a, b = evaluate(objects, year, params), evaluate(columns, year, params)
    assert a == b
    assert to_jsonable(a) == to_jsonable(b)
    assert a.binding and a.composite is not None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Observation("NOPE", "X", 2021, 1.0), "value for unknown indicator or locality 'NOPE'"),
        (Observation("I01", "NOWHERE", 2021, 1.0), "value for unknown indicator or locality 'NOWHERE'"),
        (Observation("I01", "@", 2021, math.inf), "is not a finite number"),
        (Observation("I01", "@", 2021, 5.0), "is given twice"),
    ],
)
def test_the_same_row_is_refused_whether_objects_or_columns(made, bad, message):
    doc, observations, targets, _ = made
    first = observations[0]
    bad = dataclasses.replace(
        bad,
        indicator=first.indicator if bad.indicator == "I01" else bad.indicator,
        scope=first.scope if bad.scope == "@" else bad.scope,
        year=first.year,
    )
    rows = [*observations, bad, Observation("LATER", "X", 2021, 1.0)]
    refusals = []
    for given in (rows, ObservationColumns.of(rows)):
        with pytest.raises(InvalidParameters) as refused:
            build_panel(evaluation_input_from_plan(doc, given, targets))
        refusals.append(str(refused.value.en))
    assert refusals[0] == refusals[1]
    assert message in refusals[0]


def test_a_target_given_twice_is_refused_with_its_qualifier_kept_otherwise(made):
    doc, observations, targets, _ = made
    t = targets[0]
    twice = [*targets, dataclasses.replace(t, qualifier=Qualifier.EXACT)]
    for given in (twice, TargetColumns.of(twice)):
        with pytest.raises(InvalidParameters, match="given twice"):
            build_panel(evaluation_input_from_plan(doc, observations, given))
