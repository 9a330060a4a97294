"""Ledger pages: the list with filters, an item with its history, the rows behind each derived
number, the project funnel per locality, and the province's duplicate list.

Scope is checked on the server through planwatch.ledgers.services."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from planwatch.accounts.models import profile_of
from planwatch.core.errors import WorkbookRejected
from planwatch.core.ledger import STAGES
from planwatch.plans.models import Locality, Plan, Target, pick

from . import excel, services
from .forms import ItemForm
from .models import LedgerItem, LedgerType

STAGE_LABELS = {
    "signed": ("签约", "Signed"),
    "started": ("开工", "Started"),
    "producing": ("投产", "Producing"),
}


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _ledger(plan: Plan, code: str) -> LedgerType:
    try:
        return services.get_ledger(plan, code)
    except LookupError:
        raise Http404(code) from None


def _render(request: HttpRequest, template: str, plan: Plan, **context: Any) -> HttpResponse:
    return render(request, f"ledgers/{template}", {"plan": plan, "section": "ledgers", **context})


def _stage_label(stage: str) -> str:
    zh, en = STAGE_LABELS[stage]
    return pick(zh, en)


def _filtered(request: HttpRequest, ledger: LedgerType) -> tuple[QuerySet[LedgerItem], dict[str, str]]:
    items = services.visible_items(request.user, ledger.items.select_related("locality", "key_field"))
    f = {k: request.GET.get(k, "").strip() for k in ("locality", "key_field", "stage", "year", "status")}
    if f["locality"]:
        items = items.filter(locality__code=f["locality"])
    if f["key_field"]:
        items = items.filter(key_field__code=f["key_field"])
    if f["status"]:
        items = items.filter(status=f["status"])
    year = int(f["year"]) if f["year"].isdigit() else None
    if f["stage"] in STAGES:
        items = items.filter(**{f"{f['stage']}_on__isnull": False})
        if year:
            items = items.filter(**{f"{f['stage']}_on__year": year})
    elif year:
        items = items.filter(Q(signed_on__year=year) | Q(started_on__year=year) | Q(producing_on__year=year))
    return items, f


@login_required
def index(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    ledgers = services.ensure_default_ledgers(plan)
    if len(ledgers) == 1:
        return redirect("ledgers:list", plan.code, ledgers[0].code)
    return _render(request, "index.html", plan, ledgers=ledgers)


@login_required
def item_list(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    items, f = _filtered(request, lt)
    localities = services_localities(request, plan)
    return _render(
        request,
        "list.html",
        plan,
        ledger=lt,
        items=items,
        filters=f,
        localities=localities,
        key_fields=plan.key_fields.order_by("number"),
        stages=[(s, _stage_label(s)) for s in STAGES],
        statuses=LedgerItem.Status.choices,
        years=range(plan.start_year, max(plan.end_year, plan.horizon_year or 0) + 1),
        may_import=any(services.can_write(request.user, loc) for loc in localities),
        flagged=services.visible_items(request.user, lt.items.filter(duplicate_flag=True)).count(),
    )


@login_required
def export(request: HttpRequest, code: str, ledger: str) -> FileResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    items, _f = _filtered(request, lt)
    ids = request.GET.get("ids", "")
    if ids:
        items = items.filter(pk__in=[int(i) for i in ids.split(",") if i.isdigit()])
    data = excel.export_ledger(lt, items)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{lt.code}.xlsx")


@login_required
@require_POST
def upload(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, _("Choose a workbook to upload."))
        return redirect("ledgers:list", plan.code, lt.code)
    try:
        saved = excel.import_ledger(lt, upload_file.read(), upload_file.name or "upload.xlsx", request.user)
    except WorkbookRejected as exc:
        return _render(request, "rejected.html", plan, ledger=lt, error=exc)
    except services.LedgerError as exc:
        messages.error(request, pick(exc.zh, exc.en))
        return redirect("ledgers:list", plan.code, lt.code)
    messages.success(request, _("%(n)d row(s) imported.") % {"n": len(saved)})
    return redirect("ledgers:list", plan.code, lt.code)


@login_required
def item(request: HttpRequest, code: str, ledger: str, pk: int) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(services.visible_items(request.user, lt.items.select_related("locality")), pk=pk)
    similar = []
    if obj.duplicate_flag:
        similar = list(
            lt.items.exclude(pk=obj.pk)
            .exclude(status=LedgerItem.Status.MERGED)
            .filter(
                Q(identifier=obj.identifier) & ~Q(identifier="")
                | Q(normalized_name=obj.normalized_name, locality=obj.locality)
            )
        )
    return _render(
        request,
        "item.html",
        plan,
        ledger=lt,
        item=obj,
        audit=obj.audit.select_related("user"),
        similar=similar,
        is_province=profile_of(request.user).is_province,
        may_edit=services.can_write(request.user, obj.locality) and obj.status != LedgerItem.Status.MERGED,
    )


@login_required
def count_rows(
    request: HttpRequest, code: str, ledger: str, locality_code: str, year: int, stage: str, kind: str
) -> HttpResponse:
    """Exactly the rows behind one derived number."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    locality = get_object_or_404(Locality, plan=plan, code=locality_code)
    if stage not in STAGES or kind not in ("new", "cumulative"):
        raise Http404(stage)
    ids = services.rows_behind(lt, locality, year, stage, kind)
    items = services.visible_items(
        request.user, lt.items.filter(pk__in=ids).select_related("locality", "key_field")
    )
    return _render(
        request,
        "count.html",
        plan,
        ledger=lt,
        locality=locality,
        year=year,
        stage=_stage_label(stage),
        kind=kind,
        items=items,
        ids=",".join(str(i) for i in ids),
    )


