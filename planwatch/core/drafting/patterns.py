"""The drafter's rules, read from patterns.yaml beside this file: one place for every regular
expression the drafter uses, each with the example it must match (tests/test_drafting_patterns.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")


@dataclass(frozen=True)
class Pattern:
    """One rule: a compiled expression over folded text (see text.fold), its example and what the
    example must give."""

    section: str
    name: str
    regex: re.Pattern[str]
    example: str
    expect: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # kinds: the indicator kind; qualifiers: the qualifier
    side: str = ""  # kinds and qualifiers: "before" or "after" the figure; "unit" for a unit rule


@dataclass(frozen=True)
class Patterns:
    by_section: dict[str, list[Pattern]]

    def get(self, section: str, name: str) -> Pattern:
        for pattern in self.by_section[section]:
            if pattern.name == name:
                return pattern
        raise KeyError(f"{section}.{name}")

    def section(self, name: str) -> list[Pattern]:
        return self.by_section[name]

    def all(self) -> list[Pattern]:
        return [p for patterns in self.by_section.values() for p in patterns]


def _pattern(section: str, row: dict[str, Any]) -> Pattern:
    side = "regex"
    for key in ("regex", "before", "after", "unit"):
        if key in row:
            side = key
            break
    source = str(row[side])
    if side == "unit":
        source = "^" + re.escape(source) + "$"
    expect = {str(k): str(v) for k, v in (row.get("expect") or {}).items()}
    return Pattern(
        section=section,
        name=str(row["name"]),
        regex=re.compile(source),
        example=str(row["example"]),
        expect=expect,
        kind=str(row.get("kind") or row.get("qualifier") or ""),
        side="" if side == "regex" else side,
    )


@cache
def patterns() -> Patterns:
    data = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    return Patterns({section: [_pattern(section, row) for row in rows] for section, rows in data.items()})
