"""COPY's text format written column by column (planwatch.core.copytext): what PostgreSQL reads back
is what was meant — NULL, flags, times, numbers, texts with a tab, newline or backslash in them —
and a column alike in every row is spelled once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planwatch.core import copytext


def test_each_kind_of_value_is_spelled_as_copy_reads_it() -> None:
    assert copytext.text(None) == "\\N"
    assert copytext.text(True) == "t" and copytext.text(False) == "f"
    assert copytext.text(12) == "12"
    assert copytext.text(Decimal("12.50")) == "12.50"
    assert copytext.text(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == "2026-01-02T03:04:05+00:00"
    assert copytext.text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert copytext.text("示例 50%") == "示例 50%"


def test_a_column_alike_in_every_row_is_one_text() -> None:
    assert copytext.column([7, 7, 7]) == "7"
    assert copytext.column([1, True, 1]) == ["1", "t", "1"]  # equal, but not spelled alike
    assert copytext.column(["x", None]) == ["x", "\\N"]


def test_lines_fill_the_columns_row_by_row() -> None:
    columns = [copytext.column([1, 2]), copytext.column(["50%", "50%"]), copytext.column(["a", None])]
    assert copytext.lines(columns, 2) == "1\t50%\ta\n2\t50%\t\\N\n"
    assert copytext.lines(["%s", "x"], 2) == "%s\tx\n%s\tx\n"
    assert copytext.lines([], 0) == ""
