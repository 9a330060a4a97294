"""Dashboards: the region overview with the map of the pilot units, a page per locality and a page
per indicator (with its data as CSV and XLSX). Short views over planwatch.dashboards.data; a fixed
number of queries per page whatever the number of localities or indicators."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from operator import itemgetter
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planwatch.accounts.permissions import has_perm, led_first
from planwatch.breakdown.models import adjustments
from planwatch.core import hierarchy, numbers
from planwatch.core import supervision as supervision_core
from planwatch.core.errors import PlanWatchError
from planwatch.core.evaluation import REGION, BindingCheck, IndicatorResult, LocalityScore, PlaceName
from planwatch.core.evaluation.breakdown import named_first
from planwatch.core.evaluation.words import (
    BINDING_STATUS_WORDS,
    BINDING_WORDS,
    method_name,
    ranking_sentences,
)
from planwatch.dashboards import data
from planwatch.evaluation import derived
from planwatch.evaluation import jobs as evaluation_jobs
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import caveats, check_may_run, parameters_label
from planwatch.kernel import jobs
from planwatch.pages import UnitsPage, many_units, refusal_goes_to
from planwatch.plans import maps
from planwatch.plans.models import Indicator, Locality, Plan, TargetRevision, hierarchy_nodes, in_english
from planwatch.reporting import exports
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, ReportedValue
from planwatch.supervision.models import Milestone


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _render(request: HttpRequest, template: str, plan: Plan, **context: Any) -> HttpResponse:
    return render(
        request,
        f"dashboards/{template}",
        {"plan": plan, "section": "dashboard", **context},
    )


def _year_context(request: HttpRequest, plan: Plan) -> tuple[list[int], int | None]:
    """The plan's evaluation years and the one asked for (?year=), or the latest with accepted
    values. Raises data.UnknownYear for a ?year= that is not one of them."""
    years = data.plan_years(plan)
    return years, data.chosen_year(request.GET.get("year"), years, data.latest_accepted_year(plan) or None)


def _unknown_year(request: HttpRequest, plan: Plan, raw: str, years: list[int]) -> HttpResponse:
    """404 with the reason and the years there are, rather than another year's numbers."""
    response = _render(request, "unknown_year.html", plan, asked=raw, years=years)
    response.status_code = 404
    return response


def _run_context(choice: data.RunChoice) -> dict[str, Any]:
    run = choice.run
    english = _is_english()
    return {
        "choice": choice,
        "run": run,
        # (code, text): the sample caveat names itself ("示例数据：…"), the template only styles it
        "caveats": [(c.code, c.zh if not english else c.en) for c in caveats(run)] if run else [],
        "run_parameters": parameters_label(run.params, english=english) if run else "",
        "run_as_of": data.moment_text(run.version.as_of) if run else "",
    }


def _is_english() -> bool:
    return in_english()


def _inside(localities: list[Locality]) -> list[dict[str, str]]:
    """The pilot units inside another whose figures include them (顺德区 in 佛山市), by their names in
    the page's language (planwatch.core.hierarchy)."""
    by_code = {loc.code: loc for loc in localities}
    return [
        {"district": by_code[code].name, "city": by_code[outer[0]].name}
        for code, outer in hierarchy.including(hierarchy_nodes(localities)).items()
    ]


@login_required
@require_POST
def evaluate(request: HttpRequest, code: str) -> HttpResponse:
    """The overview's 立即评估 form: the year evaluated on the job runner (evaluation_run), whose
    page the user is sent to."""
    plan = _plan(code)
    back = reverse("dashboards:overview", args=[plan.code])
    refusal_goes_to(request, back)
    check_may_run(request.user)
    raw = request.POST.get("year", "")
    years = data.plan_years(plan)
    if not raw.isdigit() or int(raw) not in years:
        raise PlanWatchError(
            f"请选择方案年份（{years[0]}–{years[-1]}年）之一。" if years else "方案没有评估年份。",
            f"Choose one of the plan's years ({years[0]}–{years[-1]})."
            if years
            else "The plan has no years.",
        )
    params = {
        "year": int(raw),
        "include_unaccepted": request.POST.get("include_unaccepted") == "on",
        "back": f"{back}?year={raw}",
    }
    job = jobs.start(evaluation_jobs.RUN, request.user, plan_code=plan.code, params=params)
    return redirect("web:job", job.pk)


