"""One spelling per JSON value (canonical JSON: keys sorted, no spaces, UTF-8 as is, no NaN), the
spelling results are hashed and stored in; and the same of many results at once, column by column."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from planwatch.core.evaluation.types import IndicatorResult, ResultColumns, to_jsonable

__all__ = ["canonical_json", "canonical_texts"]

# One encoder for every call: json.dumps would make one each time (a run's rows: a call per row).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(data: Any) -> str:
    """One spelling per JSON value: keys sorted, no spaces, UTF-8 as is, no NaN."""
    return _CANONICAL.encode(data)


# Columns of JSON numbers and literals, spelled at once: their texts hold no comma. NaN and the
# infinities, which to_jsonable makes None, spelled null after.
_LITERALS = frozenset({float, int, bool, type(None)})
_LOOSE = json.JSONEncoder(separators=(",", ":"), allow_nan=True)
_NOT_FINITE = {"NaN": "null", "Infinity": "null", "-Infinity": "null"}


def canonical_texts(items: Sequence[Any]) -> list[str]:
    """`canonical_json(to_jsonable(item))` of each of a list of dataclass objects of one type — the
    same texts, made column by column: a column of numbers and literals spelled by one call of
    json's encoder, any other column each distinct value once; then each row's keys sorted, as
    canonical_json writes a dict. A run's hundreds of thousands of results without a dict each —
    and, given the engine's ResultColumns, without an object each."""
    if not items:
        return []
    if isinstance(items, ResultColumns):  # the engine's columns themselves, no object made
        kind: Any = IndicatorResult
        column = items.column
    else:
        kinds = set(map(type, items))
        if len(kinds) != 1 or not dataclasses.is_dataclass(kind := kinds.pop()):
            return [canonical_json(to_jsonable(item)) for item in items]

        def column(name: str) -> list[Any]:
            return list(map(attrgetter(name), items))

    names = sorted(f.name for f in dataclasses.fields(kind))
    template = "{" + ",".join(canonical_json(name).replace("%", "%%") + ":%s" for name in names) + "}"
    columns = [_column_texts(column(name)) for name in names]
    return [template % row for row in zip(*columns, strict=True)]


def _column_texts(values: list[Any]) -> list[str]:
    kinds = set(map(type, values))
    if kinds <= _LITERALS:
        spelled = _LOOSE.encode(values)
        texts = spelled[1:-1].split(",")
        if "N" in spelled or "I" in spelled:
            texts = [_NOT_FINITE.get(text, text) for text in texts]
        return texts
    try:
        distinct = set(values)
    except TypeError:  # unhashable
        return [canonical_json(to_jsonable(value)) for value in values]
    if not all(map(_spelled_alike, distinct)):
        return [canonical_json(to_jsonable(value)) for value in values]
    once = {value: canonical_json(to_jsonable(value)) for value in distinct}
    return [once[value] for value in values]


def _spelled_alike(value: Any) -> bool:
    """Whether every value equal to this one has its JSON text: so for None, text, an enum of text
    (equal to its text, and spelled as it) and tuples of them — not for 1, 1.0 and True, or 0.0
    and −0.0, equal and spelled apart."""
    if type(value) is tuple:
        return all(map(_spelled_alike, value))
    return value is None or type(value) is str or isinstance(value, enum.Enum) and type(value._value_) is str
