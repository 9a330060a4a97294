"""A bulletin of many pilot units (a national plan of 3,000 counties): what its tables and charts
show of them. Up to `MANY` pilot units the bulletin names every one (the seed plan's seven, as
ever); above, it shows the `EACH` best and the `EACH` worst of a ranking and counts the rest, and
leaves every unit's figures to the XLSX annex, which always holds all of them (docs/bulletins.md,
"A bulletin of many units")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from planwatch.core.bulletin.content import BulletinContent

MANY = 30  # more pilot units than this: the ends of each ranking, counts, the annex
EACH = 15  # the best and the worst shown of a ranking of many
ANNEX = "完整数据见附件（XLSX）"

T = TypeVar("T")


def many(c: BulletinContent) -> bool:
    """Whether the bulletin has more pilot units than it names one by one."""
    return len(c.pilots) > MANY


def ends(rows: Sequence[T], each: int = EACH) -> tuple[list[T], list[T], int]:
    """The first and last `each` of rows (all of them in `first` when there are at most 2 × each),
    and how many lie between."""
    if len(rows) <= 2 * each:
        return list(rows), [], 0
    return list(rows[:each]), list(rows[-each:]), len(rows) - 2 * each
