"""Per-indicator evaluation: every kind by hand, every status boundary, the explicit outcomes.

No database: the evaluation core takes plain data in.
"""

from __future__ import annotations

import math

import pytest

from planwatch.core.evaluation import (
    REGION,
    AnnualVerdict,
    EvaluationInput,
    ForecastMethod,
    IndicatorParameters,
    IndicatorResult,
    IndicatorSpec,
    InvalidParameters,
    LocalitySpec,
    Note,
    Observation,
    Outcome,
    PaceStatus,
    PaceThresholds,
    PlanPeriod,
    TargetSpec,
    build_panel,
    evaluate_panel,
    indicator_results,
)
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind

PERIOD = PlanPeriod(base_year=2016, start_year=2017, end_year=2019)
A = LocalitySpec("A")


def results(
    spec: IndicatorSpec,
    values: dict[int, float],
    targets: dict[int, float],
    year: int,
    *,
    period: PlanPeriod = PERIOD,
    params: IndicatorParameters | None = None,
) -> IndicatorResult:
    """The result of one indicator for locality A in `year`."""
    inp = EvaluationInput(
        period=period,
        indicators=(spec,),
        localities=(A,),
        targets=tuple(TargetSpec(spec.code, "A", y, v) for y, v in targets.items()),
        observations=tuple(Observation(spec.code, "A", y, v) for y, v in values.items()),
    )
    (result,) = indicator_results(evaluate_panel(build_panel(inp), params), [year], scopes=["A"])
    return result


def count(code: str = "X") -> IndicatorSpec:
    return IndicatorSpec(code, IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM)


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


# --- each kind, by hand (final target only: progress against 时序进度) ---------------------------


def test_cumulative_count_counts_from_the_plans_start():
    r = results(count(), {2017: 30, 2018: 70}, {2019: 120}, 2018)
    assert r.outcome == Outcome.EVALUATED
    assert r.base_year == 2016  # the year before the plan's start
    assert r.year_target is None and r.completion is None and r.met is None
    assert r.annual == AnnualVerdict.NO_TARGET and Note.NO_YEAR_TARGET in r.notes
    assert r.target == 120 and r.target_year == 2019
    assert r.progress == approx(70 / 120)  # the count starts at 0
    assert r.elapsed == approx(2 / 3)  # 2017 and 2018 of 2017–2019
    assert r.pace_gap == approx(70 / 120 - 2 / 3)
    assert r.pace == PaceStatus.LAGGING
    assert r.sdg_ratio is None  # a count does not compound: no growth ratio
    # Least squares through (2016, 0), (2017, 30), (2018, 70): slope 35, intercept −5/3 at 2016.
    assert r.forecast_method == ForecastMethod.LINEAR
    assert r.forecast == approx(-5 / 3 + 35 * 3)
    assert r.likely_met is False


def test_level_with_a_base_share_of_the_way():
    spec = IndicatorSpec("L", IndicatorKind.LEVEL, Aggregation.SUM)
    r = results(spec, {2016: 100, 2017: 112, 2018: 130}, {2019: 160}, 2018)
    assert r.base_value == 100
    assert r.progress == approx((130 - 100) / (160 - 100))
    assert r.pace_gap == approx(0.5 - 2 / 3)
    assert r.pace == PaceStatus.LAGGING
    assert r.sdg_ratio is None
    assert r.forecast == approx(99 + 15 * 3)  # through (0, 100), (1, 112), (2, 130)
    assert r.likely_met is False


def test_level_without_a_base_has_no_share_of_the_way_and_says_so():
    spec = IndicatorSpec("L", IndicatorKind.LEVEL, Aggregation.SUM)
    r = results(spec, {2017: 112, 2018: 130}, {2019: 160}, 2018)
    assert r.progress is None and r.pace is None and r.pace_gap is None
    assert Note.NO_BASE in r.notes


