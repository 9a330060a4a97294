"""The two verdicts an evaluation office publishes, by hand: the annual verdict against the year's own
target (完成 / 基本完成 / 未完成, or no target for the year and who owes it) and progress to the final
target against 时序进度 (超前 / 符合序时进度 / 滞后 / 严重滞后); qualifiers; the one-line reasons;
and, over random plans and values, that no row contradicts itself and more is never worse.

No database: the evaluation core takes plain data in. docs/methodology.md, "Verdicts".
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planwatch.core.evaluation import (
    AnnualVerdict,
    CompletionThresholds,
    EvaluationInput,
    IndicatorParameters,
    IndicatorResult,
    IndicatorSpec,
    InvalidParameters,
    LocalitySpec,
    Observation,
    PaceStatus,
    PlanPeriod,
    TargetSpec,
    build_panel,
    evaluate_panel,
    explain,
    indicator_results,
)
from planwatch.core.evaluation.types import Outcome
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind, Qualifier

PERIOD = PlanPeriod(base_year=2016, start_year=2017, end_year=2019)
LEAD = ("省经济和信息化委", "Provincial Economic and Information Commission")
ZHUHAI, FOSHAN = LocalitySpec("440400"), LocalitySpec("440600")
PLACES = {"440400": ("珠海市", "Zhuhai"), "440600": ("佛山市", "Foshan")}


def by_code(code: str) -> tuple[str, str]:
    return PLACES.get(code, (code, code))


def projects() -> IndicatorSpec:
    """三（一）1: projects introduced, a count from the plan's start, led by 省经济和信息化委."""
    return IndicatorSpec("I01", IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM, lead=LEAD)


def equipment_growth() -> IndicatorSpec:
    """三（一）2: equipment manufacturing value added, 年均增长12%, from 2016."""
    return IndicatorSpec("I04", IndicatorKind.AVG_ANNUAL_GROWTH, Aggregation.NONE, base_year=2016, lead=LEAD)


def judged(
    spec: IndicatorSpec,
    values: dict[int, float],
    targets: dict[int, float | tuple[float, Qualifier]],
    year: int,
    params: IndicatorParameters | None = None,
    locality: LocalitySpec = ZHUHAI,
) -> IndicatorResult:
    def target(y: int, t: float | tuple[float, Qualifier]) -> TargetSpec:
        value, qualifier = t if isinstance(t, tuple) else (t, Qualifier.EXACT)
        return TargetSpec(spec.code, locality.code, y, value, qualifier)

    inp = EvaluationInput(
        period=PERIOD,
        indicators=(spec,),
        localities=(locality,),
        targets=tuple(target(y, t) for y, t in targets.items()),
        observations=tuple(Observation(spec.code, locality.code, y, v) for y, v in values.items()),
    )
    (result,) = indicator_results(evaluate_panel(build_panel(inp), params), [year], scopes=[locality.code])
    return result


# --- which target governs ----------------------------------------------------------------------------


def test_only_the_2017_breakdown_entered_2018_has_no_target_and_names_who_owes_it():
    """The state in early 2018: the 2017 locality targets only. 珠海's 75 projects are not judged
    against its 2017 target of 49 (that would read 已达标)."""
    r = judged(projects(), {2017: 40, 2018: 75}, {2017: 49}, 2018)
    assert r.annual == AnnualVerdict.NO_TARGET and r.met is None and r.completion is None
    assert r.owed_by == LEAD
    assert r.pace is None  # no final target either: nothing to measure the way against
    assert explain(r, "cumulative_count", place=by_code).zh == (
        "未设2018年目标（应由省经济和信息化委分解下达）；未设规划目标，无法判断序时进度"
    )


def test_with_the_final_target_2018_progress_is_judged_against_elapsed_time():
    r = judged(projects(), {2017: 40, 2018: 75}, {2017: 49, 2019: 146}, 2018)
    assert r.annual == AnnualVerdict.NO_TARGET and r.owed_by == LEAD
    assert r.target == 146 and r.target_year == 2019
    assert r.progress == pytest.approx(75 / 146)
    assert r.elapsed == pytest.approx(2 / 3)
    assert r.pace == PaceStatus.LAGGING  # 51.4 % against 66.7 %: 15.3 points behind
    assert explain(r, "cumulative_count", place=by_code).zh == (
        "未设2018年目标（应由省经济和信息化委分解下达）；"
        "规划目标 146（2019年）已完成 51.4%，时序进度 66.7%，落后 15.3 个百分点"
    )
    assert explain(r, "cumulative_count", place=by_code).en.endswith(
        "final target 146 (2019), 51.4% reached, 66.7% of the time elapsed, 15.3 points behind"
    )


