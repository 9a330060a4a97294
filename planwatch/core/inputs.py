"""Input that the database can hold: the checks made on every request before anything reads it.

Django-free. PostgreSQL refuses the NUL character in text (and would answer a server error), and a
JSON document nested thousands of levels deep overflows the parser's recursion: both are refused
up front, each with the place of the problem (a form field, a query parameter, a JSON path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from planwatch.core.errors import Issue, Kind

MAX_JSON_DEPTH = 64  # no body PlanWatch reads nests more than a few levels
NUL = "\x00"

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, read without parsing it (brackets
    inside strings do not count)."""
    depth = deepest = 0
    for byte in _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKET):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> Issue | None:
    if json_depth(body) <= limit:
        return None
    return Issue(
        Kind.INVALID,
        f"JSON 嵌套层数超过 {limit} 层，无法读取",
        f"the JSON body nests deeper than {limit} levels and is not read",
    )


def nul_issue(place: str) -> Issue:
    return Issue(
        Kind.INVALID,
        f"{place}：含有空字符（\\x00），请删除后重试",
        f"{place}: contains a NUL character (\\x00); remove it and try again",
        path=place,
    )


def nul_in_fields(fields: Iterable[tuple[str, str]]) -> Issue | None:
    """The first named field (form field, query parameter) whose name or value holds a NUL."""
    for name, value in fields:
        if NUL in name or NUL in value:
            return nul_issue(name.replace(NUL, "\\x00"))
    return None


def nul_in_json(document: Any, path: str = "") -> Issue | None:
    """The first place of a parsed JSON document whose text (key or value) holds a NUL, by its
    path: `values[2].comment`."""
    if isinstance(document, str):
        return nul_issue(path or "body") if NUL in document else None
    if isinstance(document, list):
        items: Iterable[tuple[str, Any]] = ((f"{path}[{i}]", v) for i, v in enumerate(document))
    elif isinstance(document, dict):
        items = []
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return nul_issue(where.replace(NUL, "\\x00"))
            items.append((where, value))
    else:
        return None
    for where, value in items:
        if found := nul_in_json(value, where):
            return found
    return None
