"""A stored evaluation run: what was evaluated, how, on which data, and what came out.

A bulletin cites one run. The run keeps everything needed to say what its numbers rest on and to
make them again: the parameters (as JSON), the statuses of the values read, the data version (which
values, at which versions, as of when), a hash of the whole input, the engine's version and the
results (the JSON of `planwatch.core.evaluation.to_jsonable`). See docs/methodology.md,
"Evaluation runs".

The JSON columns are read back as types, each checked once per instance (`from_jsonable`, which
raises UnreadableResults where the JSON does not fit): `run.evaluation` is the core's `Evaluation`,
`run.params` its `EvaluationParameters`, `run.version` the `DataVersion`. Pages, bulletins, reports
and exports read those; the JSON columns themselves are the stored record (the API gives them as
they are, `results_hash` is their sha256).
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.core import kinds
from planwatch.core.evaluation import Evaluation, EvaluationParameters, from_jsonable
from planwatch.core.numbers import DECIMAL_PLACES, MAX_DIGITS
from planwatch.evaluation.version import DataVersion
from planwatch.plans.models import Dimension, Plan, pick, term_choices


class EvaluationRun(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="evaluation_runs", verbose_name=_("Plan"))
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("Created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("Created by")
    )
    label = models.CharField(max_length=200, blank=True, verbose_name=_("Label"))
    notes = models.TextField(blank=True, verbose_name=_("Notes"))
    parameters = models.JSONField(
        verbose_name=_("Parameters"), help_text="The EvaluationParameters used, as JSON (to_jsonable)."
    )
    statuses = models.JSONField(
        verbose_name=_("Statuses read"), help_text="The workflow statuses of the values read."
    )
    includes_unaccepted = models.BooleanField(
        default=False,
        verbose_name=_("Includes unaccepted values"),
        help_text="Submitted and approved values were read as well as accepted ones.",
    )
    data_version = models.JSONField(
        verbose_name=_("Data version"),
        help_text="As of when, how many and a sha256 of the values read (and of the targets).",
    )
    data_hash = models.CharField(max_length=64, db_index=True, help_text="data_version['sha256'].")
    input_hash = models.CharField(
        max_length=64,
        db_index=True,
        help_text="sha256 of the canonical input, year, statuses and parameters.",
    )
    results = models.JSONField(verbose_name=_("Results"))
    results_hash = models.CharField(max_length=64, help_text="sha256 of the canonical results JSON.")
    sample = models.BooleanField(
        default=False,
        verbose_name=_("Sample data"),
        help_text="示例数据: some value or target read was sample data, never an official figure.",
    )
    engine_version = models.CharField(max_length=100)

    # Not stored: set by runs.run_evaluation when it returns an identical stored run.
    reused: bool = False

    class Meta:
        verbose_name = _("Evaluation run")
        verbose_name_plural = _("Evaluation runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["plan", "year"], name="evaluation_run_plan_year")]

    def __str__(self) -> str:
        flags = "".join(
            [" [含未确认数据 includes unaccepted]" if self.includes_unaccepted else ""]
            + [" [示例数据 sample]" if self.sample else ""]
        )
        return f"#{self.pk} {self.plan.code} {self.year}{flags}"

    @cached_property
    def evaluation(self) -> Evaluation:
        """The results as the core made them: indicators, region values, composite, sensitivity."""
        return from_jsonable(Evaluation, self.results)

    @cached_property
    def params(self) -> EvaluationParameters:
        """The parameters the run was made with."""
        return from_jsonable(EvaluationParameters, self.parameters)

    @cached_property
    def version(self) -> DataVersion:
        """What the run read: which values and targets, how many, as of when."""
        return from_jsonable(DataVersion, self.data_version)


def metric_choices() -> list[tuple[str, str]]:
    return term_choices(kinds.DerivedMetric)


class DerivedIndicator(models.Model):
    """An indicator PlanWatch computes from its own records (the plan file's `derived_indicators`):
    its metric's rate per locality and year (planwatch.evaluation.derived), evaluated in its
    dimension beside the text's indicators. PlanWatch's measure, not the plan text's: it has no
    clause and no quote, nobody reports it (it is on no entry form and no template), and wherever it
    is shown it says so (`mark`)."""

    Metric = kinds.DerivedMetric

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="derived_indicators")
    code = models.CharField(max_length=40)
    metric = models.CharField(max_length=40, choices=metric_choices)
    dimension = models.ForeignKey(
        Dimension, models.SET_NULL, null=True, blank=True, related_name="derived_indicators"
    )
    # The rate every locality is held to each year, in %; empty: the metric's ideal.
    target = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True)
    note_zh = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Derived indicator")
        verbose_name_plural = _("Derived indicators")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_derived_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def term(self) -> kinds.DerivedMetric:
        return kinds.DerivedMetric(self.metric)

    @property
    def name_zh(self) -> str:
        return self.term.zh

    @property
    def name_en(self) -> str:
        return self.term.en

    @property
    def name(self) -> str:
        return pick(self.term.zh, self.term.en)

    @property
    def mark(self) -> str:
        """PlanWatch 口径，非方案原文 — shown beside it wherever it is shown."""
        return pick(*kinds.DERIVED_MARK)

    @property
    def note(self) -> str:
        return pick(self.note_zh, self.note_en)

    @property
    def unit_label(self) -> str:
        return pick(kinds.DERIVED_UNIT, kinds.unit_name_en(kinds.DERIVED_UNIT))


class DashboardRun(models.Model):
    """The run the dashboards show for a plan's year, and the plan's data revision it holds
    (planwatch.plans.revision): written by the automatic evaluation job (evaluation.jobs) with the
    revision it read before the values. While the plan's revision is still that one, the run is
    current — one row read, no aggregate of the values."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    run = models.ForeignKey(EvaluationRun, models.CASCADE, related_name="+")
    revision = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("Dashboard run")
        verbose_name_plural = _("Dashboard runs")
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="dashboard_run_plan_year")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.year}: run {self.run_id} at r{self.revision}"
