"""Ledgers (台账): one row per counted thing, from which the count indicators are derived."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.core.numbers import canonical_decimal
from planwatch.kernel.audit import Subject
from planwatch.plans.models import Indicator, KeyField, Locality, Plan
from planwatch.reporting.models import ReportedValue


class LedgerType(models.Model):
    """A kind of ledger of a plan, e.g. the investment projects, and the indicators it feeds."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="ledger_types")
    code = models.SlugField(max_length=60)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=300)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="ledger_types")
    # {"signed": "I01", ...}: which indicator each stage's cumulative count is reported as.
    stage_indicators = models.JSONField(default=dict, blank=True)
    # [{"code": "investor", "zh": "投资方", "en": "Investor", "type": "text"}, ...]
    attributes = models.JSONField(default=list, blank=True)
    has_investment = models.BooleanField(default=False)
    # From the plan file (planwatch.core.planfile.Ledger): the investment threshold in 万元, the
    # stages [{"code", "zh", "en"}], the feeds [{"indicator", "stage", "count", "where"}], the source.
    threshold = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    stages = models.JSONField(default=list, blank=True)
    feeds = models.JSONField(default=list, blank=True)
    clause = models.CharField(max_length=40, blank=True)
    quote = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Ledger type")
        verbose_name_plural = _("Ledger types")
        ordering = ["plan", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_ledger_type_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def stage_codes(self) -> list[str]:
        return [s["code"] for s in self.stages] or ["signed", "started", "producing"]

    def stage_name(self, code: str) -> tuple[str, str]:
        return next(((s["zh"], s["en"]) for s in self.stages if s["code"] == code), (code, code))

    def feed_of(self, indicator_code: str) -> dict[str, Any] | None:
        return next((f for f in self.feeds if f["indicator"] == indicator_code), None)


# The stages kept in their own columns (the project ledger's); other stages' dates are in `dates`.
DATE_COLUMNS = {"signed": "signed_on", "started": "started_on", "producing": "producing_on"}


class LedgerItem(models.Model):
    # The row's place in the workflow: the very states of a reported value.
    Review = ReportedValue.Status

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        MERGED = "merged", _("Merged into another item")

    ledger = models.ForeignKey(LedgerType, models.CASCADE, related_name="items")
    locality = models.ForeignKey(
        Locality, models.PROTECT, related_name="ledger_items", verbose_name=_("Locality")
    )
    key_field = models.ForeignKey(
        KeyField,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_items",
        verbose_name=_("Key field"),
        help_text=_("The plan's key field the item belongs to, if any."),
    )
    name = models.CharField(
        _("Name"), max_length=300, help_text=_("The full name, as in the official documents.")
    )
    identifier = models.CharField(
        _("Identifier"),
        max_length=60,
        blank=True,
        help_text=_("Unified social credit code or project code."),
    )
    normalized_name = models.CharField(max_length=300, db_index=True, editable=False)
    attributes = models.JSONField(default=dict, blank=True)
    signed_on = models.DateField(_("Signed on"), null=True, blank=True)
    started_on = models.DateField(_("Started on"), null=True, blank=True)
    producing_on = models.DateField(_("Producing on"), null=True, blank=True)
    dates = models.JSONField(default=dict, blank=True, help_text="Other stages' dates, ISO.")
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=Status.choices,
        default=Status.ACTIVE,
        help_text=_("Cancelled items no longer count."),
    )
    review = models.CharField(
        _("Review"), max_length=20, choices=Review.choices, default=Review.DRAFT, db_index=True
    )
    investment = models.DecimalField(
        _("Investment"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Total investment, 10,000 yuan (万元)."),
    )
    notes = models.TextField(_("Notes"), blank=True)
    is_sample = models.BooleanField(default=False)
    # Duplicates: flagged when saved, resolved by the province (keep both, or merge).
    duplicate_flag = models.BooleanField(default=False)
    duplicate_kept = models.BooleanField(default=False, help_text="The province decided: not a duplicate.")
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="merged")
    version = models.PositiveIntegerField(default=1)
    approvals = models.PositiveSmallIntegerField(
        default=0, help_text="Levels of approval done so far (the plan's approval chain for the locality)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Ledger item")
        verbose_name_plural = _("Ledger items")
        ordering = ["ledger", "locality__order", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def audit_subject(self) -> Subject:
        return Subject(
            "ledger_row",
            self.pk,
            f"{self.ledger.name_zh}：{self.name}",
            plan=self.ledger.plan.code,
            locality=self.locality.code if self.locality_id else "",
        )

    def stage_date(self, stage: str) -> dt.date | None:
        if stage in DATE_COLUMNS:
            value: dt.date | None = getattr(self, DATE_COLUMNS[stage])
            return value
        raw = (self.dates or {}).get(stage)
        return dt.date.fromisoformat(raw) if raw else None

    def set_stage_date(self, stage: str, value: dt.date | None) -> None:
        if stage in DATE_COLUMNS:
            setattr(self, DATE_COLUMNS[stage], value)
            return
        dates = dict(self.dates or {})
        if value is None:
            dates.pop(stage, None)
        else:
            dates[stage] = value.isoformat()
        self.dates = dates

    def snapshot(self) -> dict[str, Any]:
        """The item's fields as JSON, for the audit."""
        return {
            "locality": self.locality.code if self.locality_id else None,
            "key_field": self.key_field.code if self.key_field_id and self.key_field else None,
            "name": self.name,
            "identifier": self.identifier,
            "attributes": self.attributes,
            "signed_on": self.signed_on.isoformat() if self.signed_on else None,
            "started_on": self.started_on.isoformat() if self.started_on else None,
            "producing_on": self.producing_on.isoformat() if self.producing_on else None,
            "dates": self.dates,
            "status": self.status,
            "review": self.review,
            "investment": None
            if self.investment is None
            else f"{canonical_decimal(Decimal(self.investment)):f}",
            "notes": self.notes,
        }


def ledger_evidence_path(instance: LedgerEvidence, filename: str) -> str:
    item = instance.item
    return f"ledger-evidence/{item.ledger.code}/{item.locality.code}/{item.pk}/{filename}"


class LedgerEvidence(models.Model):
    """A file that supports a ledger row (a notice of recognition, a contract), stored under var/."""

    item = models.ForeignKey(LedgerItem, models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=ledger_evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Ledger evidence file")
        verbose_name_plural = _("Ledger evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
