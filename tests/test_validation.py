"""The value checks of planwatch.core.validation on their own (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.core.planfile import IndicatorKind
from planwatch.core.validation import IndicatorRules, check_value
from planwatch.core.workbook import value_rule


@pytest.mark.parametrize(
    ("unit", "value", "whole"),
    [("个", "2.5", True), ("家", "3", False), ("人", "526.49", True), ("人", "526", False), ("万人", "99.19", False)],
)
def test_counts_and_persons_one_by_one_are_whole(unit: str, value: str, whole: bool) -> None:
    rules = IndicatorRules("X", IndicatorKind.LEVEL, unit)
    codes = {f.code for f in check_value(rules, Decimal(value))}
    assert ("not_integer" in codes) is whole
    assert value_rule(IndicatorKind.LEVEL, unit).whole is (unit in {"个", "家", "人"})


def test_persons_cannot_be_negative() -> None:
    codes = {f.code for f in check_value(IndicatorRules("C04", IndicatorKind.LEVEL, "人"), Decimal(-1))}
    assert codes == {"negative"}
