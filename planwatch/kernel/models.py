"""The one audit log: every change anywhere in PlanWatch is an AuditEvent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planwatch.core.numbers import grouped


class Source(models.TextChoices):
    """Through what a change came."""

    WEB = "web", _("Web form")
    API = "api", _("API")
    EXCEL = "excel", _("Excel file")
    LEDGER = "ledger", _("Ledger")
    SAMPLE = "sample", _("Sample data")
    COMMAND = "cli", _("Command line")
    ADMIN = "admin", _("Administration")
    SYSTEM = "system", _("System")


# What an event did, by the part of its type after the dot ("value.submit" → "submit").
VERBS = {
    "save": _("Saved"),
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "submit": _("Submitted"),
    "approve": _("Approved"),
    "accept": _("Accepted"),
    "return": _("Returned"),
    "comment": _("Commented"),
    "attach": _("Evidence attached"),
    "request_revision": _("Revision requested"),
    "revise": _("Revised"),
    "reject_revision": _("Revision rejected"),
    "keep": _("Kept as not a duplicate"),
    "merge": _("Merged"),
    "progress": _("Progress reported"),
    "dates": _("Dates changed"),
    "grant": _("Exception granted"),
    "revoke": _("Revoked"),
    "password_change": _("Password changed"),
    "issue": _("Issued"),
    "withdraw": _("Withdrawn"),
    "supersede": _("Superseded"),
    "regenerate": _("Regenerated"),
}

# What an event is about, by its subject type.
SUBJECTS = {
    "value": _("Reported value"),
    "ledger_row": _("Ledger row"),
    "action_plan": _("Action plan"),
    "milestone": _("Milestone"),
    "progress_update": _("Progress update"),
    "period": _("Reporting period"),
    "exception": _("Period exception"),
    "target": _("Target"),
    "breakdown": _("Target breakdown"),
    "plan": _("Implementation plan"),
    "user": _("User"),
    "token": _("API token"),
    "bulletin": _("Bulletin"),
}


class AuditEvent(models.Model):
    """One change: what (its type and subject), who, when, through what, old and new, and why.

    Nothing refers to the subject by a foreign key, so that deleting a value, a row or a user never
    takes its history with it; the actor's name is kept beside the link to the user. The log is
    append-only (database triggers refuse UPDATE and DELETE, but for the link to a deleted user
    going to NULL) and each event is chained to the one before by its hash."""

    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("When"))
    type = models.CharField(max_length=60, db_index=True, verbose_name=_("Event"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("User"),
    )
    actor_name = models.CharField(max_length=150, blank=True, verbose_name=_("User"))
    source = models.CharField(
        max_length=20, choices=Source.choices, default=Source.WEB, verbose_name=_("Source")
    )
    source_detail = models.CharField(max_length=300, blank=True)
    # What the change concerns, by code (kept when the plan's objects go): for filtering and scope.
    plan_code = models.CharField(max_length=40, blank=True, db_index=True)
    locality_code = models.CharField(max_length=40, blank=True, verbose_name=_("Locality"))
    indicator_code = models.CharField(max_length=40, blank=True, verbose_name=_("Indicator"))
    period_code = models.CharField(max_length=20, blank=True, verbose_name=_("Period"))
    subject_type = models.CharField(max_length=40, verbose_name=_("Subject"))
    subject_id = models.CharField(max_length=40, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True, verbose_name=_("Comment"))
    # A change of a draft: its locality's (and, for a value, its lead unit's) business only, as the
    # draft itself is (planwatch.accounts.permissions).
    private = models.BooleanField(default=False)
    # SHA-256 of the previous event's hash and this event's fields (planwatch.kernel.chain).
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.type} {self.subject_label}"

    @property
    def verb(self) -> str:
        return self.type.partition(".")[2]

    @property
    def verb_label(self) -> Any:
        return VERBS.get(self.verb, self.verb)

    @property
    def subject_type_label(self) -> Any:
        return SUBJECTS.get(self.subject_type, self.subject_type)

    def _part(self, data: Any, key: str) -> Any:
        return data.get(key) if isinstance(data, dict) else None

    @staticmethod
    def _shown(data: Any) -> str:
        """What changed, as text: a number alone as the number; otherwise each field and its value
        (“role：reporter；locality：ZH”). The state is shown apart (old_state, new_state)."""
        if not isinstance(data, dict):
            return ""
        parts = [(key, value) for key, value in data.items() if key != "state"]
        if [key for key, _ in parts] == ["value"]:
            return grouped(parts[0][1])
        return "；".join(f"{key}：{'—' if value in (None, '') else value}" for key, value in parts)

    @property
    def old_shown(self) -> str:
        return self._shown(self.old)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new)

    @property
    def old_value(self) -> Decimal | None:
        raw = self._part(self.old, "value")
        return None if raw is None else Decimal(raw)

    @property
    def new_value(self) -> Decimal | None:
        raw = self._part(self.new, "value")
        return None if raw is None else Decimal(raw)

    @property
    def old_state(self) -> str:
        return str(self._part(self.old, "state") or "")

    @property
    def new_state(self) -> str:
        return str(self._part(self.new, "state") or "")


class Job(models.Model):
    """One piece of long work a user started (an import, a bulletin build), run by the job runner
    (django-tasks, database backend) outside the web request: what it is, how far it got, and how it
    ended. The work's own changes are audited by the actions it calls; this row is its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40, verbose_name=_("Kind"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("User")
    )
    plan_code = models.CharField(max_length=40, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.CharField(max_length=200, blank=True, default="", verbose_name=_("Step"))
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # What the work reads, kept in the database so that a worker on any machine can read it.
    payload = models.BinaryField(default=b"", editable=False)
    payload_name = models.CharField(max_length=255, blank=True, default="")
    params = models.JSONField(default=dict)
    # Done: {"zh", "en", "links": [[url, label zh, label en]…]}; failed: {"zh", "en", "problems": […]}.
    outcome = models.JSONField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Background job")
        verbose_name_plural = _("Background jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total else None
