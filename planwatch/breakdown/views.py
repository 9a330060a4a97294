"""The breakdown pages (目标分解), mounted at /plans/<code>/breakdown/: the list of indicators with the
state of each one's breakdown, and one indicator's table as the annex lays it out, with its Excel
round trip. Every change goes through planwatch.breakdown.actions, which checks roles and scope;
these views read the forms, show the pages and turn refusals into messages.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from planwatch.accounts.permissions import led_first
from planwatch.core.errors import PlanWatchError, WorkbookRejected
from planwatch.kernel.review import Action, State
from planwatch.pages import UnitsPage, many_units, refusal_goes_to
from planwatch.plans.models import Indicator, Plan, pick
from planwatch.reporting.excel_views import UploadForm, attachment, problem_rows
from planwatch.reporting.views import parse_number

from . import actions, excel
from .models import adjustments, broken_down
from .table import Table, read_summaries, read_table

WORKFLOW = (State.DRAFT, State.SUBMITTED, State.ACCEPTED, State.RETURNED)  # a breakdown's states
UNITS_PAGE = 50  # rows of a breakdown of many pilot units on a page (the totals count every one)


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _indicator(plan: Plan, indicator_code: str) -> Indicator:
    return get_object_or_404(broken_down(plan), code=indicator_code)


def _render(
    request: HttpRequest, template: str, plan: Plan, status: int = 200, **context: Any
) -> HttpResponse:
    return render(
        request, f"breakdown/{template}", {"plan": plan, "section": "breakdown", **context}, status=status
    )


@login_required
def index(request: HttpRequest, code: str) -> HttpResponse:
    """Every indicator with its breakdown's state, shortfalls and lead unit: what waits on whom."""
    plan = _plan(code)
    # what the list shows of each breakdown, not a table of every unit (a national plan's 2,867 rows)
    tables = led_first(request.user, read_summaries(plan), lambda t: t.indicator)  # its own first
    counts = {state.value: sum(t.breakdown.status == state for t in tables) for state in WORKFLOW}
    return _render(
        request,
        "index.html",
        plan,
        tables=tables,
        counts=counts,
        adjustments=adjustments(indicator__plan=plan)[:20],
    )


def _entries(request: HttpRequest, table: Table) -> tuple[list[actions.Entry], dict[str, str]]:
    """The cells of the posted form (inputs named t-ZH-2018), and the ones that are not numbers."""
    entries, errors = [], {}
    for row in table.rows:
        for cell in row.cells:
            if cell.fixed or cell.field not in request.POST:
                continue
            value, error = parse_number(request.POST[cell.field])
            if error:
                errors[cell.key] = error
            entries.append(actions.Entry(cell.locality.code, cell.year, value, cell.key))
    return entries, errors


def _save(request: HttpRequest, plan: Plan, ind: Indicator, table: Table) -> HttpResponse:
    entries, errors = _entries(request, table)
    reason = request.POST.get("reason", "")
    if errors:  # the cells that are no numbers, and what is wrong with the others
        said = actions.problems_of(ind, [e for e in entries if e.place not in errors])
        errors.update({issue.path or "": pick(issue.zh, issue.en) for issue in said})
    else:
        try:
            saved = actions.save_targets(request.user, ind, entries, reason=reason)
        except PlanWatchError as exc:
            errors = {issue.path or "": pick(issue.zh, issue.en) for issue in exc.issues}
        else:
            messages.success(request, pick(*saved.describe()))
            return redirect(request.get_full_path())  # the same page of units, the same search
    return _page(request, plan, ind, status=400, errors=errors, posted=request.POST, reason=reason)


def _move(request: HttpRequest, plan: Plan, ind: Indicator, action: str) -> HttpResponse:
    actions.move(request.user, ind, action, comment=request.POST.get("comment", ""))
    messages.success(request, pick(*actions.DONE[Action(action)]))
    return redirect(request.get_full_path())


def _page(
    request: HttpRequest, plan: Plan, ind: Indicator, status: int = 200, **context: Any
) -> HttpResponse:
    breakdown = actions.breakdown_of(ind)
    table = context.pop("table", None) or read_table(ind, breakdown)
    # Of many pilot units, a page of rows (`?q=` to find one): a save posts, and so writes, only the
    # page's cells; the totals under it are the table's, of every unit as stored.
    units = (
        UnitsPage.of(request, table.rows, UNITS_PAGE, attrgetter("locality"))
        if many_units(len(table.rows))
        else None
    )
    return _render(
        request,
        "table.html",
        plan,
        status,
        indicator=ind,
        table=table,
        rows=units.rows if units else table.rows,
        units=units,
        breakdown=breakdown,
        mode=actions.mode(request.user, breakdown),
        moves=actions.BREAKDOWN.actions(request.user, breakdown),
        adjustments=list(breakdown.adjustments()) if breakdown.pk else [],
        upload_form=context.pop("upload_form", None) or UploadForm(),
        **context,
    )


@login_required
def table(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    """One indicator's breakdown: read it; its lead unit saves and submits it, the province approves
    or returns it."""
    plan = _plan(code)
    ind = _indicator(plan, indicator_code)
    if request.method != "POST":
        return _page(request, plan, ind)
    refusal_goes_to(request, reverse("breakdown:table", args=[plan.code, ind.code]))
    action = request.POST.get("action", "")
    if action == "save":
        return _save(request, plan, ind, read_table(ind, actions.breakdown_of(ind)))
    if action in ("submit", "approve", "return"):
        return _move(request, plan, ind, action)
    return redirect("breakdown:table", code=plan.code, indicator_code=ind.code)


@login_required
def download(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    """The table as a workbook, to fill in and upload again."""
    plan = _plan(code)
    ind = _indicator(plan, indicator_code)
    data = excel.export_breakdown(read_table(ind, actions.breakdown_of(ind)), request.user)
    response = HttpResponse(data, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = attachment(
        excel.file_name(ind), f"breakdown-{plan.code}-{ind.code}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def upload(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    """A filled-in workbook: every target saved, or nothing and every problem by sheet and cell."""
    plan = _plan(code)
    ind = _indicator(plan, indicator_code)
    if request.method != "POST":
        return redirect("breakdown:table", code=plan.code, indicator_code=ind.code)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, plan, ind, status=400, upload_form=form)
    upload_file = form.cleaned_data["file"]
    try:
        saved = excel.import_breakdown(
            upload_file.read(),
            upload_file.name or "",
            request.user,
            ind,
            reason=request.POST.get("reason", ""),
        )
    except WorkbookRejected as exc:
        return _page(request, plan, ind, status=422, rejected=exc, problems=problem_rows(exc.problems))
    messages.success(request, pick(*saved.describe()))
    return redirect("breakdown:table", code=plan.code, indicator_code=ind.code)
