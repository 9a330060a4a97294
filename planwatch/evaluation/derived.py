"""Derived indicators: rates PlanWatch computes from its own records, per locality and year.

The plan's evaluation system (四（五）) has five dimensions; two of them, 政策实施 and 组织协同, are about
how the plan is carried out rather than what it produces. A plan file may declare *derived
indicators* (`derived_indicators:`, planwatch.core.planfile.DerivedIndicator; kept in
planwatch.evaluation.models.DerivedIndicator): each names a metric of the registry below, and an
evaluation run (planwatch.evaluation.runs.build_input) adds the metric's values as observations, in
the indicator's dimension. They are PlanWatch's measures, not the text's: every place that shows
one says so (planwatch.core.kinds.DERIVED_MARK).

The registry `METRICS` has one `Metric` row per word of the vocabulary
planwatch.core.kinds.DerivedMetric: its unit, direction, ideal target and the function that counts
it. A metric counts records for each pilot unit and year (a `Tally`: the records that count, of
those judged) and its value is the rate part ÷ whole × 100; the region's value is the same rate over
all pilot units' records together (each record is one unit's own: 顺德区's milestones are not
佛山市's, so nothing is counted twice). The formulas are in docs/methodology.md ("Derived
indicators: 政策实施 and 组织协同").

Rows on records below this app (reported values, the audit log) are declared here. A row on the
records of an app above it is declared in that app and registered when it starts, as the ledgers
register their part of the plan file: supervision's milestones (planwatch.supervision.derived). The
breakdown approved on time will be one more row, declared beside the breakdown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, Min
from django.utils import timezone

from planwatch.core import kinds
from planwatch.core.errors import EvaluationError
from planwatch.core.evaluation import REGION, IndicatorSpec, Observation, TargetSpec, indicator_spec
from planwatch.core.kinds import DERIVED_UNIT, Aggregation, DerivedMetric, Direction, IndicatorKind
from planwatch.evaluation.models import DerivedIndicator
from planwatch.evaluation.version import DerivedVersion
from planwatch.kernel.models import AuditEvent, Source
from planwatch.kernel.review import REPORTED, Action
from planwatch.plans.models import Plan
from planwatch.reporting.models import Period, ReportedValue
from planwatch.reporting.workflow import VALUE, required_indicators

__all__ = [
    "METRICS",
    "DerivedRead",
    "Metric",
    "Scope",
    "Tally",
    "read",
    "register_metric",
]


@dataclass(frozen=True)
class Tally:
    """What a metric counted for one locality (or the region) and year: `part` of the `whole`
    records judged count (done on time, reported on time; returns of submissions); `sample`: how
    many of the records counted are sample data (示例数据)."""

    part: int = 0
    whole: int = 0
    sample: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.part + other.part, self.whole + other.whole, self.sample + other.sample)

    @property
    def rate(self) -> float | None:
        """part ÷ whole × 100, in %; None when nothing was judged."""
        return 100.0 * self.part / self.whole if self.whole else None


Tallies = dict[tuple[str, int], Tally]  # (locality code, year) → tally


@dataclass
class Scope:
    """What a metric counts in: the plan, its pilot units (code by id), the years and the day the
    records are judged on."""

    plan: Plan
    pilots: Mapping[int, str]
    years: tuple[int, ...]
    as_of: dt.date

    @cached_property
    def periods(self) -> list[Period]:
        """The plan's reporting periods of the years (every frequency), read once for all metrics."""
        return list(
            Period.objects.filter(plan=self.plan, year__in=self.years).select_related("plan").order_by("id")
        )


Counter = Callable[[Scope], Tallies]


@dataclass(frozen=True)
class Metric:
    """A row of the registry: the metric, its unit (every one is a rate in %), which way is better,
    the target a plan file leaves unsaid (its ideal), and the function that counts it."""

    code: DerivedMetric
    direction: Direction
    ideal: Decimal
    count: Counter
    unit: str = DERIVED_UNIT

    @property
    def zh(self) -> str:
        return self.code.zh

    @property
    def en(self) -> str:
        return self.code.en


METRICS: dict[DerivedMetric, Metric] = {}


def register_metric(metric: Metric) -> None:
    METRICS[metric.code] = metric


def add(tallies: Tallies, key: tuple[str, int], counted: bool, *, sample: bool = False) -> None:
    """Count one judged record."""
    tallies[key] = tallies.get(key, Tally()) + Tally(int(counted), 1, int(sample))


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# --- reporting: values reported on time -------------------------------------------------------------