def test_average_annual_growth_is_compound_over_base_to_target_year():
    spec = IndicatorSpec("G", IndicatorKind.AVG_ANNUAL_GROWTH, Aggregation.NONE, base_year=2016)
    r = results(spec, {2017: 9, 2018: 10}, {2019: 12}, 2018)
    # The level index (1.10)² against the (1.12)³ required, on a log scale.
    assert r.progress == approx(2 * math.log(1.10) / (3 * math.log(1.12)))
    assert r.pace == PaceStatus.LAGGING
    assert r.sdg_ratio == approx(10 / 12)  # the observed compound rate over the required one
    # Compound trend: least squares through ln index (0, 0), (1, ln 1.09), (2, 2 ln 1.10).
    ys = [0.0, math.log(1.09), 2 * math.log(1.10)]
    slope = (ys[2] - ys[0]) / 2
    intercept = sum(ys) / 3 - slope
    expected = (math.exp((intercept + slope * 3) / 3) - 1) * 100
    assert r.forecast_method == ForecastMethod.COMPOUND
    assert r.forecast == pytest.approx(expected, rel=1e-12)
    assert r.likely_met is False


def test_growth_at_the_required_compound_rate_is_on_pace():
    spec = IndicatorSpec("G", IndicatorKind.AVG_ANNUAL_GROWTH, Aggregation.NONE, base_year=2016)
    r = results(spec, {2017: 12}, {2019: 12}, 2017)
    assert r.progress == approx(1 / 3)  # log scale: a constant rate covers the way evenly
    assert r.pace == PaceStatus.ON_PACE


def test_growth_over_a_base_year():
    spec = IndicatorSpec("G", IndicatorKind.GROWTH_OVER_BASE, Aggregation.NONE, base_year=2016)
    r = results(spec, {2018: 12}, {2019: 20}, 2018)
    assert r.progress == approx(0.6)
    assert r.pace == PaceStatus.LAGGING  # 0.6 − 2/3 = −0.067
    assert r.sdg_ratio == approx((1.12**0.5 - 1) / (1.2 ** (1 / 3) - 1))


def test_share_with_its_base_share():
    spec = IndicatorSpec("S", IndicatorKind.SHARE, Aggregation.NONE)
    r = results(spec, {2016: 30, 2018: 33}, {2019: 35}, 2018)
    assert r.progress == approx(3 / 5)
    assert r.sdg_ratio is None


def energy(**kw: object) -> IndicatorSpec:
    """单位GDP能耗累计下降率: binding, no region target, 2015 base (the notes after 一)."""
    return IndicatorSpec(
        "I29",
        IndicatorKind.CUMULATIVE_DECREASE,
        Aggregation.NONE,
        binding=True,
        region_target=False,
        base_year=2015,
        **kw,  # type: ignore[arg-type]
    )


def test_cumulative_decrease_from_2015_against_its_2017_target():
    r = results(energy(), {2016: 3, 2017: 6}, {2017: 8}, 2017)
    assert r.outcome == Outcome.EVALUATED
    assert r.base_year == 2015
    assert r.year_target == 8 and r.completion == approx(0.75) and r.met is False
    assert r.annual == AnnualVerdict.NOT_MET
    # Only a 2017 target: no final (2019) target, so no progress and no pace — never the 2017 one.
    assert r.target is None and r.pace is None and Note.NO_FINAL_TARGET in r.notes
    earlier = results(energy(), {2016: 3, 2017: 6}, {2017: 8}, 2016)
    assert earlier.annual == AnnualVerdict.NO_TARGET and earlier.pace is None


def test_cumulative_decrease_met():
    r = results(energy(), {2017: 8.5}, {2017: 8}, 2017)
    assert r.met is True and r.annual == AnnualVerdict.MET


def test_lower_is_better_level_is_direction_aware():
    spec = IndicatorSpec("E", IndicatorKind.LEVEL, Aggregation.NONE, direction=Direction.LOWER_IS_BETTER)
    r = results(spec, {2016: 1.0, 2018: 0.9, 2019: 0.9}, {2019: 0.85}, 2018)
    assert r.progress == approx((0.9 - 1.0) / (0.85 - 1.0))
    assert r.pace == PaceStatus.ON_PACE  # ⅔ of the way in ⅔ of the time
    final = results(spec, {2016: 1.0, 2019: 0.9}, {2019: 0.85}, 2019)
    assert final.met is False and final.completion == approx(0.85 / 0.9)  # target / value
    assert final.annual == AnnualVerdict.NEARLY_MET  # 94.4 %
    met = results(spec, {2016: 1.0, 2019: 0.8}, {2019: 0.85}, 2019)
    assert met.annual == AnnualVerdict.MET


