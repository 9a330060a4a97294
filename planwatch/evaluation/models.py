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

from planwatch.core.evaluation import Evaluation, EvaluationParameters, from_jsonable
from planwatch.evaluation.version import DataVersion
from planwatch.plans.models import Plan


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
