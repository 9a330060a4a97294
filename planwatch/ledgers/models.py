"""Ledgers (台账): one row per counted thing, from which the count indicators are derived."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.plans.models import Indicator, KeyField, Locality, Plan


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

    class Meta:
        verbose_name = _("Ledger type")
        verbose_name_plural = _("Ledger types")
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_ledger_type_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class LedgerItem(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        MERGED = "merged", _("Merged into another item")

    ledger = models.ForeignKey(LedgerType, models.CASCADE, related_name="items")
    locality = models.ForeignKey(Locality, models.PROTECT, related_name="ledger_items")
    key_field = models.ForeignKey(
        KeyField, models.PROTECT, null=True, blank=True, related_name="ledger_items"
    )
    name = models.CharField(max_length=300)
    identifier = models.CharField(
        max_length=60, blank=True, help_text="Unified social credit code or project code."
    )
    normalized_name = models.CharField(max_length=300, db_index=True, editable=False)
    attributes = models.JSONField(default=dict, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    producing_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    investment = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, help_text="Total investment, 万元."
    )
    notes = models.TextField(blank=True)
    is_sample = models.BooleanField(default=False)
    # Duplicates: flagged when saved, resolved by the province (keep both, or merge).
    duplicate_flag = models.BooleanField(default=False)
    duplicate_kept = models.BooleanField(default=False, help_text="The province decided: not a duplicate.")
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="merged")
    version = models.PositiveIntegerField(default=1)
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
            "status": self.status,
            "investment": None if self.investment is None else f"{self.investment:f}",
            "notes": self.notes,
        }


class LedgerAudit(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        KEEP = "keep", _("Kept as not a duplicate")
        MERGE = "merge", _("Merged")

    item = models.ForeignKey(LedgerItem, models.SET_NULL, null=True, blank=True, related_name="audit")
    ledger = models.ForeignKey(LedgerType, models.CASCADE, related_name="audit")
    action = models.CharField(max_length=20, choices=Action.choices)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="web")
    source_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("Ledger audit entry")
        verbose_name_plural = _("Ledger audit entries")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.item_id} {self.at:%Y-%m-%d %H:%M}"
