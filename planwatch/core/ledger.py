"""Counting ledger items (台账) into indicator values, and telling duplicate items apart.

Django-free: the ledgers app feeds plain items in and writes the counts through the reporting
workflow. A thing counts once per stage, in the year its stage date falls in, and only when its
stage dates are in order and, for a ledger with an investment threshold (the projects: 1亿元 =
10,000 万元), its total investment reaches the threshold. A stage counted `since_start` counts from
the plan's start year; a stage counted as `stock` also holds what was reached before it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

STAGES = ("signed", "started", "producing")
THRESHOLD_WAN_YUAN = Decimal(10000)  # 1亿元 in 万元


@dataclass(frozen=True)
class Item:
    """One ledger row, as the derivation sees it: the project stages in their own fields, any
    other stage in `dates`."""

    id: int
    locality: str
    investment: Decimal | None
    signed_on: dt.date | None = None
    started_on: dt.date | None = None
    producing_on: dt.date | None = None
    dates: Mapping[str, dt.date] = field(default_factory=dict)

    def stage_date(self, stage: str) -> dt.date | None:
        if stage in STAGES:
            date: dt.date | None = getattr(self, f"{stage}_on")
            return date
        return self.dates.get(stage)


def order_problems(item: Item, stages: Sequence[str] = STAGES) -> list[str]:
    """The stage dates out of order (each stage on or after the ones before it), as "started<signed"."""
    dated = [(stage, item.stage_date(stage)) for stage in stages]
    present = [(stage, date) for stage, date in dated if date is not None]
    return [
        f"{later}<{earlier}"
        for i, (earlier, first) in enumerate(present)
        for later, second in present[i + 1 :]
        if second < first
    ]


def counts(item: Item, threshold: Decimal = THRESHOLD_WAN_YUAN, stages: Sequence[str] = STAGES) -> bool:
    """Whether the item counts at all: investment at or above the threshold, dates in order."""
    if threshold > 0 and (item.investment is None or item.investment < threshold):
        return False
    return not order_problems(item, stages)


@dataclass
class Cell:
    """One number: the items new in the year and the items cumulative (from the plan's start, or
    for a stock, everything reached by the year's end)."""

    new: list[int] = field(default_factory=list)
    cumulative: list[int] = field(default_factory=list)


Counts = dict[tuple[str, int, str], Cell]  # (locality, year, stage) → cell


def derive(
    items: Iterable[Item],
    start_year: int,
    end_year: int,
    threshold: Decimal = THRESHOLD_WAN_YUAN,
    stages: Sequence[str] = STAGES,
    stock: Iterable[str] = (),
) -> Counts:
    """Per locality × year × stage in [start_year, end_year]: the ids new in that year and the ids
    cumulative from start_year. Items whose stage date falls before start_year are not counted
    (the plan counts what happens from its start) unless the stage is a `stock`, which holds them
    from the start year on; those after end_year are left out."""
    stocks = set(stock)
    out: Counts = {}
    rows = [item for item in items if counts(item, threshold, stages)]
    localities = sorted({item.locality for item in rows})
    for loc in localities:
        for year in range(start_year, end_year + 1):
            for stage in stages:
                out[(loc, year, stage)] = Cell()
    for item in rows:
        for stage in stages:
            date = item.stage_date(stage)
            if date is None or date.year > end_year:
                continue
            if date.year < start_year:
                if stage not in stocks:
                    continue
                first = start_year
            else:
                out[(item.locality, date.year, stage)].new.append(item.id)
                first = date.year
            for year in range(first, end_year + 1):
                out[(item.locality, year, stage)].cumulative.append(item.id)
    for cell in out.values():
        cell.new.sort()
        cell.cumulative.sort()
    return out


def roll_up(counts: Counts, including: Mapping[str, Sequence[str]]) -> Counts:
    """The counts with each locality's cells also holding the ids of the localities inside it.

    `including` maps a locality to the localities whose figures include it (顺德区 → [佛山市]): a
    row entered under 顺德区 counts for 顺德区 and for 佛山市, and once in the region, whose total
    leaves 顺德区 out. A locality's own cells are unchanged; each id appears once in a cell."""
    out: Counts = {key: Cell(list(cell.new), list(cell.cumulative)) for key, cell in counts.items()}
    for (loc, year, stage), cell in counts.items():
        for outer in including.get(loc, ()):
            if outer == loc:
                continue
            target = out.setdefault((outer, year, stage), Cell())
            target.new.extend(cell.new)
            target.cumulative.extend(cell.cumulative)
    for cell in out.values():
        cell.new = sorted(set(cell.new))
        cell.cumulative = sorted(set(cell.cumulative))
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
