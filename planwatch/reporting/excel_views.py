"""Web pages of the Excel round trip: download a locality's template, upload it filled in.

Scope is enforced here on the server (a 403 for anyone who may report nothing) and again, per value,
by the import itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from planwatch.accounts.permissions import has_perm
from planwatch.core.errors import Problem, WorkbookRejected
from planwatch.plans.models import Locality, Plan
from planwatch.reporting import excel, feeds, workflow
from planwatch.reporting.models import Period, ReportedValue
from planwatch.reporting.workflow import EDITABLE


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in template (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > excel.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size).1f MB); the limit is %(limit)d MB."),
                params={"size": upload.size / 2**20, "limit": excel.MAX_UPLOAD_BYTES // 2**20},
                code="too_large",
            )
        return upload


@dataclass(frozen=True)
class ProblemRow:
    sheet: str
    cell: str
    reason: str


def problem_rows(problems: list[Problem]) -> list[ProblemRow]:
    """Each problem as (sheet, cell, reason): "Values!F7" → ("Values", "F7")."""
    rows = []
    for problem in problems:
        sheet, _sep, cell = problem.path.partition("!")
        rows.append(ProblemRow(sheet or "—", cell or "—", problem.message))
    return rows


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def downloads(user: Any, plan: Plan) -> list[tuple[Locality, list[Period]]]:
    """Each pilot unit the user may report for, with the periods open to it today (Period.is_open_for)
    that hold an indicator the user may report and are not done: a period is done for a locality
    once it has sent values (submitted or further) and holds no draft or returned value of the
    user's any more, as the accepted years of the sample data. Two queries for the values."""
    indicators = list(plan.indicators.all())
    by_frequency: dict[str, list[Any]] = defaultdict(list)
    for ind in indicators:
        by_frequency[ind.frequency].append(ind)
    today = timezone.localdate()
    periods = list(plan.periods.order_by("-starts_on", "frequency").prefetch_related("exceptions"))
    localities = [
        loc
        for loc in plan.localities.filter(pilot=True)
        if any(workflow.may_enter(user, loc, ind) for ind in indicators)
    ]
    values = ReportedValue.objects.filter(period__plan=plan, locality__in=localities)
    by_id = {ind.pk: ind for ind in indicators}
    by_loc = {loc.pk: loc for loc in localities}
    editable = {
        (loc_id, period_id)
        for loc_id, period_id, ind_id in values.filter(status__in=EDITABLE).values_list(
            "locality_id", "period_id", "indicator_id"
        )
        if workflow.may_enter(user, by_loc[loc_id], by_id[ind_id])
    }
    sent = set(values.exclude(status__in=EDITABLE).values_list("locality_id", "period_id").distinct())
    out = []
    for locality in localities:
        open_periods = [
            p
            for p in periods
            if p.is_open_for(locality.pk, today, {e.locality_id: e.open_until for e in p.exceptions.all()})
            and any(workflow.may_enter(user, locality, ind) for ind in by_frequency[p.frequency])
            and ((locality.pk, p.pk) in editable or (locality.pk, p.pk) not in sent)
        ]
        out.append((locality, open_periods))
    return out


def attachment(file_name: str, fallback: str) -> str:
    """A Content-Disposition naming the file in Chinese (RFC 6266 filename*), ASCII for old clients."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(file_name)}"


@login_required
def template_download(request: HttpRequest, code: str, locality_code: str, period_code: str) -> HttpResponse:
    plan = _plan(code)
    locality = get_object_or_404(plan.localities, code=locality_code)
    period = get_object_or_404(plan.periods, code=period_code)
    if not excel.may_use_template(request.user, locality, period):
        raise PermissionDenied(
            gettext("You may not report values for %(locality)s, %(period)s.")
            % {"locality": locality.name, "period": period.code}
        )
    data = excel.export_template(plan, locality, period, request.user)
    response = HttpResponse(data, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = attachment(
        excel.template_file_name(locality, period), f"planwatch-{locality.code}-{period.code}.xlsx"
    )
    response["Cache-Control"] = "no-store"  # it holds the locality's drafts
    return response


def way_on(user: Any, plan: Plan, result: excel.ImportResult) -> dict[str, Any]:
    """After an upload: the entry form (to check and submit what was saved), and the ledger-fed
    values still to write there, if any."""
    locality, period = result.locality, result.period
    unwritten: list[str] = []
    if period.code == str(period.year):
        counts = feeds.accepted_counts(plan, locality, period.year)
        unwritten = [
            u.indicator
            for u in feeds.unwritten_values(
                plan, locality, period, user, today=timezone.localdate(), counts=counts
            )
        ]
    return {
        "entry_url": reverse("reporting:entry", args=[plan.code, locality.code, period.code]),
        "unwritten": unwritten,
    }


@login_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    scope = downloads(request.user, plan)
    if not scope:
        raise PermissionDenied(gettext("Your role does not report values."))
    result: excel.ImportResult | None = None
    rejected: WorkbookRejected | None = None
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                result = excel.import_values(
                    upload_file.read(), upload_file.name or "", request.user, plan=plan
                )
            except WorkbookRejected as exc:
                rejected, status = exc, 422
            else:
                form = UploadForm()
        else:
            status = 400
    else:
        form = UploadForm()
    return render(
        request,
        "reporting/excel_upload.html",
        {
            "plan": plan,
            "section": "excel",
            "form": form,
            "downloads": scope,
            "result": result,
            "rejected": rejected,
            "problems": problem_rows(rejected.problems) if rejected else [],
            "way_on": way_on(request.user, plan, result) if result else None,
            "max_mb": excel.MAX_UPLOAD_BYTES // 2**20,
            # The command line is the province's (it runs on the server), not a city reporter's.
            "show_command_line": has_perm("province.manage", request.user),
        },
        status=status,
    )
