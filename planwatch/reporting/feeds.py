"""Values fed by another record of the plan — a ledger's accepted rows — rather than typed: what the
entry form shows of them (the count behind each, a value left behind by its rows) and its button
that writes them all. The ledgers register themselves here (planwatch.ledgers.apps); reporting,
below them, never imports them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from planwatch.kernel.unchanged import while_unchanged
from planwatch.plans.models import Locality, Plan
from planwatch.reporting.models import Period


@dataclass(frozen=True)
class Unwritten:
    """A fed value that "write from the ledger" would write now."""

    indicator: str
    count: int  # the accepted rows, as the feed counts them
    current: Decimal | None  # the draft written before (the count has changed since), or None


@dataclass
class Written:
    written: list[tuple[str, str, int]] = field(default_factory=list)  # (locality, indicator, value)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (locality, reason zh, reason en)


@dataclass(frozen=True)
class Feed:
    """How a kind of record feeds values: its counts of one locality and year, the values it would
    write now for a user, and the writing itself."""

    accepted_counts: Callable[[Plan, Locality, int], dict[str, int]]
    unwritten_values: Callable[..., list[Unwritten]]
    derive_values: Callable[..., Written]


FEEDS: list[Feed] = []


def register_feed(feed: Feed) -> None:
    FEEDS.append(feed)


def accepted_counts(plan: Plan, locality: Locality, year: int) -> dict[str, int]:
    """Indicator code → the count of accepted records that feeds it, for one locality and year (the
    entry form shows it on every view): kept until the data change (planwatch.kernel.unchanged)."""

    def counted() -> dict[str, int]:
        out: dict[str, int] = {}
        for feed in FEEDS:
            out.update(feed.accepted_counts(plan, locality, year))
        return out

    return while_unchanged("accepted_counts", (plan.pk, locality.pk, year), counted)


def unwritten_values(
    plan: Plan, locality: Locality, period: Period, user: Any, *, today: dt.date, counts: dict[str, int]
) -> list[Unwritten]:
    return [
        u
        for feed in FEEDS
        for u in feed.unwritten_values(plan, locality, period, user, today=today, counts=counts)
    ]


def derive_values(plan: Plan, year: int, user: Any, *, localities: Iterable[Locality]) -> Written:
    result = Written()
    for feed in FEEDS:
        done = feed.derive_values(plan, year, user, localities=list(localities))
        result.written += done.written
        result.skipped += done.skipped
    return result
