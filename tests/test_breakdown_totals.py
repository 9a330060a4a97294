"""The breakdown's totals, by hand (planwatch.core.evaluation.breakdown, no database): the localities'
targets added up by the region's rule, beside the region's target, the shortfall direction-aware."""

from __future__ import annotations

from planwatch.core.evaluation.breakdown import BreakdownTotal, TotalState, breakdown_totals, describe_total
from planwatch.core.evaluation.types import REGION, IndicatorSpec, LocalitySpec, PlanPeriod, TargetSpec
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind

PERIOD = PlanPeriod(2016, 2017, 2019)
YEARS = [2017, 2018, 2019]
# 顺德区 (SD) is inside 佛山市 (FS), whose figures include it: never added again.
PLACES = (
    LocalitySpec("ZH"),
    LocalitySpec("FS"),
    LocalitySpec("SD", counted_in_region_total=False, parent="FS"),
)
NAMES = {"ZH": ("珠海市", "Zhuhai"), "FS": ("佛山市", "Foshan"), "SD": ("顺德区", "Shunde")}


def spec(
    aggregation=Aggregation.SUM, direction=Direction.HIGHER_IS_BETTER, kind=IndicatorKind.CUMULATIVE_COUNT
):
    return IndicatorSpec("X", kind, aggregation, direction)


def t(scope: str, year: int, value: float) -> TargetSpec:
    return TargetSpec("X", scope, year, value)


def by_year(totals):
    return {item.year: item for item in totals}


def test_the_counted_localities_add_up_and_the_shortfall_is_said():
    # 2019: 珠海 40 + 佛山 50 = 90 (顺德 30 inside 佛山), against the region's 100: 10 short.
    targets = [t("ZH", 2019, 40), t("FS", 2019, 50), t("SD", 2019, 30), t(REGION, 2019, 100)]
    item = by_year(breakdown_totals(PERIOD, spec(), PLACES, targets, YEARS))[2019]
    assert (item.state, item.total, item.region_target, item.gap) == (TotalState.SHORTFALL, 90, 100, 10)
    assert item.counted == ("ZH", "FS")
    assert describe_total(item, "个", NAMES) == (
        "合计低于区域目标：合计 90 个，区域目标 100 个，相差 10 个",
        "The total falls short of the region target: 90 个 against 100 个, 10 个 short",
    )


def test_reaching_the_region_target_or_having_none():
    targets = [
        t("ZH", 2018, 60),
        t("FS", 2018, 40),
        t("ZH", 2019, 70),
        t("FS", 2019, 40),
        t(REGION, 2019, 110),
    ]
    years = by_year(breakdown_totals(PERIOD, spec(), PLACES, targets, YEARS))
    assert years[2019].state == TotalState.COVERED and years[2019].gap is None
    assert years[2018].state == TotalState.NO_REGION_TARGET and years[2018].total == 100
    assert years[2017].state == TotalState.INCOMPLETE and years[2017].missing == ("ZH", "FS")
    assert describe_total(years[2017], "", NAMES)[0] == "尚缺珠海市、佛山市的目标，无法合计"


def test_a_missing_district_does_not_hold_up_the_total():
    targets = [t("ZH", 2019, 1), t("FS", 2019, 2)]  # no target for 顺德区: not counted anyway
    item = by_year(breakdown_totals(PERIOD, spec(), PLACES, targets, YEARS))[2019]
    assert (item.state, item.total) == (TotalState.NO_REGION_TARGET, 3)


def test_lower_is_better_falls_short_when_the_total_is_above():
    targets = [t("ZH", 2019, 30), t("FS", 2019, 30), t(REGION, 2019, 50)]
    item = by_year(
        breakdown_totals(PERIOD, spec(direction=Direction.LOWER_IS_BETTER), PLACES, targets, YEARS)
    )[2019]
    assert (item.state, item.gap) == (TotalState.SHORTFALL, 10)
    assert describe_total(item)[0].startswith("合计高于区域目标（越低越好）")
    targets[-1] = t(REGION, 2019, 70)
    item = by_year(
        breakdown_totals(PERIOD, spec(direction=Direction.LOWER_IS_BETTER), PLACES, targets, YEARS)
    )[2019]
    assert item.state == TotalState.COVERED


def test_rates_and_shares_do_not_add_up():
    targets = [t("ZH", 2019, 30), t("FS", 2019, 40), t(REGION, 2019, 35)]
    share = spec(Aggregation.RECOMPUTE, kind=IndicatorKind.SHARE)
    totals = breakdown_totals(PERIOD, share, PLACES, targets, YEARS)
    assert {item.state for item in totals} == {TotalState.NOT_SUMMED}
    assert by_year(totals)[2019].total is None and by_year(totals)[2019].region_target == 35
    assert "重新计算" in describe_total(totals[0])[0]
    none = spec(Aggregation.NONE, kind=IndicatorKind.CUMULATIVE_DECREASE)
    assert "不可加总" in describe_total(breakdown_totals(PERIOD, none, PLACES, targets, YEARS)[0])[0]


def test_rounding_noise_is_no_shortfall():
    targets = [t("ZH", 2019, 0.1), t("FS", 2019, 0.2), t(REGION, 2019, 0.3)]
    item = by_year(breakdown_totals(PERIOD, spec(kind=IndicatorKind.LEVEL), PLACES, targets, YEARS))[2019]
    assert item.state == TotalState.COVERED


def test_a_national_plans_missing_units_are_named_ten_and_counted():
    codes = [f"{n:06d}" for n in range(2867)]
    item = BreakdownTotal(
        "I1", 2019, Aggregation.SUM, Direction.HIGHER_IS_BETTER, TotalState.INCOMPLETE, missing=tuple(codes)
    )
    zh, en = describe_total(item, "", {c: (f"县{c}", f"County {c}") for c in codes})
    assert zh == "尚缺" + "、".join(f"县{c}" for c in codes[:10]) + "等2867个地区的目标，无法合计"
    assert en.endswith("County 000009 and 2857 more")
