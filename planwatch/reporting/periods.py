"""Reporting periods of a plan: created by year and frequency, with due and lock dates."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import transaction

from planwatch.plans.models import Plan
from planwatch.reporting.models import Period


def _spans(year: int, frequency: str) -> list[tuple[str, dt.date, dt.date]]:
    if frequency == Period.Frequency.YEARLY:
        return [(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))]
    if frequency == Period.Frequency.QUARTERLY:
        return [
            (
                f"{year}Q{q}",
                dt.date(year, 3 * q - 2, 1),
                dt.date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]),
            )
            for q in range(1, 5)
        ]
    return [
        (f"{year}-{m:02d}", dt.date(year, m, 1), dt.date(year, m, calendar.monthrange(year, m)[1]))
        for m in range(1, 13)
    ]


@transaction.atomic
def create_periods(
    plan: Plan,
    year: int,
    frequency: str,
    *,
    due_after_days: int,
    lock_after_days: int | None = None,
    reschedule: bool = False,
) -> list[tuple[Period, str]]:
    """The year's periods of one frequency, each with what was done: "created", "kept" (an existing
    period keeps its dates) or "rescheduled" (with `reschedule`, an existing period takes the new due
    and lock dates). Due N days after the period ends; entry locks M days after the due date
    (PLANWATCH_LOCK_AFTER_DAYS by default)."""
    lock_after = settings.PLANWATCH_LOCK_AFTER_DAYS if lock_after_days is None else lock_after_days
    periods = []
    for code, starts, ends in _spans(year, frequency):
        due = ends + dt.timedelta(days=due_after_days)
        locks = due + dt.timedelta(days=lock_after)
        period, created = Period.objects.get_or_create(
            plan=plan,
            code=code,
            defaults={
                "frequency": frequency,
                "year": year,
                "starts_on": starts,
                "ends_on": ends,
                "due_on": due,
                "locks_on": locks,
            },
        )
        done = "created" if created else "kept"
        if not created and reschedule and (period.due_on, period.locks_on) != (due, locks):
            period.due_on, period.locks_on = due, locks
            period.save(update_fields=["due_on", "locks_on"])
            done = "rescheduled"
        periods.append((period, done))
    return periods
