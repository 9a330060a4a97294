"""A bulletin (通报): one period of a plan, citing one evaluation run, with its stored files.

A bulletin is a draft until the province issues it (签发, planwatch.bulletins.issuing): issuing gives
it the next number of its plan, year and series (2019年第1期), its 文号, its addressees (主送, 抄送),
the 签发人 and the day, and freezes it; an issued bulletin is withdrawn or superseded with a reason,
never renumbered, changed or deleted. Its states are the review kernel's IssueState.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planwatch.core.bulletin.content import WORD_SECTIONS
from planwatch.evaluation.models import EvaluationRun
from planwatch.kernel.audit import Subject
from planwatch.kernel.review import IssueState
from planwatch.plans.models import Locality, Plan, Unit


def bulletin_path(instance: BulletinFile, filename: str) -> str:
    bulletin = instance.bulletin
    return f"bulletins/{bulletin.plan.code}/{bulletin.period_code}/{filename}"


class Series(models.TextChoices):
    """A plan's bulletins are numbered in three series, each per year (2019年第1期)."""

    YEARLY = "yearly", _("Yearly bulletin")
    QUARTERLY = "quarterly", _("Quarterly bulletin")
    SPECIAL = "special", _("Special bulletin")


# How each series is named in a bulletin and its file name (Chinese only: the document is Chinese).
SERIES_ZH = {Series.YEARLY: "年度通报", Series.QUARTERLY: "季度通报", Series.SPECIAL: "专报"}

# The office's own words (the four sections every 通报 carries), by field: Chinese heading.
WORDS = dict(WORD_SECTIONS)


class Bulletin(models.Model):
    State = IssueState

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="bulletins", verbose_name=_("Plan"))
    period_code = models.CharField(
        max_length=20, verbose_name=_("Bulletin period"), help_text="2018 or 2018Q3"
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    series = models.CharField(
        max_length=20, choices=Series.choices, default=Series.YEARLY, verbose_name=_("Series")
    )
    state = models.CharField(
        max_length=20, choices=IssueState.choices, default=IssueState.DRAFT, verbose_name=_("State")
    )
    number = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name=_("Bulletin issue number"),
        help_text="第N期, per plan, year and series; given when issued (a draft has none).",
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
    version = models.PositiveIntegerField(default=1)
    # False once a draft's words are edited until its files are made again (regenerate, issue).
    files_current = models.BooleanField(default=True)
    # The office's own words, prefilled from the evaluation and edited by the province before issuing.
    assessment = models.TextField(blank=True, verbose_name=_("Overall assessment"))
    measures = models.TextField(blank=True, verbose_name=_("Main measures and results"))
    problems = models.TextField(blank=True, verbose_name=_("Problems"))
    next_steps = models.TextField(blank=True, verbose_name=_("Next steps"))
    # Given when issued.
    document_number = models.CharField(max_length=100, blank=True, verbose_name=_("Document number"))
    office = models.CharField(max_length=200, blank=True, verbose_name=_("Issuing office"))
    signed_by = models.CharField(max_length=100, blank=True, verbose_name=_("Signed by"))
    issued_on = models.DateField(null=True, blank=True, verbose_name=_("Issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    copies_other = models.CharField(
        max_length=300,
        blank=True,
        verbose_name=_("Copied to (others)"),
        help_text="抄送: bodies not in the plan.",
    )
    # Withdrawn or superseded: why, and by which bulletin.
    reason = models.TextField(blank=True, verbose_name=_("Reason"))
    superseded_by = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("Superseded by"),
    )

    class Meta:
        verbose_name = _("Bulletin")
        verbose_name_plural = _("Bulletins")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "series", "number"], name="unique_bulletin_number"
            ),
            # Issued (and since withdrawn or superseded) means numbered. (A draft is numbered only
            # inside the transaction that issues it.)
            models.CheckConstraint(
                condition=Q(state=IssueState.DRAFT) | Q(number__isnull=False),
                name="bulletin_issued_is_numbered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.period_code} {self.number_label}"

    @property
    def is_draft(self) -> bool:
        return self.state == IssueState.DRAFT

    @property
    def number_label(self) -> str:
        """2019年第1期 (with the series when not yearly: 2019年专报第1期); 草稿 for a draft."""
        if self.number is None:
            return "草稿"
        series = "" if self.series == Series.YEARLY else SERIES_ZH[Series(self.series)]
        return f"{self.year}年{series}第{self.number}期"

    @property
    def words(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in WORDS}

    def audit_subject(self) -> Subject:
        return Subject(
            "bulletin",
            self.pk,
            # 通报 2019年第1期 once issued; a draft by its period: 通报 2019 草稿
            f"通报 {self.number_label}" if self.number is not None else f"通报 {self.period_code} 草稿",
            plan=self.plan.code,
            period=self.period_code,
        )

    def file_of(self, fmt: str) -> models.fields.files.FieldFile | None:
        stored = next((f for f in self.files.all() if f.format == fmt), None)
        return stored.file if stored is not None and stored.file else None

    def file_name(self, fmt: str) -> str:
        """The stored (ASCII) name: bulletin-<plan>-<period>-<year>-<series>-<number>.<fmt>, or -draft-<id>."""
        which = f"{self.series}-{self.number}" if self.number is not None else f"draft-{self.pk}"
        return f"bulletin-{self.plan.code}-{self.period_code}-{which}.{fmt}"

    def download_name(self, fmt: str) -> str:
        """The name an office files it under: “2019年第1期 珠江西岸…工作进展情况通报.pdf”; a draft's
        “2019年度 …通报（草稿）.pdf”. Characters no file system takes are left out."""
        title = self.title.split(" ")[0] if self.title else "通报"
        if self.number is None:
            name = f"{self.period_code} {title}（草稿）"
        else:
            name = f"{self.number_label} {title}"
        return "".join(ch for ch in name if ch not in '\\/:*?"<>|') + f".{fmt}"


class BulletinAddressee(models.Model):
    """Whom an issued bulletin goes to: 主送 (to) or 抄送 (copy), a locality or a unit of the plan."""

    class Role(models.TextChoices):
        TO = "to", _("To")
        COPY = "copy", _("Copied to")

    bulletin = models.ForeignKey(Bulletin, models.CASCADE, related_name="addressees")
    role = models.CharField(max_length=10, choices=Role.choices)
    locality = models.ForeignKey(Locality, models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Bulletin addressee")
        verbose_name_plural = _("Bulletin addressees")
        ordering = ["bulletin", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(locality__isnull=False, unit__isnull=True)
                | Q(locality__isnull=True, unit__isnull=False),
                name="addressee_is_a_locality_or_a_unit",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        party = self.locality or self.unit
        return party.name_zh if party is not None else "—"


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


class BulletinPreview(models.Model):
    """The bulletin's page as its files were last written (planwatch.core.bulletin.preview): its
    title block and body, the office's sections as slots filled when the page is read. Kept with
    the files (`services.store`), so the page shows what they say without reading the run again."""

    bulletin = models.OneToOneField(Bulletin, models.CASCADE, primary_key=True, related_name="preview")
    data = models.JSONField()

    class Meta:
        verbose_name = _("Bulletin preview")
        verbose_name_plural = _("Bulletin previews")

    def __str__(self) -> str:
        return f"{self.bulletin} preview"
