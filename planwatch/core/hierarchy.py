"""The locality hierarchy: which pilot units count in the region total, and whose figures include
whose. Django-free: plain tuples in, codes out.

A pilot unit counts toward a region total unless one of its ancestors is a pilot unit whose
figures include its children's: 顺德区 is a pilot unit, but 佛山市's figures include it, so summing
both would count it twice. 佛山市's figures "include" 顺德区's, and a row entered under 顺德区
counts for 顺德区 and for 佛山市 (and once in the region, whose total leaves 顺德区 out).

    localities = by_code(LocalityNode(code, parent, pilot, includes) for … in rows)
    counted_in_region_total("SD", localities)   # False
    included_in("SD", localities)               # ("FS",)
    including(localities)                       # {"SD": ("FS",)}

An *area* is a locality that reports nothing itself but has pilot units below it, and is not the
top of the plan (the province, whose totals are the region's): a city whose counties report, in a
plan of three levels. Its figures are its pilot units', made by each indicator's region rule, and a
target the plan gives it is judged against them (`areas`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = [
    "LocalityNode",
    "areas",
    "by_code",
    "counted_in_region_total",
    "included_in",
    "including",
    "inclusion_note",
    "pilots_within",
]


class LocalityNode(NamedTuple):
    """A locality as the hierarchy needs it: its code, its parent's code, whether it is a pilot
    (reporting) unit and whether its figures already include its children's."""

    code: str
    parent: str | None
    pilot: bool
    figures_include_children: bool


def by_code(nodes: Iterable[LocalityNode]) -> dict[str, LocalityNode]:
    """The nodes by code, in their order."""
    return {node.code: node for node in nodes}


def included_in(code: str, localities: Mapping[str, LocalityNode]) -> tuple[str, ...]:
    """The pilot ancestors of `code` whose figures include their children's, nearest first
    (顺德区 → ("FS",)). The walk up stops at a parent that is not among `localities` or that was
    already seen (a cycle)."""
    out: list[str] = []
    seen = {code}
    parent = localities[code].parent
    while parent is not None and parent in localities and parent not in seen:
        ancestor = localities[parent]
        if ancestor.pilot and ancestor.figures_include_children:
            out.append(parent)
        seen.add(parent)
        parent = ancestor.parent
    return tuple(out)


def counted_in_region_total(code: str, localities: Mapping[str, LocalityNode]) -> bool:
    """Whether the locality's figures are added into the region total: a pilot unit that no pilot
    ancestor's figures include."""
    return localities[code].pilot and not included_in(code, localities)


def pilots_within(code: str, localities: Mapping[str, LocalityNode]) -> tuple[str, ...]:
    """The pilot units below `code` at any depth, in the order of `localities` (a city's counties
    in a plan of three levels): what an area's figures are made of when it reports none itself."""
    out = []
    for other, node in localities.items():
        seen = {other}
        parent = node.parent
        while parent is not None and parent in localities and parent not in seen:
            if parent == code:
                if node.pilot:
                    out.append(other)
                break
            seen.add(parent)
            parent = localities[parent].parent
    return tuple(out)


def areas(localities: Mapping[str, LocalityNode]) -> dict[str, tuple[str, ...]]:
    """Each area (see above) → its pilot units at any depth, in the order of `localities`: what
    `pilots_within` gives each, in one walk up from each pilot unit (a national plan's 333 cities over
    2,867 counties: not a walk over every locality for each city)."""
    below: dict[str, list[str]] = {}
    for code, node in localities.items():
        if not node.pilot:
            continue
        seen = {code}
        parent = node.parent
        while parent is not None and parent in localities and parent not in seen:
            below.setdefault(parent, []).append(code)
            seen.add(parent)
            parent = localities[parent].parent
    return {
        code: tuple(below[code])
        for code, node in localities.items()
        if not node.pilot and node.parent is not None and code in below
    }


def including(localities: Mapping[str, LocalityNode]) -> dict[str, tuple[str, ...]]:
    """Pilot unit → the pilot units whose figures include it, nearest first ({"SD": ("FS",)}); only
    the pilot units some other includes, in the order of `localities`."""
    out: dict[str, tuple[str, ...]] = {}
    for code, node in localities.items():
        if node.pilot and (outer := included_in(code, localities)):
            out[code] = outer
    return out


def inclusion_note(
    localities: Mapping[str, LocalityNode], names: Mapping[str, tuple[str, str]]
) -> tuple[str, str]:
    """What a region total says of the pilot units inside another, in Chinese and English, from the
    plan's own localities (`names`: code → (Chinese, English)): "顺德区计入佛山市，不重复计算" /
    "Shunde District counted within Foshan, not twice" for the seed plan; ("", "") for a plan where
    no pilot unit includes another."""
    pairs = [(code, outer[0]) for code, outer in including(localities).items()]
    if not pairs:
        return "", ""
    zh = "、".join(f"{names[inner][0]}计入{names[outer][0]}" for inner, outer in pairs)
    en = "; ".join(f"{names[inner][1]} counted within {names[outer][1]}" for inner, outer in pairs)
    return f"{zh}，不重复计算", f"{en}, not twice"
