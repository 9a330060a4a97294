"""Supervision pages (督查督办), mounted at /plans/<code>/supervision/.

Every change goes through planwatch.supervision.actions, which checks roles and scope on the server;
these views parse the forms, show the pages and turn refusals into messages.
"""

from __future__ import annotations

import calendar
import datetime as dt
from calendar import monthrange
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from planwatch.accounts.permissions import own_locality_id
from planwatch.core.errors import PlanWatchError as WorkflowError
from planwatch.kernel import columns
from planwatch.plans.models import Locality, Plan, pick
from planwatch.reporting.evidence import download
from planwatch.supervision import actions, services
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate, UpdateEvidence

S = Milestone.Status


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _render(request: HttpRequest, template: str, plan: Plan, **context: Any) -> HttpResponse:
    return render(request, f"supervision/{template}", {"plan": plan, "section": "supervision", **context})


def _message(error: WorkflowError) -> str:
    return pick(error.zh, error.en)


def _messages(error: WorkflowError) -> list[str]:
    """Each problem of a refusal on a line of its own, in the page's language."""
    return [pick(issue.zh, issue.en) for issue in error.issues]


def _today(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _int(text: str | None, default: int = 0) -> int:
    """A whole number typed in a form, as given when it fits an integer column (so that the check
    of its own range can say so), else `default`."""
    try:
        number = int(text or "")
    except ValueError:
        return default
    low, high = columns.RANGES["BigIntegerField"]
    return number if low <= number <= high else default


# --- the supervision list ---------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, code: str) -> HttpResponse:
    """Overdue and at-risk milestones, optionally of one locality or owner unit; XLSX with ?format=xlsx."""
    plan = _plan(code)
    today = _today(request)
    locality = plan.localities.filter(code=request.GET.get("locality") or "").first()
    unit = plan.units.filter(code=request.GET.get("unit") or "").first()
    rows = services.supervision_list(
        plan, today, locality_id=locality.pk if locality else None, unit_id=unit.pk if unit else None
    )
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            services.as_xlsx(rows, today),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="supervision-{today.isoformat()}.xlsx"'
        return response
    action_plans = (
        ActionPlan.objects.filter(plan=plan).select_related("locality").order_by("-year", "locality__order")
    )
    own = own_locality_id(request.user)
    own_locality = plan.localities.filter(pk=own).first() if own else None
    return _render(
        request,
        "overview.html",
        plan,
        rows=rows,
        today=today,
        locality=locality,
        unit=unit,
        localities=plan.localities.filter(pilot=True),
        units=plan.units.all(),
        action_plans=action_plans,
        own_locality=own_locality,
        years=plan.monitored_years(),
        this_year=min(max(today.year, plan.start_year), plan.last_year),
        query=request.GET.urlencode(),
    )


# --- one locality's action plan ---------------------------------------------------------------------


@dataclass
class Bar:
    """A milestone on the timeline: offset and width in percent of the timeline's span."""

    milestone: Milestone
    left: float
    width: float
    flag: str


@dataclass(frozen=True)
class Column:
    """A column of the timeline's head: its label, and as wide as the days of the span it covers."""

    label: str
    days: int


def outside_year(year: int, milestones: list[Milestone]) -> bool:
    """Every milestone falls outside the action plan's year (none starts, runs or ends in it)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return bool(milestones) and all(m.due_on < start or (m.starts_on or m.due_on) > end for m in milestones)


def timeline_span(year: int, milestones: list[Milestone]) -> tuple[dt.date, dt.date, list[Column]]:
    """The dates the timeline covers and its columns: from the earlier of 1 January of the action
    plan's year and the first milestone's start, to the later of 31 December of that year and the last
    due date — the plan year and the milestones' own dates, nothing more (the plan year left out when
    no milestone touches it, `outside_year`: the years between would be an empty band). Its columns
    are the year's months when that is all, else the calendar years the span touches, each as wide
    as its part."""
    if outside_year(year, milestones):
        start = dt.date(min(m.starts_on or m.due_on for m in milestones).year, 1, 1)
        end = dt.date(max(m.due_on for m in milestones).year, 12, 31)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = min([start, *(m.starts_on or m.due_on for m in milestones)])
    last = max([end, *(m.due_on for m in milestones)])
    if (first, last) == (start, end) and first.year == last.year:
        months = [
            Column(pick(f"{i}月", calendar.month_abbr[i]), monthrange(first.year, i)[1]) for i in range(1, 13)
        ]
        return start, end, months
    years = range(first.year, last.year + 1)
    return first, last, [Column(pick(f"{y}年", str(y)), _days_of(y, first, last)) for y in years]


def _days_of(year: int, first: dt.date, last: dt.date) -> int:
    """How many days of the year fall between first and last (both included)."""
    return (min(last, dt.date(year, 12, 31)) - max(first, dt.date(year, 1, 1))).days + 1


def timeline(plan: Plan, milestones: list[Milestone], year: int, today: dt.date) -> list[Bar]:
    start, end, _columns = timeline_span(year, milestones)
    span = (end - start).days + 1
    flags = {pk: f.flag.value for pk, f in services.findings(plan, milestones, today).items()}
    bars = []
    for m in milestones:
        first = max(start, min(end, m.starts_on or start))
        last = max(first, min(end, m.due_on))
        left = 100 * (first - start).days / span
        width = max(1.0, 100 * ((last - first).days + 1) / span)
        bars.append(Bar(m, round(left, 2), round(min(width, 100 - left), 2), flags.get(m.pk, m.status)))
    return bars


def _milestone_data(request: HttpRequest, plan: Plan) -> tuple[actions.MilestoneData | None, list[str]]:
    """The milestone the form holds, or the problems to show (one per field): the dates read here,
    the rest checked by actions.read_milestone."""
    post = request.POST
    errors: dict[str, str] = {}
    due_on, starts_on = _date(post.get("due_on")), _date(post.get("starts_on"))
    if post.get("due_on", "").strip() and due_on is None:
        errors["due_on"] = _("Give the due date as YYYY-MM-DD.")
    if post.get("starts_on", "").strip() and starts_on is None:
        errors["starts_on"] = _("Give the start date as YYYY-MM-DD.")
    entered = actions.MilestoneInput(
        task=post.get("task", ""),
        title=post.get("title", ""),
        due_on=due_on,
        owner_unit=post.get("owner_unit", ""),
        owner_person=post.get("owner_person", ""),
        starts_on=starts_on,
        deliverable=post.get("deliverable", ""),
        indicators=post.getlist("indicators"),
        order=_int(post.get("order")),
    )
    try:
        data = actions.read_milestone(actions.Codes.of(plan), entered)
    except actions.InvalidMilestone as exc:
        for issue in exc.issues:
            errors.setdefault(issue.path or "", pick(issue.zh, issue.en))
        return None, list(errors.values())
    return (None, list(errors.values())) if errors else (data, [])


@login_required
def action_plan(request: HttpRequest, code: str, locality_code: str, year: int) -> HttpResponse:
    plan = _plan(code)
    locality: Locality = get_object_or_404(plan.localities, code=locality_code)
    if year not in plan.monitored_years():
        raise Http404("not a year of the plan")
    may_write = actions.can_write(request.user, locality)
    errors: list[str] = []
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        deleting = request.POST.get("action") == "delete"
        data, errors = (None, []) if deleting else _milestone_data(request, plan)
        if data is not None or deleting:
            try:
                ap = actions.open_action_plan(request.user, plan, locality, year)
                pk = _int(request.POST.get("milestone"))
                if request.POST.get("action") == "delete":
                    actions.delete_milestone(request.user, get_object_or_404(ap.milestones, pk=pk))
                    messages.success(request, _("Milestone deleted."))
                elif pk:
                    assert data is not None
                    actions.edit_milestone(request.user, get_object_or_404(ap.milestones, pk=pk), data)
                    messages.success(request, _("Milestone saved."))
                else:
                    assert data is not None
                    actions.add_milestone(request.user, ap, data)
                    messages.success(request, _("Milestone added."))
                return redirect("supervision:action_plan", code=code, locality_code=locality_code, year=year)
            except WorkflowError as exc:
                errors += _messages(exc)
    ap_found = ActionPlan.objects.filter(plan=plan, locality=locality, year=year).first()
    milestones = (
        list(
            ap_found.milestones.select_related(
                "task", "owner_unit", "action_plan__locality"
            ).prefetch_related("indicators")
        )
        if ap_found
        else []
    )
    today = _today(request)
    editing = next((m for m in milestones if m.pk == _int(request.GET.get("edit"))), None)
    return _render(
        request,
        "action_plan.html",
        plan,
        locality=locality,
        year=year,
        years=plan.monitored_years(),
        action_plan=ap_found,
        bars=timeline(plan, milestones, year, today),
        months=timeline_span(year, milestones)[2],
        outside=outside_year(year, milestones),
        today=today,
        may_write=may_write,
        errors=errors,
        editing=editing,
        editing_indicators=[i.code for i in editing.indicators.all()] if editing else [],
        tasks=plan.tasks.order_by("order"),
        units=plan.units.order_by("order"),
        indicators=plan.indicators.order_by("order"),
        form=request.POST if errors else None,
    )


# --- one milestone: its updates -----------------------------------------------------------------


@login_required
def milestone(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    plan = _plan(code)
    m = get_object_or_404(
        Milestone.objects.select_related("action_plan__locality", "task", "owner_unit"),
        pk=pk,
        action_plan__plan=plan,
    )
    errors: list[str] = []
    if request.method == "POST":
        try:
            what = request.POST.get("action")
            if what == "update":
                if not actions.can_write(request.user, m.action_plan.locality):
                    raise PermissionDenied
                actions.post_update(
                    request.user,
                    m,
                    request.POST.get("status", ""),
                    _int(request.POST.get("percent"), -1),
                    request.POST.get("narrative", ""),
                    files=request.FILES.getlist("evidence"),
                )
                messages.success(request, _("Progress update posted."))
            elif what in ("comment", "return"):
                update = get_object_or_404(ProgressUpdate, pk=_int(request.POST.get("update")), milestone=m)
                if what == "comment":
                    actions.comment_update(request.user, update, request.POST.get("comment", ""))
                    messages.success(request, _("Comment saved."))
                else:
                    actions.return_update(request.user, update, request.POST.get("comment", ""))
                    messages.success(request, _("Update returned."))
            else:
                raise Http404("no such action")
            return redirect("supervision:milestone", code=code, pk=pk)
        except WorkflowError as exc:
            errors.append(_message(exc))
        m.refresh_from_db()
    finding = services.findings(plan, [m], _today(request)).get(m.pk)
    return _render(
        request,
        "milestone.html",
        plan,
        m=m,
        finding=finding,
        updates=m.updates.select_related("author", "commented_by").prefetch_related("evidence"),
        may_write=actions.can_write(request.user, m.action_plan.locality),
        may_review=actions.can_review(request.user),
        statuses=S.choices,
        errors=errors,
    )


@login_required
def evidence(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """An update's evidence file. Supervision is open to every signed-in user of the plan, as the
    lists and milestone pages are; the file is served as an attachment, never inline."""
    plan = _plan(code)
    item = get_object_or_404(UpdateEvidence, pk=pk, update__milestone__action_plan__plan=plan)
    return download(item.file, item.original_name)


# --- one task across localities -------------------------------------------------------------------


@login_required
def task(request: HttpRequest, code: str, task_code: str) -> HttpResponse:
    plan = _plan(code)
    t = get_object_or_404(plan.tasks.prefetch_related("task_units__unit", "indicators"), code=task_code)
    today = _today(request)
    milestones = list(
        services.milestones_of(plan)
        .filter(task=t)
        .order_by("action_plan__year", "action_plan__locality__order", "due_on")
    )
    flags = services.findings(plan, milestones, today)
    return _render(
        request,
        "task.html",
        plan,
        task=t,
        rows=[(m, flags.get(m.pk)) for m in milestones],
        today=today,
    )