def values_on_time(scope: Scope) -> Tallies:
    """Per pilot unit and year: of the values the year's periods require of it (each frequency's
    indicators, reporting.workflow.required_indicators) whose due day has passed or that were
    submitted, those not late by the one definition of late (Period.days_late, applied to the one
    value: submitted or not, and the day of its first submission). A period without a due day is not
    judged, nor is the base year (never late). Four queries."""
    periods = [p for p in scope.periods if p.due_on is not None and not p.is_base]
    required: dict[str, list[int]] = {}
    for period in periods:  # one query per frequency, not per period
        if period.frequency not in required:
            required[period.frequency] = list(required_indicators(period).values_list("pk", flat=True))
    values = {
        (indicator_id, locality_id, period_id): (pk, status, value, is_sample)
        for pk, indicator_id, locality_id, period_id, status, value, is_sample in ReportedValue.objects.filter(
            period__in=periods, locality_id__in=list(scope.pilots)
        ).values_list("pk", "indicator_id", "locality_id", "period_id", "status", "value", "is_sample")
    }
    first = _first_submissions(scope, periods)
    tallies: Tallies = {}
    for period in periods:
        for locality_id, code in scope.pilots.items():
            for indicator_id in required[period.frequency]:
                pk, status, value, is_sample = values.get((indicator_id, locality_id, period.pk), (None,) * 4)
                reported = status in REPORTED and value is not None
                if not reported and not period.is_late(0, 1, scope.as_of):
                    continue  # not sent yet, and not late yet: not judged
                late = period.days_late(int(reported), 1, scope.as_of, first.get(str(pk)))
                add(tallies, (code, period.year), late == 0, sample=bool(is_sample))
    return tallies


def _first_submissions(scope: Scope, periods: Sequence[Period]) -> dict[str, dt.date]:
    """The day of each value's first submission, by the value's id (as its audit events name it)."""
    return {
        subject_id: local_day(first)
        for subject_id, first in AuditEvent.objects.filter(
            type=VALUE.event(Action.SUBMIT),
            plan_code=scope.plan.code,
            period_code__in=[p.code for p in periods],
        )
        .values("subject_id")
        .annotate(first=Min("at"))
        .values_list("subject_id", "first")
    }


# --- the review kernel's audit events: returns per submission ----------------------------------------


def returns_per_submission(scope: Scope) -> Tallies:
    """Per pilot unit and year: the returns of its values of the year's periods (audit events
    `value.return`) of their submissions (`value.submit`), however often a value went back and
    forth. Lower is better. One query (after the periods)."""
    year_of = {p.code: p.year for p in scope.periods}
    codes = set(scope.pilots.values())
    submit, back = VALUE.event(Action.SUBMIT), VALUE.event(Action.RETURN)
    tallies: dict[tuple[str, int], Tally] = defaultdict(Tally)
    for locality, period, kind, source, n in (
        AuditEvent.objects.filter(
            plan_code=scope.plan.code,
            type__in=[submit, back],
            period_code__in=list(year_of),
            locality_code__in=sorted(codes),
        )
        .values("locality_code", "period_code", "type", "source")
        .annotate(n=Count("id"))
        .values_list("locality_code", "period_code", "type", "source", "n")
    ):
        sample = n if source == Source.SAMPLE else 0
        key = (locality, year_of[period])
        tallies[key] += Tally(0, n, sample) if kind == submit else Tally(n, 0, sample)
    return dict(tallies)


register_metric(
    Metric(DerivedMetric.VALUES_ON_TIME, Direction.HIGHER_IS_BETTER, Decimal(100), values_on_time)
)
register_metric(
    Metric(
        DerivedMetric.RETURNS_PER_SUBMISSION, Direction.LOWER_IS_BETTER, Decimal(0), returns_per_submission
    )
)


# --- the evaluation's input ---------------------------------------------------------------------


@dataclass
class DerivedRead:
    """The derived indicators as the core reads them: specs, targets (the indicator's target for
    every locality, the region and plan year) and observations (the rates), and what was read."""

    specs: list[IndicatorSpec] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    version: DerivedVersion | None = None


def metric_of(ind: DerivedIndicator) -> Metric:
    metric = METRICS.get(ind.term)
    if metric is None:  # pragma: no cover - every word has a row once the apps are ready
        raise EvaluationError(
            f"派生指标 {ind.code} 的口径 {ind.metric} 没有计算方法",
            f"derived indicator {ind.code}: no registered metric {ind.metric}",
        )
    return metric


def target_of(ind: DerivedIndicator) -> Decimal:
    """The rate the indicator holds every locality to: the plan file's, else the metric's ideal."""
    return ind.target if ind.target is not None else metric_of(ind).ideal


