"""Aggregation to the region: sum without double counting, recomputed ratios, none, missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from planwatch.core.evaluation import (
    REGION,
    AnnualVerdict,
    EvaluationInput,
    IndicatorSpec,
    InvalidParameters,
    LocalitySpec,
    Note,
    Observation,
    Outcome,
    PaceStatus,
    PlanPeriod,
    TargetSpec,
    build_panel,
    evaluate_panel,
    indicator_results,
    localities_from_plan,
)
from planwatch.core.kinds import Aggregation, IndicatorKind
from planwatch.core.planfile import read_plan_file

PERIOD = PlanPeriod(base_year=2016, start_year=2017, end_year=2019)
SEED_PLAN = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"

# 佛山 (FS) reports figures that include 顺德 (SD); 珠海 (ZH) is on its own.
LOCALITIES = (
    LocalitySpec("ZH"),
    LocalitySpec("FS"),
    LocalitySpec("SD", counted_in_region_total=False, parent="FS"),
)


def region_result(indicators, observations, targets=(), year=2018):
    inp = EvaluationInput(PERIOD, tuple(indicators), LOCALITIES, tuple(targets), tuple(observations))
    panel = build_panel(inp)
    results = indicator_results(evaluate_panel(panel), [year], scopes=[REGION])
    region_values = {(r.indicator, r.year): r for r in panel.region_values()}
    return {r.indicator: r for r in results}, region_values


def obs(code, year, **values):
    return [Observation(code, scope, year, value) for scope, value in values.items()]


def test_sum_never_counts_shunde_twice():
    spec = IndicatorSpec("I01", IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM)
    results, made = region_result(
        [spec], obs("I01", 2018, ZH=10, FS=20, SD=5), [TargetSpec("I01", REGION, 2019, 60)]
    )
    assert results["I01"].value == 30  # not 35
    assert results["I01"].progress == pytest.approx(30 / 60)
    assert made[("I01", 2018)].counted == ("ZH", "FS")
    assert made[("I01", 2018)].missing == ()


def test_sum_with_a_locality_missing_names_it_and_makes_no_value():
    spec = IndicatorSpec("I01", IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM)
    # Shunde's figure is missing too, but it is not counted, so only Zhuhai is missing.
    results, made = region_result([spec], obs("I01", 2018, FS=20), [TargetSpec("I01", REGION, 2019, 60)])
    r = results["I01"]
    assert r.outcome == Outcome.MISSING_DATA
    assert r.value is None and r.completion is None
    assert r.missing_localities == ("ZH",)
    assert Note.MISSING_LOCALITIES in r.notes
    assert made[("I01", 2018)].value is None and made[("I01", 2018)].missing == ("ZH",)


def test_share_is_recomputed_from_summed_numerator_and_denominator():
    num = IndicatorSpec("I24", IndicatorKind.LEVEL, Aggregation.SUM)
    den = IndicatorSpec("I22", IndicatorKind.LEVEL, Aggregation.SUM)
    share = IndicatorSpec(
        "I25",
        IndicatorKind.SHARE,
        Aggregation.RECOMPUTE,
        components={"numerator": "I24", "denominator": "I22"},
    )
    observations = obs("I24", 2018, ZH=3, FS=8, SD=4) + obs("I22", 2018, ZH=10, FS=20, SD=9)
    observations += obs("I25", 2018, ZH=30, FS=40, SD=44.4)
    results, _ = region_result([num, den, share], observations, [TargetSpec("I25", REGION, 2018, 35)])
    assert results["I25"].value == pytest.approx(11 / 30 * 100)  # not the mean of 30 % and 40 %
    assert results["I25"].annual == AnnualVerdict.MET  # 36.7 % against 35 %


def growth_indicators(kind):
    level = IndicatorSpec("C01", IndicatorKind.LEVEL, Aggregation.SUM)
    rate = IndicatorSpec("I04", kind, Aggregation.RECOMPUTE, base_year=2016, components={"level": "C01"})
    return [level, rate]


def test_average_annual_growth_is_recomputed_from_the_summed_levels():
    observations = obs("C01", 2016, ZH=100, FS=300, SD=100) + obs("C01", 2018, ZH=150, FS=330, SD=120)
    results, _ = region_result(
        growth_indicators(IndicatorKind.AVG_ANNUAL_GROWTH),
        observations,
        [TargetSpec("I04", REGION, 2019, 12)],
    )
    # (480 / 400)^(1/2) − 1, not a mean of the localities' rates.
    assert results["I04"].value == pytest.approx(((480 / 400) ** 0.5 - 1) * 100)


def test_growth_over_base_is_recomputed_from_the_summed_levels():
    observations = obs("C01", 2016, ZH=100, FS=300, SD=100) + obs("C01", 2018, ZH=150, FS=330, SD=120)
    results, _ = region_result(
        growth_indicators(IndicatorKind.GROWTH_OVER_BASE), observations, [TargetSpec("I04", REGION, 2019, 20)]
    )
    assert results["I04"].value == pytest.approx(20.0)
    assert results["I04"].pace == PaceStatus.AHEAD  # the 2019 growth reached in 2018


def test_recomputed_growth_misses_the_localities_missing_at_the_base_year():
    observations = obs("C01", 2016, ZH=100) + obs("C01", 2018, ZH=150, FS=330)
    results, _ = region_result(
        growth_indicators(IndicatorKind.GROWTH_OVER_BASE), observations, [TargetSpec("I04", REGION, 2019, 20)]
    )
    assert results["I04"].outcome == Outcome.MISSING_DATA
    assert results["I04"].missing_localities == ("FS",)


def test_recomputed_growth_from_a_zero_base_is_invalid_base():
    observations = obs("C01", 2016, ZH=0, FS=0) + obs("C01", 2018, ZH=150, FS=330)
    results, made = region_result(
        growth_indicators(IndicatorKind.GROWTH_OVER_BASE), observations, [TargetSpec("I04", REGION, 2019, 20)]
    )
    assert results["I04"].outcome == Outcome.INVALID_BASE
    assert results["I04"].value is None
    assert made[("I04", 2018)].invalid_base is True


def test_none_gives_no_region_value():
    spec = IndicatorSpec("I28", IndicatorKind.SHARE, Aggregation.NONE)
    results, made = region_result(
        [spec], obs("I28", 2018, ZH=80, FS=90), [TargetSpec("I28", REGION, 2019, 100)]
    )
    assert results["I28"].outcome == Outcome.NOT_APPLICABLE
    assert Note.NOT_ADDITIVE in results["I28"].notes
    assert made[("I28", 2018)].counted == ()


def test_none_uses_a_figure_reported_for_the_region_itself():
    spec = IndicatorSpec("I28", IndicatorKind.SHARE, Aggregation.NONE)
    observations = [*obs("I28", 2018, ZH=80, FS=90), Observation("I28", REGION, 2018, 85)]
    results, made = region_result([spec], observations, [TargetSpec("I28", REGION, 2019, 100)])
    assert results["I28"].value == 85 and results["I28"].outcome == Outcome.EVALUATED
    assert made[("I28", 2018)].reported is True


def test_a_region_figure_for_an_aggregated_indicator_is_refused():
    spec = IndicatorSpec("I01", IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM)
    with pytest.raises(InvalidParameters):
        region_result([spec], [Observation("I01", REGION, 2018, 30)])


def test_a_percentage_cannot_be_summed():
    spec = IndicatorSpec("S", IndicatorKind.SHARE, Aggregation.SUM)
    with pytest.raises(InvalidParameters):
        region_result([spec], [])


def test_the_seed_plan_counts_shunde_inside_foshan_only():
    localities = {loc.code: loc for loc in localities_from_plan(read_plan_file(SEED_PLAN))}
    assert list(localities) == ["ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"]
    assert localities["SD"].counted_in_region_total is False
    assert localities["SD"].parent == "FS"
    assert all(loc.counted_in_region_total for code, loc in localities.items() if code != "SD")
