"""Numbers in and out: parsed, limited, spelled and formatted in one place.

Django-free. Every number PlanWatch stores is a `Decimal` in a column of 24 digits, 6 of them after
the decimal point (`MAX_DIGITS`, `DECIMAL_PLACES`). This module reads numbers from every input —
text typed in the web entry form (`parse_typed`), a spreadsheet cell (`parse_cell`), a JSON or CSV
value (`storable`, `decimal_or_none`) — checks they fit the columns, gives each number one spelling
(`canonical_decimal`, `plain`, `json_number`), and formats numbers for people (`grouped`, `fixed`,
`figure`, `percent`, `score`).

The web form's messages are translated by the caller, which maps a `NumberProblem` to its own words;
the spreadsheet's messages are in both languages here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

# --- limits -------------------------------------------------------------------------------------

MAX_DIGITS = 24  # the database's DecimalField(max_digits=24, decimal_places=6)
DECIMAL_PLACES = 6
MAX_INTEGER_DIGITS = MAX_DIGITS - DECIMAL_PLACES  # 18
LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS  # a stored number is smaller than this in absolute value
QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)  # 0.000001


class NumberProblem(StrEnum):
    """Why a number cannot be stored."""

    NOT_A_NUMBER = "not_a_number"
    TOO_MANY_PLACES = "too_many_places"
    TOO_LARGE = "too_large"


def too_large(value: Decimal) -> bool:
    """More integer digits than a column holds."""
    return abs(value) >= LIMIT


def storable(value: Decimal) -> NumberProblem | None:
    """Why a number cannot be stored as a value, or None if it can (trailing zeros do not count as
    decimal places: 1.5000000 is 1.5)."""
    if not value.is_finite():
        return NumberProblem.NOT_A_NUMBER
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    if max(0, -exponent) > DECIMAL_PLACES:
        return NumberProblem.TOO_MANY_PLACES
    if too_large(value):
        return NumberProblem.TOO_LARGE
    return None


# --- spelling -----------------------------------------------------------------------------------


def canonical_decimal(value: Decimal | int) -> Decimal:
    """One spelling per number, so that 800, 800.0 and 8E+2 hash and export alike. An int (a model
    field assigned in code and not yet read back from the database) is a whole number."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def plain(value: Decimal | int) -> str:
    """A number as digits, no grouping, no trailing zeros: 800, 12.5, -0.47 (for input fields,
    exports and messages)."""
    return f"{canonical_decimal(value):f}"


def json_number(value: Decimal | None) -> int | float | None:
    """A number for JSON or YAML: whole numbers as integers, others as floats."""
    if value is None:
        return None
    value = canonical_decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def cell_number(value: Decimal | None) -> int | Decimal | None:
    """A number as a spreadsheet cell keeps it: whole numbers as integers, others without trailing
    zeros."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return Decimal(plain(value))


# --- parsing ------------------------------------------------------------------------------------


def decimal_or_none(text: str) -> Decimal | None:
    """The number `Decimal` reads from the text (1e3, NaN and surrounding blanks included), or None
    when it reads none."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
_TYPED = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


def parse_typed(raw: str) -> tuple[Decimal | None, NumberProblem | None]:
    """A number as officials type it in a form: 1,200 or 1200.5, full-width digits too; blank is
    (None, None). The value keeps the places typed (1200.50), and every place typed counts."""
    text = re.sub(r"[\s,，]", "", raw.translate(_FULL_WIDTH))
    if not text:
        return None, None
    if not _TYPED.fullmatch(text):
        return None, NumberProblem.NOT_A_NUMBER
    value = decimal_or_none(text)
    if value is None:  # pragma: no cover - the pattern admits only valid numbers
        return None, NumberProblem.NOT_A_NUMBER
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMAL_PLACES:
        return None, NumberProblem.TOO_MANY_PLACES
    if too_large(value):
        return None, NumberProblem.TOO_LARGE
    return value, None


