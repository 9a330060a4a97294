"""Reported values: what localities and units report each period, and their workflow state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.kernel.audit import Subject
from planwatch.kernel.models import Source
from planwatch.kernel.review import State
from planwatch.plans.models import Indicator, Locality, Plan, frequency_choices


class Period(models.Model):
    """A reporting period of a plan: a year, a quarter or a month."""

    Frequency = Indicator.Frequency  # a period has the frequency of the indicators reported in it

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="periods")
    code = models.CharField(max_length=20, help_text="2018, 2018Q1 or 2018-03")
    frequency = models.CharField(max_length=20, choices=frequency_choices)
    year = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    locks_on = models.DateField(
        null=True,
        blank=True,
        help_text="After this day entry is locked, but for localities granted an exception.",
    )

    class Meta:
        verbose_name = _("Reporting period")
        verbose_name_plural = _("Reporting periods")
        ordering = ["plan", "starts_on", "frequency"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_period_code")]

    def __str__(self) -> str:
        return self.code

    def audit_subject(self) -> Subject:
        return Subject("period", self.pk, f"填报期 {self.code}", plan=self.plan.code, period=self.code)

    @property
    def is_base(self) -> bool:
        """A period before the plan's first year (2016, the base year): its values are the bases the
        growth rates are measured from, entered as history, never late and never reminded of."""
        return self.year < self.plan.start_year

    def days_late(
        self, reported: int, required: int, today: dt.date, submitted_on: dt.date | None = None
    ) -> int:
        """The one definition of late, in days (0: not late). A locality is late when the due day has
        passed and it has not submitted (or got further with) every value the period requires: late
        by the days since the due day; or, once it has, when it submitted after the due day: late by
        those days. The base year is never late."""
        if self.is_base or self.due_on is None or required == 0:
            return 0
        if reported < required:
            return max((today - self.due_on).days, 0)
        if submitted_on is not None:
            return max((submitted_on - self.due_on).days, 0)
        return 0

    def is_late(self, reported: int, required: int, today: dt.date) -> bool:
        return self.days_late(reported, required, today) > 0

    def not_started(self, today: dt.date) -> bool:
        """Before the period's first day: entry is not open yet (not closed)."""
        return today < self.starts_on

    def is_open_for(
        self, locality_id: int, today: dt.date, exceptions: dict[int, dt.date] | None = None
    ) -> bool:
        """Entry is open from the first day until the lock day; an exception keeps it open longer
        for one locality."""
        if self.not_started(today):
            return False
        if self.locks_on is None or today <= self.locks_on:
            return True
        if exceptions is None:
            exceptions = dict(self.exceptions.values_list("locality_id", "open_until"))
        until = exceptions.get(locality_id)
        return until is not None and today <= until


class ReportedValue(models.Model):
    """The actual value of one indicator for one locality and period."""

    Status = State  # its place in the review kernel's state machine
    Source = Source

    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="values", verbose_name=_("Indicator")
    )
    locality = models.ForeignKey(Locality, models.PROTECT, related_name="values", verbose_name=_("Locality"))
    period = models.ForeignKey(Period, models.PROTECT, related_name="values", verbose_name=_("Period"))
    value = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True, verbose_name=_("Value")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, verbose_name=_("Status")
    )
    is_sample = models.BooleanField(default=False, help_text="示例数据: never an official figure.")
    source = models.CharField(
        max_length=20, choices=Source.choices, default=Source.WEB, verbose_name=_("Source")
    )
    source_detail = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change (optimistic locking).")
    approvals = models.PositiveSmallIntegerField(
        default=0, help_text="Levels of approval done so far (the plan's approval chain for the locality)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("Reported value")
        verbose_name_plural = _("Reported values")
        ordering = ["period", "indicator", "locality"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "locality", "period"], name="unique_reported_value")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.locality.code} {self.period.code} = {self.value}"

    def audit_subject(self) -> Subject:
        return Subject(
            "value",
            self.pk,
            f"{self.indicator.code} {self.locality.name_zh} {self.period.code}",
            plan=self.period.plan.code,
            locality=self.locality.code,
            indicator=self.indicator.code,
            period=self.period.code,
        )


class PeriodException(models.Model):
    """The province keeps a period open for one locality after the general entry lock."""

    period = models.ForeignKey(Period, models.CASCADE, related_name="exceptions")
    locality = models.ForeignKey(Locality, models.CASCADE, related_name="period_exceptions")
    open_until = models.DateField()
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Period exception")
        verbose_name_plural = _("Period exceptions")
        ordering = ["period", "locality"]
        constraints = [models.UniqueConstraint(fields=["period", "locality"], name="unique_period_exception")]

    def __str__(self) -> str:
        return f"{self.period} {self.locality.code} until {self.open_until}"


class ValueComment(models.Model):
    value = models.ForeignKey(ReportedValue, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Comment")
        verbose_name_plural = _("Comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


def evidence_path(instance: Evidence, filename: str) -> str:
    value = instance.value
    return f"evidence/{value.period.code}/{value.locality.code}/{value.indicator.code}/{filename}"


class Evidence(models.Model):
    """A file that supports a value (a list of projects, an official notice), stored under var/."""

    value = models.ForeignKey(ReportedValue, models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Evidence file")
        verbose_name_plural = _("Evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RevisionRequest(models.Model):
    """A request to change an accepted (locked) value; the province decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    value = models.ForeignKey(ReportedValue, models.CASCADE, related_name="revision_requests")
    new_value = models.DecimalField(max_digits=24, decimal_places=6)
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("Revision request")
        verbose_name_plural = _("Revision requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["value"], condition=models.Q(status="pending"), name="one_pending_revision_per_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.value}: → {self.new_value} ({self.status})"


class AcceptedYear(models.Model):
    """A locality that has accepted values of a year: at least one accepted, non-empty yearly value
    (planwatch.reporting.freshness.counted, the one definition). A marker kept in the accepting
    action's own transaction (planwatch.reporting.freshness), so that what the dashboards show first
    (dashboards.data.latest_accepted_year) reads these few rows, not every value of the plan."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="+")
    locality = models.ForeignKey(Locality, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["locality", "year"], name="accepted_year_once"),
        ]
        indexes = [models.Index(fields=["plan", "year"], name="accepted_year_plan")]

    def __str__(self) -> str:
        return f"{self.locality_id} {self.year}"


class ImportBatch(models.Model):
    """A value set imported through the API or a workbook; its id makes a repeated upload a no-op."""

    import_id = models.CharField(max_length=100, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    source = models.CharField(max_length=20, choices=ReportedValue.Source.choices)
    source_detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    value_count = models.PositiveIntegerField(default=0)
    # SHA-256 of the values as sent: the same id with other values is refused, not silently skipped.
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("Import batch")
        verbose_name_plural = _("Import batches")

    def __str__(self) -> str:
        return self.import_id