# --- pace boundaries ----------------------------------------------------------------------------

SHORT = PlanPeriod(base_year=2016, start_year=2017, end_year=2018)  # half the period by 2017


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (55, PaceStatus.AHEAD),  # gap +0.05 exactly
        (54.99, PaceStatus.ON_PACE),
        (50, PaceStatus.ON_PACE),  # exactly at 时序进度
        (49.99, PaceStatus.LAGGING),  # below 时序进度 is lagging (band 0)
        (30, PaceStatus.LAGGING),  # gap −0.20 exactly
        (29.99, PaceStatus.SERIOUSLY_LAGGING),
        (0, PaceStatus.SERIOUSLY_LAGGING),
    ],
)
def test_pace_default_thresholds_at_their_boundaries(value, status):
    r = results(count(), {2017: value}, {2018: 100}, 2017, period=SHORT)
    assert r.elapsed == 0.5
    assert r.pace == status


def test_pace_thresholds_are_configurable():
    params = IndicatorParameters(pace=PaceThresholds(ahead=0.25, on_pace=-0.05, lagging=-0.25))

    def pace(value: float) -> PaceStatus | None:
        return results(count(), {2017: value}, {2018: 100}, 2017, period=SHORT, params=params).pace

    assert pace(75) == PaceStatus.AHEAD
    assert pace(74) == PaceStatus.ON_PACE
    assert pace(45) == PaceStatus.ON_PACE  # a band of 5 points below 时序进度
    assert pace(44) == PaceStatus.LAGGING
    assert pace(25) == PaceStatus.LAGGING
    assert pace(24) == PaceStatus.SERIOUSLY_LAGGING


def test_pace_thresholds_must_be_in_order():
    with pytest.raises(InvalidParameters):
        PaceThresholds(ahead=-0.1, on_pace=0.0, lagging=-0.2)


def test_no_pace_at_the_base_year():
    r = results(count(), {2016: 0}, {2019: 100}, 2016)
    assert r.elapsed == 0.0 and r.pace is None
    assert Note.BEFORE_BASE_YEAR in r.notes


# --- Open SDG: a supporting figure for growth kinds, never a status ----------------------------------


def test_open_sdg_ratio_of_an_average_growth_rate_is_value_over_target():
    spec = IndicatorSpec("G", IndicatorKind.AVG_ANNUAL_GROWTH, Aggregation.NONE, base_year=2016)
    r = results(spec, {2018: 9.5}, {2019: 10}, 2018)
    assert r.sdg_ratio == approx(0.95)
    assert not hasattr(r, "sdg_status")


# --- explicit outcomes --------------------------------------------------------------------------


def test_missing_value_is_missing_data_not_zero():
    r = results(count(), {2017: 30}, {2019: 120}, 2018)
    assert r.outcome == Outcome.MISSING_DATA
    assert r.value is None and r.completion is None and r.pace is None and r.forecast is None
    assert r.annual is None


def test_an_indicator_without_any_target_is_not_judged():
    r = results(count(), {2017: 30}, {}, 2017)
    assert r.outcome == Outcome.NOT_APPLICABLE and r.annual is None and r.pace is None
    assert Note.NO_TARGETS in r.notes


def test_no_target_at_this_scope_says_so_in_both_verdicts():
    inp = EvaluationInput(
        period=PERIOD,
        indicators=(count(),),
        localities=(A, LocalitySpec("B")),
        targets=(TargetSpec("X", "B", 2017, 40),),
        observations=(Observation("X", "A", 2017, 30),),
    )
    (r,) = indicator_results(evaluate_panel(build_panel(inp)), [2017], scopes=["A"])
    assert r.outcome == Outcome.EVALUATED
    assert r.value == 30 and r.completion is None
    assert r.annual == AnnualVerdict.NO_TARGET and r.pace is None
    assert Note.NO_YEAR_TARGET in r.notes and Note.NO_FINAL_TARGET in r.notes


def test_final_target_already_reached_before_the_final_year_is_ahead():
    r = results(count(), {2017: 130}, {2019: 120}, 2017)
    assert r.pace == PaceStatus.AHEAD
    assert r.annual == AnnualVerdict.NO_TARGET  # no 2017 target: the 2019 one does not stand in