@login_required
def funnel(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    last = max(plan.end_year, plan.horizon_year or 0)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else plan.end_year
    counts = services.derive_counts(lt)
    localities = list(services_localities(request, plan))
    indicator_of = lt.stage_indicators
    targets: dict[tuple[str, int | None], Any] = {}
    for t in Target.objects.filter(
        indicator__plan=plan, indicator__code__in=indicator_of.values(), year=year
    ):
        targets[(t.indicator.code, t.locality_id)] = t.value
    rows = []
    for loc in localities:
        stages = []
        for stage in STAGES:
            cell = counts.get((loc.code, year, stage))
            n = len(cell.cumulative) if cell else 0
            target = targets.get((indicator_of.get(stage, ""), loc.pk))
            width = min(100, int(100 * n / target)) if target else 0
            stages.append(
                {"stage": stage, "label": _stage_label(stage), "n": n, "target": target, "width": width}
            )
        rows.append({"locality": loc, "stages": stages})
    by_field = (
        services.counted_items(lt)
        .filter(pk__in={i for c in counts.values() for i in c.cumulative})
        .values("key_field__code", "key_field__name_zh", "key_field__name_en")
        .annotate(n=Count("pk"))
        .order_by("key_field__code")
    )
    return _render(
        request,
        "funnel.html",
        plan,
        ledger=lt,
        year=year,
        years=range(plan.start_year, last + 1),
        rows=rows,
        region={s: targets.get((indicator_of.get(s, ""), None)) for s in STAGES},
        by_field=[
            {**r, "name": pick(r["key_field__name_zh"] or "", r["key_field__name_en"] or "")}
            for r in by_field
        ],
    )


def services_localities(request: HttpRequest, plan: Plan) -> QuerySet[Locality]:
    localities = plan.localities.filter(pilot=True).order_by("order")
    profile = profile_of(request.user)
    if profile.role in profile.LOCALITY_ROLES and not profile.is_admin:
        localities = localities.filter(pk=profile.locality_id or 0)
    return localities


@login_required
@require_POST
def derive(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    year_text = request.POST.get("year", "")
    if not year_text.isdigit():
        raise Http404(year_text)
    result = services.derive_values(plan, int(year_text), request.user)
    messages.success(request, _("%(n)d value(s) written from the ledger.") % {"n": len(result.written)})
    for loc, reason in result.skipped:
        messages.warning(request, f"{loc}: {reason}")
    return redirect(reverse("ledgers:funnel", args=[plan.code, lt.code]) + f"?year={year_text}")


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    if not profile_of(request.user).is_province:
        raise PermissionDenied
    if request.method == "POST":
        target = get_object_or_404(lt.items, pk=request.POST.get("item", "0"))
        try:
            if request.POST.get("action") == "keep":
                services.keep_both(request.user, target)
            elif request.POST.get("action") == "merge":
                services.merge(
                    request.user, target, get_object_or_404(lt.items, pk=request.POST.get("into", "0"))
                )
        except services.LedgerError as exc:
            messages.error(request, pick(exc.zh, exc.en))
        return redirect("ledgers:duplicates", plan.code, lt.code)
    flagged = (
        lt.items.filter(duplicate_flag=True).select_related("locality").order_by("normalized_name", "pk")
    )
    return _render(request, "duplicates.html", plan, ledger=lt, items=flagged)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str, ledger: str, pk: int | None = None) -> HttpResponse:
    """Add a row (pk None) or change one, within the user's scope."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    writable = [loc.pk for loc in plan.localities.filter(pilot=True) if services.can_write(request.user, loc)]
    localities = plan.localities.filter(pk__in=writable).order_by("order")
    if pk is None:
        obj = LedgerItem(ledger=lt)
    else:
        obj = get_object_or_404(services.visible_items(request.user, lt.items.all()), pk=pk)
    if not localities.exists() or (obj.pk and not services.can_write(request.user, obj.locality)):
        raise PermissionDenied
    form = ItemForm(request.POST or None, instance=obj, plan=plan, localities=localities)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        for key, zh, en in services.validation_problems(item):
            form.add_error(key if key in form.fields else None, pick(zh, en))
        if not form.errors:
            try:
                services.save_item(request.user, item, expected_version=form.cleaned_data.get("version"))
            except services.LedgerError as exc:
                form.add_error(None, pick(exc.zh, exc.en))
            else:
                return redirect("ledgers:item", plan.code, lt.code, item.pk)
    return _render(request, "edit.html", plan, ledger=lt, form=form, item=obj)