def read(
    plan: Plan, pilots: Mapping[int, str], *, as_of: dt.date | None = None, until: int | None = None
) -> DerivedRead:
    """The plan's derived indicators, with their values for every pilot unit and the region in each
    year from the plan's start to `as_of` (today by default) — and to `until`, the year evaluated,
    if given —, records judged on `as_of`. One query for the indicators, then each metric's own (a
    fixed number whatever the records)."""
    as_of = as_of or timezone.localdate()
    indicators = declared(plan)
    out = DerivedRead()
    if not indicators:
        return out
    last = min(plan.last_year, as_of.year, until if until is not None else plan.last_year)
    years = tuple(range(plan.start_year, last + 1))
    scope = Scope(plan, pilots, years, as_of)
    scopes = [*pilots.values(), REGION]
    sample = 0
    for ind in indicators:
        metric = metric_of(ind)
        out.specs.append(_spec(ind, metric))
        target = float(target_of(ind))
        out.targets += [
            TargetSpec(ind.code, s, y, target)
            for s in scopes
            for y in range(plan.start_year, plan.end_year + 1)
        ]
        tallies = metric.count(scope)
        for (locality, year), tally in sorted(_with_region(tallies).items()):
            if tally.rate is not None and year in years:
                out.observations.append(Observation(ind.code, locality, year, tally.rate))
                sample += tally.sample if locality != REGION else 0
    out.version = DerivedVersion(
        as_of=as_of.isoformat(),
        indicators=tuple(ind.code for ind in indicators),
        observed=len(out.observations),
        sample_records=sample,
    )
    return out


def _spec(ind: DerivedIndicator, metric: Metric) -> IndicatorSpec:
    """A rate in % of one locality's records: read by the engine as a share with no region rule (the
    region's rate is given as its own observation) and no base year (a rate has no way from a base:
    no pace); derived, so that a locality is not ranked on these alone."""
    return indicator_spec(
        ind.code,
        IndicatorKind.SHARE,
        Aggregation.NONE,
        metric.direction,
        binding=False,
        region_target=True,
        base_year=None,
        base_value=None,
        components={},
        dimension=ind.dimension.code if ind.dimension else None,
        derived=True,
    )


def _with_region(tallies: Mapping[tuple[str, int], Tally]) -> dict[tuple[str, int], Tally]:
    """The localities' tallies and, for each year, the region's: all their records together."""
    out = dict(tallies)
    region: dict[int, Tally] = defaultdict(Tally)
    for (_, year), tally in tallies.items():
        region[year] += tally
    out.update({(REGION, year): tally for year, tally in region.items()})
    return out


# --- names, for every place that shows them -----------------------------------------------------


def name_pairs(plan: Plan) -> dict[str, tuple[str, str]]:
    """The derived indicators' names by code, in Chinese and English, each with its mark:
    `数据按期报送率（PlanWatch 口径，非方案原文）`. One query."""
    zh_mark, en_mark = kinds.DERIVED_MARK
    return {
        ind.code: (f"{ind.name_zh}（{zh_mark}）", f"{ind.name_en} ({en_mark})")
        for ind in DerivedIndicator.objects.filter(plan=plan).order_by("order", "id")
    }


def names(plan: Plan, *, english: bool = False) -> dict[str, str]:
    """The derived indicators' names by code in one language, with their mark (name_pairs)."""
    return {code: pair[1 if english else 0] for code, pair in name_pairs(plan).items()}


def declared(plan: Plan) -> list[DerivedIndicator]:
    """The plan's derived indicators in the file's order, with their dimensions."""
    return list(
        DerivedIndicator.objects.filter(plan=plan).select_related("dimension").order_by("order", "id")
    )


def described(plan: Plan, codes: Sequence[str]) -> list[dict[str, object]]:
    """The derived indicators of these codes as JSON data (a run's record, the API): what each
    measures, its mark, unit, direction, dimension and the target applied."""
    zh_mark, en_mark = kinds.DERIVED_MARK
    out: list[dict[str, object]] = []
    for ind in declared(plan):
        if ind.code not in codes:
            continue
        metric = metric_of(ind)
        out.append(
            {
                "code": ind.code,
                "metric": ind.metric,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "mark_zh": zh_mark,
                "mark_en": en_mark,
                "unit": metric.unit,
                "direction": metric.direction.value,
                "dimension": ind.dimension.code if ind.dimension else None,
                "target": float(target_of(ind)),
            }
        )
    return out
