"""Counting ledger items (台账) into indicator values, and telling duplicate items apart.

Django-free: the ledgers app feeds plain items in and writes the counts through the reporting
workflow. A project counts once per stage, in the year its stage date falls in, and only when its
total investment reaches the threshold (1亿元 = 10,000 万元) and its stage dates are in order.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

STAGES = ("signed", "started", "producing")
THRESHOLD_WAN_YUAN = Decimal(10000)  # 1亿元 in 万元


@dataclass(frozen=True)
class Item:
    """One ledger row, as the derivation sees it."""

    id: int
    locality: str
    investment: Decimal | None
    signed_on: dt.date | None = None
    started_on: dt.date | None = None
    producing_on: dt.date | None = None

    def stage_date(self, stage: str) -> dt.date | None:
        date: dt.date | None = getattr(self, f"{stage}_on")
        return date


def order_problems(item: Item) -> list[str]:
    """The stage dates out of order (signed ≤ started ≤ producing), as "started<signed" etc."""
    dated = [(stage, item.stage_date(stage)) for stage in STAGES]
    present = [(stage, date) for stage, date in dated if date is not None]
    return [
        f"{later}<{earlier}"
        for i, (earlier, first) in enumerate(present)
        for later, second in present[i + 1 :]
        if second < first
    ]


def counts(item: Item, threshold: Decimal = THRESHOLD_WAN_YUAN) -> bool:
    """Whether the item counts at all: investment at or above the threshold, dates in order."""
    if threshold > 0 and (item.investment is None or item.investment < threshold):
        return False
    return not order_problems(item)


@dataclass
class Cell:
    """One number: the items new in the year and the items cumulative from the plan's start."""

    new: list[int] = field(default_factory=list)
    cumulative: list[int] = field(default_factory=list)


Counts = dict[tuple[str, int, str], Cell]  # (locality, year, stage) → cell


def derive(
    items: Iterable[Item],
    start_year: int,
    end_year: int,
    threshold: Decimal = THRESHOLD_WAN_YUAN,
) -> Counts:
    """Per locality × year × stage in [start_year, end_year]: the ids new in that year and the ids
    cumulative from start_year. Items whose stage date falls before start_year are not counted
    (the plan counts what happens from its start); those after end_year are left out."""
    out: Counts = {}
    rows = [item for item in items if counts(item, threshold)]
    localities = sorted({item.locality for item in rows})
    for loc in localities:
        for year in range(start_year, end_year + 1):
            for stage in STAGES:
                out[(loc, year, stage)] = Cell()
    for item in rows:
        for stage in STAGES:
            date = item.stage_date(stage)
            if date is None or not start_year <= date.year <= end_year:
                continue
            out[(item.locality, date.year, stage)].new.append(item.id)
            for year in range(date.year, end_year + 1):
                out[(item.locality, year, stage)].cumulative.append(item.id)
    for cell in out.values():
        cell.new.sort()
        cell.cumulative.sort()
    return out


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_name(name: str) -> str:
    """For duplicate detection: full-width → half-width (NFKC), case folded, spaces and punctuation
    (including Chinese punctuation such as （）、“”) removed."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name).casefold())


def duplicate_groups(rows: Iterable[tuple[int, str, str, str]]) -> list[set[int]]:
    """Groups of item ids that look like the same thing. Each row is (id, locality, identifier,
    normalized name); same identifier (anywhere), or same normalized name in the same locality."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys: dict[tuple[str, ...], int] = {}
    for item_id, locality, identifier, name in rows:
        parent.setdefault(item_id, item_id)
        for key in (
            ("id", identifier.strip().upper()) if identifier.strip() else None,
            ("name", locality, name) if name else None,
        ):
            if key is None:
                continue
            if key in keys:
                parent[find(item_id)] = find(keys[key])
            else:
                keys[key] = item_id
    groups: dict[int, set[int]] = {}
    for item_id in parent:
        groups.setdefault(find(item_id), set()).add(item_id)
    return [g for g in groups.values() if len(g) > 1]
