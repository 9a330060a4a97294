"""The national administrative division names the drafter matches places against (divisions.yaml),
and the matching: a text names 佛山 or 佛山市, 顺德 or 顺德区."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DIVISIONS_FILE = Path(__file__).with_name("divisions.yaml")

_SUFFIXES = ("特别行政区", "维吾尔自治区", "回族自治区", "壮族自治区", "自治区", "省", "市", "区", "县")


@dataclass(frozen=True)
class Division:
    name: str  # 佛山市
    level: str  # province, city, district, county
    parent: str | None  # the parent's name

    @property
    def short(self) -> str:
        """The name without its suffix (佛山), as texts often say it; a short form of one character
        is no short form."""
        for suffix in _SUFFIXES:
            if self.name.endswith(suffix) and len(self.name) - len(suffix) >= 2:
                return self.name[: -len(suffix)]
        return self.name


def _level_of(name: str, parent_level: str) -> str:
    if parent_level == "province":
        return "city"
    return "district" if name.endswith("区") else "county"


@cache
def divisions() -> tuple[Division, ...]:
    data = yaml.safe_load(DIVISIONS_FILE.read_text(encoding="utf-8"))
    out = [Division(name, "province", None) for name in data["provinces"]]
    for province, cities in data["cities"].items():
        out += [Division(city, "city", province) for city in cities]
    for city, names in data["districts"].items():
        out += [Division(name, _level_of(name, "city"), city) for name in names]
    return tuple(out)


def by_name(name: str) -> Division | None:
    return next((d for d in divisions() if d.name == name), None)


@dataclass(frozen=True)
class Mention:
    division: Division
    start: int  # offset in the text searched
    text: str  # as written


def find_places(text: str, province: str | None) -> list[Mention]:
    """Every division the text names, longest name first at each place. Full names match anywhere;
    short forms only for the plan's own province's cities and districts (江西 in 珠江西岸 is no
    province), and a province's short form only before 省."""
    candidates: list[tuple[str, Division]] = []
    for division in divisions():
        candidates.append((division.name, division))
        short = division.short
        if short == division.name:
            continue
        if division.level == "province":
            continue
        if province is not None and _province_of(division) == province:
            candidates.append((short, division))
    candidates.sort(key=lambda c: -len(c[0]))
    pattern = re.compile("|".join(re.escape(form) for form, _ in candidates))
    lookup = {form: division for form, division in reversed(candidates)}
    return [Mention(lookup[m.group(0)], m.start(), m.group(0)) for m in pattern.finditer(text)]


def _province_of(division: Division) -> str | None:
    current: Division | None = division
    while current is not None and current.level != "province":
        current = by_name(current.parent) if current.parent else None
    return current.name if current else None


def ancestors(division: Division) -> list[Division]:
    out: list[Division] = []
    current = by_name(division.parent) if division.parent else None
    while current is not None:
        out.append(current)
        current = by_name(current.parent) if current.parent else None
    return out
