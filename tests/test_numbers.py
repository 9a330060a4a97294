"""planwatch.core.numbers: every input's reading of a number, the columns' limits, one spelling and
the formats shown to people."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.core import numbers
from planwatch.core.numbers import NumberProblem


def test_the_limits_are_the_columns():
    digits = (numbers.MAX_DIGITS, numbers.DECIMAL_PLACES, numbers.MAX_INTEGER_DIGITS)
    limits = (numbers.LIMIT, numbers.QUANTUM)
    assert digits == (24, 6, 18)
    assert limits == (Decimal(10) ** 18, Decimal("0.000001"))
    assert numbers.too_large(Decimal(10) ** 18) and not numbers.too_large(Decimal(10) ** 18 - 1)


# --- spreadsheet cells (moved from test_excel_template) ------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number_format", "expected"),
    [
        (12, "General", Decimal(12)),
        (0.30000000000000004, "General", Decimal("0.3")),
        (0.355, "0.0%", Decimal("35.5")),
        ("1,200", "General", Decimal(1200)),
        (" ３５ ", "@", Decimal(35)),
        ("35%", "General", Decimal(35)),
        ("-2.50", "General", Decimal("-2.5")),
        ("", "General", None),
        (None, "General", None),
    ],
)
def test_numbers_as_people_type_them(raw, number_format, expected):
    assert numbers.parse_cell(raw, number_format) == (expected, None)


@pytest.mark.parametrize("raw", ["abc", "12a", "1.2.3", "1,20", True, "NaN", "inf", float("nan"), "1e30"])
def test_what_is_not_a_number(raw):
    value, why = numbers.parse_cell(raw)
    assert value is None and why is not None


def test_a_cell_too_large_or_too_precise():
    assert numbers.parse_cell(1e20) == (None, ("数值过大", "the number is too large: 1e+20"))
    assert numbers.parse_cell("1.0000001") == (
        None,
        ("小数位数过多（最多 6 位）", "too many decimal places (at most 6): 1.0000001"),
    )
    assert numbers.parse_cell("1.5000000") == (Decimal("1.5"), None)  # trailing zeros are no places


# --- typed text (the web entry form) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,200", Decimal("1200")),
        ("１２００．５", Decimal("1200.5")),
        (" 35 ", Decimal(35)),
        ("1，000", Decimal(1000)),
        ("-0.47", Decimal("-0.47")),
        (".5", Decimal("0.5")),
        ("1200.50", Decimal("1200.50")),
    ],
)
def test_typed_numbers(raw, expected):
    value, problem = numbers.parse_typed(raw)
    assert problem is None and value == expected and str(value) == str(expected)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("abc", NumberProblem.NOT_A_NUMBER),
        ("1e5", NumberProblem.NOT_A_NUMBER),
        ("35%", NumberProblem.NOT_A_NUMBER),
        ("1.2.3", NumberProblem.NOT_A_NUMBER),
        ("1.0000000", NumberProblem.TOO_MANY_PLACES),  # every place typed counts
        ("1" + "0" * 18, NumberProblem.TOO_LARGE),
    ],
)
def test_typed_text_that_is_no_storable_number(raw, problem):
    assert numbers.parse_typed(raw) == (None, problem)


def test_blank_typed_text_is_no_number_and_no_problem():
    assert numbers.parse_typed("  ") == (None, None)


# --- JSON and CSV values, ledger cells ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (Decimal("12.5"), None),
        (Decimal("1.5000000"), None),
        (Decimal("35.1234567"), NumberProblem.TOO_MANY_PLACES),
        (Decimal(10) ** 18, NumberProblem.TOO_LARGE),
        (Decimal("NaN"), NumberProblem.NOT_A_NUMBER),
        (Decimal("Infinity"), NumberProblem.NOT_A_NUMBER),
    ],
)
def test_storable(value, problem):
    assert numbers.storable(value) == problem


def test_decimal_or_none_reads_as_decimal_does():
    assert numbers.decimal_or_none("1e3") == Decimal(1000)
    assert numbers.decimal_or_none(" 12 ") == Decimal(12)
    assert numbers.decimal_or_none("12 万") is None


# --- one spelling -------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["800", "800.0", "800.000000", "8E+2"])
def test_one_spelling_per_number(spelling):
    number = Decimal(spelling)
    assert str(numbers.canonical_decimal(number)) == "800"
    assert numbers.plain(number) == "800"
    assert numbers.json_number(number) == 800 and isinstance(numbers.json_number(number), int)
    assert numbers.cell_number(number) == 800 and isinstance(numbers.cell_number(number), int)


def test_fractions_keep_their_places_without_trailing_zeros():
    assert numbers.plain(Decimal("12.500")) == "12.5"
    assert numbers.json_number(Decimal("12.500")) == 12.5
    assert numbers.cell_number(Decimal("0.0100")) == Decimal("0.01")
    assert numbers.json_number(None) is None and numbers.cell_number(None) is None


# --- formats for people -------------------------------------------------------------------------


def test_grouped_is_exact():
    assert numbers.grouped(Decimal("1234567.500")) == "1,234,567.5"
    assert numbers.grouped(1200) == "1,200"
    assert numbers.grouped(None) == numbers.grouped("") == "—"


def test_fixed_places():
    assert numbers.fixed(Decimal("1200.5"), 2) == "1,200.50"
    assert numbers.fixed(Decimal("3"), 0) == "3"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (800, "800"),
        (3486.414, "3,486.41"),
        (12.5, "12.5"),
        (Decimal("0.333"), "0.33"),
        (-0.001, "0"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_figures(value, shown):
    assert numbers.figure(value) == shown


def test_percent_and_score():
    assert numbers.percent(0.579) == "57.9%" and numbers.percent(None) == "—"
    assert numbers.score(0.123456) == "0.123" and numbers.score(None) == "—"  # SCORE_DECIMALS


def test_a_whole_int_is_spelt_as_its_decimal():
    """A model's DecimalField assigned an int in code (item.investment = 30000) before it is saved."""
    assert str(numbers.canonical_decimal(30000)) == "30000" and numbers.plain(30000) == "30000"
