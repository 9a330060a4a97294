"""The province's management pages: periods and their locks, exceptions, revision requests, audit."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planwatch.accounts.permissions import has_perm
from planwatch.kernel.models import SUBJECTS, VERBS, name_fields
from planwatch.pages import DateInput, refusal_goes_to
from planwatch.plans.models import Locality, Plan, frequency_choices, pick
from planwatch.reporting import exports, workflow
from planwatch.reporting.models import Period, RevisionRequest
from planwatch.reporting.periods import create_periods, grant_exception, set_dates


def _province_plan(request: HttpRequest, code: str) -> Plan:
    if not has_perm("province.manage", request.user):
        raise PermissionDenied(_("Only the province manages periods, revisions and the audit log."))
    return get_object_or_404(Plan, code=code)


class NewPeriodsForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    frequency = forms.ChoiceField(label=gettext_lazy("Frequency"), choices=frequency_choices)
    due_after_days = forms.IntegerField(
        label=gettext_lazy("Due, days after the period ends"), min_value=0, max_value=365, initial=90
    )
    lock_after_days = forms.IntegerField(
        label=gettext_lazy("Entry locks, days after the due date"), min_value=0, max_value=365, initial=15
    )


class PeriodDatesForm(forms.Form):
    """The dates only: a form bound to the period itself would copy them onto it while validating,
    and set_dates would then see nothing to save."""

    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput(), required=False)
    locks_on = forms.DateField(label=gettext_lazy("Entry locks after"), widget=DateInput(), required=False)


class ExceptionForm(forms.Form):
    locality: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Locality"), queryset=Locality.objects.none()
    )
    open_until = forms.DateField(label=gettext_lazy("Open until"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)

    def __init__(self, *args: object, plan: Plan, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["locality"].queryset = plan.localities.filter(pilot=True)  # type: ignore[attr-defined]


@login_required
def periods(request: HttpRequest, code: str) -> HttpResponse:
    plan = _province_plan(request, code)
    form = NewPeriodsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = [p for p, _ in create_periods(plan, **form.cleaned_data, user=request.user)]
        messages.success(request, _("Periods ready: %(codes)s") % {"codes": ", ".join(p.code for p in made)})
        return redirect("manage:periods", code=plan.code)
    rows = plan.periods.prefetch_related("exceptions__locality").order_by("-starts_on", "frequency")
    return render(
        request,
        "manage/periods.html",
        {"plan": plan, "section": "manage", "form": form, "rows": rows, "today": dt.date.today()},
    )


@login_required
def period_edit(request: HttpRequest, code: str, period_code: str) -> HttpResponse:
    plan = _province_plan(request, code)
    period = get_object_or_404(Period, plan=plan, code=period_code)
    dates = PeriodDatesForm(
        request.POST if "dates" in request.POST else None,
        initial={"due_on": period.due_on, "locks_on": period.locks_on},
    )
    grant = ExceptionForm(request.POST if "grant" in request.POST else None, plan=plan)
    if "dates" in request.POST and dates.is_valid():
        set_dates(request.user, period, dates.cleaned_data["due_on"], dates.cleaned_data["locks_on"])
        messages.success(request, _("Dates saved."))
        return redirect("manage:period", code=plan.code, period_code=period.code)
    if "grant" in request.POST and grant.is_valid():
        data = grant.cleaned_data
        grant_exception(request.user, period, data["locality"], data["open_until"], data["reason"])
        messages.success(request, _("Exception granted."))
        return redirect("manage:period", code=plan.code, period_code=period.code)
    return render(
        request,
        "manage/period.html",
        {
            "plan": plan,
            "section": "manage",
            "period": period,
            "dates": dates,
            "grant": grant,
            "exceptions": period.exceptions.select_related("locality", "granted_by"),
        },
    )


@login_required
def revisions(request: HttpRequest, code: str) -> HttpResponse:
    plan = _province_plan(request, code)
    if request.method == "POST":
        revision = get_object_or_404(
            RevisionRequest, pk=request.POST.get("request"), value__indicator__plan=plan
        )
        refusal_goes_to(request, reverse("manage:revisions", args=[plan.code]))
        decided = workflow.decide_revision(
            request.user,
            revision,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
        what, shown = decided.value.audit_subject().label, f"{decided.new_value.normalize():f}"
        if decided.status == RevisionRequest.Status.ACCEPTED:
            done = pick(f"已同意修订：{what} 改为 {shown}", f"Revision accepted: {what} is now {shown}")
        else:
            done = pick(f"已驳回修订申请：{what}（{shown}）", f"Revision request rejected: {what} ({shown})")
        messages.success(request, done)
        return redirect("manage:revisions", code=plan.code)
    rows = workflow.revision_requests(plan)
    return render(
        request,
        "manage/revisions.html",
        {
            "plan": plan,
            "section": "manage",
            "pending": [r for r in rows if r.status == RevisionRequest.Status.PENDING],
            "decided": [r for r in rows if r.status != RevisionRequest.Status.PENDING][:50],
        },
    )


AUDIT_FILTERS = {
    "subject": "subject_type",
    "period": "period_code",
    "locality": "locality_code",
    "indicator": "indicator_code",
    "user": "actor_name",
    "action": "type__endswith",
}


@login_required
def audit(request: HttpRequest, code: str) -> HttpResponse:
    """The plan's audit log, newest first, as the user may see it (drafts are their locality's)."""
    plan = _province_plan(request, code)
    events = exports.visible_events(request.user, exports.audit_of(plan).order_by("-at", "-id"))
    chosen = {key: request.GET.get(key, "").strip() for key in AUDIT_FILTERS}
    for key, lookup in AUDIT_FILTERS.items():
        if chosen[key]:
            value = f".{chosen[key]}" if key == "action" else chosen[key]
            events = events.filter(**{lookup: value})
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    name_fields(page.object_list)
    return render(
        request,
        "manage/audit.html",
        {
            "plan": plan,
            "section": "manage",
            "page": page,
            "chosen": chosen,
            "query": urlencode({key: value for key, value in chosen.items() if value}),
            "actions": list(VERBS.items()),
            "subjects": list(SUBJECTS.items()),
            "periods": plan.periods.all(),
            "localities": plan.localities.filter(pilot=True),
        },
    )


@login_required
def audit_export(request: HttpRequest, code: str) -> HttpResponse:
    """The whole audit log as a file: XLSX for reading, CSV for other tools."""
    plan = _province_plan(request, code)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    events = exports.visible_events(request.user, exports.audit_of(plan))
    content = exports.render(exports.audit_records(events), exports.AUDIT_COLUMNS, fmt, "audit")
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{plan.code}-audit.{fmt}"'
    return response