def test_zero_base_level_is_fine_for_the_way():
    spec = IndicatorSpec("L", IndicatorKind.LEVEL, Aggregation.SUM)
    r = results(spec, {2016: 0, 2018: 5}, {2019: 10}, 2018)
    assert r.outcome == Outcome.EVALUATED
    assert r.progress == approx(0.5)  # the way from 0 to 10 is fine


def test_a_target_of_zero_gives_no_completion_ratio():
    r = results(count(), {2019: 0}, {2019: 0}, 2019)
    assert r.met is True and r.annual == AnnualVerdict.MET
    assert r.completion is None and Note.TARGET_NOT_POSITIVE in r.notes


def test_the_years_own_target_judges_the_year_and_the_final_target_the_pace():
    r = results(count(), {2017: 30, 2018: 70}, {2017: 40, 2018: 80, 2019: 120}, 2018)
    assert r.year_target == 80 and r.completion == approx(70 / 80) and r.met is False
    assert r.annual == AnnualVerdict.NOT_MET  # 87.5 % < 90 %
    assert r.target == 120 and r.target_year == 2019
    assert r.pace == PaceStatus.LAGGING


def test_after_the_final_year_the_final_target_judges_completion_only():
    r = results(count(), {2019: 100, 2020: 130}, {2019: 120}, 2020, period=PERIOD)
    assert r.target_year == 2019 and r.year_target == 120 and r.elapsed == 1.0
    assert r.annual == AnnualVerdict.MET and r.pace is None and r.forecast is None
    assert Note.FINAL_YEAR_REACHED in r.notes


def test_single_report_of_a_level_without_base_has_no_forecast():
    spec = IndicatorSpec("L", IndicatorKind.LEVEL, Aggregation.SUM)
    r = results(spec, {2017: 100}, {2019: 160}, 2017)
    assert r.forecast is None and r.likely_met is None
    assert Note.INSUFFICIENT_HISTORY in r.notes


def test_region_result_of_the_energy_indicator_is_not_applicable():
    inp = EvaluationInput(
        period=PERIOD,
        indicators=(energy(),),
        localities=(A, LocalitySpec("B")),
        targets=(TargetSpec("I29", "A", 2017, 8), TargetSpec("I29", "B", 2017, 7)),
        observations=(Observation("I29", "A", 2017, 6), Observation("I29", "B", 2017, 7.5)),
    )
    ev = evaluate_panel(build_panel(inp))
    by_scope = {r.scope: r for r in indicator_results(ev, [2017])}
    region = by_scope[REGION]
    assert region.outcome == Outcome.NOT_APPLICABLE
    assert region.completion is None and region.value is None and region.annual is None
    assert Note.NO_REGION_TARGET in region.notes and Note.NOT_ADDITIVE in region.notes
    assert by_scope["A"].annual == AnnualVerdict.NOT_MET
    assert by_scope["B"].annual == AnnualVerdict.MET


def test_results_are_ordered_by_indicator_scope_and_year():
    inp = EvaluationInput(
        period=PERIOD,
        indicators=(count("Y"), count("X")),
        localities=(LocalitySpec("B"), A),
        targets=(TargetSpec("X", REGION, 2019, 10),),
        observations=(Observation("X", "A", 2017, 1),),
    )
    keys = [
        (r.indicator, r.scope, r.year)
        for r in indicator_results(evaluate_panel(build_panel(inp)), [2018, 2017])
    ]
    assert keys[:6] == [
        ("Y", "B", 2017),
        ("Y", "B", 2018),
        ("Y", "A", 2017),
        ("Y", "A", 2018),
        ("Y", REGION, 2017),
        ("Y", REGION, 2018),
    ]
    assert keys[6][0] == "X"


@pytest.mark.parametrize(
    "bad",
    [
        {"observations": (Observation("NOPE", "A", 2017, 1),)},
        {"observations": (Observation("X", "Z", 2017, 1),)},
        {"observations": (Observation("X", "A", 2017, 1), Observation("X", "A", 2017, 2))},
        {"observations": (Observation("X", "A", 2017, float("nan")),)},
        {"indicators": (count(), count())},
    ],
)
def test_bad_inputs_are_refused(bad):
    fields = {"period": PERIOD, "indicators": (count(),), "localities": (A,)} | bad
    with pytest.raises(InvalidParameters):
        build_panel(EvaluationInput(**fields))
