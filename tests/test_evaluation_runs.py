"""Evaluation runs (issue 5, part 5): reading the input from the database, storing runs, their data
version and reproducibility, unaccepted values, refusals, and a constant number of queries.

All on the seed plan with the deterministic sample data (load_sample: accepted values 2016–2019 for
the seven pilot units, locality targets).
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planwatch.core import sample
from planwatch.core.evaluation import (
    REGION,
    Evaluation,
    EvaluationInput,
    EvaluationParameters,
    Observation,
    SensitivityParameters,
    TargetSpec,
    UnreadableResults,
    evaluate,
    evaluation_input_from_plan,
    from_jsonable,
    to_jsonable,
)
from planwatch.core.kinds import whole_number_unit
from planwatch.core.planfile import read_plan_file
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.report import as_table
from planwatch.evaluation.runs import (
    ACCEPTED,
    ENGINE_VERSION,
    WITH_UNACCEPTED,
    RunRefused,
    build_input,
    parameters_from_options,
    run_evaluation,
    sha256_of,
)
from planwatch.plans.models import Plan, Target
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.conftest import SEED_PLAN

PILOTS = {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
CITIES = ["ZH", "FS", "ZS", "JM", "YJ", "ZQ"]  # counted in region totals; SD is inside FS
QUICK = parameters_from_options(sensitivity=False)
DIMENSIONS = ("innovation", "quality", "policy", "coordination", "resources")


def value_of(plan: Plan, indicator: str, locality: str, year: int) -> ReportedValue:
    return ReportedValue.objects.get(
        indicator__plan=plan, indicator__code=indicator, locality__code=locality, period__code=str(year)
    )


def result(run: EvaluationRun, indicator: str, scope: str) -> dict:
    return next(r for r in run.results["indicators"] if r["indicator"] == indicator and r["scope"] == scope)


def inconsistent_ahp() -> dict:
    matrix: list[list[object]] = [[1] * 5 for _ in DIMENSIONS]
    matrix[0][1], matrix[1][0] = 9, "1/9"  # innovation ≫ quality
    matrix[1][2], matrix[2][1] = 9, "1/9"  # quality ≫ policy
    matrix[2][0], matrix[0][2] = 9, "1/9"  # policy ≫ innovation: a cycle
    return {"dimensions": {"codes": list(DIMENSIONS), "matrix": matrix}}


# --- the input read from the database -------------------------------------------------------------


def without(inp: EvaluationInput, codes: set[str]) -> EvaluationInput:
    """The input without these indicators, their targets and their values."""
    return dataclasses.replace(
        inp,
        indicators=tuple(i for i in inp.indicators if i.code not in codes),
        targets=tuple(t for t in inp.targets if t.indicator not in codes),
        observations=tuple(o for o in inp.observations if o.indicator not in codes),
    )


def test_the_database_input_is_the_plan_files_input(sampled):
    """build_input reads the same input as the core reads from the plan file with the same sample
    data, so both evaluations give the same JSON."""
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
    data = sample.generate(specs, localities, range(2016, 2020), 2017, doc.plan.code)
    from_file = evaluation_input_from_plan(
        doc,
        [Observation(i, s, y, float(v)) for (i, s, y), v in sorted(data.actuals.items())],
        [TargetSpec(i, s, y, float(v)) for (i, s, y), v in sorted(data.targets.items())],
    )
    with_derived, version = build_input(sampled, statuses=ACCEPTED)
    # The derived indicators are computed from PlanWatch's records, which a plan file has not: the
    # rest of the input is the plan file's.
    assert version.derived is not None and version.derived.indicators == ("PW01", "PW02", "PW03")
    from_db = without(with_derived, set(version.derived.indicators))
    assert from_db.localities == from_file.localities
    assert from_db.indicators == from_file.indicators
    assert from_db.dimensions == from_file.dimensions
    assert set(from_db.observations) == set(from_file.observations)
    assert set(from_db.targets) == set(from_file.targets)
    params = EvaluationParameters(sensitivity=SensitivityParameters(draws=50))
    assert to_jsonable(evaluate(from_db, 2018, params)) == to_jsonable(evaluate(from_file, 2018, params))
    assert version.count == len(data.actuals) == version.sample_values
    assert version.targets.by_origin == {
        "plan": sum(1 for t in bare.targets),
        "user": 0,
        "sample": version.targets.count - len(bare.targets),
    }


def test_shunde_is_a_pilot_unit_but_not_counted_in_region_totals(sampled):
    inp, _ = build_input(sampled)
    counted = {loc.code: loc.counted_in_region_total for loc in inp.localities}
    assert counted == {code: code != "SD" for code in PILOTS}
    assert next(loc for loc in inp.localities if loc.code == "SD").parent == "FS"


def test_build_input_reads_only_the_statuses_asked_for(sampled):
    value = value_of(sampled, "I01", "ZH", 2018)
    ReportedValue.objects.filter(pk=value.pk).update(status=ReportedValue.Status.SUBMITTED)
    accepted, version = build_input(sampled, statuses=ACCEPTED)
    both, version_both = build_input(sampled, statuses=WITH_UNACCEPTED)
    key = ("I01", "ZH", 2018)
    assert key not in {(o.indicator, o.scope, o.year) for o in accepted.observations}
    assert key in {(o.indicator, o.scope, o.year) for o in both.observations}
    assert version_both.count == version.count + 1
    assert version.statuses == ("accepted",)
    assert version_both.statuses == ("accepted", "approved", "submitted")


def test_drafts_quarterly_values_and_blank_values_are_not_observations(sampled):
    draft = value_of(sampled, "I01", "ZS", 2018)
    ReportedValue.objects.filter(pk=draft.pk).update(status=ReportedValue.Status.DRAFT)
    blank = value_of(sampled, "I02", "ZS", 2018)
    ReportedValue.objects.filter(pk=blank.pk).update(value=None)
    inp, version = build_input(sampled, statuses=WITH_UNACCEPTED)
    keys = {(o.indicator, o.scope, o.year) for o in inp.observations}
    assert ("I01", "ZS", 2018) not in keys and ("I02", "ZS", 2018) not in keys
    # the blank value was read (it is in the data version), the draft was not
    assert version.count == ReportedValue.objects.filter(indicator__plan=sampled).count() - 1
    assert version.observed == version.count - 1


def test_user_entered_targets_are_read_and_counted(sampled):
    _, before = build_input(sampled)
    indicator = sampled.indicators.get(code="I07")
    Target.objects.filter(indicator=indicator, locality__code="ZH", year=2018).delete()
    Target.objects.create(
        indicator=indicator,
        locality=sampled.localities.get(code="ZH"),
        year=2018,
        value=Decimal("7"),
        origin=Target.Origin.USER,
        clause="",
        quote="",
    )
    inp, after = build_input(sampled)
    assert TargetSpec("I07", "ZH", 2018, 7.0) in inp.targets
    assert after.targets.by_origin["user"] == 1
    assert after.targets.sha256 != before.targets.sha256
    assert after.sha256 == before.sha256  # the values did not change


# Six for the text's indicators; at most eight for the seed plan's three derived indicators: theirs,
# the periods, three for the values on time (the indicators the yearly periods require, the values,
# their first submissions), one for the returns, two for the milestones and their updates.
QUERIES = 6 + 8


def test_build_input_takes_a_fixed_number_of_queries(sampled, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES), CaptureQueriesContext(connection) as before:
        build_input(sampled, statuses=WITH_UNACCEPTED)
    # Double the data: four more years of values and locality targets.
    values = list(ReportedValue.objects.filter(indicator__plan=sampled))
    extra = []
    for year in range(2012, 2016):
        period = yearly_period(sampled, year)
        extra += [
            ReportedValue(
                indicator_id=v.indicator_id,
                locality_id=v.locality_id,
                period=period,
                value=v.value,
                status=v.status,
                is_sample=True,
                source=v.source,
            )
            for v in values
            if v.period.year == year + 4
        ]
    ReportedValue.objects.bulk_create(extra)
    targets = list(Target.objects.filter(indicator__plan=sampled, origin=Target.Origin.SAMPLE))
    Target.objects.bulk_create(
        Target(
            indicator_id=t.indicator_id,
            locality_id=t.locality_id,
            year=t.year + 10,
            value=t.value,
            origin=t.origin,
            clause="",
            quote="",
        )
        for t in targets
    )
    with django_assert_max_num_queries(QUERIES), CaptureQueriesContext(connection) as after:
        _, version = build_input(sampled, statuses=WITH_UNACCEPTED)
    assert version.count == 2 * len(values)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- runs -----------------------------------------------------------------------------------------


def test_a_run_for_2018_stores_its_parameters_data_version_and_results(sampled):
    params = parameters_from_options()
    run = run_evaluation(sampled, 2018, params=params)
    run.refresh_from_db()
    assert run.year == 2018 and run.plan == sampled and run.created_by is None
    assert run.parameters == to_jsonable(params)
    assert run.parameters["sensitivity"] == {"draws": 1000, "spread": 0.2, "seed": 20170421}
    assert run.statuses == ["accepted"] and not run.includes_unaccepted
    assert run.sample  # every value of the sample is sample data
    assert run.engine_version == ENGINE_VERSION
    assert len(run.input_hash) == 64 and run.results_hash == sha256_of(run.results)
    version = run.data_version
    # The values a run of 2018 reads: those of 2018 and before (2019's are no business of it).
    accepted = ReportedValue.objects.filter(
        indicator__plan=sampled, status="accepted", period__year__lte=2018
    )
    assert version["count"] == accepted.count() and version["sha256"] == run.data_hash
    assert version["as_of"].startswith("20") and version["years"] == [2016, 2017, 2018]
    assert [year for year, _ in version["by_year"]] == [2016, 2017, 2018]

    composite = run.results["composite"]
    assert {s["locality"] for s in composite["scores"]} == PILOTS
    assert sorted(s["rank"] for s in composite["scores"]) == list(range(1, 8))
    assert all(s["rank_change"] is not None for s in composite["scores"])  # from 2017
    assert len(run.results["sensitivity"]["stability"]) == 7
    assert json.loads(json.dumps(run.results)) == run.results


def test_a_stored_run_reads_back_as_the_cores_types(sampled):
    """run.evaluation, run.params and run.version are the inverse of the stored JSON: the very
    results the core made, read and checked once."""
    inp, version = build_input(sampled, year=2018)
    params = parameters_from_options()
    run = EvaluationRun.objects.get(pk=run_evaluation(sampled, 2018, params=params).pk)
    assert run.evaluation == evaluate(inp, 2018, params)
    assert run.params == params and run.version == version
    assert to_jsonable(run.evaluation) == run.results
    assert to_jsonable(run.params) == run.parameters and to_jsonable(run.version) == run.data_version
    assert run.evaluation is run.evaluation  # read once per instance
    assert run.evaluation.composite is not None and run.evaluation.composite.scores[0].rank == 1


def test_stored_results_that_do_not_fit_are_refused_with_their_place(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    older = {key: value for key, value in run.results.items() if key != "region_history"}
    assert from_jsonable(Evaluation, older).region_history == ()  # a field added since: its default
    broken = json.loads(json.dumps(run.results))
    broken["indicators"][3]["outcome"] = "finished"
    with pytest.raises(UnreadableResults) as caught:
        from_jsonable(Evaluation, broken)
    assert caught.value.path == "$.indicators[3].outcome" and caught.value.status == 409
    assert "finished" in caught.value.en and "无法读取" in caught.value.zh
    del broken["indicators"][3]["outcome"]
    with pytest.raises(UnreadableResults, match=r"\$\.indicators\[3\]\.outcome"):
        from_jsonable(Evaluation, broken)


def test_region_sums_count_the_six_cities_and_never_shunde_twice(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    cities = sum(value_of(sampled, "I01", code, 2018).value for code in CITIES)
    shunde = value_of(sampled, "I01", "SD", 2018).value
    assert shunde > 0  # so that counting it again would show
    region = result(run, "I01", REGION)
    assert region["value"] == pytest.approx(float(cities))
    how = next(r for r in run.results["region"] if r["indicator"] == "I01")
    assert how["counted"] == CITIES and how["aggregation"] == "sum"


def test_the_energy_indicator_has_no_region_result(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    energy = result(run, "I29", REGION)
    assert energy["outcome"] == "not_applicable"
    assert energy["completion"] is None and energy["value"] is None
    assert "no_region_target" in energy["notes"]
    assert result(run, "I29", "FS")["annual"] in ("met", "nearly_met", "not_met", "no_target")


def test_a_rerun_on_the_same_data_gives_the_same_results_and_data_version(sampled):
    first = run_evaluation(sampled, 2018)
    second = run_evaluation(sampled, 2018, reuse=False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.pk != first.pk and not second.reused
    assert second.results == first.results
    assert second.results_hash == first.results_hash
    assert second.data_version == first.data_version
    assert second.input_hash == first.input_hash
    assert json.dumps(second.results, ensure_ascii=False) == json.dumps(first.results, ensure_ascii=False)


def test_an_identical_run_is_reused(sampled, alice):
    first = run_evaluation(sampled, 2018, params=QUICK, user=alice, label="2018年度通报")
    again = run_evaluation(sampled, 2018, params=QUICK)
    assert again.pk == first.pk and again.reused and not first.reused
    assert again.label == "2018年度通报" and again.created_by == alice
    assert EvaluationRun.objects.count() == 1
    # other parameters, another year or other statuses are another run
    assert not run_evaluation(sampled, 2018, params=parameters_from_options(method="topsis")).reused
    assert not run_evaluation(sampled, 2017, params=QUICK).reused
    assert not run_evaluation(sampled, 2018, params=QUICK, include_unaccepted=True).reused
    assert EvaluationRun.objects.count() == 4


def test_changing_one_accepted_value_changes_the_data_version_and_the_numbers(sampled):
    before = run_evaluation(sampled, 2018, params=QUICK)
    value = value_of(sampled, "I01", "ZH", 2018)
    ReportedValue.objects.filter(pk=value.pk).update(value=value.value + 10, version=value.version + 1)
    after = run_evaluation(sampled, 2018, params=QUICK)
    assert after.pk != before.pk and not after.reused
    assert after.data_hash != before.data_hash and after.input_hash != before.input_hash
    assert after.data_version["count"] == before.data_version["count"]
    assert result(after, "I01", REGION)["value"] == result(before, "I01", REGION)["value"] + 10
    assert result(after, "I01", "ZH")["completion"] > result(before, "I01", "ZH")["completion"]
    assert after.results_hash != before.results_hash


def test_a_new_version_of_the_same_value_is_a_new_data_version_with_the_same_numbers(sampled):
    before = run_evaluation(sampled, 2018, params=QUICK)
    value = value_of(sampled, "I01", "ZH", 2018)
    ReportedValue.objects.filter(pk=value.pk).update(version=value.version + 1)
    after = run_evaluation(sampled, 2018, params=QUICK)
    assert after.pk != before.pk  # the data version differs: not reused
    assert after.data_hash != before.data_hash and after.input_hash == before.input_hash
    assert after.results == before.results


def test_including_submitted_values_marks_the_run(sampled, alice):
    value = value_of(sampled, "I01", "ZH", 2018)
    ReportedValue.objects.filter(pk=value.pk).update(status=ReportedValue.Status.SUBMITTED)
    accepted = run_evaluation(sampled, 2018, params=QUICK)
    assert result(accepted, "I01", "ZH")["outcome"] == "missing_data"
    assert not accepted.includes_unaccepted
    marked = run_evaluation(sampled, 2018, params=QUICK, include_unaccepted=True, user=alice)
    assert marked.includes_unaccepted and marked.statuses == ["accepted", "submitted", "approved"]
    assert marked.data_version["statuses"] == ["accepted", "approved", "submitted"]
    assert result(marked, "I01", "ZH")["value"] == float(value.value)
    assert marked.created_by == alice
    assert "含未确认数据" in as_table(marked) and "含未确认数据" not in as_table(accepted)
    assert "includes unaccepted" in str(marked)


def test_inconsistent_ahp_judgements_are_refused_and_nothing_is_stored(sampled):
    params = parameters_from_options(weights="ahp", ahp=inconsistent_ahp(), sensitivity=False)
    with pytest.raises(RunRefused) as refused:
        run_evaluation(sampled, 2018, params=params)
    assert refused.value.reason == "inconsistent_judgements" and refused.value.cr >= 0.1
    assert "CR = " in refused.value.en and "一致性" in refused.value.zh
    assert not EvaluationRun.objects.exists()


def test_consistent_ahp_and_expert_weights_are_stored_with_the_run(sampled):
    matrix = [
        [1, 2, 2, 2, 2],
        ["1/2", 1, 1, 1, 1],
        ["1/2", 1, 1, 1, 1],
        ["1/2", 1, 1, 1, 1],
        ["1/2", 1, 1, 1, 1],
    ]
    ahp = {"dimensions": {"codes": list(DIMENSIONS), "matrix": matrix}}
    run = run_evaluation(sampled, 2018, params=parameters_from_options(ahp=ahp, sensitivity=False))
    weights = run.parameters["composite"]["weights"]
    assert weights["dimensions"] == "ahp" and weights["indicators"] == "equal"
    assert weights["dimension_ahp"]["values"][1][0] == 0.5
    by_dim = {d["dimension"]: d["weight"] for d in run.results["composite"]["dimension_weights"]}
    assert by_dim["innovation"] == pytest.approx(1 / 3)
    assert run.results["composite"]["ahp"][0]["cr"] == pytest.approx(0.0, abs=1e-12)

    expert = {"dimensions": dict(zip(DIMENSIONS, [4, 1, 1, 1, 1], strict=True))}
    run = run_evaluation(sampled, 2018, params=parameters_from_options(expert=expert, sensitivity=False))
    by_dim = {d["dimension"]: d["weight"] for d in run.results["composite"]["dimension_weights"]}
    assert by_dim["innovation"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"method": "vikor"}, "method"),
        ({"normalization": "zscore"}, "normalization"),
        ({"weights": "random"}, "weights"),
        ({"weights": "ahp"}, "ahp"),
        ({"weights": "expert"}, "expert"),
        ({"weights": "equal", "ahp": {"dimensions": {}}}, "ahp"),
        ({"ahp": {"dimension": {}}}, "ahp"),
        ({"ahp": {"dimensions": {"codes": ["a", "b"], "matrix": [[1, 2]]}}}, "ahp.dimensions.matrix"),
        (
            {"ahp": {"dimensions": {"codes": ["a", "b"], "matrix": [[1, "x"], [1, 1]]}}},
            "ahp.dimensions.matrix[0][1]",
        ),
        (
            {"ahp": {"dimensions": {"codes": ["a", "b"], "matrix": [[1, -2], [1, 1]]}}},
            "ahp.dimensions.matrix[0][1]",
        ),
        ({"ahp": {"indicators": []}}, "ahp.indicators"),
        ({"expert": {"indicators": {"I01": "heavy"}}}, "expert.indicators.I01"),
    ],
)
def test_bad_parameters_are_refused_with_the_parameter_at_fault(options, path):
    with pytest.raises(RunRefused) as refused:
        parameters_from_options(**options)
    assert refused.value.path == path and refused.value.reason == "invalid_parameters"
    assert refused.value.en and refused.value.zh


def test_parameters_the_core_refuses_become_clear_messages(sampled):
    ahp = {"dimensions": {"codes": ["innovation", "quality"], "matrix": [[1, 3], ["1/3", 1]]}}
    with pytest.raises(RunRefused) as refused:
        run_evaluation(sampled, 2018, params=parameters_from_options(ahp=ahp, sensitivity=False))
    assert refused.value.reason == "invalid_parameters"
    assert "exactly the plan's dimensions" in refused.value.en and "维度判断矩阵" in refused.value.zh


def test_a_year_outside_the_plan_or_without_values_is_refused(plan):
    with pytest.raises(RunRefused) as refused:
        run_evaluation(plan, 2030, params=QUICK)
    assert refused.value.reason == "invalid_year" and "2016–2025" in refused.value.en
    with pytest.raises(RunRefused) as refused:
        run_evaluation(plan, 2018, params=QUICK)
    assert refused.value.reason == "no_data" and "--include-submitted" in refused.value.en
    assert not EvaluationRun.objects.exists()
