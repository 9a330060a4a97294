"""Reporting periods of a plan: created by year and frequency, with due and lock dates, and the
exceptions that keep one open for one locality. Each change is audited."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from planwatch.kernel import audit
from planwatch.plans.models import Locality, Plan
from planwatch.reporting.models import Period, PeriodException


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
    user: Any = None,
    via: audit.Via = audit.WEB,
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
        if created:
            audit.record("period.create", user, period.audit_subject(), via=via, new=_dates(period))
        if not created and reschedule and (period.due_on, period.locks_on) != (due, locks):
            set_dates(user, period, due, locks, via=via)
            done = "rescheduled"
        periods.append((period, done))
    return periods


def _dates(period: Period) -> dict[str, Any]:
    return {"due_on": period.due_on, "locks_on": period.locks_on}


@transaction.atomic
def set_dates(
    user: Any, period: Period, due_on: dt.date | None, locks_on: dt.date | None, *, via: audit.Via = audit.WEB
) -> Period:
    """A period's due day and the day entry locks; saved unchanged, nothing is written."""
    old = _dates(period)
    if (period.due_on, period.locks_on) == (due_on, locks_on):
        return period
    period.due_on, period.locks_on = due_on, locks_on
    period.save(update_fields=["due_on", "locks_on"])
    audit.record("period.dates", user, period.audit_subject(), via=via, old=old, new=_dates(period))
    return period


@transaction.atomic
def grant_exception(
    user: Any,
    period: Period,
    locality: Locality,
    open_until: dt.date,
    reason: str,
    *,
    via: audit.Via = audit.WEB,
) -> PeriodException:
    """Keep a period open for one locality after the lock, with a reason (or change the one given)."""
    before = PeriodException.objects.filter(period=period, locality=locality).first()
    exception, _created = PeriodException.objects.update_or_create(
        period=period,
        locality=locality,
        defaults={
            "open_until": open_until,
            "reason": reason,
            "granted_by": user if getattr(user, "pk", None) else None,
        },
    )
    of_period = period.audit_subject()
    label = f"{of_period.label} {locality.name_zh}"
    subject = of_period.part("exception", exception.pk, label, locality=locality.code)
    old = {"open_until": before.open_until, "reason": before.reason} if before else None
    new = {"open_until": open_until, "reason": reason}
    audit.record("exception.grant", user, subject, via=via, old=old, new=new, comment=reason)
    return exception