_CELL_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _not_a_number(shown: str) -> tuple[str, str]:
    """Why a cell is not a number, quoting what it holds in both languages."""
    return f"“{shown}”不是数字", f"not a number: {shown!r}"


def _from_float(value: float) -> Decimal:
    """A float without the binary noise Excel adds (0.30000000000000004 is 0.3)."""
    number = Decimal(repr(value))
    rounded = number.quantize(QUANTUM) if not too_large(number) else number
    if abs(number - rounded) <= max(Decimal("1e-9"), abs(number) * Decimal("1e-12")):
        return rounded
    return number


def _from_text(value: Any) -> Decimal | None:
    """A number typed as text in a cell: "12.5", "1,200", "３５", "35%"; None when it is none."""
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _CELL_NUMBER.fullmatch(text):
        return None
    return decimal_or_none(text)


def parse_cell(value: Any, number_format: str = "General") -> tuple[Decimal | None, tuple[str, str] | None]:
    """A spreadsheet cell's value as a Decimal, or why it is not one (Chinese, English). Blank gives
    (None, None).

    Numbers typed as text ("12.5", "1,200", "３５", "35%") are accepted; a number Excel shows as a
    percentage (35 % is stored as 0.35) is read as the percentage shown. Floats lose the binary
    noise Excel adds (0.30000000000000004 is 0.3).
    """
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return None, _not_a_number(str(value))
    if isinstance(value, (datetime, date, time, timedelta)):
        return None, ("不是数字（是日期或时间）", f"not a number (a date or time): '{value}'")
    number: Decimal | None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None, _not_a_number(repr(value))
        number = _from_float(value)
    elif isinstance(value, Decimal):
        number = value
    else:
        number = _from_text(value)
        if number is None:
            return None, _not_a_number(str(value).strip())
    if not number.is_finite():
        return None, _not_a_number(str(value))
    if isinstance(value, (int, float)) and "%" in (number_format or ""):
        number *= 100  # the cell shows a percentage: 0.35 shown as 35 %
    if too_large(number):
        return None, ("数值过大", f"the number is too large: {number:g}")
    if number != number.quantize(QUANTUM):
        return None, (
            f"小数位数过多（最多 {DECIMAL_PLACES} 位）",
            f"too many decimal places (at most {DECIMAL_PLACES}): {number.normalize():f}",
        )
    if number == number.to_integral_value():
        return Decimal(int(number)), None
    return number.normalize(), None


# --- formatting for people ----------------------------------------------------------------------

NONE = "—"  # what is shown for no number


def grouped(value: Decimal | int | float | str | None) -> str:
    """A number as officials write it: exact, no trailing zeros, thousands grouped (12,345.5)."""
    if value is None or value == "":
        return NONE
    number = canonical_decimal(Decimal(str(value)))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


def fixed(value: Decimal | int | float | str, places: int) -> str:
    """A number with a fixed number of decimal places, thousands grouped (1,200.50)."""
    return f"{Decimal(value):,.{places}f}"


def figure(value: float | Decimal | None) -> str:
    """A figure in a table or a sentence: 800, 3,486.41, 12.5 — at most two decimals, no trailing
    zeros; — for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NONE
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(share: float | None) -> str:
    """A share of 1 as a percentage with one decimal: 0.579 → 57.9%."""
    return NONE if share is None else f"{share * 100:.1f}%"


# Composite scores are shown with this many decimals everywhere (pages, bulletins, exports), and
# ranked at the same precision: two scores shown alike share a rank (docs/methodology.md, "Ranks").
SCORE_DECIMALS = 3
SCORE_EXCEL_FORMAT = "0." + "0" * SCORE_DECIMALS  # the same precision in a spreadsheet cell


def score(value: float | None) -> str:
    """A score of the composite index as shown: SCORE_DECIMALS decimals (0.848)."""
    return NONE if value is None else f"{value:.{SCORE_DECIMALS}f}"