def test_growing_9_4_percent_a_year_against_12_is_never_ahead():
    """佛山 grew 9.4 % a year against a 12 % target: whatever its easier 2017 target, not 超前."""
    spec = equipment_growth()
    r = judged(spec, {2017: 9.0, 2018: 9.4}, {2017: 8.0, 2019: 12.0}, 2018, locality=FOSHAN)
    assert r.annual == AnnualVerdict.NO_TARGET
    assert r.pace in (PaceStatus.LAGGING, PaceStatus.SERIOUSLY_LAGGING)
    assert r.pace_gap is not None and r.pace_gap < 0
    assert r.sdg_ratio == pytest.approx(9.4 / 12)  # beside it, a supporting figure only
    with_year = judged(spec, {2018: 9.4}, {2018: 12.0, 2019: 12.0}, 2018, locality=FOSHAN)
    assert with_year.annual == AnnualVerdict.NOT_MET  # 78 % of the year's rate


def test_in_the_final_year_98_7_percent_is_nearly_met_and_no_pace():
    r = judged(projects(), {2019: 98.7}, {2019: 100}, 2019)
    assert r.annual == AnnualVerdict.NEARLY_MET
    assert r.pace is None and r.pace_gap is None
    assert explain(r, "cumulative_count", place=by_code).zh == "2019年规划目标 100，实际 98.7，完成 98.7%"


def test_the_reason_words_the_gap_apart_from_the_verdict():
    """3 points above 时序进度 is 符合序时进度 (超前 starts at +5): the reason says 高于, not 超前."""
    r = judged(projects(), {2018: 70}, {2019: 100}, 2018)
    assert r.pace == PaceStatus.ON_PACE
    assert (
        "高于时序进度 3.3 个百分点" in explain(r, "cumulative_count", place=by_code).zh
        and "超前" not in explain(r, place=by_code).zh
    )


def test_the_reason_says_why_there_is_no_pace():
    level = IndicatorSpec("L", IndicatorKind.LEVEL, Aggregation.NONE)
    r = judged(level, {2016: 50, 2018: 60}, {2019: 50}, 2018)
    assert r.pace is None and explain(r, place=by_code).zh.endswith("规划目标等于基期值，无法计算进度")
    r = judged(level, {2018: 60}, {2019: 80}, 2018)
    assert explain(r, place=by_code).zh.endswith("缺基期值，无法计算进度")


def test_annual_verdict_boundaries_and_configurable_threshold():
    spec = projects()
    assert judged(spec, {2019: 100}, {2019: 100}, 2019).annual == AnnualVerdict.MET
    assert judged(spec, {2019: 90}, {2019: 100}, 2019).annual == AnnualVerdict.NEARLY_MET  # 90 % exactly
    assert judged(spec, {2019: 89.99}, {2019: 100}, 2019).annual == AnnualVerdict.NOT_MET
    strict = IndicatorParameters(completion=CompletionThresholds(nearly_met=0.95))
    assert judged(spec, {2019: 94}, {2019: 100}, 2019, strict).annual == AnnualVerdict.NOT_MET
    with pytest.raises(InvalidParameters):
        CompletionThresholds(nearly_met=0)


# --- qualifiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualifier", "value", "met"),
    [
        (Qualifier.EXACT, 100, True),
        (Qualifier.AT_LEAST, 100, True),  # 以上: at it counts
        (Qualifier.NOT_LESS_THAN, 99.9, False),
        (Qualifier.OVER, 100, False),  # 超: strictly more
        (Qualifier.OVER, 100.5, True),
        (Qualifier.ABOUT, 95, True),  # 左右: within 5 % short of it
        (Qualifier.ABOUT, 94.9, False),
        (Qualifier.APPROX, 96, True),  # 约
        (Qualifier.BASICALLY, 95, True),  # 基本实现
    ],
)
def test_qualifiers_decide_whether_a_target_is_met(qualifier, value, met):
    r = judged(projects(), {2019: value}, {2019: (100, qualifier)}, 2019)
    assert r.met is met and r.qualifier == qualifier
    assert r.annual == (AnnualVerdict.MET if met else AnnualVerdict.NEARLY_MET)


def test_the_about_tolerance_is_configurable_and_shown_with_the_target():
    wide = IndicatorParameters(completion=CompletionThresholds(about=0.10))
    r = judged(projects(), {2019: 91}, {2019: (100, Qualifier.ABOUT)}, 2019, wide)
    assert r.met is True
    assert explain(r, place=by_code).zh == "2019年规划目标 100左右，实际 91，完成 91.0%"


