"""Reminders on the job runner: `planwatch remind --queue` (cron) enqueues them; a worker
(`planwatch db_worker`) sends them, the same `services.remind` as `planwatch remind` without it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from planwatch.plans.models import Plan

from .services import remind


@task()
def remind_plan(plan_code: str, as_of: str = "", days: int | None = None) -> str:
    """Remind the plan's people as on `as_of` (YYYY-MM-DD; the day the worker runs it, if empty)."""
    today = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return remind(Plan.objects.get(code=plan_code), today, window_days=days).describe()
