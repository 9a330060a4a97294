"""The one audit log: every change anywhere in PlanWatch is an AuditEvent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
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
    "chase": _("Late reporters reminded"),
    "edit": _("Edited"),
    "generate": _("Generated"),
    "reopen": _("Reopened"),
    "notification_preference": _("E-mail preference changed"),
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
    "start": _("Started"),
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
    "job": _("Background job"),
}

# The model each subject type is a row of: its fields' names and choices label what an event's old and
# new hold ("status：at_risk" reads 状态：有风险). By label, not import: the kernel sits below them all.
SUBJECT_MODELS = {
    "value": "reporting.ReportedValue",
    "ledger_row": "ledgers.LedgerItem",
    "action_plan": "supervision.ActionPlan",
    "milestone": "supervision.Milestone",
    "progress_update": "supervision.ProgressUpdate",
    "period": "reporting.Period",
    "exception": "reporting.PeriodException",
    "user": "accounts.Profile",
    "token": "accounts.ApiToken",
    "bulletin": "bulletins.Bulletin",
    "job": "kernel.Job",
}

# What an event's old and new hold that is no labelled field of its subject's model.
FIELDS = {
    "active": _("Active"),
    "approvals": _("Approval levels done"),
    "attributes": _("Attributes"),
    "dates": _("Dates"),
    "due_on": _("Due on"),
    "email": _("E-mail"),
    "file": _("File"),
    "formats": _("Formats"),
    "full_name": _("Full name"),
    "hash": _("Fingerprint"),
    "indicators": _("Linked indicators"),
    "locality": _("Locality"),
    "localities": _("Localities"),
    "locks_on": _("Locks on"),
    "order": _("Order"),
    "password_changed": _("Password changed"),
    "people": _("People told"),
    "percent": _("Percent complete"),
    "role": _("Role"),
    "run": _("Evaluation run"),
    "series": _("Series"),
    "status": _("Status"),
    "superuser": _("Administrator"),
    "unit": _("Unit"),
    "update": _("Progress update"),
    "username": _("User name"),
    "version": _("Version"),
    "year": _("Year"),
}
YES_NO = {True: _("Yes"), False: _("No")}


@cache  # the models' fields do not change once the apps are loaded; the audit log asks per key of each event
def _field(subject_type: str, key: str) -> models.Field | None:  # type: ignore[type-arg]
    label = SUBJECT_MODELS.get(subject_type)
    if label is None:
        return None
    try:
        field = apps.get_model(label)._meta.get_field(key)
    except (LookupError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None


def field_label(subject_type: str, key: str) -> Any:
    """A key of an event's old or new, named for a reader: its model field's own label, else FIELDS."""
    field = _field(subject_type, key)
    if field is not None and field._verbose_name is not None:  # type: ignore[attr-defined]
        return field.verbose_name
    return FIELDS.get(key, key)


def value_label(subject_type: str, key: str, value: Any) -> Any:
    """A value of an event's old or new, for a reader: a choice by its label, yes or no, a list joined."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    field = _field(subject_type, key)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


# A key of old or new by its name for a reader, given the key that holds it ("" at the top).
Words = Callable[[str, str], Any]
# Subject types whose old and new hold keys only their own app can name (a ledger row's attributes and
# stage dates are its ledger's, from the plan file): a function that gives each of a page's events of
# that type its Words, registered by that app (planwatch.ledgers.apps).
NAMERS: dict[str, Callable[[list[AuditEvent]], None]] = {}


def register_namer(subject_type: str, namer: Callable[[list[AuditEvent]], None]) -> None:
    NAMERS[subject_type] = namer


# Keys whose values are codes of a plan's things (地区 ZH, 单位 DST, 重点领域 KF01): named by the app
# that keeps those things (planwatch.plans.apps), per plan — names(plan_code, codes) → {code: name}.
CODE_NAMES: dict[str, Callable[[str, set[str]], dict[str, str]]] = {}


def register_code_names(key: str, names: Callable[[str, set[str]], dict[str, str]]) -> None:
    CODE_NAMES[key] = names


def name_fields(events: Iterable[AuditEvent]) -> None:
    """Let the apps name the keys of these events' old and new that only they can (NAMERS), and
    the codes their values hold (CODE_NAMES): one query per kind of code and plan."""
    events = list(events)
    by_type: dict[str, list[AuditEvent]] = {}
    for event in events:
        by_type.setdefault(event.subject_type, []).append(event)
    for subject_type, some in by_type.items():
        if subject_type in NAMERS:
            NAMERS[subject_type](some)
    wanted: dict[tuple[str, str], set[str]] = {}
    for event in events:
        for data in (event.old, event.new):
            if isinstance(data, dict):
                for key in CODE_NAMES.keys() & data.keys():
                    if isinstance(data[key], str) and data[key]:
                        wanted.setdefault((key, event.plan_code), set()).add(data[key])
    named = {(key, plan): CODE_NAMES[key](plan, codes) for (key, plan), codes in wanted.items()}
    for event in events:
        event.code_names = {key: named.get((key, event.plan_code), {}) for key in CODE_NAMES}


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

    @property
    def subject_type_shown(self) -> str:
        """The kind of subject beside its label, unless the label already begins with it (填报期 2020)."""
        kind = str(self.subject_type_label)
        return "" if self.subject_label.startswith(kind) else kind

    def _part(self, data: Any, key: str) -> Any:
        return data.get(key) if isinstance(data, dict) else None

    # How the keys of old and new are named: by the subject's model (field_label), or by its app's
    # own words (name_fields) where only the app knows them.
    words: Words | None = None
    # The names of the codes its values hold, by key (name_fields): {"locality": {"ZH": "珠海市"}}.
    code_names: dict[str, dict[str, str]] | None = None

    def _label(self, key: str, within: str = "") -> Any:
        return self.words(key, within) if self.words else field_label(self.subject_type, key)

    def _shown(self, data: Any) -> str:
        """What changed, as text: a number alone as the number; otherwise each field and its value,
        named for a reader (“角色：地区填报人；地区：ZH”). The state is shown apart (old_state, new_state)."""
        if not isinstance(data, dict):
            return ""
        parts = [(key, value) for key, value in data.items() if key != "state"]
        if [key for key, _ in parts] == ["value"]:
            return grouped(parts[0][1])
        return "；".join(f"{self._label(key)}：{self._value(key, value)}" for key, value in parts)

    def _value(self, key: str, value: Any) -> Any:
        if self.code_names and isinstance(value, str) and value in self.code_names.get(key, {}):
            return self.code_names[key][value]
        if isinstance(value, dict) and value:
            return "，".join(
                f"{self._label(k, key)} {value_label(self.subject_type, k, v)}" for k, v in value.items()
            )
        return value_label(self.subject_type, key, value)

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
    # The failed job this one does again (planwatch.kernel.jobs.retry): same kind, payload, params.
    retry_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="retries", verbose_name=_("Retry of")
    )
    # Work asked for once however often it is asked (a dashboard's evaluation of a year whose data
    # changed, planwatch.evaluation.jobs.request_run): at most one job of a key waits or runs.
    key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Background job")
        verbose_name_plural = _("Background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(key=""),
                name="job_one_active_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total else None
