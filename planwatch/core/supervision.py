"""Overdue and at-risk milestones, found from due dates, progress and linked indicators' pace.

Django-free: callers pass plain records and an explicit `today`, so the clock is under their control.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DONE = "done"
AT_RISK = "at_risk"
DEFAULT_WINDOW_DAYS = 14
# Pace statuses of the evaluation that count as lagging (落后).
LAGGING_PACE = frozenset({"lagging", "seriously_lagging", "滞后", "严重滞后"})


class Flag(StrEnum):
    OVERDUE = "overdue"
    AT_RISK = "at_risk"


class Reason(StrEnum):
    OVERDUE = "overdue"
    MARKED_AT_RISK = "marked_at_risk"
    BEHIND_SCHEDULE = "behind_schedule"
    INDICATOR_LAGGING = "indicator_lagging"


@dataclass(frozen=True)
class MilestoneFacts:
    """What the detection needs to know of a milestone."""

    key: int
    status: str
    percent: int
    due_on: dt.date
    starts_on: dt.date | None = None
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    key: int
    flag: Flag
    reasons: tuple[Reason, ...]
    days_late: int
    lagging_indicators: tuple[str, ...] = field(default=())


def elapsed_share(starts_on: dt.date | None, due_on: dt.date, today: dt.date) -> float:
    """How much of the time from start to due date has passed, 0..1 (no start: the year's 1 January)."""
    start = starts_on or dt.date(due_on.year, 1, 1)
    total = (due_on - start).days
    if total <= 0:
        return 1.0 if today >= due_on else 0.0
    return min(1.0, max(0.0, (today - start).days / total))


def days_late(m: MilestoneFacts, today: dt.date) -> int:
    """Days past the due date of a milestone not done; 0 if not late."""
    if m.status == DONE:
        return 0
    return max(0, (today - m.due_on).days)


def done_on(updates: Iterable[tuple[str, dt.date]]) -> dt.date | None:
    """The day a milestone was done, from its standing progress updates (the returned ones left out)
    in the order they were posted, as (status, day): the day of the first update of the last run of
    updates saying done; None when the last one does not say done. Done, then reopened and done
    again, is done on the second day."""
    day: dt.date | None = None
    for status, posted in updates:
        if status != DONE:
            day = None
        elif day is None:
            day = posted
    return day


def finished_on_time(due_on: dt.date, done: dt.date | None, today: dt.date) -> bool | None:
    """Whether a milestone was done by its due date (on the due day counts): True when done on or
    before it; False when done after it, or not done and the due day has passed (late, as
    `days_late` counts it); None while it is not done and not yet late."""
    if done is not None:
        return done <= due_on
    if today > due_on:
        return False
    return None


def assess(
    m: MilestoneFacts,
    today: dt.date,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    pace: Mapping[str, str] | None = None,
) -> Finding | None:
    """The milestone's finding on `today`, or None if it is on track (or done)."""
    if m.status == DONE:
        return None
    late = days_late(m, today)
    if m.due_on < today:
        return Finding(m.key, Flag.OVERDUE, (Reason.OVERDUE,), late)
    reasons: list[Reason] = []
    if m.status == AT_RISK:
        reasons.append(Reason.MARKED_AT_RISK)
    if (m.due_on - today).days <= window_days and m.percent < 100 * elapsed_share(
        m.starts_on, m.due_on, today
    ):
        reasons.append(Reason.BEHIND_SCHEDULE)
    lagging = tuple(code for code in m.indicators if pace and pace.get(code, "") in LAGGING_PACE)
    if lagging:
        reasons.append(Reason.INDICATOR_LAGGING)
    if not reasons:
        return None
    return Finding(m.key, Flag.AT_RISK, tuple(reasons), 0, lagging)


def detect(
    milestones: Iterable[MilestoneFacts],
    today: dt.date,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    pace: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every overdue or at-risk milestone; overdue first, most days late first."""
    found = [f for m in milestones if (f := assess(m, today, window_days=window_days, pace=pace))]
    return sorted(found, key=sort_key)


def sort_key(f: Finding) -> tuple[bool, int, int]:
    """Overdue first, most days late first, then in the milestones' order."""
    return (f.flag != Flag.OVERDUE, -f.days_late, f.key)


def due_soon(m: MilestoneFacts, today: dt.date, window_days: int = DEFAULT_WINDOW_DAYS) -> bool:
    return m.status != DONE and today <= m.due_on and (m.due_on - today).days <= window_days
