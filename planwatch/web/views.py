"""The plan browser: the plan's structure, each item with its units and its source sentence."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from planwatch.accounts.permissions import led_first
from planwatch.core import hierarchy, numbers
from planwatch.evaluation import derived
from planwatch.plans.models import (
    Indicator,
    IndicatorComponent,
    Plan,
    Target,
    Task,
    TaskUnit,
    hierarchy_nodes,
    pick,
)
from planwatch.reporting.models import ReportedValue


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _render(request: HttpRequest, template: str, plan: Plan, section: str, **context: object) -> HttpResponse:
    return render(request, f"web/{template}", {"plan": plan, "section": section, **context})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    plans = list(Plan.objects.all())
    if len(plans) == 1:
        return redirect("inbox:home", code=plans[0].code)  # every role lands on what waits on it
    return render(request, "web/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    # Components (the value added behind a growth rate) have no target of their own.
    components = (
        plan.indicators.annotate(used_as_component=_used_as_component())
        .filter(used_as_component=True)
        .exclude(Exists(Target.objects.filter(indicator=OuterRef("pk"), origin=Target.Origin.PLAN)))
        .count()
    )
    counts = {
        "key_fields": plan.key_fields.count(),
        "task_groups": plan.task_groups.count(),
        "tasks": plan.tasks.count(),
        "indicators": plan.indicators.count() - components,
        "components": components,
        "targets": Target.objects.filter(indicator__plan=plan, origin=Target.Origin.PLAN).count(),
        "pilots": plan.localities.filter(pilot=True).count(),
    }
    return _render(
        request,
        "plan_detail.html",
        plan,
        "plan",
        goals=plan.goals.all(),
        rules=plan.rules.prefetch_related("indicators"),
        versions=plan.versions.select_related("loaded_by")[:10],
        counts=counts,
    )


@login_required
def key_fields(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    groups = plan.key_field_groups.prefetch_related("fields")
    return _render(request, "key_fields.html", plan, "key_fields", groups=groups)


def _used_as_component() -> Exists:
    """Whether another indicator is computed from this one (value added behind a growth rate)."""
    return Exists(IndicatorComponent.objects.filter(component=OuterRef("pk")))


def _tasks_queryset(plan: Plan):  # type: ignore[no-untyped-def]
    return plan.tasks.select_related("group").prefetch_related(
        Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit")),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("lead_unit", "dimension")
            .annotate(used_as_component=_used_as_component())
            .prefetch_related(Prefetch("targets", queryset=Target.objects.select_related("locality"))),
        ),
    )


@login_required
def tasks(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    by_group: dict[int, list[Task]] = defaultdict(list)
    for task in _tasks_queryset(plan):
        by_group[task.group_id].append(task)
    groups = [(group, by_group[group.pk]) for group in plan.task_groups.all()]
    pilots = list(plan.localities.filter(pilot=True).select_related("parent__parent"))
    return _render(request, "tasks.html", plan, "tasks", groups=groups, pilots=pilots)


@login_required
def task_detail(request: HttpRequest, code: str, task_code: str) -> HttpResponse:
    plan = _plan(code)
    task = get_object_or_404(_tasks_queryset(plan), code=task_code)
    pilots = list(plan.localities.filter(pilot=True).select_related("parent__parent"))
    return _render(request, "task_detail.html", plan, "tasks", task=task, pilots=pilots)


@login_required
def indicators(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    rows = (
        plan.indicators.select_related("lead_unit", "dimension")
        .annotate(used_as_component=_used_as_component())
        .prefetch_related("tasks", Prefetch("targets", queryset=Target.objects.filter(locality=None)))
    )
    # The derived indicators, with the target a run applies (the file's, else the metric's ideal).
    computed = [
        {"indicator": ind, "target": numbers.figure(derived.target_of(ind))} for ind in derived.declared(plan)
    ]
    shown = led_first(request.user, rows)  # a lead unit's own indicators first
    return _render(request, "indicators.html", plan, "indicators", indicators=shown, derived=computed)


@login_required
def indicator_detail(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    plan = _plan(code)
    indicator = get_object_or_404(
        plan.indicators.select_related("lead_unit", "dimension").prefetch_related(
            "tasks", "rules", "components__component"
        ),
        code=indicator_code,
    )
    pilots = list(plan.localities.filter(pilot=True).select_related("parent__parent"))
    targets = list(indicator.targets.select_related("locality"))
    years = sorted({t.year for t in targets} | set(range(plan.start_year, plan.end_year + 1)))
    target_at = {(t.locality_id, t.year): t for t in targets}
    values = ReportedValue.objects.filter(indicator=indicator).select_related("period")
    value_years = sorted({v.period.year for v in values})
    value_at = {(v.locality_id, v.period.year): v for v in values}
    scopes = [(None, None), *[(loc, loc.pk) for loc in pilots]]
    target_rows = [(loc, [target_at.get((pk, y)) for y in years]) for loc, pk in scopes]
    value_rows = [(loc, [value_at.get((loc.pk, y)) for y in value_years]) for loc in pilots]
    return _render(
        request,
        "indicator_detail.html",
        plan,
        "indicators",
        indicator=indicator,
        years=years,
        target_rows=target_rows,
        value_years=value_years,
        value_rows=value_rows,
        revisions=indicator.target_revisions.select_related("locality", "changed_by", "plan_version")[:50],
    )


@login_required
def localities(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    rows = list(plan.localities.select_related("parent__parent"))
    depth = {loc.pk: len(loc.ancestors()) for loc in rows}
    nodes = hierarchy_nodes(rows)
    areas = set(hierarchy.areas(nodes))  # a city above reporting counties: its totals are theirs
    sentences = [_("The pilot units report; each is counted once in the region totals.")]
    zh, en = hierarchy.inclusion_note(nodes, {loc.code: (loc.name_zh, loc.name_en) for loc in rows})
    if zh:  # 顺德区计入佛山市，不重复计算
        sentences.append(pick(f"{zh}。", f"{en}."))
    if areas:
        sentences.append(_("A locality above pilot units reports nothing itself: its totals are theirs."))
    return _render(
        request,
        "localities.html",
        plan,
        "localities",
        rows=[(loc, depth[loc.pk]) for loc in rows],
        areas=areas,
        note=pick("", " ").join(sentences),
    )


@login_required
def units(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    links = TaskUnit.objects.filter(task__plan=plan).select_related("task", "unit")
    led: dict[int, list[Task]] = defaultdict(list)
    joined: dict[int, list[Task]] = defaultdict(list)
    for link in links:
        (led if link.role == TaskUnit.Role.LEAD else joined)[link.unit_id].append(link.task)
    rows = [(unit, led[unit.pk], joined[unit.pk]) for unit in plan.units.all()]
    return _render(request, "units.html", plan, "units", rows=rows)


@login_required
def source_text(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    return _render(request, "source_text.html", plan, "source")
