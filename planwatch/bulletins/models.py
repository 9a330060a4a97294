"""A bulletin (通报): one period of a plan, citing one evaluation run, with its stored files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.evaluation.models import EvaluationRun
from planwatch.plans.models import Plan


def bulletin_path(instance: BulletinFile, filename: str) -> str:
    bulletin = instance.bulletin
    return f"bulletins/{bulletin.plan.code}/{bulletin.period_code}/{filename}"


class Bulletin(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="bulletins", verbose_name=_("Plan"))
    period_code = models.CharField(
        max_length=20, verbose_name=_("Bulletin period"), help_text="2018 or 2018Q3"
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    serial = models.PositiveIntegerField(
        verbose_name=_("Bulletin issue number"), help_text="第N期, per plan."
    )
    run = models.ForeignKey(
        EvaluationRun, models.PROTECT, related_name="bulletins", verbose_name=_("Evaluation run")
    )
    data_version = models.JSONField(verbose_name=_("Data version"), help_text="The cited run's data version.")
    data_hash = models.CharField(max_length=64)
    includes_unaccepted = models.BooleanField(default=False, verbose_name=_("Includes unaccepted values"))
    sample = models.BooleanField(default=False, verbose_name=_("Sample data"))
    as_of = models.DateField(
        verbose_name=_("As of"), help_text="The day supervision and late reporting were judged on."
    )
    title = models.CharField(max_length=300)
    formats = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("Created at"))
    build_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("Bulletin")
        verbose_name_plural = _("Bulletins")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "serial"], name="unique_bulletin_serial")]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.period_code} 第{self.serial}期"

    def file_of(self, fmt: str) -> models.fields.files.FieldFile | None:
        stored = next((f for f in self.files.all() if f.format == fmt), None)
        return stored.file if stored is not None and stored.file else None

    def file_name(self, fmt: str) -> str:
        return f"bulletin-{self.plan.code}-{self.period_code}-{self.serial}.{fmt}"


class BulletinFile(models.Model):
    """One format of a bulletin, as stored (planwatch.core.bulletin.FORMATS)."""

    bulletin = models.ForeignKey(Bulletin, models.CASCADE, related_name="files")
    format = models.CharField(max_length=10)
    file = models.FileField(upload_to=bulletin_path, max_length=300)

    class Meta:
        verbose_name = _("Bulletin file")
        verbose_name_plural = _("Bulletin files")
        ordering = ["bulletin", "format"]
        constraints = [models.UniqueConstraint(fields=["bulletin", "format"], name="unique_bulletin_format")]

    def __str__(self) -> str:
        return f"{self.bulletin} {self.format}"
