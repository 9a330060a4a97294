"""Reading the one audit log in tests: the events of a subject, by what they did."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from planwatch.kernel.models import AuditEvent


def events(
    subject: Any = None, *, kind: str | None = None, verb: str | None = None, **filters: Any
) -> QuerySet[AuditEvent]:
    """The events of one subject (a value, a ledger row, a milestone …), or of a kind of subject
    ("value", "ledger_row" …), or all but the plan loads the fixtures make; `verb` keeps those of one
    action ("save", "submit" …)."""
    found = AuditEvent.objects.all()
    if subject is not None:
        found = found.filter(**_of(subject))
    elif kind is not None:
        found = found.filter(subject_type=kind)
    else:
        found = found.exclude(subject_type="plan")
    if verb is not None:
        found = found.filter(type__endswith=f".{verb}")
    return found.filter(**filters).order_by("id")


def _of(subject: Any) -> dict[str, str]:
    name = type(subject).__name__
    kind = {
        "ReportedValue": "value",
        "LedgerItem": "ledger_row",
        "Milestone": "milestone",
        "ActionPlan": "action_plan",
        "ProgressUpdate": "progress_update",
    }[name]
    return {"subject_type": kind, "subject_id": str(subject.pk)}


def log(subject: Any) -> list[tuple[str, str, str, str]]:
    """(action, user, old state, new state) of each event of a subject, oldest first."""
    return [(e.verb, e.actor_name, e.old_state, e.new_state) for e in events(subject)]


APPEND_ONLY = importlib.import_module("planwatch.kernel.migrations.0004_audit_append_only")


@contextmanager
def triggers_lifted() -> Iterator[None]:
    """Inside, the database lets audit events be changed and deleted, as it would for someone who
    owns its tables (tests only: to date events, or to tamper with the log)."""
    install, remove = APPEND_ONLY.SQLITE if connection.vendor == "sqlite" else APPEND_ONLY.POSTGRESQL
    with connection.cursor() as cursor:
        for sql in [remove] if isinstance(remove, str) else remove:
            cursor.execute(sql)
        yield
        for sql in [install] if isinstance(install, str) else install:
            cursor.execute(sql)


def backdate(found: QuerySet[AuditEvent], at: dt.datetime) -> None:
    """Date events as if written at `at` (the log is append-only: the trigger is lifted for it)."""
    with triggers_lifted():
        found.update(at=at)
