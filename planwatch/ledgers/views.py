"""Ledger pages: the list with filters, an item with its history, the rows behind each derived
number, the project funnel per locality, and the province's duplicate list.

Scope is checked on the server through planwatch.ledgers.services."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from planwatch.accounts.permissions import has_perm, led_first, own_locality_id
from planwatch.core.errors import PlanWatchError
from planwatch.kernel import jobs
from planwatch.kernel.review import ACTION_WORDS
from planwatch.pages import refusal_goes_to
from planwatch.plans.models import Locality, Plan, Target, pick
from planwatch.reporting import workflow as wf
from planwatch.reporting.evidence import download
from planwatch.reporting.models import Period, ReportedValue

from . import excel, services, words
from . import jobs as ledger_jobs
from .forms import ItemForm, below_threshold_message, field_name
from .models import LedgerItem, LedgerType


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _ledger(plan: Plan, code: str) -> LedgerType:
    try:
        return services.get_ledger(plan, code)
    except LookupError:
        raise Http404(code) from None


def _render(request: HttpRequest, template: str, plan: Plan, **context: Any) -> HttpResponse:
    return render(request, f"ledgers/{template}", {"plan": plan, "section": "ledgers", **context})


PAGE_SIZE = 100  # rows per page of the list; the Excel download holds every row of the filter


def _with_dates(user: Any, ledger: LedgerType, items: Any) -> list[LedgerItem]:
    """The rows, each with `row_dates`: its stage dates in the ledger's order (for the table), and
    `seen_duplicate`: flagged as a possible duplicate of a row the user may see."""
    rows = list(items)
    seen = services.seen_duplicates(user, rows)
    for it in rows:
        it.row_dates = [it.stage_date(s) for s in ledger.stage_codes]  # type: ignore[attr-defined]
        it.seen_duplicate = it.pk in seen  # type: ignore[attr-defined]
    return rows


def _changes(lt: LedgerType, old: Any, new: Any, places: dict[str, dict[str, str]]) -> list[str]:
    """An audit row's changes as lines in the page's language, only the fields that differ
    ("名称：旧 → 新"); a creation (nothing before) lists the fields it filled in ("名称：新")."""
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}

    def flat(snap: dict[str, Any]) -> dict[str, Any]:
        out = {
            ("review" if k == "state" else k): v for k, v in snap.items() if k not in ("attributes", "dates")
        }
        if out.get("investment") not in (None, ""):  # "20000.00" as stored, "20000" as typed
            out["investment"] = f"{Decimal(str(out['investment'])).normalize():f}"
        out.update({f"attr:{k}": v for k, v in (snap.get("attributes") or {}).items()})
        out.update({f"date:{k}": v for k, v in (snap.get("dates") or {}).items()})
        return out

    def label(key: str) -> str:
        within, _colon, name = key.rpartition(":")
        return words.field_label(lt, name, {"attr": "attributes", "date": "dates"}.get(within, ""))

    def shown(key: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if key == "status" and value in LedgerItem.Status.values:
            return str(LedgerItem.Status(value).label)
        if key == "review" and value in LedgerItem.Review.values:
            return str(LedgerItem.Review(value).label)
        if key in places:  # a code of the plan's (地区, 重点领域) by its name
            return places[key].get(value, str(value))
        return str(value)

    before, after = flat(old), flat(new)
    lines = []
    for k in dict.fromkeys([*after, *before]):
        if before.get(k) == after.get(k) or (k not in before and after.get(k) in (None, "")):
            continue
        if not old:
            lines.append(_("%(field)s: %(value)s") % {"field": label(k), "value": shown(k, after.get(k))})
        else:
            lines.append(
                _("%(field)s: %(before)s → %(after)s")
                % {"field": label(k), "before": shown(k, before.get(k)), "after": shown(k, after.get(k))}
            )
    return lines


def _filtered(
    request: HttpRequest, ledger: LedgerType, query: QueryDict | None = None
) -> tuple[QuerySet[LedgerItem], dict[str, str]]:
    """The rows the user may see, filtered by the list's query (by default, the request's)."""
    params = request.GET if query is None else query
    items = services.visible_items(request.user, ledger.items.select_related("locality", "key_field"))
    f = {k: params.get(k, "").strip() for k in services.FILTERS}
    return services.filter_items(ledger, items, f), f


@login_required
def index(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    ledgers = services.ensure_default_ledgers(plan)
    if len(ledgers) == 1:
        return redirect("ledgers:list", plan.code, ledgers[0].code)
    visible = services.visible_items(request.user, LedgerItem.objects.filter(ledger__plan=plan))
    sizes = dict(visible.values_list("ledger_id").annotate(n=Count("pk")).values_list("ledger_id", "n"))
    rows = [(lt, sizes.get(lt.pk, 0), [f["indicator"] for f in lt.feeds]) for lt in ledgers]
    indicators = {i.code: i for i in plan.indicators.all()}
    rows = led_first(request.user, rows, lambda row: [indicators[c] for c in row[2] if c in indicators])
    return _render(request, "index.html", plan, ledgers=rows)


@login_required
def item_list(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    items, f = _filtered(request, lt)
    localities = services_localities(request, plan)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "list.html",
        plan,
        ledger=lt,
        items=_with_dates(request.user, lt, page.object_list),
        page=page,
        page_query=query.urlencode(),
        filters=f,
        localities=localities,
        key_fields=plan.key_fields.order_by("number"),
        stages=[(s, words.stage_label(lt, s)) for s in lt.stage_codes],
        stage_names=[words.stage_label(lt, s) for s in lt.stage_codes],
        statuses=LedgerItem.Status.choices,
        reviews=LedgerItem.Review.choices,
        years=plan.monitored_years(),
        may_import=_may_import(request, plan),
        flagged=len(
            services.seen_duplicates(
                request.user, services.visible_items(request.user, lt.items.filter(duplicate_flag=True))
            )
        ),
        bulk_actions=services.bulk_actions(request.user, lt, items),
    )


@login_required
def export(request: HttpRequest, code: str, ledger: str) -> FileResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    items, _f = _filtered(request, lt)
    ids = request.GET.get("ids", "")
    if ids:
        items = items.filter(pk__in=[int(i) for i in ids.split(",") if i.isdecimal()])
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
    if not _may_import(request, plan):
        raise PermissionDenied(_("Your role does not write ledger rows."))
    job = jobs.start(
        ledger_jobs.IMPORT,
        request.user,
        plan_code=plan.code,
        payload=upload_file.read(),
        payload_name=PurePath(upload_file.name or "upload.xlsx").name,
        params={"ledger": lt.pk, "back": reverse("ledgers:list", args=[plan.code, lt.code])},
    )
    return redirect("web:job", job.pk)


@login_required
def item(request: HttpRequest, code: str, ledger: str, pk: int) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(
        services.visible_items(request.user, lt.items.select_related("locality", "key_field")), pk=pk
    )
    similar = list(services.similar_items(request.user, obj)) if obj.duplicate_flag else []
    attrs = {a["code"]: a for a in lt.attributes}
    places = {
        "locality": {loc.code: loc.name for loc in plan.localities.all()},
        "key_field": {kf.code: kf.name for kf in plan.key_fields.all()},
    }
    may_write = services.can_write(request.user, obj.locality) and obj.status != LedgerItem.Status.MERGED
    return _render(
        request,
        "item.html",
        plan,
        ledger=lt,
        item=obj,
        audit=[(a, _changes(lt, a.old, a.new, places)) for a in services.history_of(obj)],
        similar=similar,
        flagged=obj.duplicate_flag and bool(similar),
        attributes=[
            (pick(a["zh"], a["en"]), obj.attributes.get(code, ""), a.get("unit", ""))
            for code, a in attrs.items()
        ],
        stage_dates=[(words.stage_label(lt, s), obj.stage_date(s)) for s in lt.stage_codes],
        evidence=obj.evidence.select_related("uploaded_by"),
        actions=services.allowed_actions(request.user, obj),
        resolves_duplicates=has_perm("ledger.resolve_duplicates", request.user),
        may_edit=may_write and obj.review in services.EDITABLE,
        may_attach=may_write,
        may_delete=services.may_delete(request.user, obj),
    )


@login_required
@require_POST
def transition(request: HttpRequest, code: str, ledger: str, pk: int) -> HttpResponse:
    """Submit, approve, accept or return one row (the service checks the role)."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(services.visible_items(request.user, lt.items.all()), pk=pk)
    action = request.POST.get("action", "")
    if action not in {"return", *services.TRANSITIONS}:
        raise Http404(action)
    refusal_goes_to(request, reverse("ledgers:item", args=[plan.code, lt.code, obj.pk]))
    obj = services.move(request.user, obj, action, comment=request.POST.get("comment", ""))
    stale = services.stale_message(services.stale_values(lt, [obj])) if action == "accept" else None
    verb_zh, verb_en = ACTION_WORDS[action]
    done = pick(f"已{verb_zh}：{obj.name}", f"{verb_en.capitalize()}: {obj.name}")
    messages.success(request, done + (" " + pick(*stale) if stale else ""))
    return redirect("ledgers:item", plan.code, lt.code, obj.pk)