# --- binding indicators and the ranking's notes -------------------------------------------------


def _binding_cell(check: BindingCheck) -> dict[str, Any]:
    """A binding check as shown: its status (达标 / 未达标 / 未报送 / 无目标) with value and target."""
    words = BINDING_STATUS_WORDS[check.status]
    return {
        "key": check.status.value,
        "label": words[1] if _is_english() else words[0],
        "value": data.number(check.value),
        "target": data.number(check.target),
    }


def _binding_table(
    results: data.Results, localities: list[Locality], indicators: list[Indicator]
) -> list[dict[str, Any]]:
    """One row per binding indicator, a cell per pilot unit (in the plan's order)."""
    by = {(c.indicator, c.locality): c for c in results.binding}
    shown = {loc.code for loc in localities}
    checked = {c.indicator for c in results.binding if c.locality in shown}
    rows = []
    for ind in indicators:
        if ind.code not in checked:
            continue
        rows.append(
            {
                "indicator": ind,
                "cells": [
                    {"locality": loc, **_binding_cell(c)} if (c := by.get((ind.code, loc.code))) else None
                    for loc in localities
                ],
            }
        )
    return rows


# A plan of many pilot units (more than planwatch.pages.MANY_UNITS): the overview shows the best and the
# worst of its ranking and counts per indicator, the full ranking a page of its own, paginated.
RANKING_EACH = 15  # the best and the worst shown
RANKING_PAGE = 100  # rows per page of the full ranking
UNITS_PAGE = 50  # pilot units per page of an indicator's table and chart


def _ranking_view(request: HttpRequest, ranking: list[dict[str, Any]]) -> dict[str, Any]:
    """The ranking rows the overview shows: all of a small plan; of many, the best and the worst
    `RANKING_EACH` with the count between — or, asked for `?ranking=all`, a page of the whole, its
    units found by name or code (`UnitsPage`: `?q=`, `?page=`)."""
    if not many_units(len(ranking)):
        return {"ranking_rows": ranking, "ranking_gap": 0}
    if request.GET.get("ranking") == "all":
        units = UnitsPage.of(request, ranking, RANKING_PAGE, itemgetter("locality"))
        return {"ranking_rows": units.rows, "ranking_gap": 0, "ranking_units": units}
    top, bottom = ranking[:RANKING_EACH], ranking[-RANKING_EACH:]
    gap = len(ranking) - len(top) - len(bottom)
    return {"ranking_rows": top, "ranking_bottom": bottom, "ranking_gap": gap, "ranking_total": len(ranking)}


