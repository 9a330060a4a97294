"""The whole evaluation on the seed plan with the deterministic sample data (no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from planwatch.core import sample
from planwatch.core.evaluation import (
    REGION,
    CompositeParameters,
    EvaluationParameters,
    InconsistentJudgements,
    Observation,
    Outcome,
    PairwiseMatrix,
    SensitivityParameters,
    TargetSpec,
    WeightMethod,
    WeightScheme,
    evaluate,
    evaluation_input_from_plan,
    to_jsonable,
)
from planwatch.core.kinds import whole_number_unit
from planwatch.core.planfile import read_plan_file
from planwatch.core.validation import CrossRule, check_cross

SEED_PLAN = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"


@pytest.fixture(scope="module")
def seed_sample():
    """The seed plan and its sample data, as `planwatch load_sample` makes them (no database)."""
    doc = read_plan_file(SEED_PLAN)
    bare = evaluation_input_from_plan(doc)
    plan_targets = {(t.indicator, t.scope, t.year): t.value for t in bare.targets}
    specs = [
        sample.SampleIndicator(
            code=ind.code,
            kind=ind.kind,
            aggregation=ind.aggregation,
            integer=whole_number_unit(ind.unit),
            region_target=plan_targets.get((ind.code, REGION, 2019)),
            target_year=2019,
            base_year=ind.base.year if ind.base else None,
            base_value=ind.base.value if ind.base else None,
            components=dict(ind.components),
            fixed_targets={s: v for (c, s, y), v in plan_targets.items() if c == ind.code and s != REGION},
        )
        for ind in doc.indicators
    ]
    localities = [
        sample.SampleLocality(loc.code, loc.counted_in_region_total, loc.parent) for loc in bare.localities
    ]
    return doc, sample.generate(specs, localities, range(2016, 2020), 2017, doc.plan.code)


@pytest.fixture(scope="module")
def seed_input(seed_sample):
    doc, data = seed_sample
    observations = [Observation(i, s, y, float(v)) for (i, s, y), v in sorted(data.actuals.items())]
    targets = [TargetSpec(i, s, y, float(v)) for (i, s, y), v in sorted(data.targets.items())]
    return evaluation_input_from_plan(doc, observations, targets)


def test_the_seed_plan_evaluates_with_every_result_explicit(seed_input):
    result = evaluate(seed_input, 2018, EvaluationParameters(sensitivity=SensitivityParameters(draws=200)))
    by = {(r.indicator, r.scope): r for r in result.indicators}
    assert len(result.indicators) == len(seed_input.indicators) * 8  # 7 pilot units and the region
    energy = by[("I29", REGION)]
    assert energy.outcome == Outcome.NOT_APPLICABLE and energy.completion is None
    assert by[("I29", "FS")].annual is not None
    counted = ["ZH", "FS", "ZS", "JM", "YJ", "ZQ"]  # not SD: Foshan's figures include Shunde's
    assert by[("I01", REGION)].value == pytest.approx(sum(by[("I01", code)].value for code in counted))
    components = by[("C01", REGION)]
    assert components.outcome == Outcome.NOT_APPLICABLE and components.value is not None
    assert {s.locality for s in result.composite.scores} == {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
    assert all(s.previous_rank is not None for s in result.composite.scores)  # from 2017, same input
    assert [d.dimension for d in result.composite.dimension_weights] == [
        "innovation",
        "quality",
        "policy",
        "coordination",
        "resources",
    ]
    assert len(result.sensitivity.stability) == 7


def test_i28_region_value_is_recomputed_from_the_bases_summed_without_shunde_twice(seed_input):
    result = evaluate(seed_input, 2019)
    by = {(r.indicator, r.scope): r for r in result.indicators}
    counted = ["ZH", "FS", "ZS", "JM", "YJ", "ZQ"]  # not SD: Foshan's figures include Shunde's
    for code in ("C05", "C06"):
        region = by[(code, REGION)]
        assert region.value == sum(by[(code, loc)].value for loc in counted), code
        assert region.value < sum(by[(code, loc)].value for loc in [*counted, "SD"]), code
    made = {r.indicator: r for r in result.region}
    assert made["I28"].aggregation.value == "recompute" and not made["I28"].reported
    assert made["I28"].counted == tuple(counted)
    i28 = by[("I28", REGION)]
    assert i28.value == pytest.approx(by[("C06", REGION)].value / by[("C05", REGION)].value * 100)
    # Not the mean of the localities' shares, and now a region result against the text's 100 %.
    assert i28.value != pytest.approx(sum(by[("I28", loc)].value for loc in counted) / len(counted))
    assert i28.outcome != Outcome.NOT_APPLICABLE and i28.completion is not None


def test_the_sample_keeps_the_plans_checks(seed_sample):
    doc, data = seed_sample
    rules = [
        CrossRule(c.code, c.kind, c.left, c.right, c.share, c.tolerance, c.text.zh, c.text.en)
        for c in doc.checks
    ]
    assert {r.code for r in rules} >= {"bases_with_college_within_bases", "bases_with_college_share"}
    by_scope: dict[tuple[str, int], dict[str, Decimal]] = {}
    for (code, scope, year), value in data.actuals.items():
        by_scope.setdefault((scope, year), {})[code] = value
    assert len(by_scope) == 7 * 4  # every pilot unit, 2016–2019
    for (scope, year), values in by_scope.items():
        assert {"C05", "C06", "I28"} <= set(values), (scope, year)
        assert values["C06"] <= values["C05"]
        assert values["C05"] == values["C05"].to_integral_value() > 0  # bases are counted one by one
        assert values["C06"] == values["C06"].to_integral_value() >= 0
        assert check_cross(rules, values) == [], (scope, year)


def test_the_same_input_gives_the_same_json_bit_for_bit(seed_input):
    params = EvaluationParameters(sensitivity=SensitivityParameters(draws=100))
    first = json.dumps(to_jsonable(evaluate(seed_input, 2019, params)), ensure_ascii=False)
    second = json.dumps(to_jsonable(evaluate(seed_input, 2019, params)), ensure_ascii=False)
    assert first == second
    data = json.loads(first)
    assert data["year"] == 2019 and data["parameters"]["composite"]["method"] == "weighted_sum"


def test_inconsistent_dimension_judgements_stop_the_evaluation(seed_input):
    codes = ("innovation", "quality", "policy", "coordination", "resources")
    values = [[1.0] * 5 for _ in codes]
    values[0][1], values[1][0] = 9.0, 1 / 9  # innovation ≫ quality
    values[1][2], values[2][1] = 9.0, 1 / 9  # quality ≫ policy
    values[2][0], values[0][2] = 9.0, 1 / 9  # policy ≫ innovation: a cycle
    scheme = WeightScheme(
        dimensions=WeightMethod.AHP, dimension_ahp=PairwiseMatrix(codes, tuple(map(tuple, values)))
    )
    with pytest.raises(InconsistentJudgements, match="CR = "):
        evaluate(seed_input, 2018, EvaluationParameters(composite=CompositeParameters(weights=scheme)))
