"""A stored evaluation run: what was evaluated, how, on which data, and what came out.

A bulletin cites one run. The run keeps everything needed to say what its numbers rest on and to
make them again: the parameters (as JSON), the statuses of the values read, the data version (which
values, at which versions, as of when), a hash of the whole input, the engine's version and the
results (the JSON of `planwatch.core.evaluation.to_jsonable`). See docs/methodology.md,
"Evaluation runs".

The results are stored in two places: one `EvaluationResult` row per result of the four long parts
of the core's `Evaluation` (`ROW_PARTS`: each indicator at each pilot unit and the region, each
area's, the region's values of the year and of the years before), and the rest — the composite
index, the sensitivity, the binding checks — in the run's `summary`. A page reads the rows of its
own scope or indicator (an index on each), not the whole run. `run.results` is the whole JSON again
(the summary and the rows in their order), `results_hash` its sha256, computed when the run was
made: what a bulletin cites stays verifiable.

The JSON is read back as types, each checked once per instance (`from_jsonable`, which raises
UnreadableResults where the JSON does not fit): `run.evaluation` is the core's whole `Evaluation`,
`run.frame` the same without its rows (decoded once per process and run: `FRAMES`), `run.params`
its `EvaluationParameters`, `run.version` the `DataVersion`; `run.rows(...)` decodes the rows asked
for. Pages, bulletins, reports and exports read those; the JSON itself is the stored record (the API
gives `run.results` as it is).
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import count, repeat
from operator import attrgetter
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.core import kinds
from planwatch.core.evaluation import (
    REGION,
    Evaluation,
    EvaluationParameters,
    IndicatorResult,
    RegionValue,
    ResultColumns,
    from_jsonable,
)
from planwatch.core.evaluation.jsontext import canonical_json
from planwatch.core.evaluation.labels import headline, status_of
from planwatch.core.evaluation.types import positional_maker
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
    summary = models.JSONField(
        verbose_name=_("Results"),
        help_text="The results JSON (to_jsonable) with the lists stored as rows (ROW_PARTS) left empty.",
    )
    results_hash = models.CharField(
        max_length=64, help_text="sha256 of the canonical results JSON: the summary with its rows."
    )
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
    def results(self) -> dict[str, Any]:
        """The whole results JSON as the core made it (to_jsonable of its Evaluation): the summary
        with each part's rows in their order. One query."""
        whole: dict[str, Any] = {**self.summary}
        for part in ROW_PARTS:
            if part in whole:  # a part the core had not yet made when the run was stored stays out
                whole[part] = []
        for part, result in self.result_rows.order_by("part", "position").values_list("part", "result"):
            whole[part].append(result)
        return whole

    @cached_property
    def evaluation(self) -> Evaluation:
        """The results as the core made them: indicators, region values, composite, sensitivity."""
        return from_jsonable(Evaluation, self.results)

    @property
    def frame(self) -> Evaluation:
        """The run's Evaluation without its rows (ROW_PARTS empty): the composite index, the
        sensitivity and the binding checks, decoded once per process (FRAMES)."""
        return FRAMES.frame(self)

    def rows(self, *parts: str, scopes: Iterable[str] = (), indicator: str | None = None) -> Iterator[Any]:
        """The results of `parts` (an IndicatorResult for indicators and areas, a RegionValue for
        region and region_history), part by part in their order, only those of `scopes` and / or
        `indicator` when given. One query, on an index (run and scope, or run and indicator)."""
        rows = self.result_rows.filter(part__in=parts)
        wanted = list(scopes)
        if wanted:
            rows = rows.filter(scope__in=wanted)
        if indicator is not None:
            rows = rows.filter(indicator=indicator)
        for part, result in rows.order_by("part", "position").values_list("part", "result"):
            yield from_jsonable(PART_TYPES[part], result)

    def region_and_mapped(self) -> tuple[list[IndicatorResult], set[str]]:
        """The region's results (decoded), and the indicators of which some pilot unit has a
        completion: what the overview shows and offers to colour its map by — each indicator's
        completions read only when chosen (`completions`). One query, on the run's indexes: the first
        such row of each region row's indicator (a subquery with LIMIT 1, which PostgreSQL probes
        on the index of run and indicator; an EXISTS it turns into a scan of every result)."""
        measured = (
            EvaluationResult.objects.filter(
                run=models.OuterRef("run"),
                part="indicators",
                indicator=models.OuterRef("indicator"),
                completion__isnull=False,
            )
            .exclude(scope=REGION)
            .order_by()
            .values("pk")[:1]
        )
        rows = (
            self.result_rows.filter(part="indicators", scope=REGION)
            .annotate(measured=models.Subquery(measured))
            .order_by("position")
            .values_list("indicator", "result", "measured")
        )
        region, mapped = [], set()
        for indicator, result, first in rows:
            region.append(from_jsonable(IndicatorResult, result))
            if first is not None:
                mapped.add(indicator)
        return region, mapped

    def completions(self, indicator: str) -> dict[str, float]:
        """Each pilot unit's completion of the indicator (none where it has none), by the unit's
        code, without the JSON of its result: the overview's map coloured by it. One query, on the
        index of the run and indicator."""
        rows = (
            self.result_rows.filter(part="indicators", indicator=indicator)
            .exclude(scope=REGION)
            .order_by("position")
            .values_list("scope", "completion")
        )
        return {scope: completion for scope, completion in rows if completion is not None}

    @cached_property
    def params(self) -> EvaluationParameters:
        """The parameters the run was made with."""
        return from_jsonable(EvaluationParameters, self.parameters)

    @cached_property
    def version(self) -> DataVersion:
        """What the run read: which values and targets, how many, as of when."""
        return from_jsonable(DataVersion, self.data_version)