@login_required
@require_POST
def delete(request: HttpRequest, code: str, ledger: str, pk: int) -> HttpResponse:
    """Delete a draft row; the list then says so."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(services.visible_items(request.user, lt.items.all()), pk=pk)
    refusal_goes_to(request, reverse("ledgers:item", args=[plan.code, lt.code, obj.pk]))
    services.delete_item(request.user, obj)
    messages.success(request, _("Draft row “%(name)s” deleted.") % {"name": obj.name})
    return redirect("ledgers:list", plan.code, lt.code)


@login_required
@require_POST
def move_all(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    """Submit, approve or accept every row of the filtered list that the user may move so."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    action = request.POST.get("action", "")
    if action not in services.TRANSITIONS:
        raise Http404(action)
    query = request.POST.get("query", "")
    items, _f = _filtered(request, lt, QueryDict(query))  # the list's filters, as they were shown
    done: list[LedgerItem] = []
    back = reverse("ledgers:list", args=[plan.code, lt.code]) + (f"?{query}" if query else "")
    refusal_goes_to(request, back)
    moved, left = services.move_all(request.user, items.order_by("pk"), action, moved_items=done)
    stale = services.stale_message(services.stale_values(lt, done)) if action == "accept" else None
    messages.success(
        request,
        _("%(moved)d row(s) done; %(left)d left as they were.") % {"moved": moved, "left": left}
        + (" " + pick(*stale) if stale else ""),
    )
    return redirect(back)


