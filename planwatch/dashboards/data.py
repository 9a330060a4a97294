"""What the dashboards read: the evaluation run behind the numbers, and the plan's items, each in a
fixed number of queries whatever the number of localities, indicators or values.

Every number of evaluation (completion, pace, composite score, rank) comes from the run's stored
results: the rows a page shows (`Results.for_scopes`, `Results.for_overview`) and the run's frame
(composite index, binding checks; decoded once per process); the plan's own tables only give names,
units and the reported values over the years.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from planwatch.core import hierarchy, numbers
from planwatch.core.errors import PlanWatchError
from planwatch.core.evaluation import (
    REGION,
    BindingCheck,
    ExclusionReason,
    IndicatorResult,
    LocalityScore,
    PlaceName,
    area_values,
    build_panel,
    explain,
    to_jsonable,
)
from planwatch.core.evaluation.labels import ANNUAL_WORDS, HEADLINE_WORDS, PACE_WORDS, headline
from planwatch.core.kinds import Aggregation
from planwatch.evaluation import jobs as evaluation_jobs
from planwatch.evaluation.models import DashboardRun, EvaluationRun
from planwatch.evaluation.runs import (
    ACCEPTED,
    RunRefused,
    area_input,
    has_values,
    no_data,
    parameters_from_options,
)
from planwatch.kernel import unchanged
from planwatch.kernel.models import Job
from planwatch.plans import revision as data_revision
from planwatch.plans.models import Indicator, Locality, Plan, hierarchy_nodes, pick
from planwatch.reporting import exports, freshness
from planwatch.reporting.models import Period, ReportedValue

Status = ReportedValue.Status

# What the dashboards show of the reported values: sent to the province or further. Drafts and
# returned values are the locality's own business (see Profile.can_see_drafts) and show nowhere here.
SHOWN_STATUSES: tuple[str, ...] = (Status.SUBMITTED.value, Status.APPROVED.value, Status.ACCEPTED.value)

# The one status of a result (planwatch.core.evaluation.labels.headline) and its words. The CSS class
# of each is `st-<key>`; the colours are in dashboards.css.
STATUS_ORDER = list(HEADLINE_WORDS)


def status_key(result: IndicatorResult | None) -> str:
    return headline(result)


def status_label(key: str) -> str:
    words = HEADLINE_WORDS.get(key)
    return pick(*words) if words else key


def _badge(words: dict[str, tuple[str, str]], key: str | None) -> dict[str, str] | None:
    return None if key is None else {"key": key, "label": pick(*words[key])}


def places(localities: Iterable[Locality]) -> PlaceName:
    """Name a locality by its code in the page's language (佛山市, not 440600); any of the plan's."""
    names = {loc.code: (loc.name_zh, loc.name_en or loc.name_zh) for loc in localities}
    return lambda code: names.get(code, (code, code))


def verdicts(result: IndicatorResult | None, indicator: Indicator, place: PlaceName) -> dict[str, Any]:
    """A result's two verdicts, each with its own label, and the one line that explains them
    (`place` names a missing locality)."""
    if result is None:
        return {"annual": None, "pace": None, "why": ""}
    why = explain(result, indicator.kind, indicator.unit, place=place)
    return {
        "annual": _badge(ANNUAL_WORDS, result.annual.value if result.annual else None),
        "pace": _badge(PACE_WORDS, result.pace.value if result.pace else None),
        "why": pick(why.zh, why.en),
    }


# --- numbers as shown ---------------------------------------------------------------------------


def number(value: float | Decimal | None) -> str:
    """800, 3,486.41, 12.5 — at most two decimals, no trailing zeros; — for none."""
    return numbers.figure(value)


def percent(share: float | None) -> str:
    """0.579 → 57.9%."""
    return numbers.percent(share)


def score(value: float | None) -> str:
    return numbers.score(value)


# --- years and the run --------------------------------------------------------------------------


def first_evaluation_year(plan: Plan) -> int:
    """The first year evaluated: the plan's start year, and never its base year (the values of the
    base year are where the way to the target starts, not progress along it)."""
    return max(plan.start_year, plan.base_year + 1)


def plan_years(plan: Plan) -> list[int]:
    """The plan's evaluation years with a yearly reporting period, oldest first (one query). The base
    year has a period (its values are reported) but is not evaluated."""
    return sorted(
        set(
            Period.objects.filter(
                plan=plan, frequency=Period.Frequency.YEARLY, year__gte=first_evaluation_year(plan)
            ).values_list("year", flat=True)
        )
    )


def latest_accepted_year(plan: Plan) -> int | None:
    """What the overview shows first (and the period a bulletin form offers first): the last
    evaluation year in which every pilot unit has accepted yearly values, else the last year in
    which any has. A year only one unit has reported yet would rank the others on nothing. Two
    queries, neither over the values: the marker the accepting actions keep
    (planwatch.reporting.freshness) and the number of pilot units."""
    reported = freshness.localities_by_year(plan, first_evaluation_year(plan))
    if not reported:
        return None
    pilots = plan.localities.filter(pilot=True).count()
    complete = [year for year, n in reported.items() if n >= pilots]
    return max(complete or reported)


class UnknownYear(PlanWatchError):
    """?year= names no evaluation year of the plan: 404."""

    status = 404

    def __init__(self, zh: str, en: str, *, raw: str):
        super().__init__(zh, en)
        self.raw = raw


def chosen_year(raw: str | None, years: list[int], default: int | None) -> int | None:
    """?year=2018 when it is one of the plan's evaluation years; the default without ?year=.
    Raises UnknownYear for any other ?year= (abc, the base year, a year without a period)."""
    if raw is None or raw == "":
        return default
    if raw.isdecimal() and int(raw) in years:
        return int(raw)
    raise UnknownYear(
        f"年份 {raw!r} 不是方案的评估年份", f"year {raw!r} is not an evaluation year of the plan", raw=raw
    )


def moment_text(value: str | dt.datetime | None) -> str:
    """An ISO time (as a run's data version stores it) as the pages show it: 2026-11-24 11:52, in
    the site's time zone (Beijing time by default); "" for none or what cannot be read."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return ""
    local = exports.local_time(value) if value.tzinfo is not None else value
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""


def default_parameters() -> dict[str, Any]:
    """The parameters `planwatch evaluate` uses without options, as a run stores them."""
    parameters: dict[str, Any] = to_jsonable(parameters_from_options())
    return parameters


@dataclass
class RunChoice:
    """The run a dashboard shows for a year, or why there is none."""

    year: int | None
    run: EvaluationRun | None = None
    refused: RunRefused | None = None
    made_now: bool = False  # made for this page's request: no stored run held the current data
    # a newer run is being made on the job runner (the stored one, if any, predates the data)
    pending: bool = False


def latest_default_run(plan: Plan, year: int) -> EvaluationRun | None:
    """The latest stored run of `year` with the default parameters on accepted values (two queries:
    the candidates' parameters, then the one run)."""
    wanted = default_parameters()
    candidates = (
        EvaluationRun.objects.filter(plan=plan, year=year, includes_unaccepted=False)
        .order_by("-created_at", "-id")
        .values_list("id", "parameters")
    )
    for pk, parameters in candidates:
        if parameters == wanted:
            return _run(pk)
    return None


def run_for(plan: Plan, year: int | None, *, evaluate_if_needed: bool = True) -> RunChoice:
    """The run the dashboards show for the year: the one the automatic evaluation job last made or
    found for it (DashboardRun) while the plan's data revision is still the one it read
    (planwatch.plans.revision: two rows read, no aggregate of the values); else the latest stored
    default run there is (or none) with a newer run asked of the job runner (`pending`).

    Never evaluated in the page's request: at national size a run takes longer than a web worker
    may. A page whose year's data changed asks for one automatic `evaluation_run` job
    (evaluation.jobs.request_run: one waits or runs per plan and year, however many pages ask) and
    says a newer run is coming; the run is stored, so the next view after the job shows it. When
    the job has already ended as it was asked (the immediate backend of the tests, a worker
    quicker than the page) the page shows its run. A year without accepted values gets no run and
    no job: the page says who has to report and accept them.
    """
    if year is None:
        return RunChoice(year=None)
    shown = DashboardRun.objects.filter(plan=plan, year=year).values_list("run_id", "revision").first()
    if shown is not None and shown[1] == data_revision.current(plan):
        return RunChoice(year=year, run=_run(shown[0]))
    run = latest_default_run(plan, year)
    if not evaluate_if_needed:
        unchanged.provisional()  # the job may store a newer run with no change of the data
        return RunChoice(year=year, run=run)
    if not has_values(plan, year):
        return RunChoice(year=year, run=None, refused=no_data(plan, year))
    job = evaluation_jobs.request_run(plan, year)
    if job.state == Job.State.DONE:
        made = DashboardRun.objects.filter(plan=plan, year=year).values_list("run_id", flat=True).first()
        made_now = made is not None and (run is None or made != run.pk)
        if made_now:
            unchanged.provisional()  # says "just now": the next view says it no more
        return RunChoice(year=year, run=_run(made), made_now=made_now)
    unchanged.provisional()
    return RunChoice(year=year, run=run, pending=job.state != Job.State.FAILED)


def _run(pk: int | None) -> EvaluationRun | None:
    """The run without its summary: its frame is decoded once per process (models.FRAMES), the
    summary read (one query) only then."""
    if pk is None:
        return None
    return EvaluationRun.objects.select_related("plan", "created_by").defer("summary").get(pk=pk)


# --- the run's results, by code -----------------------------------------------------------------


@dataclass
class Results:
    """The run's results, indexed: indicator × scope, composite scores by locality. Built for the
    whole run (`of`), for some scopes (`for_scopes`: a locality's page) or for what the overview
    shows (`for_overview`): only those rows are read (EvaluationRun.rows); the composite index and
    the binding checks come from the run's frame, decoded once per process."""

    run: EvaluationRun
    by_key: dict[tuple[str, str], IndicatorResult] = field(default_factory=dict)
    scores: tuple[LocalityScore, ...] = ()  # best first
    score_of: dict[str, LocalityScore] = field(default_factory=dict)
    dimensions: list[str] = field(default_factory=list)
    unranked: list[str] = field(default_factory=list)  # pilot units left out for want of values
    excluded_binding: list[str] = field(default_factory=list)  # left out: a binding indicator failed
    binding: tuple[BindingCheck, ...] = ()  # each binding indicator at each pilot unit, pass or fail
    # completion by (indicator, pilot unit) of every row read (none for_overview)
    completions: dict[tuple[str, str], float] = field(default_factory=dict)
    # the indicators of which some pilot unit has a completion: of the rows read, or (for_overview)
    # of the whole run, each unit's completion read when the map asks for it (EvaluationRun.completions)
    mapped: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, run: EvaluationRun) -> Results:
        """Every result of the run (the pilot units, the region, the areas)."""
        return cls._made(run, run.rows("indicators", "areas"))

    @classmethod
    def for_scopes(cls, run: EvaluationRun, *scopes: str) -> Results:
        """The results of these scopes only (a pilot unit, an area, the region)."""
        return cls._made(run, run.rows("indicators", "areas", scopes=scopes))

    @classmethod
    def for_overview(cls, run: EvaluationRun) -> Results:
        """The region's results and which indicators the map can be coloured by, no other result."""
        region, mapped = run.region_and_mapped()
        out = cls._made(run, region)
        out.mapped = mapped
        return out

    @classmethod
    def _made(cls, run: EvaluationRun, judged: Iterable[IndicatorResult]) -> Results:
        by_key = {(r.indicator, r.scope): r for r in judged}
        completions = {
            key: r.completion for key, r in by_key.items() if key[1] != REGION and r.completion is not None
        }
        out = cls(run=run, by_key=by_key, completions=completions, mapped={i for i, _ in completions})
        frame = run.frame
        out.binding = frame.binding
        composite = frame.composite
        if composite is not None:
            out.scores = composite.scores
            out.score_of = {s.locality: s for s in composite.scores}
            out.dimensions = [d.dimension for d in composite.dimension_weights]
            out.unranked = [
                e.locality for e in composite.excluded if e.reason != ExclusionReason.BINDING_FAILED
            ]
            out.excluded_binding = [
                e.locality for e in composite.excluded if e.reason == ExclusionReason.BINDING_FAILED
            ]
        return out

    def get(self, indicator: str, scope: str = REGION) -> IndicatorResult | None:
        return self.by_key.get((indicator, scope))