# The parts of an Evaluation stored as rows, and the type of each row's result.
PART_TYPES: dict[str, type] = {
    "indicators": IndicatorResult,
    "areas": IndicatorResult,
    "region": RegionValue,
    "region_history": RegionValue,
}
ROW_PARTS = tuple(PART_TYPES)


class CanonicalJSONField(models.TextField):  # type: ignore[type-arg]
    """JSON kept as its canonical text (core.evaluation.jsontext) and read back decoded: a result
    row's, stored as the very text hashed into its run's results_hash (runs.store_rows writes the
    texts themselves). Text, not jsonb: PostgreSQL parses nothing on the way in (the COPY of a
    national run's rows in half the time, benchmarks/README.md), and nothing queries inside it."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("Enter valid JSON."), code="invalid") from exc

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})

    def get_prep_value(self, value: Any) -> str | None:
        return None if value is None else canonical_json(value)

    def value_to_string(self, obj: Any) -> str:
        """Serialized (dumpdata) as the text it is stored as: the canonical JSON, a string."""
        return canonical_json(self.value_from_object(obj))


class EvaluationResult(models.Model):
    """One result of a run: an indicator at a pilot unit, the region or an area (parts indicators
    and areas), or a region value of the year or a year before (region, region_history); its JSON
    is to_jsonable of that one result, kept as the canonical text hashed into the run's
    results_hash (CanonicalJSONField). Made with the run (runs.run_evaluation), never changed."""

    run = models.ForeignKey(EvaluationRun, models.CASCADE, related_name="result_rows")
    part = models.CharField(max_length=20, choices=[(p, p) for p in ROW_PARTS])
    position = models.PositiveIntegerField(help_text="Its place in its part, from 0.")
    indicator = models.CharField(max_length=40)
    scope = models.CharField(max_length=40, help_text="A locality's code, or 'region'.")
    # The result's one status (labels.headline; empty for a region value) and its completion: what
    # the overview counts and maps, read without the JSON.
    status = models.CharField(max_length=30, blank=True)
    completion = models.FloatField(null=True, blank=True)
    result = CanonicalJSONField()

    class Meta:
        verbose_name = _("Evaluation result")
        verbose_name_plural = _("Evaluation results")
        constraints = [
            models.UniqueConstraint(fields=["run", "part", "position"], name="evaluation_result_place")
        ]
        indexes = [
            models.Index(fields=["run", "scope"], name="evaluation_result_scope"),
            models.Index(fields=["run", "indicator"], name="evaluation_result_indicator"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.part}[{self.position}] {self.indicator} {self.scope}"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A row's columns, before it is stored (split_results)."""

    part: str
    position: int
    indicator: str
    scope: str
    status: str
    completion: float | None
    result: dict[str, Any]


