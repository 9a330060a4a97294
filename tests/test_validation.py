"""The value checks of planwatch.core.validation on their own (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.core.kinds import IndicatorKind
from planwatch.core.validation import IndicatorRules, check_outlier, check_value
from planwatch.core.workbook import value_rule


@pytest.mark.parametrize(
    ("unit", "value", "whole"),
    [
        ("个", "2.5", True),
        ("家", "3", False),
        ("人", "526.49", True),
        ("人", "526", False),
        ("万人", "99.19", False),
    ],
)
def test_counts_and_persons_one_by_one_are_whole(unit: str, value: str, whole: bool) -> None:
    rules = IndicatorRules("X", IndicatorKind.LEVEL, unit)
    codes = {f.code for f in check_value(rules, Decimal(value))}
    assert ("not_integer" in codes) is whole
    assert value_rule(IndicatorKind.LEVEL, unit).whole is (unit in {"个", "家", "人"})


def test_persons_cannot_be_negative() -> None:
    codes = {f.code for f in check_value(IndicatorRules("C04", IndicatorKind.LEVEL, "人"), Decimal(-1))}
    assert codes == {"negative"}


def outliers(unit: str, value: str, history: list[str]) -> dict[str, str]:
    rules = IndicatorRules("X", IndicatorKind.LEVEL if unit != "%" else IndicatorKind.SHARE, unit)
    return {f.code: f.zh for f in check_outlier(rules, Decimal(value), [Decimal(h) for h in history])}


def test_a_rate_is_compared_in_percentage_points() -> None:
    # −0.47 % → 1.0 %: 1.47 points, not “313 %”
    assert outliers("%", "1.0", ["-0.47"]) == {}
    assert outliers("%", "35", ["20"]) == {
        "jump": "比上期变化 +15.0 个百分点（超过 10 个百分点），请说明原因"
    }
    assert outliers("%", "12", ["20"]) == {}  # 8 points: within 10


def test_an_amount_is_compared_in_percent() -> None:
    assert outliers("家", "40", ["10"]) == {"jump": "比上期变化 300%（超过 50%），请说明原因"}
    assert outliers("家", "14", ["10"]) == {}


def test_a_steady_trend_is_not_an_outlier() -> None:
    # 制造业技能人才数 growing every year: growing again is ordinary, however steady the history
    assert outliers("万人", "16.6", ["15.5", "15.9", "16.36", "16.36"]) == {}
    assert outliers("家", "140", ["100", "110", "120", "130"]) == {}


def test_a_change_far_outside_the_earlier_changes_is_flagged() -> None:
    found = outliers("家", "180", ["100", "110", "120", "130"])  # +50 after +10 a year, a 38 % jump
    assert set(found) == {"z_score"}
    assert found["z_score"].startswith("本期变化与本地区以往各期变化相差")


def test_a_slower_or_flat_year_is_not_an_outlier() -> None:
    # a share rising ~10 points a year, then flat (+0.07): plausible, no comment needed
    assert outliers("%", "92.73", ["62.5", "72.1", "82.9", "92.66"]) == {}
    assert outliers("家", "131", ["100", "110", "120", "130"]) == {}


def test_the_z_score_needs_three_earlier_changes() -> None:
    assert outliers("家", "180", ["110", "120", "130"]) == {}


def test_a_growth_rate_is_checked_against_its_level() -> None:
    from planwatch.core.validation import check_growth

    # I23 (growth over the 2016 base) of I22: 16.8 万人 against 16.0 in 2016 is +5.0 %
    assert (
        check_growth(
            "I23", IndicatorKind.GROWTH_OVER_BASE, Decimal("5.1"), "I22", Decimal("16.8"), Decimal("16"), 4
        )
        == []
    )
    [finding] = check_growth(
        "I23", IndicatorKind.GROWTH_OVER_BASE, Decimal("-0.47"), "I22", Decimal("16.8"), Decimal("16"), 4
    )
    assert finding.code == "growth_mismatch" and not finding.is_error
    assert "算得的增长率为 5.00%" in finding.zh and "-0.47%" in finding.zh
    # an average annual growth over three years: 100 → 133.1 is 10 % a year
    assert (
        check_growth(
            "I04", IndicatorKind.AVG_ANNUAL_GROWTH, Decimal("10"), "C01", Decimal("133.1"), Decimal("100"), 3
        )
        == []
    )
    assert check_growth(
        "I04", IndicatorKind.AVG_ANNUAL_GROWTH, Decimal("33.1"), "C01", Decimal("133.1"), Decimal("100"), 3
    )
