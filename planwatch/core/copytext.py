"""PostgreSQL's COPY text format, written column by column for many rows at once.

Django-free. A bulk write (a data value set's values and audit events) gives its rows as columns: a
column whose rows are all alike (the time, the user, the source of one write) is spelled once, into
a template of one line that the other columns fill in, so that each row costs one `%` of a few short
texts rather than one call per value (psycopg's `write_row`). The texts are what COPY … FROM STDIN
reads in its default text format: columns split by a tab, rows ended by a newline, NULL as `\\N`,
a backslash, tab, newline or carriage return in a text escaped by a backslash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = frozenset("\\\t\n\r")
_PLAIN = frozenset({int, Decimal})  # spelled by str() as COPY reads them


def text(value: Any) -> str:
    """One value as COPY's text format spells it: None as NULL, a flag as t or f, a time in ISO."""
    kind = type(value)
    if kind is str:
        spelled: str = value
        return spelled.translate(_ESCAPES) if not _SPECIAL.isdisjoint(spelled) else spelled
    if value is None:
        return NULL
    if kind is bool:
        return "t" if value else "f"
    if kind in _PLAIN:
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):  # a str subclass (a Django choice): its text
        return text(str(value))
    return str(value).translate(_ESCAPES)


def column(values: Sequence[Any]) -> str | list[str]:
    """A column of many rows in COPY's text format: one text if every row holds the same value (the
    same object, or equal values of one type), else one text per row (none for no row)."""
    if not values:
        return []
    first = values[0]
    if values.count(first) == len(values) and len({type(v) for v in values}) == 1:
        return text(first)
    return list(map(text, values))


def lines(columns: Sequence[str | list[str]], count: int) -> str:
    """`count` rows of COPY's text format, each ended by a newline, of the columns (`column()`)."""
    if count == 0:
        return ""
    template: list[str] = []
    varying: list[list[str]] = []
    for spelled in columns:
        if isinstance(spelled, str):
            template.append(spelled.replace("%", "%%"))
        else:
            template.append("%s")
            varying.append(spelled)
    form = "\t".join(template) + "\n"
    if not varying:
        return (form % ()) * count
    return "".join([form % row for row in zip(*varying, strict=True)])
