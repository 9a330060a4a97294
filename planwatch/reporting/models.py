"""Reported values: what localities and units report each period, and their workflow state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.plans.models import Indicator, Locality, Plan


class Period(models.Model):
    """A reporting period of a plan: a year, a quarter or a month."""

    class Frequency(models.TextChoices):
        YEARLY = "yearly", _("Yearly")
        QUARTERLY = "quarterly", _("Quarterly")
        MONTHLY = "monthly", _("Monthly")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="periods")
    code = models.CharField(max_length=20, help_text="2018, 2018Q1 or 2018-03")
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    year = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "starts_on", "frequency"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_period_code")]

    def __str__(self) -> str:
        return self.code


class ReportedValue(models.Model):
    """The actual value of one indicator for one locality and period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        EXCEL = "excel", _("Excel file")
        LEDGER = "ledger", _("Ledger")
        SAMPLE = "sample", _("Sample data")

    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="values")
    locality = models.ForeignKey(Locality, models.PROTECT, related_name="values")
    period = models.ForeignKey(Period, models.PROTECT, related_name="values")
    value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_sample = models.BooleanField(default=False, help_text="示例数据: never an official figure.")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    source_detail = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change (optimistic locking).")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["period", "indicator", "locality"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "locality", "period"], name="unique_reported_value")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.locality.code} {self.period.code} = {self.value}"