def test_lower_is_better_about_is_within_tolerance_above():
    spec = IndicatorSpec("E", IndicatorKind.LEVEL, Aggregation.NONE, direction=Direction.LOWER_IS_BETTER)
    assert judged(spec, {2019: 1.04}, {2019: (1.0, Qualifier.ABOUT)}, 2019).met is True
    assert judged(spec, {2019: 1.06}, {2019: (1.0, Qualifier.ABOUT)}, 2019).met is False


# --- properties over random plans and values -----------------------------------------------------

ANNUAL_ORDER = [AnnualVerdict.NOT_MET, AnnualVerdict.NEARLY_MET, AnnualVerdict.MET]
PACE_ORDER = [PaceStatus.SERIOUSLY_LAGGING, PaceStatus.LAGGING, PaceStatus.ON_PACE, PaceStatus.AHEAD]
KINDS = [
    (IndicatorKind.CUMULATIVE_COUNT, None),
    (IndicatorKind.LEVEL, None),
    (IndicatorKind.SHARE, None),
    (IndicatorKind.AVG_ANNUAL_GROWTH, 2016),
    (IndicatorKind.GROWTH_OVER_BASE, 2016),
    (IndicatorKind.CUMULATIVE_DECREASE, 2015),
]
amounts = st.floats(min_value=0.5, max_value=90, allow_nan=False).map(lambda x: round(x, 6))


@st.composite
def cases(draw: st.DrawFn) -> tuple[IndicatorSpec, dict[int, float], dict[int, tuple[float, Qualifier]], int]:
    kind, base_year = draw(st.sampled_from(KINDS))
    spec = IndicatorSpec("X", kind, Aggregation.NONE, base_year=base_year)
    years = list(range(base_year or 2016, 2021))
    values = draw(st.dictionaries(st.sampled_from(years), amounts, min_size=1))
    targets = draw(
        st.dictionaries(
            st.sampled_from([2017, 2018, 2019, 2020]),
            st.tuples(amounts, st.sampled_from(list(Qualifier.__members__.values())[:-1])),
        )
    )
    year = draw(st.sampled_from(sorted(values)))
    return spec, values, targets, year


def consistent(r: IndicatorResult) -> None:
    """No two labels of one row contradict each other."""
    if r.annual in (AnnualVerdict.MET,):
        assert r.met is True
    if r.annual in (AnnualVerdict.NEARLY_MET, AnnualVerdict.NOT_MET):
        assert r.met is False
    if r.annual == AnnualVerdict.NO_TARGET:
        assert r.year_target is None and r.met is None
    if r.target_year is not None and r.year >= r.target_year:
        assert r.pace is None  # in and after the final year only the completion verdict
    if r.pace is not None:
        assert r.pace_gap is not None and r.elapsed is not None and r.progress is not None
        assert (r.pace in (PaceStatus.AHEAD, PaceStatus.ON_PACE)) == (round(r.pace_gap, 12) >= 0)
        if round(r.progress, 12) >= 1:
            assert r.pace in (PaceStatus.AHEAD, PaceStatus.ON_PACE)  # the final target reached is not behind


@given(cases())
def test_no_row_carries_verdicts_that_contradict_each_other(case):
    spec, values, targets, year = case
    consistent(judged(spec, values, targets, year))


@given(cases(), st.floats(min_value=0.0, max_value=50).map(lambda x: round(x, 6)))
def test_raising_a_value_never_worsens_a_verdict(case, more):
    spec, values, targets, year = case
    before = judged(spec, values, targets, year)
    after = judged(spec, {**values, year: values[year] + more}, targets, year)
    consistent(after)
    if before.annual in ANNUAL_ORDER:
        assert ANNUAL_ORDER.index(after.annual) >= ANNUAL_ORDER.index(before.annual)
    if before.pace is not None and after.pace is not None:
        assert PACE_ORDER.index(after.pace) >= PACE_ORDER.index(before.pace)


def test_a_missing_value_is_named_by_its_locality_not_its_code():
    r = replace(
        judged(projects(), {2018: 70}, {2019: 100}, 2018),
        scope="region",
        outcome=Outcome.MISSING_DATA,
        missing_localities=("440400", "440600"),
    )
    why = explain(r, "cumulative_count", place=by_code)
    assert why.zh == "缺少珠海市、佛山市的数据"
    assert why.en == "missing the values of Zhuhai, Foshan"