# --- the plan's items ---------------------------------------------------------------------------


def pilots(plan: Plan) -> list[Locality]:
    return list(plan.localities.filter(pilot=True).order_by("order", "id"))


def indicators(plan: Plan) -> list[Indicator]:
    return list(plan.indicators.select_related("lead_unit", "dimension").order_by("order", "id"))


def dimension_names(plan: Plan) -> dict[str, str]:
    return {d.code: d.name for d in plan.dimensions.order_by("order", "id")}


def label(zh: str, en: str) -> str:
    return pick(zh, en)


def sparkline(values: Iterable[float | None], width: int = 90, height: int = 22) -> str:
    """The points of an SVG polyline through the values (None: skipped), or "" for fewer than two."""
    points = [(k, v) for k, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    last = max(k for k, _ in points) or 1
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    return " ".join(
        f"{2 + k / last * (width - 4):.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for k, v in points
    )


# --- an area: a locality that reports nothing itself, made of the pilot units below it ------------


def area_codes(localities: list[Locality]) -> set[str]:
    """The localities that have an area page: not a pilot unit, not the top of the plan (the
    province, whose totals are the region's, on the overview), with pilot units below them (a city
    whose counties report). No query: `localities` are the plan's, read once."""
    return set(hierarchy.areas(hierarchy_nodes(localities)))


def areas_of(localities: list[Locality]) -> dict[str, list[Locality]]:
    """Each locality that has an area page (by its code) with the pilot units below it at any depth
    (a city's counties), in the plan's order (planwatch.core.hierarchy.pilots_within). No query:
    `localities` are the plan's, read once in their order."""
    by_code = {loc.code: loc for loc in localities}
    return {
        area: [by_code[code] for code in codes]
        for area, codes in hierarchy.areas(hierarchy_nodes(localities)).items()
    }


@dataclass(frozen=True)
class AreaRow:
    """One indicator of an area in a year: its total by the indicator's region rule (the region
    total's own rule, planwatch.core.evaluation.area_values), each member's value, and the members
    missing (no total is made while one counted is missing)."""

    indicator: Indicator
    total: str
    members: list[str]  # each member's value, in the order of the members
    missing: list[str]  # names of the members counted whose value is missing
    not_added: bool  # the indicator's region rule adds nothing up (aggregation none)


def area_rows(
    plan: Plan,
    localities: list[Locality],
    members: list[Locality],
    year: int,
    statuses: Iterable[str] = ACCEPTED,
) -> list[AreaRow]:
    """The area's totals of `year` from its members' values as the evaluation reads them (the run's
    statuses: accepted values only by default), the plan's own indicators only. `localities`: the
    plan's, read once (whether a member counts in totals is a matter of its ancestors)."""
    panel = build_panel(area_input(plan, localities, members, year, statuses))
    codes = [loc.code for loc in members]
    made = {(r.indicator, r.year): r for r in area_values(panel, codes)}
    names = {loc.code: loc.name for loc in members}
    scope = {loc.code: k for k, loc in enumerate(panel.localities)}
    y = panel.year_index(year) if year in panel.years else None
    rows = []
    for ind in indicators(plan):
        if ind.code not in {spec.code for spec in panel.indicators} or y is None:
            continue
        i = panel.indicator_index(ind.code)
        region_value = made[(ind.code, year)]
        values = [panel.values[i, scope[c], y] for c in codes]
        rows.append(
            AreaRow(
                indicator=ind,
                total=number(region_value.value),
                members=[number(None if math.isnan(v) else float(v)) for v in values],
                missing=[names[c] for c in region_value.missing],
                not_added=region_value.aggregation == Aggregation.NONE,
            )
        )
    return rows
