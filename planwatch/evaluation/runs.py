"""Evaluation runs: the evaluation core run on the values in the database, and stored.

- `build_input(plan, statuses=…, year=…, as_of=…)` reads the plan's indicators, pilot units,
  dimensions, targets and yearly values in a fixed number of queries (six, whatever the amount of
  data; one more for the history of values changed after `as_of`) and returns the core's
  `EvaluationInput` with the *data version*: which values were read (a sha256 over their
  indicator, locality, period, value, status and version, and one per year), how many, and as of
  when. With `year`, only the values an evaluation of that year reads: those of that year and
  before. With `as_of`, the values as they stood at the end of that day (their audit events).
- `parameters_from_options(…)` turns what a person gives (`--method topsis`, an AHP file, the API's
  body) into the core's `EvaluationParameters`, refusing what does not fit with a message in Chinese
  and English.
- `run_evaluation(plan, year, params=…)` evaluates and stores an `EvaluationRun`. A run whose input
  hash and data version equal a stored run's is not made again: the stored run is returned (see
  docs/methodology.md, "Evaluation runs").

Every refusal is a `RunRefused` with `zh`, `en`, `kind` and, for a bad parameter, the `path` of the
parameter at fault; the core's `EvaluationError`s (an AHP matrix with CR ≥ 0.1, unknown codes, …)
become one too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import metadata
from itertools import count, repeat
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_noop

from planwatch.accounts.permissions import has_perm
from planwatch.core import gcpause, numbers
from planwatch.core.errors import EvaluationError, InconsistentJudgements, NotAllowed
from planwatch.core.evaluation import (
    QUALIFIERS,
    REGION,
    AreaSpec,
    BindingConsequence,
    CompositeMethod,
    CompositeParameters,
    DimensionSpec,
    Evaluation,
    EvaluationInput,
    EvaluationParameters,
    IndicatorSpec,
    LocalitySpec,
    Normalization,
    ObservationColumns,
    PairwiseMatrix,
    PlanPeriod,
    SensitivityParameters,
    TargetColumns,
    WeightMethod,
    WeightScheme,
    areas_of,
    evaluate,
    evaluation_input,
    explain,
    indicator_spec,
    pilot_units,
    to_jsonable,
)
from planwatch.core.evaluation.jsontext import canonical_json, canonical_texts
from planwatch.core.evaluation.words import BINDING_WORDS, METHOD_WORDS, NORMALIZATION_WORDS, WEIGHT_WORDS
from planwatch.core.hierarchy import LocalityNode
from planwatch.core.kinds import Qualifier
from planwatch.evaluation import derived
from planwatch.evaluation.models import ROW_PARTS, EvaluationResult, EvaluationRun, row_keys
from planwatch.evaluation.version import DataVersion, TargetsVersion
from planwatch.kernel.jobs import SILENT, Steps
from planwatch.kernel.models import AuditEvent
from planwatch.kernel.review import State
from planwatch.plans.models import (
    Dimension,
    Indicator,
    IndicatorComponent,
    Locality,
    Plan,
    Target,
    hierarchy_nodes,
)
from planwatch.reporting import exports
from planwatch.reporting.models import Period, ReportedValue

__all__ = [
    "ACCEPTED",
    "BINDING",
    "ENGINE_VERSION",
    "METHODS",
    "WEIGHTS",
    "WITH_UNACCEPTED",
    "RunRefused",
    "StoredResults",
    "build_input",
    "canonical_json",
    "canonical_texts",
    "caveats",
    "input_hash",
    "parameters_from_options",
    "parameters_label",
    "parameters_summary",
    "run_evaluation",
    "results_to_store",
    "run_record",
    "sha256_of",
    "store_rows",
]

Status = ReportedValue.Status

# Accepted values only, by default; on request also those submitted and approved but not yet
# accepted — a run that reads them is marked `includes_unaccepted`.
ACCEPTED: tuple[str, ...] = (Status.ACCEPTED.value,)
WITH_UNACCEPTED: tuple[str, ...] = (Status.ACCEPTED.value, Status.SUBMITTED.value, Status.APPROVED.value)

METHODS = [m.value for m in CompositeMethod]  # weighted_sum, topsis
NORMALIZATIONS = {
    "target": Normalization.TARGET,
    "minmax": Normalization.MIN_MAX,
    "min_max": Normalization.MIN_MAX,
}
WEIGHTS = ["equal", "entropy", "expert", "ahp"]
BINDING = [c.value for c in BindingConsequence]  # none, mark (default), cap, exclude


def _engine_version() -> str:
    """What the numbers depend on besides the input: this package and numpy (bit for bit, the core's
    floating point is numpy's). A run is reused only under the same engine version."""
    try:
        own = metadata.version("planwatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        own = "0"
    # evaluation 2 (issue 14): the two verdicts, qualifiers, ranks at the shown precision, binding
    # indicators apart, zero targets by min-max, methods compared, derived indicators.
    return f"planwatch {own}; evaluation 2; numpy {np.__version__}"


ENGINE_VERSION = _engine_version()


class RunRefused(EvaluationError):
    """An evaluation run that cannot be made as asked, said in Chinese and English (input to
    correct: 400).

    reason: invalid_parameters (`path` names the parameter), inconsistent_judgements (an AHP matrix
    with CR ≥ 0.1; `cr` holds it), invalid_year, or no_data.
    """

    def __init__(self, zh: str, en: str, *, reason: str = "invalid_parameters", path: str | None = None):
        super().__init__(zh, en)
        self.reason, self.place = reason, path or ""
        self.path = path
        self.cr: float | None = None

    @classmethod
    def from_core(cls, exc: EvaluationError) -> RunRefused:
        if isinstance(exc, InconsistentJudgements):
            refused = cls(exc.zh, exc.en, reason="inconsistent_judgements", path="ahp")
            refused.cr = exc.cr
            return refused
        return cls(
            f"无法按这些参数进行评估：{exc.zh or exc.en}",
            f"The evaluation cannot be made with these parameters: {exc.en}",
        )


# --- hashing ------------------------------------------------------------------------------------


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def _number(value: Decimal | None) -> str | None:
    """800, 12.5 — the same text whatever the database returns (800.000000, 8E+2)."""
    return None if value is None else numbers.plain(value)


def _rows_hash(rows: Iterable[Sequence[Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(canonical_json(list(row)).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _moment(value: Any) -> str | None:
    local = exports.local_time(value)
    return exports.iso(local) if local is not None else None


# --- the input ----------------------------------------------------------------------------------


def check_may_run(user: Any) -> None:
    """Only the province starts an evaluation run (`evaluation.run`): the dashboard's form, the job
    (checked again on a retry) and the API say the same."""
    if not has_perm("evaluation.run", user):
        raise NotAllowed("只有省级用户可以发起评估。", "Only the province may run evaluations.")


def build_input(
    plan: Plan,
    *,
    statuses: Sequence[str] = ACCEPTED,
    as_of: dt.date | None = None,
    year: int | None = None,
) -> tuple[EvaluationInput, DataVersion]:
    """The core's input from the database, and the data version of what was read.

    Six queries whatever the amount of data: localities, dimensions, indicators, components,
    targets, values. Values are the plan's yearly values of its pilot units with one of `statuses`;
    a value left blank is read (and counted in the data version) but is no observation: missing.
    Targets are all of the plan's — from the plan text, entered by users, or sample data — and the
    data version counts each origin. The rows read become the input as the plan file's do
    (planwatch.core.evaluation.planinput).

    `year`: only the values of that year and before — what an evaluation of `year` reads (its
    year, the years before for the pace, the forecast and last year's ranking), so that a value of
    a later year changes neither its input nor its data version. Targets are read whole (a year's
    evaluation judges against the final target).

    `as_of`: the values as they stood at the end of that day (local time): a value changed since is
    read as its last audit event up to then says it was (value and state; its version then is its
    version now less the changes since), a value that had no event by then is not read. (A value
    deleted since — the sample data loaded again — is not read either.) Without it, the values as
    they are.

    Then the plan's derived indicators (planwatch.evaluation.derived): one query when it declares
    none, else a fixed number per metric. They are added after the text's indicators, with their
    targets and their rates as observations (up to `year`), computed from the records as they stand
    on `as_of` (today by default); the data version says so (`derived`).
    """
    statuses = sorted(set(statuses))
    localities, areas, pilots, evaluated = _localities(plan)
    indicators, code_of = _indicators(plan)
    targets = _targets(plan, code_of, evaluated)
    values = _values(plan, statuses, code_of, pilots, until=year, moment=_end_of(as_of))
    extra = derived.read(plan, pilots, as_of=as_of, until=year)
    observed = values.columns()
    inp = evaluation_input(
        PlanPeriod(base_year=plan.base_year, start_year=plan.start_year, end_year=plan.end_year),
        (*indicators, *extra.specs),
        localities,
        _dimensions(plan),
        targets=TargetColumns.concat([targets.columns(), TargetColumns.of(extra.targets)]),
        observations=ObservationColumns.concat([observed, ObservationColumns.of(extra.observations)]),
        areas=areas,
    )
    version = DataVersion(
        as_of=_moment(values.as_of),
        sha256=_rows_hash(sorted(values.rows)),
        count=len(values.rows),
        by_year=_by_year(values),
        statuses=tuple(statuses),
        observed=len(observed),
        years=tuple(sorted(set(observed.year.tolist()))),
        sample_values=values.sample,
        targets=TargetsVersion(
            as_of=_moment(targets.as_of),
            sha256=_rows_hash(sorted(targets.rows)),
            count=len(targets.rows),
            by_origin=dict(sorted(targets.by_origin.items())),
        ),
        plan_version=plan.version,
        derived=extra.version,
    )
    return inp, version


def area_input(
    plan: Plan,
    localities: Sequence[Locality],
    members: Sequence[Locality],
    year: int,
    statuses: Iterable[str],
) -> EvaluationInput:
    """What an area's totals are made of: the input `build_input` reads, of the area's `members`
    alone — the plan's indicators, the members as pilot units, their yearly values of `year` and
    before in `statuses` (a blank one no observation). No targets: a total is of values only.
    Three queries whatever the size of the plan; the plan's other units are not read."""
    specs, code_of = _indicators(plan)
    codes = {loc.code for loc in members}
    units = tuple(u for u in pilot_units(hierarchy_nodes(localities).values()) if u.code in codes)
    values = _values(
        plan, sorted(set(statuses)), code_of, {loc.pk: loc.code for loc in members}, until=year, only=True
    )
    period = PlanPeriod(base_year=plan.base_year, start_year=plan.start_year, end_year=plan.end_year)
    return evaluation_input(period, specs, units, (), observations=values.columns())


def _localities(
    plan: Plan,
) -> tuple[tuple[LocalitySpec, ...], tuple[AreaSpec, ...], dict[int, str], dict[int, str]]:
    """The pilot units (planinput.pilot_units), the areas (planinput.areas_of), and by id the codes
    of the pilot units and of all those evaluated (pilot units and areas). One query."""
    rows = list(
        Locality.objects.filter(plan=plan)
        .order_by("order", "id")
        .values_list("id", "code", "parent_id", "pilot", "figures_include_children")
    )
    code_of = {pk: code for pk, code, *_ in rows}
    nodes = [
        LocalityNode(code, code_of.get(parent) if parent is not None else None, pilot, includes)
        for _, code, parent, pilot, includes in rows
    ]
    areas = areas_of(nodes)
    pilots = {pk: code for pk, code, _, pilot, _ in rows if pilot}
    area_codes = {area.code for area in areas}
    evaluated = {pk: code for pk, code in code_of.items() if pk in pilots or code in area_codes}
    return pilot_units(nodes), areas, pilots, evaluated


def _dimensions(plan: Plan) -> tuple[DimensionSpec, ...]:
    return tuple(
        DimensionSpec(code=code, weight=float(weight))
        for code, weight in Dimension.objects.filter(plan=plan)
        .order_by("order", "id")
        .values_list("code", "weight")
    )


def _indicators(plan: Plan) -> tuple[tuple[IndicatorSpec, ...], dict[int, str]]:
    """The indicators (planinput.indicator_spec), and their codes by id. Two queries."""
    rows = list(
        Indicator.objects.filter(plan=plan)
        .order_by("order", "id")
        .values_list(
            "id",
            "code",
            "kind",
            "aggregation",
            "direction",
            "binding",
            "region_target",
            "base_year",
            "base_value",
            "dimension__code",
            "lead_unit__name_zh",
            "lead_unit__name_en",
            "base_localities",
        )
    )
    components: dict[int, dict[str, str]] = {}
    for indicator_id, role, component in IndicatorComponent.objects.filter(indicator__plan=plan).values_list(
        "indicator_id", "role", "component__code"
    ):
        components.setdefault(indicator_id, {})[role] = component
    specs = tuple(
        indicator_spec(
            code,
            kind,
            aggregation,
            direction,
            binding=binding,
            region_target=region_target,
            base_year=base_year,
            base_value=base_value,
            components=components.get(pk, {}),
            dimension=dimension,
            lead=(lead_zh, lead_en) if lead_zh else None,
            locality_bases=locality_bases,
        )
        for (
            pk,
            code,
            kind,
            aggregation,
            direction,
            binding,
            region_target,
            base_year,
            base_value,
            dimension,
            lead_zh,
            lead_en,
            locality_bases,
        ) in rows
    )
    return specs, {row[0]: row[1] for row in rows}


@dataclass
class _TargetsRead:
    # The targets read, as columns (TargetColumns.from_codes): codes, years, values, qualifiers.
    indicators: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    qualifiers: list[int] = field(default_factory=list)  # index in QUALIFIERS
    rows: list[tuple[str, str, int, str | None, str]] = field(default_factory=list)  # for the sha256
    by_origin: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Target.Origin.values, 0))
    as_of: dt.datetime | None = None

    def columns(self) -> TargetColumns:
        return TargetColumns.from_codes(
            self.indicators, self.scopes, self.years, self.values, self.qualifiers
        )


_QUALIFIER_INDEX = {qualifier: k for k, qualifier in enumerate(QUALIFIERS)}


def _targets(plan: Plan, code_of: Mapping[int, str], evaluated: Mapping[int, str]) -> _TargetsRead:
    """The region's targets (no locality), the pilot units' and the areas'. One query.

    A locality target a lead unit entered counts once the province has approved its indicator's
    breakdown (docs/breakdown.md): a draft or a submitted breakdown judges nobody yet. The plan's own
    targets and the sample's always count."""
    read = _TargetsRead()
    for (
        indicator_id,
        locality_id,
        year,
        amount,
        qualifier,
        origin,
        updated_at,
        breakdown,
    ) in Target.objects.filter(indicator__plan=plan).values_list(
        "indicator_id",
        "locality_id",
        "year",
        "value",
        "qualifier",
        "origin",
        "updated_at",
        "indicator__breakdown__status",
    ):
        if locality_id is None:
            scope = REGION
        elif locality_id in evaluated:
            scope = evaluated[locality_id]
        else:
            continue  # a target of a locality that is not evaluated
        if origin == Target.Origin.USER and breakdown not in (None, State.ACCEPTED):
            continue  # entered, not yet approved
        code = code_of[indicator_id]
        read.indicators.append(code)
        read.scopes.append(scope)
        read.years.append(year)
        read.values.append(float(amount))
        read.qualifiers.append(_QUALIFIER_INDEX[Qualifier(qualifier)])
        read.rows.append((code, scope, year, _number(amount), origin))
        read.by_origin[origin] = read.by_origin.get(origin, 0) + 1
        read.as_of = _later(read.as_of, updated_at)
    return read


@dataclass
class _ValuesRead:
    rows: list[tuple[str, str, str, str | None, str, int]] = field(default_factory=list)  # for the sha256
    years: list[int] = field(default_factory=list)  # the year of each row
    # The observations (the rows with a value), as columns (ObservationColumns.from_codes).
    indicators: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    observed_years: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    sample: int = 0
    as_of: dt.datetime | None = None

    def add(
        self, code: str, scope: str, period: str, year: int, value: Decimal | None, status: str, version: int
    ) -> None:
        self.rows.append((code, scope, period, _number(value), status, version))
        self.years.append(year)
        if value is not None:
            self.indicators.append(code)
            self.scopes.append(scope)
            self.observed_years.append(year)
            self.values.append(float(value))

    def columns(self) -> ObservationColumns:
        return ObservationColumns.from_codes(self.indicators, self.scopes, self.observed_years, self.values)


# The audit events of a value that bump its version (planwatch.reporting.workflow, kernel.review):
# a save that changed it, a move of the review, a revision. Comments, evidence and revision
# requests leave the version as it is.
VERSION_EVENTS = frozenset(
    {"value.save", "value.submit", "value.approve", "value.accept", "value.return", "value.revise"}
)


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """The first moment after `day` in local time (values changed before it stood on that day)."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _values(
    plan: Plan,
    statuses: Sequence[str],
    code_of: Mapping[int, str],
    pilots: Mapping[int, str],
    *,
    until: int | None = None,
    moment: dt.datetime | None = None,
    only: bool = False,
) -> _ValuesRead:
    """The yearly values of the pilot units (of `until` and before), in the statuses asked for, as
    they stand — or as they stood before `moment`. One query; one more for the history of the
    values changed since `moment`, if any. `only`: of the units of `pilots` alone (an area's)."""
    read = _ValuesRead()
    units = {"locality__in": list(pilots)} if only else {"locality__pilot": True}
    rows = ReportedValue.objects.filter(
        indicator__plan=plan, period__frequency=Period.Frequency.YEARLY, **units
    )
    if until is not None:
        rows = rows.filter(period__year__lte=until)
    if moment is None:
        rows = rows.filter(status__in=statuses)
    changed: dict[int, tuple[Any, ...]] = {}
    for row in rows.values_list(
        "pk",
        "indicator_id",
        "locality_id",
        "period__code",
        "period__year",
        "value",
        "status",
        "version",
        "is_sample",
        "updated_at",
    ):
        pk, indicator_id, locality_id, period, year, value, status, version, is_sample, updated_at = row
        if moment is not None and updated_at is not None and updated_at >= moment:
            changed[pk] = row
            continue
        if status not in statuses:
            continue
        read.add(code_of[indicator_id], pilots[locality_id], period, year, value, status, version)
        read.sample += bool(is_sample)
        read.as_of = _later(read.as_of, updated_at)
    if changed and moment is not None:
        since = rows.filter(updated_at__gte=moment).annotate(key=Cast("pk", CharField())).values("key")
        _as_they_stood(read, changed, since, statuses, code_of, pilots, moment)
    return read


def _as_they_stood(
    read: _ValuesRead,
    changed: Mapping[int, tuple[Any, ...]],
    since: QuerySet[Any],
    statuses: Sequence[str],
    code_of: Mapping[int, str],
    pilots: Mapping[int, str],
    moment: dt.datetime,
) -> None:
    """The values changed since `moment` (`changed`, and `since` the query that finds them again, so
    that their events are read in one query however many they are), as their audit events say they
    stood before it."""
    events: dict[str, list[tuple[str, dt.datetime, Any, str]]] = {}
    for subject, type_, at, new, source in (
        AuditEvent.objects.filter(subject_type="value", subject_id__in=Subquery(since))
        .order_by("at", "id")
        .values_list("subject_id", "type", "at", "new", "source")
    ):
        events.setdefault(subject, []).append((type_, at, new, source))
    for pk, row in changed.items():
        _, indicator_id, locality_id, period, year, _, _, version, is_sample, _ = row
        history = events.get(str(pk), [])
        before = [e for e in history if e[1] < moment and isinstance(e[2], dict) and "state" in e[2]]
        if not before:
            continue  # not there yet
        _, at, new, _ = before[-1]
        if new["state"] not in statuses:
            continue
        bumps = sum(
            1
            for type_, when, _, source in history
            if when >= moment and type_ in VERSION_EVENTS and source != ReportedValue.Source.SAMPLE
        )
        amount = new.get("value")
        value = None if amount is None else Decimal(str(amount))
        read.add(
            code_of[indicator_id], pilots[locality_id], period, year, value, new["state"], version - bumps
        )
        read.sample += bool(is_sample)
        read.as_of = _later(read.as_of, at)


def _by_year(read: _ValuesRead) -> tuple[tuple[int, str], ...]:
    """A sha256 of the values read per year, as the data version's sha256 is of them all: an
    evaluation of an earlier year read the same values when its hashes equal these up to its year."""
    rows: dict[int, list[tuple[str, str, str, str | None, str, int]]] = {}
    for year, row in zip(read.years, read.rows, strict=True):
        rows.setdefault(year, []).append(row)
    return tuple((year, _rows_hash(sorted(rows[year]))) for year in sorted(rows))


def _later(moment: dt.datetime | None, other: dt.datetime | None) -> dt.datetime | None:
    return other if other is not None and (moment is None or other > moment) else moment


def input_hash(inp: EvaluationInput, year: int, params: EvaluationParameters, statuses: Sequence[str]) -> str:
    """sha256 of everything the results depend on: the engine version, the year, the statuses read,
    the parameters and the whole input (periods, indicators, localities, targets, values)."""
    return sha256_of(
        {
            "engine_version": ENGINE_VERSION,
            "year": year,
            "statuses": sorted(set(statuses)),
            "parameters": to_jsonable(params),
            "input": to_jsonable(inp),
        }
    )


# --- parameters ---------------------------------------------------------------------------------


def _bad(zh: str, en: str, path: str) -> RunRefused:
    return RunRefused(zh, en, path=path)


def _judgement(cell: Any, path: str) -> float:
    """A judgement of a pairwise matrix: a number, or a fraction written as text ("1/3")."""
    if isinstance(cell, bool):
        raise _bad(f"{path}：应为数值，而非 {cell!r}", f"{path}: expected a number, got {cell!r}", path)
    if isinstance(cell, int | float):
        number = float(cell)
    elif isinstance(cell, str):
        try:
            number = float(Fraction(cell.strip()))
        except (ValueError, ZeroDivisionError):
            raise _bad(
                f"{path}：{cell!r} 不是数值（可写 3、0.5 或 1/3）",
                f"{path}: {cell!r} is not a number (write 3, 0.5 or 1/3)",
                path,
            ) from None
    else:
        raise _bad(f"{path}：应为数值，而非 {cell!r}", f"{path}: expected a number, got {cell!r}", path)
    if not math.isfinite(number) or number <= 0:
        raise _bad(
            f"{path}：判断值应为正数，而非 {cell!r}",
            f"{path}: a judgement must be a positive number, got {cell!r}",
            path,
        )
    return number


def _pairwise(data: Any, path: str) -> PairwiseMatrix:
    """{"codes": ["I07", "I08"], "matrix": [[1, 3], ["1/3", 1]]} → PairwiseMatrix."""
    if not isinstance(data, Mapping) or set(data) != {"codes", "matrix"}:
        raise _bad(
            f'{path}：格式应为 {{"codes": [...], "matrix": [[...], ...]}}',
            f'{path}: expected {{"codes": [...], "matrix": [[...], ...]}}',
            path,
        )
    codes, matrix = data["codes"], data["matrix"]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise _bad(f"{path}.codes：应为代码列表", f"{path}.codes: expected a list of codes", f"{path}.codes")
    n = len(codes)
    if (
        not isinstance(matrix, list)
        or len(matrix) != n
        or not all(isinstance(r, list) and len(r) == n for r in matrix)
    ):
        raise _bad(
            f"{path}.matrix：应为 {n} 行、每行 {n} 个判断值",
            f"{path}.matrix: expected {n} rows of {n} judgements, one per code",
            f"{path}.matrix",
        )
    values = tuple(
        tuple(_judgement(cell, f"{path}.matrix[{i}][{j}]") for j, cell in enumerate(row))
        for i, row in enumerate(matrix)
    )
    return PairwiseMatrix(codes=tuple(codes), values=values)


def _expert_weights(data: Any, path: str) -> dict[str, float]:
    if not isinstance(data, Mapping) or not data:
        raise _bad(f"{path}：格式应为 {{代码: 权重, ...}}", f"{path}: expected {{code: weight, ...}}", path)
    out = {}
    for code, weight in data.items():
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise _bad(
                f"{path}.{code}：权重应为非负数，而非 {weight!r}",
                f"{path}.{code}: a weight must be a number ≥ 0, got {weight!r}",
                f"{path}.{code}",
            )
        out[str(code)] = float(weight)
    return out


def _only_keys(data: Any, path: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not data or not set(data) <= allowed:
        keys = " and/or ".join(f'"{k}"' for k in sorted(allowed))
        raise _bad(f"{path}：应为含 {keys} 的对象", f"{path}: expected an object with {keys}", path)
    return data


def parameters_from_options(
    *,
    method: str = "weighted_sum",
    normalization: str = "target",
    weights: str | None = None,
    ahp: Mapping[str, Any] | None = None,
    expert: Mapping[str, Any] | None = None,
    sensitivity: bool = True,
    binding: str = BindingConsequence.MARK.value,
) -> EvaluationParameters:
    """The core's parameters from the options of the command and the API.

    weights: equal (default), entropy (within each dimension), expert or ahp; the dimensions keep
    the plan's weights unless `expert` / `ahp` give theirs:

    - ahp: {"dimensions": {"codes": [...], "matrix": [[...]]}, "indicators": {dimension: {"codes":
      [...], "matrix": [[...]]}, ...}}, either part or both; judgements may be written "1/3";
    - expert: {"dimensions": {code: weight}, "indicators": {code: weight}}, either part or both.

    Given `ahp` or `expert` without `weights`, that is the method. Sensitivity: 1,000 draws, ±20 %,
    seed 20170421 (the core's defaults), or none. binding: what failing a binding (约束性) indicator
    does to the rank — none, mark (default), cap or exclude.
    """
    _check_method(method, normalization)
    if binding not in BINDING:
        raise _bad(
            f"约束性指标未达标的处理应为 {'、'.join(BINDING)} 之一，而非 {binding!r}",
            f"binding must be one of {', '.join(BINDING)}, not {binding!r}",
            "binding",
        )
    weights = _weights_method(weights, ahp, expert)
    if weights == "entropy":
        scheme = WeightScheme(indicators=WeightMethod.ENTROPY)
    elif weights == "ahp":
        scheme = _ahp_scheme(ahp)
    elif weights == "expert":
        scheme = _expert_scheme(expert)
    else:
        scheme = WeightScheme()
    return EvaluationParameters(
        composite=CompositeParameters(
            normalization=NORMALIZATIONS[normalization],
            weights=scheme,
            method=CompositeMethod(method),
            binding=BindingConsequence(binding),
        ),
        sensitivity=SensitivityParameters() if sensitivity else None,
    )


def _check_method(method: str, normalization: str) -> None:
    if method not in METHODS:
        raise _bad(
            f"合成方法应为 {'、'.join(METHODS)} 之一，而非 {method!r}",
            f"method must be one of {', '.join(METHODS)}, not {method!r}",
            "method",
        )
    if normalization not in NORMALIZATIONS:
        raise _bad(
            f"归一化方法应为 target 或 minmax，而非 {normalization!r}",
            f"normalization must be target or minmax, not {normalization!r}",
            "normalization",
        )


def _weights_method(
    weights: str | None, ahp: Mapping[str, Any] | None, expert: Mapping[str, Any] | None
) -> str:
    """The weighting asked for: as given, else ahp or expert when their weights are given, else equal."""
    if weights is None:
        weights = "ahp" if ahp is not None else "expert" if expert is not None else "equal"
    if weights not in WEIGHTS:
        raise _bad(
            f"权重方法应为 {'、'.join(WEIGHTS)} 之一，而非 {weights!r}",
            f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}",
            "weights",
        )
    if ahp is not None and weights != "ahp":
        raise _bad(
            f"给出了层次分析法判断矩阵，但权重方法为 {weights!r}：请使用 ahp",
            f"AHP judgements were given but the weights are {weights!r}: use weights ahp",
            "ahp",
        )
    if expert is not None and weights != "expert":
        raise _bad(
            f"给出了专家权重，但权重方法为 {weights!r}：请使用 expert",
            f"expert weights were given but the weights are {weights!r}: use weights expert",
            "expert",
        )
    return weights


def _ahp_scheme(ahp: Mapping[str, Any] | None) -> WeightScheme:
    if ahp is None:
        raise _bad(
            "层次分析法需要判断矩阵（--ahp-file FILE.json，或请求体中的 ahp）",
            "AHP weights need pairwise comparison matrices (--ahp-file FILE.json, or ahp in the body)",
            "ahp",
        )
    parts = _only_keys(ahp, "ahp", {"dimensions", "indicators"})
    per_dimension: dict[str, PairwiseMatrix] = {}
    if "indicators" in parts:
        blocks = parts["indicators"]
        if not isinstance(blocks, Mapping) or not blocks:
            raise _bad(
                'ahp.indicators：格式应为 {维度: {"codes": [...], "matrix": [[...]]}, ...}',
                'ahp.indicators: expected {dimension: {"codes": [...], "matrix": [[...]]}, ...}',
                "ahp.indicators",
            )
        per_dimension = {str(d): _pairwise(m, f"ahp.indicators.{d}") for d, m in blocks.items()}
    return WeightScheme(
        indicators=WeightMethod.AHP if per_dimension else WeightMethod.EQUAL,
        dimensions=WeightMethod.AHP if "dimensions" in parts else WeightMethod.PLAN,
        ahp=per_dimension,
        dimension_ahp=_pairwise(parts["dimensions"], "ahp.dimensions") if "dimensions" in parts else None,
    )


def _expert_scheme(expert: Mapping[str, Any] | None) -> WeightScheme:
    if expert is None:
        raise _bad(
            "专家权重需要给出权重（--expert-file FILE.json，或请求体中的 expert）",
            "expert weights need the weights (--expert-file FILE.json, or expert in the body)",
            "expert",
        )
    parts = _only_keys(expert, "expert", {"dimensions", "indicators"})
    return WeightScheme(
        indicators=WeightMethod.EXPERT if "indicators" in parts else WeightMethod.EQUAL,
        dimensions=WeightMethod.EXPERT if "dimensions" in parts else WeightMethod.PLAN,
        expert=_expert_weights(parts["indicators"], "expert.indicators") if "indicators" in parts else {},
        dimension_expert=(
            _expert_weights(parts["dimensions"], "expert.dimensions") if "dimensions" in parts else {}
        ),
    )


def parameters_summary(params: EvaluationParameters) -> str:
    """One line of a run's parameters, in codes: `weighted_sum · target · equal/plan · ±20% × 1000`."""
    composite, sensitivity = params.composite, params.sensitivity
    weights = composite.weights
    parts = [
        composite.method.value,
        composite.normalization.value,
        f"{weights.indicators.value}/{weights.dimensions.value}",
        f"binding {composite.binding.value}",
        f"±{sensitivity.spread * 100:g}% × {sensitivity.draws}" if sensitivity else "no sensitivity",
    ]
    return " · ".join(parts)


# The parameters in words, for pages and bulletins (the summary above keeps the codes, as the
# command line and the API print them); the words themselves are in planwatch.core.evaluation.words.


def parameters_label(params: EvaluationParameters, *, english: bool = False) -> str:
    """The run's parameters in words of the page's language: `加权求和 · 目标值标准化 · 指标等权、维度方案权重
    · 约束性指标未达标者标注 · 敏感性 ±20% × 1000次` / `weighted sum · normalized to the target ·
    indicators: equal weights, dimensions: the plan's weights · binding indicator failed: marked ·
    sensitivity ±20% × 1000 draws`."""
    k = 1 if english else 0
    composite, sensitivity = params.composite, params.sensitivity
    method = METHOD_WORDS[composite.method][k]
    normalization = NORMALIZATION_WORDS[composite.normalization][k]
    by_indicator = WEIGHT_WORDS[composite.weights.indicators][k]
    by_dimension = WEIGHT_WORDS[composite.weights.dimensions][k]
    binding = BINDING_WORDS[composite.binding][k]
    if english:
        weighting = f"indicators: {by_indicator}, dimensions: {by_dimension}"
        spread = (
            f"sensitivity ±{sensitivity.spread * 100:g}% × {sensitivity.draws} draws"
            if sensitivity
            else "no sensitivity analysis"
        )
    else:
        weighting = f"指标{by_indicator}、维度{by_dimension}"
        spread = (
            f"敏感性 ±{sensitivity.spread * 100:g}% × {sensitivity.draws}次"
            if sensitivity
            else "未做敏感性分析"
        )
    return " · ".join([method, normalization, weighting, binding, spread])


# --- runs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caveat:
    code: str
    zh: str
    en: str


def caveats(run: EvaluationRun) -> list[Caveat]:
    """What every place that shows the run must say about its data."""
    out = []
    if run.includes_unaccepted:
        out.append(
            Caveat(
                "includes_unaccepted",
                "含未确认数据：本次评估读取了已提交、已审核但尚未确认的数值，结果可能变化。",
                "Includes unaccepted values: submitted and approved values not yet accepted were read; "
                "the results may change.",
            )
        )
    if run.sample:
        out.append(
            Caveat(
                "sample",
                "示例数据：本次评估读取了示例数据，不是官方数字。",
                "Sample data: this evaluation read sample data, not official figures.",
            )
        )
    return out


def no_data(plan: Plan, year: int, *, include_unaccepted: bool = False) -> RunRefused:
    """The refusal of a year without a value to evaluate."""
    which = "accepted, submitted or approved" if include_unaccepted else "accepted"
    which_zh = "已确认、已提交或已审核" if include_unaccepted else "已确认"
    hint = (
        "" if include_unaccepted else " (add --include-submitted / include_submitted to read unaccepted ones)"
    )
    return RunRefused(
        f"方案 {plan.code} 没有{year}年{which_zh}的数值，无法评估",
        f"no {which} values for {year} in plan {plan.code}: nothing to evaluate{hint}",
        reason="no_data",
        path="year",
    )


def has_values(plan: Plan, year: int, statuses: Sequence[str] = ACCEPTED) -> bool:
    """Whether a pilot unit has a yearly value of `year` in one of `statuses` (one query): what a
    run of `year` needs, or run_evaluation refuses it (no_data). The derived indicators' records
    aside: a year with only those is evaluated on the command line."""
    return ReportedValue.objects.filter(
        indicator__plan=plan,
        locality__pilot=True,
        period__frequency=Period.Frequency.YEARLY,
        period__year=year,
        status__in=statuses,
        value__isnull=False,
    ).exists()


def run_evaluation(
    plan: Plan,
    year: int,
    *,
    params: EvaluationParameters | None = None,
    include_unaccepted: bool = False,
    user: Any = None,
    label: str = "",
    notes: str = "",
    reuse: bool = True,
    as_of: dt.date | None = None,
    progress: Steps = SILENT,
) -> EvaluationRun:
    """Evaluate `year` on the plan's values and store the run (the run and its rows in one
    transaction).

    With `reuse` (the default), a stored run of the plan with the same input hash (engine version,
    year, statuses, parameters and the whole input) and the same data version (the same values at
    the same versions) is returned instead of a new one, with `run.reused` set: it holds the very
    numbers a new run would. The derived indicators are computed from the records as they stand
    on `as_of` (today by default). Tells `progress` its steps (reading, evaluating, storing: the
    job page of `evaluation_run`, planwatch.evaluation.jobs). Raises RunRefused.
    """
    params = params or parameters_from_options()
    statuses = WITH_UNACCEPTED if include_unaccepted else ACCEPTED
    last = plan.last_year
    if not plan.base_year <= year <= last:
        raise RunRefused(
            f"{year}年不在方案年份（{plan.base_year}–{last}年）之内",
            f"year {year} is outside the plan's years {plan.base_year}–{last}",
            reason="invalid_year",
            path="year",
        )
    # Read and evaluated outside the transaction, written inside it: on SQLite a transaction takes
    # the write lock when it begins (IMMEDIATE, planwatch/config.py), and a run at national size
    # would hold it through the whole evaluation, every web write waiting behind it. (On PostgreSQL
    # the reads took no snapshot either: READ COMMITTED.) The data version says what was read.
    progress.step(gettext_noop("Reading the values"))
    inp, version = build_input(plan, statuses=statuses, as_of=as_of, year=year)
    if year not in version.years:
        raise no_data(plan, year, include_unaccepted=include_unaccepted)
    key = input_hash(inp, year, params, statuses)
    if reuse:
        found = (
            EvaluationRun.objects.filter(plan=plan, input_hash=key, data_hash=version.sha256)
            .order_by("id")
            .first()
        )
        if found is not None:
            found.reused = True
            return found
    progress.step(gettext_noop("Evaluating"))
    try:
        evaluation = evaluate(inp, year, params)
    except EvaluationError as exc:
        raise RunRefused.from_core(exc) from exc
    progress.step(gettext_noop("Storing the run"))
    stored = results_to_store(evaluation)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            plan=plan,
            year=year,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            label=label,
            notes=notes,
            parameters=to_jsonable(params),
            statuses=list(statuses),
            includes_unaccepted=include_unaccepted,
            data_version=to_jsonable(version),
            data_hash=version.sha256,
            input_hash=key,
            summary=stored.summary,
            results_hash=stored.results_hash,
            sample=version.sample,
            engine_version=ENGINE_VERSION,
        )
        store_rows(run.pk, stored)
    return run


@dataclass(frozen=True)
class StoredResults:
    """An evaluation's results as a run stores them (`results_to_store`): the run's summary, its
    rows (ROW_COLUMNS after the run: part, position, indicator, scope, status, completion and the
    result's canonical JSON) and the sha256 of the canonical JSON of the whole, with its size."""

    summary: dict[str, Any]
    rows: list[tuple[str, int, str, str, str, float | None, str]]
    results_hash: str
    size: int  # bytes of the whole's canonical JSON (UTF-8)


def results_to_store(evaluation: Evaluation) -> StoredResults:
    """The run's summary (to_jsonable of the evaluation with its ROW_PARTS empty, as
    models.split_results makes it), a row per result (its columns by models.row_keys, its JSON by
    `canonical_texts`: no dict per result) and `results_hash`: the sha256 of the canonical JSON of
    the whole (`sha256_of(to_jsonable(evaluation))`, the same digest), hashed from the rows' texts
    rather than the whole made. The garbage collector paused meanwhile (core.gcpause): a million
    small objects, no cycles."""
    rows: list[tuple[str, int, str, str, str, float | None, str]] = []
    texts: dict[str, list[str]] = {}
    with gcpause.paused():
        no_rows: dict[str, Any] = dict.fromkeys(ROW_PARTS, ())
        summary = to_jsonable(dataclasses.replace(evaluation, **no_rows))
        for part in ROW_PARTS:
            made = getattr(evaluation, part)
            texts[part] = canonical_texts(made)
            rows.extend(zip(repeat(part), count(), *row_keys(part, made), texts[part]))  # type: ignore[arg-type]
    digest, size = _whole_digest(summary, texts)
    return StoredResults(summary, rows, digest, size)


def _whole_digest(summary: Mapping[str, Any], texts: Mapping[str, Sequence[str]]) -> tuple[str, int]:
    """sha256_of(the whole) and the size of what it hashes, from the summary and the rows' texts by
    part (the canonical JSON of a list is its items' canonical JSON joined by commas in brackets,
    and the whole's keys are sorted): the pieces are hashed in the order canonical_json writes them."""
    digest = hashlib.sha256()
    size = 0
    for piece in _whole_pieces(summary, texts):
        raw = piece.encode("utf-8")
        size += len(raw)
        digest.update(raw)
    return digest.hexdigest(), size


_CHUNK = 4096  # rows' texts hashed at once


def _whole_pieces(summary: Mapping[str, Any], texts: Mapping[str, Sequence[str]]) -> Iterator[str]:
    yield "{"
    for number, key in enumerate(sorted(summary)):
        yield ("," if number else "") + canonical_json(key) + ":"
        if key in texts:
            part = texts[key]
            yield "["
            for start in range(0, len(part), _CHUNK):
                yield ("," if start else "") + ",".join(part[start : start + _CHUNK])
            yield "]"
        else:
            yield canonical_json(summary[key])
    yield "}"


ROW_COLUMNS = ("run_id", "part", "position", "indicator", "scope", "status", "completion", "result")


def store_rows(run_id: int, stored: StoredResults, *, table: str | None = None) -> None:
    """A new run's result rows (`results_to_store`), set-based, one statement whatever their
    number: on PostgreSQL one COPY (psycopg's cursor.copy: about ten times quicker than INSERTs at
    30,000 rows, benchmarks/README.md), elsewhere one INSERT executed for all rows (executemany).
    Into EvaluationResult's table; `table` another of its shape (benchmarks/bench_synth.py)."""
    quote = connection.ops.quote_name
    into = quote(table or EvaluationResult._meta.db_table)
    columns = ", ".join(quote(c) for c in ROW_COLUMNS)
    values = ((run_id, *row) for row in stored.rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {into} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(ROW_COLUMNS))
            cursor.executemany(f"INSERT INTO {into} ({columns}) VALUES ({marks})", list(values))


def run_record(run: EvaluationRun, *, results: bool = True) -> dict[str, Any]:
    """The run as JSON data, the same for the API and `planwatch evaluate --format json`."""
    record: dict[str, Any] = {
        "id": run.pk,
        "plan": run.plan.code,
        "year": run.year,
        "created_at": _moment(run.created_at),
        "created_by": run.created_by.get_username() if run.created_by is not None else None,
        "label": run.label,
        "notes": run.notes,
        "includes_unaccepted": run.includes_unaccepted,
        "sample": run.sample,
        "caveats": [{"code": c.code, "message_zh": c.zh, "message_en": c.en} for c in caveats(run)],
        "statuses": list(run.statuses),
        "parameters": run.parameters,
        "parameters_summary": parameters_summary(run.params),
        "data_version": run.data_version,
        "input_hash": run.input_hash,
        "results_hash": run.results_hash,
        "engine_version": run.engine_version,
        "reused": run.reused,
        # PlanWatch's own measures among the results (PlanWatch 口径，非方案原文), not the text's
        "derived_indicators": derived.described(
            run.plan, run.version.derived.indicators if run.version.derived else ()
        ),
    }
    if results:
        record["results"] = run.results
        record["explanations"] = explanations(run)
    return record


def explanations(run: EvaluationRun) -> list[dict[str, Any]]:
    """Each indicator result's one-line reason (planwatch.core.evaluation.explain). Two queries."""
    kinds = {
        code: (kind, unit)
        for code, kind, unit in Indicator.objects.filter(plan_id=run.plan_id).values_list(
            "code", "kind", "unit"
        )
    }
    names = {
        code: (zh, en or zh)
        for code, zh, en in Locality.objects.filter(plan_id=run.plan_id).values_list(
            "code", "name_zh", "name_en"
        )
    }

    def place(code: str) -> tuple[str, str]:
        return names.get(code, (code, code))

    out = []
    evaluation = run.evaluation
    for r in (*evaluation.indicators, *evaluation.areas):  # the pilot units, the region, the areas
        why = explain(r, *kinds.get(r.indicator, (None, "")), place=place)
        out.append({"indicator": r.indicator, "scope": r.scope, "year": r.year, "zh": why.zh, "en": why.en})
    return out
