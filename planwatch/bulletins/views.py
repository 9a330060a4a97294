"""Bulletins (通报): the list, a bulletin's page (its preview, the province's words and the issue
form), the form that builds a draft (province only), and the downloads.

Who sees what is `bulletin.view` (planwatch.accounts.permissions): the province every bulletin, drafts
too; a locality's or a lead unit's users the issued ones addressed to them. The build is synchronous:
the seed plan's bulletin takes a few seconds (see docs/bulletins.md).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planwatch.accounts.permissions import has_perm
from planwatch.bulletins import issuing, services
from planwatch.bulletins import jobs as bulletin_jobs
from planwatch.bulletins.models import WORDS, Bulletin, BulletinAddressee, Series
from planwatch.core import bulletin as core
from planwatch.core.bulletin import BulletinError
from planwatch.core.bulletin.tables import Block
from planwatch.core.errors import PlanWatchError
from planwatch.dashboards.data import latest_accepted_year
from planwatch.kernel import jobs
from planwatch.kernel.models import AuditEvent
from planwatch.kernel.review import STATE_WORDS
from planwatch.pages import many_units
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
    bulletins = (
        issuing.visible(request.user, plan)
        .select_related("run", "created_by")
        .prefetch_related("files")
        .order_by("-year", "series", "-number", "-created_at", "-id")
    )
    return render(
        request,
        "bulletins/index.html",
        {
            "plan": plan,
            "section": "bulletins",
            "bulletins": bulletins,
            "state_words": STATE_WORDS,
            "may_generate": _may_generate(request.user),
            "periods": _periods(plan),
            "formats": core.FORMATS,
            "series": [(Series.SPECIAL.value, Series.SPECIAL.label)],
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
    series = request.POST.get("series") or None
    try:
        services.check_request(plan, period, formats, series)
    except BulletinError as exc:
        error = pick(exc.zh, exc.en)
        response = _render(request, plan, errors=[error], chosen_period=period, chosen_formats=formats)
        response.status_code = 400
        return response
    params = {"period": period, "formats": formats, "include_unaccepted": include, "series": series}
    params["back"] = reverse("bulletins:index", args=[plan.code])
    job = jobs.start(bulletin_jobs.BUILD, request.user, plan_code=plan.code, params=params)
    return redirect("web:job", job.pk)


# --- one bulletin ------------------------------------------------------------------------------------


def _bulletin(request: HttpRequest, code: str, pk: int) -> Bulletin:
    """The bulletin, if the user may see it (a draft, or one not addressed to them, is not found)."""
    plan = _plan(code)
    bulletin = get_object_or_404(
        Bulletin.objects.select_related("plan", "run", "created_by", "superseded_by").prefetch_related(
            "files", Prefetch("addressees", BulletinAddressee.objects.select_related("locality", "unit"))
        ),
        plan=plan,
        pk=pk,
    )
    if not has_perm("bulletin.view", request.user, bulletin):
        raise Http404("no such bulletin")
    return bulletin


def _blocks(blocks: list[Block]) -> list[dict[str, Any]]:
    """The outline as the preview template reads it (a figure's picture as a data URI)."""
    out = []
    for block in blocks:
        item: dict[str, Any] = {"kind": block.kind, "text": block.text, "items": block.items}
        if block.table is not None:
            t = block.table
            item["table"] = {
                "caption": t.caption,
                "header": t.header,
                "rows": [
                    [
                        {
                            "lines": text.split("\n"),
                            "num": t.numeric[k],
                            "mark": t.marks[i][k] if t.marks else "",
                        }
                        for k, text in enumerate(row)
                    ]
                    for i, row in enumerate(t.rows)
                ],
                "note": t.note,
                "key": t.key,
            }
        if block.chart is not None and block.chart.png:
            item["src"] = "data:image/png;base64," + base64.b64encode(block.chart.png).decode("ascii")
        out.append(item)
    return out


ADDRESSEE_FIELDS = ("to_locality", "to_unit", "copy_unit")  # the issue form's checkboxes


def _detail(request: HttpRequest, bulletin: Bulletin, status: int = 200, **context: Any) -> HttpResponse:
    plan = bulletin.plan
    user = request.user
    # The page as the files were written, with the words as they are now (no figure: those are in
    # the PDF and Word files).
    page = services.preview_of(bulletin)
    history = AuditEvent.objects.filter(subject_type="bulletin", subject_id=str(bulletin.pk)).order_by(
        "at", "id"
    )
    draft = bulletin.is_draft
    may_issue = draft and issuing.BULLETIN.may(user, bulletin, "issue")
    localities = list(issuing.addressable_localities(plan)) if may_issue else []
    posted = context.get("posted")
    # A refused issue form comes back with the addressees as they were ticked, not the defaults.
    ticked = None
    if posted is not None and "document_number" in posted:
        ticked = {key: set(posted.getlist(key)) for key in ADDRESSEE_FIELDS}
    response = render(
        request,
        "bulletins/detail.html",
        {
            "plan": plan,
            "section": "bulletins",
            "b": bulletin,
            "state_words": STATE_WORDS,
            "content": page,
            "blocks": _blocks(page.blocks(services.words_of(bulletin))),
            "words": [(key, title, getattr(bulletin, key)) for key, title in WORDS.items()],
            "may_edit": draft and has_perm("bulletin.edit", user, bulletin),
            "may_issue": may_issue,
            "may_delete": draft and has_perm("bulletin.delete", user, bulletin),
            "may_withdraw": issuing.BULLETIN.may(user, bulletin, "withdraw"),
            "localities": localities,
            "many_addressees": many_units(len(localities)),
            "ticked": ticked,
            "units": plan.units.order_by("order"),
            "replacements": Bulletin.objects.filter(plan=plan, state=Bulletin.State.ISSUED).exclude(
                pk=bulletin.pk
            ),
            "history": history,
            "today": timezone.localdate().isoformat(),
            **context,
        },
        status=status,
    )
    return response


@login_required
def detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _detail(request, _bulletin(request, code, pk))


def _refused(request: HttpRequest, bulletin: Bulletin, exc: PlanWatchError) -> HttpResponse:
    errors = [pick(i.zh, i.en) for i in exc.issues] if len(exc.issues) > 1 else [pick(exc.zh, exc.en)]
    return _detail(request, bulletin, status=exc.status, errors=errors, posted=request.POST)


@login_required
@require_POST
def words(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, code, pk)
    given = {key: request.POST[key] for key in WORDS if key in request.POST}
    try:
        issuing.edit_words(request.user, bulletin, given)
    except PlanWatchError as exc:
        return _refused(request, bulletin, exc)
    messages.success(request, _("The bulletin's words are saved."))
    return redirect("bulletins:detail", code=code, pk=pk)


def _here(bulletin: Bulletin) -> str:
    return reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk])


