"""Bulletins (通报): the list with downloads, and the form that builds one (province only).

The build is synchronous: the seed plan's bulletin takes a few seconds (see docs/bulletins.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planwatch.accounts.permissions import has_perm
from planwatch.bulletins import services
from planwatch.bulletins.models import Bulletin
from planwatch.core import bulletin as core
from planwatch.core.bulletin import BulletinError, FontMissing
from planwatch.dashboards.data import latest_accepted_year
from planwatch.plans.models import Plan, pick


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _may_generate(user: Any) -> bool:
    return has_perm("bulletin.generate", user)


def _periods(plan: Plan) -> list[str]:
    """The plan's years to its target year, and any later year with a reporting period (monitoring
    goes on to the horizon: 2020 is reported and evaluated like 2019), then the quarterly periods."""
    reported = plan.periods.filter(frequency="yearly", year__in=plan.monitored_years()).values_list(
        "year", flat=True
    )
    years = [str(y) for y in sorted({*range(plan.start_year, plan.end_year + 1), *reported})]
    quarters = list(
        plan.periods.filter(frequency="quarterly").order_by("starts_on").values_list("code", flat=True)
    )
    return years + quarters


def _render(request: HttpRequest, plan: Plan, **context: Any) -> HttpResponse:
    bulletins = Bulletin.objects.filter(plan=plan).select_related("run", "created_by").order_by("-serial")
    return render(
        request,
        "bulletins/index.html",
        {
            "plan": plan,
            "section": "bulletins",
            "bulletins": bulletins,
            "may_generate": _may_generate(request.user),
            "periods": _periods(plan),
            "formats": core.FORMATS,
            # The form offers first the latest year with accepted values, as the dashboard shows.
            "chosen_period": str(latest_accepted_year(plan) or ""),
            **context,
        },
    )


@login_required
def index(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, _plan(code))


@login_required
@require_POST
def generate(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    if not _may_generate(request.user):
        raise PermissionDenied(_("Only the province generates bulletins."))
    formats = request.POST.getlist("format")
    period = request.POST.get("period", "")
    include = request.POST.get("include_unaccepted") == "on"
    try:
        bulletin = services.build_bulletin(
            plan, period, formats=formats, include_unaccepted=include, user=request.user
        )
    except (BulletinError, FontMissing) as exc:
        error = pick(exc.zh, exc.en)
        response = _render(request, plan, errors=[error], chosen_period=period, chosen_formats=formats)
        response.status_code = 400
        return response
    messages.success(
        request,
        _("Bulletin no. %(serial)s built in %(seconds).1f s.")
        % {"serial": bulletin.serial, "seconds": bulletin.build_seconds},
    )
    return redirect("bulletins:index", code=plan.code)


@login_required
def download(request: HttpRequest, code: str, pk: int, fmt: str) -> FileResponse:
    plan = _plan(code)
    bulletin = get_object_or_404(Bulletin, plan=plan, pk=pk)
    stored = bulletin.file_of(fmt) if fmt in core.FORMATS else None
    if stored is None:
        raise Http404("no such file")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("the file is missing from storage") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=bulletin.file_name(fmt),
        content_type=core.FORMATS[fmt].content_type,
    )