@login_required
@require_POST
def upload_evidence(request: HttpRequest, code: str, ledger: str, pk: int) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(services.visible_items(request.user, lt.items.all()), pk=pk)
    if not services.can_write(request.user, obj.locality):
        raise PermissionDenied
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        refusal_goes_to(request, reverse("ledgers:item", args=[plan.code, lt.code, obj.pk]))
        services.attach_evidence(request.user, obj, upload_file)
    return redirect("ledgers:item", plan.code, lt.code, obj.pk)


@login_required
def download_evidence(request: HttpRequest, code: str, ledger: str, pk: int, file_pk: int) -> FileResponse:
    """Only for those who may read the row: a hidden row's files are as absent as the row."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    obj = get_object_or_404(services.visible_items(request.user, lt.items.all()), pk=pk)
    evidence = get_object_or_404(obj.evidence, pk=file_pk)
    return download(evidence.file, evidence.original_name)


@login_required
def count_rows(
    request: HttpRequest, code: str, ledger: str, locality_code: str, year: int, stage: str, kind: str
) -> HttpResponse:
    """Exactly the rows behind one derived number: `stage` is a stage of the ledger or an indicator
    it feeds; ?accepted=1 keeps the accepted rows only (those behind the reported values)."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    locality = get_object_or_404(Locality, plan=plan, code=locality_code)
    feed = lt.feed_of(stage)
    if (stage not in lt.stage_codes and feed is None) or kind not in ("new", "cumulative"):
        raise Http404(stage)
    accepted = request.GET.get("accepted") == "1"
    visible = services.visible_items(request.user, lt.items.all())
    ids = services.rows_behind(lt, locality, year, stage, kind, accepted_only=accepted, within=visible)
    items = lt.items.filter(pk__in=ids).select_related("locality", "key_field")
    label = (
        f"{feed['indicator']} · {words.stage_label(lt, feed['stage'])}"
        if feed
        else words.stage_label(lt, stage)
    )
    return _render(
        request,
        "count.html",
        plan,
        ledger=lt,
        locality=locality,
        year=year,
        stage=label,
        kind=kind,
        accepted=accepted,
        items=_with_dates(request.user, lt, items),
        stage_names=[words.stage_label(lt, s) for s in lt.stage_codes],
        ids=",".join(str(i) for i in ids),
    )