# A ResultRow from its fields in order: made by the hundred thousand, half the frozen __init__'s time.
_result_row = positional_maker(ResultRow)


def split_results(
    results: Mapping[str, Any], evaluation: Evaluation | None = None
) -> tuple[dict[str, Any], list[ResultRow]]:
    """The results JSON (to_jsonable of an Evaluation) as the run's summary — the same JSON with
    the lists of ROW_PARTS left empty (a part it lacks, from before the core made it, stays out)
    — and its rows, their columns by `row_keys`: of `evaluation`'s results when it is given (the
    Evaluation the JSON was made of), else of each row's own JSON decoded."""
    summary = {key: [] if key in PART_TYPES else value for key, value in results.items()}
    rows: list[ResultRow] = []
    for part, kind in PART_TYPES.items():
        items = results.get(part) or ()
        made = (
            getattr(evaluation, part) if evaluation is not None else [from_jsonable(kind, i) for i in items]
        )
        rows.extend(map(_result_row, repeat(part), count(), *row_keys(part, made), items))
    return summary, rows


def row_keys(
    part: str, made: Sequence[Any]
) -> tuple[Iterable[str], Iterable[str], Iterable[str], Iterable[float | None]]:
    """The results' indicators, scopes, statuses and completions, each a column in the results'
    order: what a row is read by. A judged result's (parts indicators and areas) status is
    labels.headline and its completion as its JSON has it (None where not finite); a region
    value's scope is REGION, with neither."""
    if PART_TYPES[part] is not IndicatorResult:
        return (
            list(map(_indicator, made)),
            repeat(REGION, len(made)),
            repeat("", len(made)),
            repeat(None, len(made)),
        )
    if isinstance(made, ResultColumns):  # the engine's columns: no object made
        indicators, scopes, completion = (made.column(n) for n in ("indicator", "scope", "completion"))
        statuses: Iterable[str] = map(status_of, *(made.column(n) for n in ("outcome", "pace", "annual")))
    else:
        indicators, scopes = list(map(_indicator, made)), list(map(_scope, made))
        completion, statuses = list(map(_completion, made)), map(headline, made)
    return indicators, scopes, statuses, (c if c is None or math.isfinite(c) else None for c in completion)


_indicator, _scope, _completion = attrgetter("indicator"), attrgetter("scope"), attrgetter("completion")


class _Frames:
    """A small LRU of decoded frames (EvaluationRun.frame) by run id. A stored run never changes;
    its results_hash is checked too, so that a database made again (the tests', whose ids come
    again) never gives another run's frame."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[str, Evaluation]] = OrderedDict()
        self._lock = threading.Lock()

    def frame(self, run: EvaluationRun) -> Evaluation:
        with self._lock:
            held = self._items.get(run.pk)
            if held is not None and held[0] == run.results_hash:
                self._items.move_to_end(run.pk)
                return held[1]
        frame = from_jsonable(Evaluation, run.summary)
        if run.pk is not None:
            with self._lock:
                self._items[run.pk] = (run.results_hash, frame)
                self._items.move_to_end(run.pk)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return frame

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


FRAMES = _Frames(16)


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