@login_required
@require_POST
def regenerate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, code, pk)
    try:
        issuing.may_regenerate(request.user, bulletin)
    except PlanWatchError as exc:
        return _refused(request, bulletin, exc)
    params = {"bulletin": bulletin.pk, "refill": request.POST.get("refill") == "on", "back": _here(bulletin)}
    job = jobs.start(bulletin_jobs.REGENERATE, request.user, plan_code=code, params=params)
    return redirect("web:job", job.pk)


@login_required
@require_POST
def delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, code, pk)
    try:
        issuing.delete_draft(request.user, bulletin)
    except PlanWatchError as exc:
        return _refused(request, bulletin, exc)
    messages.success(request, _("The draft is deleted."))
    return redirect("bulletins:index", code=code)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@require_POST
def issue(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, code, pk)
    plan = bulletin.plan
    post = request.POST

    def chosen(model: Any, field: str) -> list[Any]:
        ids = [int(i) for i in post.getlist(field) if i.isdigit()]
        found = {x.pk: x for x in model.objects.filter(plan=plan, pk__in=ids)}
        return [found[i] for i in ids if i in found]

    form = issuing.IssueForm(
        document_number=post.get("document_number", ""),
        signed_by=post.get("signed_by", ""),
        office=post.get("office", ""),
        issued_on=_date(post.get("issued_on", "")),
        addressees=issuing.Addressees(
            to_localities=chosen(plan.localities.model, "to_locality"),
            to_units=chosen(plan.units.model, "to_unit"),
            copy_localities=chosen(plan.localities.model, "copy_locality"),
            copy_units=chosen(plan.units.model, "copy_unit"),
            copies_other=post.get("copies_other", ""),
        ),
    )
    try:
        issuing.may_issue(request.user, bulletin, form)  # every problem of the form, at once
    except PlanWatchError as exc:
        return _refused(request, bulletin, exc)
    params = {"bulletin": bulletin.pk, "form": issuing.as_params(form), "back": _here(bulletin)}
    job = jobs.start(bulletin_jobs.ISSUE, request.user, plan_code=code, params=params)
    return redirect("web:job", job.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, code, pk)
    reason = request.POST.get("reason", "")
    by = request.POST.get("superseded_by", "")
    try:
        if by.isdigit():
            replacement = get_object_or_404(Bulletin, plan=bulletin.plan, pk=int(by))
            issuing.supersede(request.user, bulletin, replacement, reason)
        else:
            issuing.withdraw(request.user, bulletin, reason)
    except PlanWatchError as exc:
        return _refused(request, bulletin, exc)
    messages.success(
        request, _("The bulletin is superseded.") if by.isdigit() else _("The bulletin is withdrawn.")
    )
    return redirect("bulletins:detail", code=code, pk=pk)


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition for a Chinese file name: `filename` an ASCII fallback for old clients,
    `filename*` the name itself (RFC 6266, RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(filename)}"


@login_required
def download(request: HttpRequest, code: str, pk: int, fmt: str) -> FileResponse:
    bulletin = _bulletin(request, code, pk)
    stored = bulletin.file_of(fmt) if fmt in core.FORMATS else None
    if stored is None:
        raise Http404("no such file")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("the file is missing from storage") from None
    response = FileResponse(handle, as_attachment=True, content_type=core.FORMATS[fmt].content_type)
    response["Content-Disposition"] = attachment(bulletin.download_name(fmt), bulletin.file_name(fmt))
    return response