def _feed_label(lt: LedgerType, feed: dict[str, Any]) -> str:
    where = " ".join(feed.get("where", {}).values())
    return f"{feed['indicator']} {where or words.stage_label(lt, feed['stage'])}"


@login_required
def funnel(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    """Per locality, each indicator the ledger feeds (for projects: signed → started → producing):
    the rows recorded that count (those the user can see) and, of them, the accepted ones, against
    the targets of the year."""
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    last = plan.last_year
    year_text = request.GET.get("year", "")
    if year_text.isdecimal():
        year = int(year_text)
    else:  # the year being reported now, where the derive button writes; else the plan's end year
        year = services.entry_year(plan, request.user, today=timezone.localdate()) or plan.end_year
    visible = services.visible_items(request.user, lt.items.all())
    counts = services.feed_counts(lt, within=visible)
    accepted = services.feed_counts(lt, within=visible, accepted_only=True)
    localities = list(services_localities(request, plan))
    feeds = lt.feeds
    targets: dict[tuple[str, int | None], Any] = {}
    for t in Target.objects.filter(
        indicator__plan=plan, indicator__code__in=[f["indicator"] for f in feeds], year=year
    ).select_related("indicator"):
        targets[(t.indicator.code, t.locality_id)] = t.value
    rows = []
    for loc in localities:
        cells = []
        for feed in feeds:
            ind = feed["indicator"]
            cell = counts.get((loc.code, year, ind))
            done = accepted.get((loc.code, year, ind))
            n = len(cell.cumulative) if cell else 0
            target = targets.get((ind, loc.pk))
            cells.append(
                {
                    "stage": feed["stage"],
                    "indicator": ind,
                    "key": ind if feed.get("where") else feed["stage"],
                    "n": n,
                    "accepted": len(done.cumulative) if done else 0,
                    "target": target,
                    "width": min(100, int(100 * n / target)) if target else 0,
                }
            )
        rows.append({"locality": loc, "stages": cells})
    counted = {i for c in counts.values() for i in c.cumulative}
    by_field = (
        services.counted_items(lt, within=visible)
        .filter(pk__in=counted)
        .values("key_field__code", "key_field__name_zh", "key_field__name_en")
        .annotate(n=Count("pk"))
        .order_by("key_field__code")
    )
    return _render(
        request,
        "funnel.html",
        plan,
        ledger=lt,
        derive=_derive_state(request, plan, lt, year, localities),
        year=year,
        years=range(plan.start_year, last + 1),
        heads=[_feed_label(lt, f) for f in feeds],
        rows=rows,
        region=[targets.get((f["indicator"], None)) for f in feeds],
        by_field=[
            {**r, "name": pick(r["key_field__name_zh"] or "", r["key_field__name_en"] or "")}
            for r in by_field
        ],
    )


def _derive_state(
    request: HttpRequest, plan: Plan, lt: LedgerType, year: int, localities: list[Locality]
) -> dict[str, Any] | None:
    """Whether "write these counts as reported values" has anything to do for this user and year:
    None (not theirs to write: the button is not shown), or {"enabled", "reason"}."""
    indicators = list(plan.indicators.filter(code__in=[f["indicator"] for f in lt.feeds]))
    pairs = {(loc.pk, i.pk) for loc in localities for i in indicators if wf.may_enter(request.user, loc, i)}
    if not pairs:
        return None
    period = Period.objects.filter(plan=plan, code=str(year)).first()
    if period is None:
        return {"enabled": False, "reason": _("There is no reporting period for %(year)s.") % {"year": year}}
    status = {
        (loc, ind): st
        for loc, ind, st in ReportedValue.objects.filter(
            period=period, indicator__in=indicators, locality__in=localities
        ).values_list("locality_id", "indicator_id", "status")
    }
    if any(status.get(p) in (None, *wf.EDITABLE) for p in pairs):
        return {"enabled": True, "reason": ""}
    if all(status.get(p) == ReportedValue.Status.ACCEPTED for p in pairs):
        reason = _(
            "Every value this ledger feeds for %(year)s is already accepted: nothing to write. "
            "To change one, request a revision."
        )
    else:
        reason = _(
            "Every value this ledger feeds for %(year)s is submitted or accepted: nothing to write "
            "until a value is returned."
        )
    return {"enabled": False, "reason": reason % {"year": year}}


def _may_import(request: HttpRequest, plan: Plan) -> bool:
    """A workbook of rows may be imported by who writes rows for some locality of the plan."""
    return any(services.can_write(request.user, loc) for loc in services_localities(request, plan))


def services_localities(request: HttpRequest, plan: Plan) -> QuerySet[Locality]:
    localities = plan.localities.filter(pilot=True).order_by("order")
    own = own_locality_id(request.user)
    return (
        localities
        if own is None or has_perm("audit.view_private", request.user)
        else localities.filter(pk=own)
    )


@login_required
@require_POST
def derive(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    year_text = request.POST.get("year", "")
    if not year_text.isdecimal():
        raise Http404(year_text)
    result = services.derive_values(plan, int(year_text), request.user, ledgers=[lt])
    messages.success(request, _("%(n)d value(s) written from the ledger.") % {"n": len(result.written)})
    names = {loc.code: loc.name for loc in plan.localities.all()}
    for loc, zh, en in result.skipped:
        messages.warning(
            request, _("%(place)s: %(reason)s") % {"place": names.get(loc, loc), "reason": pick(zh, en)}
        )
    return redirect(reverse("ledgers:funnel", args=[plan.code, lt.code]) + f"?year={year_text}")


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest, code: str, ledger: str) -> HttpResponse:
    plan = _plan(code)
    lt = _ledger(plan, ledger)
    if not has_perm("ledger.resolve_duplicates", request.user):
        raise PermissionDenied
    if request.method == "POST":
        target = get_object_or_404(lt.items, pk=request.POST.get("item", "0"))
        refusal_goes_to(request, reverse("ledgers:duplicates", args=[plan.code, lt.code]))
        if request.POST.get("action") == "keep":
            services.keep_both(request.user, target)
        elif request.POST.get("action") == "merge":
            services.merge(
                request.user, target, get_object_or_404(lt.items, pk=request.POST.get("into", "0"))
            )
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
    if obj.pk and (frozen := services.not_editable(obj)) is not None:  # said before, not after, typing
        messages.info(request, pick(frozen.zh, frozen.en))
        return redirect("ledgers:item", plan.code, lt.code, obj.pk)
    form = ItemForm(request.POST or None, instance=obj, plan=plan, localities=localities, ledger=lt)
    if request.method == "POST":
        form.is_valid()
        item = form.build()
        for key, zh, en in services.validation_problems(item):  # said with the fields' own, at once
            name = field_name(key) if field_name(key) in form.fields else None
            if name is None or name not in form.errors:
                form.add_error(name, pick(zh, en))
        if not form.errors:
            try:
                services.save_item(request.user, item, expected_version=form.cleaned_data.get("version"))
            except PlanWatchError as exc:
                form.add_error(None, pick(exc.zh, exc.en))
            else:
                if below := below_threshold_message(lt, item):
                    messages.warning(request, below)
                else:
                    messages.success(request, pick(f"已保存：{item.name}", f"Saved: {item.name}"))
                return redirect("ledgers:item", plan.code, lt.code, item.pk)
    return _render(request, "edit.html", plan, ledger=lt, form=form, item=obj)