def _binding_counts(binding: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of many pilot units, each binding indicator's checks counted by status, naming those failed."""
    rows = []
    for row in binding:
        cells = [cell for cell in row["cells"] if cell]
        failed, more = named_first([cell["locality"] for cell in cells if cell["key"] == "fail"])
        counted = Counter(cell["key"] for cell in cells)
        rows.append({"indicator": row["indicator"], "counts": counted, "failed": failed, "more": more})
    return rows


def _ranking_notes(
    results: data.Results, localities: list[Locality], indicators: list[Indicator]
) -> dict[str, Any]:
    """The sentences beside the ranking (leader by method, a district inside a city, a dominant
    indicator) in the page's language, and the rankings by the methods compared. No query: the
    names come from the localities and indicators (with their dimensions) the page has read."""
    evaluation = results.run.frame
    english = _is_english()
    loc_names = {loc.code: (loc.name_zh, loc.name_en) for loc in localities}
    ind_names = {i.code: (i.name_zh, i.name_en) for i in indicators}
    dim_names = {
        i.dimension.code: (i.dimension.name_zh, i.dimension.name_en) for i in indicators if i.dimension
    }
    sentences = ranking_sentences(
        evaluation.composite,
        evaluation.sensitivity,
        lambda code: loc_names.get(code, (code, code)),
        lambda code: ind_names.get(code, (code, code)),
        lambda code: dim_names.get(code, (code, code)),
    )
    sensitivity = evaluation.sensitivity
    k = 1 if english else 0

    def names(codes: tuple[str, ...]) -> list[str]:
        return [loc_names.get(code, (code, code))[k] for code in codes]

    methods = [
        {
            "name": method_name(m.weighting, m.method)[k],
            "default": m.default,
            "leaders": names(m.leaders),
            "tau": "—" if m.kendall_tau is None else f"{m.kendall_tau:.2f}",
            "moved": names(m.moved),
        }
        for m in (sensitivity.methods if sensitivity else ())
    ]
    composite = evaluation.composite
    return {
        "ranking_notes": [(s.code, s.text(english)) for s in sentences],
        "methods": methods,
        "binding_consequence": BINDING_WORDS[composite.binding][k] if composite else "",
    }


def _status(result: IndicatorResult | None) -> dict[str, str]:
    key = data.status_key(result)
    return {"key": key, "label": data.status_label(key)}


def _derived_context(plan: Plan, results: data.Results | None, scope: str) -> dict[str, Any]:
    """The derived indicators' rows for one scope (the region or a pilot unit): each with the run's
    result and its mark (PlanWatch 口径，非方案原文); whether they were computed from sample records."""
    rows = []
    for ind in derived.declared(plan) if results else []:
        r = results.get(ind.code, scope) if results else None
        rows.append(
            {
                "indicator": ind,
                "result": r,
                "value": data.number(r.value) if r else "—",
                "target": data.number(r.target) if r else "—",
                "completion": data.percent(r.completion) if r else "—",
                "status": _status(r),
            }
        )
    version = results.run.version.derived if results else None
    return {"derived_rows": rows, "derived_sample": bool(version and version.sample_records)}


# --- the region overview ------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    try:
        years, year = _year_context(request, plan)
    except data.UnknownYear as unknown:
        return _unknown_year(request, plan, unknown.raw, data.plan_years(plan))
    choice = data.run_for(plan, year)
    context: dict[str, Any] = {"years": years, "year": year, **_run_context(choice)}
    context["may_evaluate"] = has_perm("evaluation.run", request.user)
    if choice.run is None:
        return _render(request, "overview.html", plan, **context)
    results = data.Results.for_overview(choice.run)
    indicators = led_first(request.user, data.indicators(plan))  # a lead unit's own first
    pilots = data.pilots(plan)
    localities = list(plan.localities.all())
    context["inside"] = _inside(localities)
    place = data.places(localities)  # a missing locality by its name, not its code
    rows = [_result_row(r, ind, place) for ind in indicators if (r := results.get(ind.code)) is not None]
    counted = Counter(row["status"]["key"] for row in rows)
    # The four steps of pace always; any other state (完成, 缺数据…) when it occurs, under the very
    # label the table gives it.
    always = ("ahead", "on_pace", "lagging", "seriously_lagging")
    counts = [
        {"key": key, "label": data.status_label(key), "n": counted.get(key, 0)}
        for key in data.STATUS_ORDER
        if key in always or counted.get(key)
    ]
    by_code = {loc.code: loc for loc in pilots}
    locality_url = _locality_url(plan, year)
    ranking = [
        {
            "score": s,
            "locality": by_code.get(s.locality),
            "code": s.locality,
            "value": data.score(s.score),
            "change": s.rank_change,
            "url": locality_url(s.locality),
        }
        for s in results.scores
    ]
    unranked = [by_code[c].name if c in by_code else c for c in results.unranked]
    excluded_binding = [by_code[c].name if c in by_code else c for c in results.excluded_binding]
    chart = _overview_chart(plan, year, pilots, localities, indicators, results)
    shown = _ranking_view(request, ranking)
    chart["ranking"] = _ranking_chart_rows(shown)
    binding = _binding_table(results, pilots, indicators)
    many = many_units(len(pilots))
    chart["many"] = many  # the map names no unit of many (3,000 names are a black blot): tooltips do
    return _render(
        request,
        "overview.html",
        plan,
        binding=binding,
        binding_counts=_binding_counts(binding) if many else None,
        many=many,
        **shown,
        pilots=pilots,
        rows=rows,
        counts=counts,
        ranking=ranking,
        # said of the rows shown (a search's one hit, or none, has no tie to explain)
        any_tied=any(r["score"].tied for r in [*shown["ranking_rows"], *shown.get("ranking_bottom", [])]),
        any_flagged=any(s.binding_failed for s in results.scores),
        unranked=unranked,
        excluded_binding=excluded_binding,
        chart=chart,
        has_areas=bool(chart["areas"]),  # the legend: a city's page opens too
        **_ranking_notes(results, localities, indicators),
        **_derived_context(plan, results, REGION),
        **context,
    )


def _locality_url(plan: Plan, year: int | None) -> Callable[[str], str]:
    """A locality's page of the year, by the locality's code: one reverse() for all of them (300
    units' reverse() took ~30 ms of the overview)."""
    mark = "__locality__"
    pattern = reverse("dashboards:locality", args=[plan.code, mark]) + f"?year={year}"
    return lambda code: pattern.replace(mark, quote(code, safe=""))


def _ranking_chart_rows(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The bars beside the table: the rows it shows, a gap (no bar) between the best and the worst."""
    rows = [
        {"code": r["code"], "score": r["score"].score, "rank": r["score"].rank} for r in shown["ranking_rows"]
    ]
    if shown["ranking_gap"]:
        rows.append({"code": "", "score": None, "rank": None, "gap": shown["ranking_gap"]})
    return rows + [
        {"code": r["code"], "score": r["score"].score, "rank": r["score"].rank}
        for r in shown.get("ranking_bottom", [])
    ]


def _overview_chart(
    plan: Plan,
    year: int | None,
    pilots: list[Locality],
    localities: list[Locality],
    indicators: list[Indicator],
    results: data.Results,
) -> dict[str, Any]:
    """What dashboards.js draws: the map's measures and localities, and the ranking."""
    measures = [
        {
            "key": "composite",
            "label": _("Composite score"),
            "kind": "score",
            "values": {s.locality: s.score for s in results.scores},
        }
    ]
    # An indicator's completion of every pilot unit is fetched when it is chosen (`measure`): at 300
    # units × 100 indicators the page would carry 30,000 of them for the one or two looked at.
    completion = _("completion")  # outside the f-string: xgettext does not read f-strings
    run = results.run
    measures.extend(
        {
            "key": ind.code,
            "label": f"{ind.code} {ind.name} · {completion}",
            "kind": "share",
            "url": reverse("dashboards:measure", args=[plan.code, run.pk, ind.code]),
        }
        for ind in indicators
        if ind.code in results.mapped
    )
    inside = hierarchy.including(hierarchy_nodes(localities))
    locality_url = _locality_url(plan, year)
    places = [
        {
            "code": loc.code,
            "name": loc.name,
            "inside": loc.code in inside,
            "url": locality_url(loc.code),
            "rank": score.rank if (score := results.score_of.get(loc.code)) else None,
        }
        for loc in pilots
    ]
    areas = data.area_codes(localities)  # a city above its reporting counties: its own page
    return {
        "plan": plan.code,
        "areas": [
            {
                "code": loc.code,
                "name": loc.name,
                "url": locality_url(loc.code),
            }
            for loc in localities
            if loc.code in areas
        ],
        "map_url": reverse("dashboards:map", args=[plan.code]),
        "score_decimals": numbers.SCORE_DECIMALS,  # the charts show scores as the tables do
        "measures": measures,
        "localities": places,
        "ranking": [{"code": s.locality, "score": s.score, "rank": s.rank} for s in results.scores],
        "labels": {
            "score": _("Composite score"),
            "rank": _("Rank"),
            "completion": _("Completion"),
            "no_data": _("No data"),
            "not_pilot": _("Not a pilot unit"),
            "area": _("The totals of its pilot units: click to open"),
            "inside": _("Inside its city; its figures are within the city's"),
            "unmapped": _("Not drawn (the map data has no boundary for it): {names}"),
        },
    }


@login_required
def plan_map(request: HttpRequest, code: str) -> HttpResponse:
    """The plan's map (planwatch/plans/maps.py): its places' boundaries, the cities around them, label
    points, points and the bounds of its pilot units, for dashboards.js — serialized once per plan's
    places, tagged, a repeated view answered 304 Not Modified."""
    body, tag = maps.plan_map_json(_plan(code))
    etag = f'"{tag}"'
    response: HttpResponse = (
        HttpResponseNotModified()
        if request.headers.get("If-None-Match") == etag
        else HttpResponse(body, content_type="application/json")
    )
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def measure(request: HttpRequest, code: str, run_id: int, indicator_code: str) -> HttpResponse:
    """One measure of the overview's map, fetched when chosen: each pilot unit's completion of the
    indicator in the run (one query on the run's results), as {"key", "values": {code: share}}. A
    stored run never changes: tagged by the run and its results' hash, a repeated view is 304. Only
    a run the overview can show: the plan's, on accepted values (a run that read submitted values
    is the evaluating user's, on its own page)."""
    plan = _plan(code)
    runs = EvaluationRun.objects.only("pk", "plan_id", "results_hash").filter(includes_unaccepted=False)
    run = get_object_or_404(runs, pk=run_id, plan=plan)
    etag = f'"measure-{run.pk}-{run.results_hash[:16]}-{indicator_code}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        values = run.completions(indicator_code)
        if not values and not plan.indicators.filter(code=indicator_code).exists():
            raise Http404("no such indicator")
        response = JsonResponse({"key": indicator_code, "values": values})
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- a locality ---------------------------------------------------------------------------------


@login_required
def locality(request: HttpRequest, code: str, locality_code: str) -> HttpResponse:
    plan = _plan(code)
    loc = get_object_or_404(Locality.objects.select_related("parent"), plan=plan, code=locality_code)
    localities = list(plan.localities.order_by("order", "id"))
    areas = data.areas_of(localities)
    members = areas.get(loc.code, [])
    if not loc.pilot and not members:
        raise Http404("not a pilot unit, nor above one")
    try:
        years, year = _year_context(request, plan)
    except data.UnknownYear as unknown:
        return _unknown_year(request, plan, unknown.raw, data.plan_years(plan))
    if members:
        return _area(request, plan, loc, localities, members, years, year)
    choice = data.run_for(plan, year)
    results = data.Results.for_scopes(choice.run, loc.code) if choice.run else None
    indicators = led_first(request.user, data.indicators(plan))  # a lead unit's own first
    period = (
        Period.objects.filter(plan=plan, frequency=Period.Frequency.YEARLY, year=year).first()
        if year is not None
        else None
    )
    # the area the pilot unit belongs to (its city, in a plan of three levels), for the crumbs
    area = loc.parent if loc.parent is not None and loc.parent.code in areas else None
    rows, not_reported = _locality_rows(
        indicators, loc, results, _history(request.user, plan, loc), years, year
    )
    workflow = Counter(row["workflow"] for row in rows if row["workflow"])
    score = results.score_of.get(loc.code) if results else None
    dims = data.dimension_names(plan)
    dimension_rows, radar = _dimensions(loc, results, score, dims) if results and score else ([], None)
    tasks = _locality_tasks(plan, loc, year, results)
    by_indicator = {ind.code: ind for ind in indicators}
    binding = [
        {"indicator": by_indicator.get(c.indicator), "code": c.indicator, **_binding_cell(c)}
        for c in (results.binding if results else ())
        if c.locality == loc.code
    ]
    return _render(
        request,
        "locality.html",
        plan,
        locality=loc,
        area=area,
        binding=binding,
        excluded_binding=bool(results and loc.code in results.excluded_binding),
        years=years,
        year=year,
        period=period,
        rows=rows,
        not_reported=not_reported,
        any_sample=any(row["sample"] for row in rows),
        workflow=[{"status": s, "n": workflow[s]} for s in data.SHOWN_STATUSES if workflow[s]],
        score=score,
        score_value=data.score(score.score) if score else "—",
        pilots_count=len(results.scores) if results else 0,
        dimension_rows=dimension_rows,
        radar=radar,
        tasks=tasks,
        today=dt.date.today(),
        **_derived_context(plan, results, loc.code),
        **_run_context(choice),
    )


def _area(
    request: HttpRequest,
    plan: Plan,
    area: Locality,
    localities: list[Locality],
    members: list[Locality],
    years: list[int],
    year: int | None,
) -> HttpResponse:
    """A locality above the pilot units (a city of a plan whose counties report): its totals, each
    made of its members' values by the indicator's region rule, with every member's value beside."""
    choice = data.run_for(plan, year)
    statuses = choice.run.statuses if choice.run else data.ACCEPTED
    rows = data.area_rows(plan, localities, members, year, statuses) if year is not None else []
    return _render(
        request,
        "area.html",
        plan,
        locality=area,
        members=members,
        rows=rows,
        judged=_area_targets(plan, area, members, choice.run),
        years=years,
        year=year,
        **_run_context(choice),
    )


def _area_targets(
    plan: Plan, area: Locality, members: list[Locality], run: EvaluationRun | None
) -> list[dict[str, Any]]:
    """The targets the plan gives the area itself, each judged by the run against its members'
    total (planwatch.core.evaluation.areas), with its verdicts and the line that explains them."""
    if run is None:
        return []
    results = data.Results.for_scopes(run, area.code)
    place = data.places(members)
    return [
        _result_row(r, ind, place)
        for ind in data.indicators(plan)
        if (r := results.get(ind.code, area.code)) is not None
    ]


def _result_row(r: IndicatorResult, ind: Indicator, place: PlaceName) -> dict[str, Any]:
    """A result as a table row shows it (the region's on the overview, an area's on its page): its
    figures as shown, its status, its two verdicts and the line that explains them."""
    return {
        "indicator": ind,
        "result": r,
        "value": data.number(r.value),
        "year_target": data.number(r.year_target),
        "target": data.number(r.target),
        "completion": data.percent(r.completion),
        "elapsed": data.percent(r.elapsed),
        "progress": data.percent(r.progress),
        "status": _status(r),
        **data.verdicts(r, ind, place),
    }


History = dict[int, dict[int, tuple[Any, str, bool]]]  # indicator id → year → (value, status, sample)


def _history(user: Any, plan: Plan, loc: Locality) -> History:
    """The locality's yearly values over the years that the user may see, one query; drafts only
    count as "not reported", and a draft hidden from the user (value.view) is not there at all."""
    history: History = defaultdict(dict)
    values = ReportedValue.objects.filter(
        locality=loc, indicator__plan=plan, period__frequency=Period.Frequency.YEARLY
    )
    for indicator_id, value_year, value, status, is_sample in wf.visible_values(user, values).values_list(
        "indicator_id", "period__year", "value", "status", "is_sample"
    ):
        history[indicator_id][value_year] = (value, status, is_sample)
    return history


def _locality_rows(
    indicators: list[Indicator],
    loc: Locality,
    results: data.Results | None,
    history: History,
    years: list[int],
    year: int | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A row per indicator (the value shown, the run's result, the trend over the years), and the
    yearly indicators the locality has not reported for the year."""
    rows, not_reported = [], []
    place = data.places([loc])  # a locality's own result misses no other locality
    for ind in indicators:
        r = results.get(ind.code, loc.code) if results else None
        own = history.get(ind.pk, {})
        value, status, is_sample = own.get(year or 0, (None, "", False))
        shown = status in data.SHOWN_STATUSES
        if ind.frequency == Period.Frequency.YEARLY and not (shown and value is not None):
            not_reported.append({"indicator": ind, "status": status})
        trend = [
            float(v[0]) if (v := own.get(y)) and v[1] in data.SHOWN_STATUSES and v[0] is not None else None
            for y in years
        ]
        rows.append(
            {
                "indicator": ind,
                "result": r,
                "value": data.number(float(value)) if shown and value is not None else "—",
                "sample": shown and is_sample,
                "workflow": status if shown else "",
                "year_target": data.number(r.year_target) if r else "—",
                "target": data.number(r.target) if r else "—",
                "target_year": r.target_year if r else None,
                "completion": data.percent(r.completion) if r else "—",
                "elapsed": data.percent(r.elapsed) if r else "—",
                **data.verdicts(r, ind, place),
                "status": _status(r)
                if r
                else {"key": "not_assessed", "label": data.status_label("not_assessed")},
                "trend": data.sparkline(trend),
                "trend_text": " → ".join(data.number(v) for v in trend),
            }
        )
    return rows, not_reported


def _dimensions(
    loc: Locality, results: data.Results, score: LocalityScore, dims: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The locality's dimension scores beside the pilot units' mean: the table's rows and the radar."""
    n = len(results.scores)
    mean = {
        d: sum(x.score for s in results.scores for x in s.dimensions if x.dimension == d) / n
        for d in results.dimensions
    }
    own_dims = {x.dimension: x for x in score.dimensions}
    dimension_rows = [
        {
            "name": dims.get(d, d),
            "score": data.score(own_dims[d].score),
            "rank": own_dims[d].rank,
            "mean": data.score(mean[d]),
        }
        for d in results.dimensions
        if d in own_dims
    ]
    radar = {
        "indicators": [{"name": dims.get(d, d), "max": 1} for d in results.dimensions],
        "series": [
            {
                "name": loc.name,
                "value": [own_dims[d].score if d in own_dims else 0 for d in results.dimensions],
            },
            {"name": _("Mean of the pilot units"), "value": [mean[d] for d in results.dimensions]},
        ],
    }
    return dimension_rows, radar


def _locality_tasks(
    plan: Plan, loc: Locality, year: int | None, results: data.Results | None
) -> list[dict[str, Any]]:
    """The milestones of the locality's action plan for the year, grouped by task, each with its
    status and whether it is overdue or at risk (planwatch.core.supervision). Two queries."""
    if year is None:
        return []
    milestones = list(
        Milestone.objects.filter(action_plan__plan=plan, action_plan__locality=loc, action_plan__year=year)
        .select_related("task", "owner_unit", "action_plan")
        .prefetch_related("indicators")
        .order_by("task__order", "order", "due_on", "id")
    )
    pace = {}
    if results:
        pace = {
            code: r.pace.value
            for (code, scope), r in results.by_key.items()
            if scope == loc.code and r.pace is not None
        }
    today = dt.date.today()
    groups: dict[int, dict[str, Any]] = {}
    for m in milestones:
        finding = supervision_core.assess(
            supervision_core.MilestoneFacts(
                key=m.pk,
                status=m.status,
                percent=m.percent,
                due_on=m.due_on,
                starts_on=m.starts_on,
                indicators=tuple(i.code for i in m.indicators.all()),
            ),
            today,
            pace=pace,
        )
        group = groups.setdefault(m.task_id, {"task": m.task, "milestones": [], "done": 0, "flagged": 0})
        group["milestones"].append({"m": m, "flag": finding.flag.value if finding else ""})
        group["done"] += m.status == Milestone.Status.DONE
        group["flagged"] += finding is not None
    return list(groups.values())


# --- an indicator -------------------------------------------------------------------------------


def _indicator(plan: Plan, indicator_code: str) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("lead_unit", "dimension"), plan=plan, code=indicator_code
    )


def _indicator_table(plan: Plan, ind: Indicator, units: list[Locality]) -> tuple[list[int], dict[str, Any]]:
    """Years, and the values shown (submitted or further) and targets by (locality, year) of `units`
    (the pilot units, or a page of them) and the region's targets. The years are those of every
    pilot unit, so that each page has the same columns. Three queries."""
    wanted = [loc.pk for loc in units]
    shown = ReportedValue.objects.filter(
        indicator=ind,
        locality__pilot=True,
        period__frequency=Period.Frequency.YEARLY,
        status__in=data.SHOWN_STATUSES,
    )
    values = {
        (loc_id, year): (value, status, is_sample)
        for loc_id, year, value, status, is_sample in shown.filter(locality_id__in=wanted).values_list(
            "locality_id", "period__year", "value", "status", "is_sample"
        )
    }
    targets = {
        (loc_id, year): (value, origin)
        for loc_id, year, value, origin in ind.targets.filter(
            Q(locality_id__in=wanted) | Q(locality__isnull=True)
        ).values_list("locality_id", "year", "value", "origin")
    }
    years = (
        shown.order_by()
        .values_list("period__year", flat=True)
        .union(ind.targets.filter(year__lte=plan.end_year).order_by().values_list("year", flat=True))
    )
    return sorted(set(years)), {"values": values, "targets": targets}


def _records(plan: Plan, ind: Indicator) -> list[dict[str, Any]]:
    pilots = data.pilots(plan)
    years, table = _indicator_table(plan, ind, pilots)
    records = []
    for loc in pilots:
        for year in years:
            value = table["values"].get((loc.pk, year))
            target = table["targets"].get((loc.pk, year))
            if value is None and target is None:
                continue
            records.append(
                {
                    "indicator": ind.code,
                    "indicator_zh": ind.name_zh,
                    "unit": ind.unit,
                    "locality": loc.code,
                    "locality_zh": loc.name_zh,
                    "year": year,
                    "value": exports.as_number(value[0]) if value else None,
                    "status": value[1] if value else "",
                    "target": exports.as_number(target[0]) if target else None,
                    "target_origin": target[1] if target else "",
                    "sample": bool((value and value[2]) or (target and target[1] == "sample")),
                }
            )
    for year in years:
        target = table["targets"].get((None, year))
        if target is not None:
            records.append(
                {
                    "indicator": ind.code,
                    "indicator_zh": ind.name_zh,
                    "unit": ind.unit,
                    "locality": REGION,
                    "locality_zh": plan.region_zh,
                    "year": year,
                    "value": None,
                    "status": "",
                    "target": exports.as_number(target[0]),
                    "target_origin": target[1],
                    "sample": target[1] == "sample",
                }
            )
    return records


COLUMNS = [
    "indicator",
    "indicator_zh",
    "unit",
    "locality",
    "locality_zh",
    "year",
    "value",
    "status",
    "target",
    "target_origin",
    "sample",
]


def _units_page(request: HttpRequest, pilots: list[Locality]) -> UnitsPage | None:
    """Of many pilot units, the page of them an indicator page shows (table and chart), found by
    name or code (`?q=`, `?page=`); None for a plan small enough to show every one."""
    if not many_units(len(pilots)):
        return None
    return UnitsPage.of(request, pilots, UNITS_PAGE)


@login_required
def indicator(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    plan = _plan(code)
    ind = _indicator(plan, indicator_code)
    pilots = data.pilots(plan)
    page = _units_page(request, pilots)
    shown = page.rows if page else pilots
    years, table = _indicator_table(plan, ind, shown)
    # Targets changed after the province approved the breakdown (一 说明3), the latest first.
    revised = list(adjustments(indicator=ind))
    latest: dict[tuple[int | None, int], TargetRevision] = {}
    for revision in revised:
        latest.setdefault((revision.locality_id, revision.year), revision)
    rows: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []
    for loc in shown:
        cells: list[dict[str, Any]] = []
        for year in years:
            value = table["values"].get((loc.pk, year))
            target = table["targets"].get((loc.pk, year))
            cells.append(
                {
                    "value": data.number(float(value[0])) if value and value[0] is not None else "—",
                    "status": value[1] if value else "",
                    "sample": bool(value and value[2]),
                    "target": data.number(float(target[0])) if target else "",
                    "target_sample": bool(target and target[1] == "sample"),
                    "adjusted": latest.get((loc.pk, year)),
                }
            )
        final = table["targets"].get((loc.pk, plan.end_year))
        rows.append({"locality": loc, "cells": cells})
        series.append(
            {
                "name": loc.name,
                "code": loc.code,
                "values": [
                    float(v[0]) if (v := table["values"].get((loc.pk, y))) and v[0] is not None else None
                    for y in years
                ],
                "target": float(final[0]) if final else None,
            }
        )
    # The region's values come from the evaluation run of the latest year with accepted values,
    # which holds the region totals of every year up to it (顺德区 not counted twice).
    choice = data.run_for(plan, data.latest_accepted_year(plan))
    region_values = {
        r.year: r.value for r in (choice.run.rows("region_history", indicator=ind.code) if choice.run else ())
    }
    region_cells = [
        {
            "value": data.number(region_values[y]) if region_values.get(y) is not None else "",
            "target": data.number(float(t[0])) if (t := table["targets"].get((None, y))) else "",
        }
        for y in years
    ]
    has_values = any(v is not None for s in series for v in s["values"])
    chart = {
        "years": [str(y) for y in years],
        "series": series,
        "unit": ind.unit_label,
        "target_year": plan.end_year,
        "labels": {"target": _("target"), "value": _("Value")},
    }
    return _render(
        request,
        "indicator.html",
        plan,
        indicator=ind,
        years=years,
        rows=rows,
        region_cells=region_cells if any(c["value"] or c["target"] for c in region_cells) else [],
        region_run=choice.run,
        choice=choice,
        chart=chart,
        has_values=has_values,
        units=page,
        any_sample=any(c["sample"] or c["target_sample"] for r in rows for c in r["cells"]),
        adjustments=revised,
    )


def _download(plan: Plan, ind: Indicator, fmt: str) -> HttpResponse:
    records = _records(plan, ind)
    name = f"{plan.code}-{ind.code}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(records, COLUMNS), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt != "xlsx":
        raise Http404
    response = HttpResponse(
        exports.to_xlsx(records, COLUMNS, ind.code),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def indicator_csv(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    plan = _plan(code)
    return _download(plan, _indicator(plan, indicator_code), "csv")


@login_required
def indicator_xlsx(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    plan = _plan(code)
    return _download(plan, _indicator(plan, indicator_code), "xlsx")
