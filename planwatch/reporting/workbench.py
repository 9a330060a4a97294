"""The reviewer's workbench (审核工作台): what waits for an approver, a lead unit or the province, with
what they need to judge it on one page.

Two pages: one locality and period (every indicator), and one indicator and period (every pilot
unit). Each value shows its warnings and rule violations highlighted, the reporter's comments and
evidence files inline, the target, and the four periods before it beside it; each can be approved,
accepted or returned on its own, or a selection at once (the form asks to confirm). A third page is
the validation report of a locality and period, like DHIS2's validation rule analysis: every
finding with the value, the rule and the explanation.

Nothing here decides anything: the values and who sees them come from the workflow
(`visible_values`), the checks from `workflow.findings_of` (the same checks a save runs), what a
user may do from the review kernel (`VALUE.may`), and every move from the workflow's `approve`,
`accept` and `return_values`, which move each value through `transition()` (one audit event each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from planwatch.accounts.permissions import has_perm, own_locality_id
from planwatch.core.errors import PlanWatchError
from planwatch.core.validation import Finding
from planwatch.kernel.review import REPORTED, Action, forbidden, refusal
from planwatch.plans.models import CrossCheck, Indicator, Locality, Plan, Target, in_english, pick
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Evidence, Period, ReportedValue, ValueComment
from planwatch.reporting.views import STATUS_LABELS, _chosen_period, change_percent, change_text
from planwatch.reporting.workflow import VALUE

EARLIER = 4  # periods shown before this one: five years side by side for a yearly plan
ACTIONS = (Action.APPROVE, Action.ACCEPT, Action.RETURN)  # what a reviewer does here

# The rules of planwatch.core.validation by the code of their findings (a rule of the plan across
# indicators is named by its own text).
RULES: dict[str, Any] = {
    "negative": gettext_lazy("Not negative"),
    "not_integer": gettext_lazy("A whole number"),
    "out_of_range": gettext_lazy("Within the bounds of its kind"),
    "cumulative_fell": gettext_lazy("A cumulative count never falls"),
    "jump": gettext_lazy("Change from the previous period"),
    "z_score": gettext_lazy("Change against the locality's earlier changes"),
    "growth_mismatch": gettext_lazy("Growth rate against its level"),
}


# --- what the pages show ------------------------------------------------------------------------


@dataclass
class Item:
    """One value on the workbench: an indicator of a locality for the period, as this user sees it."""

    indicator: Indicator
    locality: Locality
    value: ReportedValue | None  # None: not reported, or a draft this user may not see
    target: Target | None
    earlier: list[tuple[str, Decimal | None]]  # (period, value) of the page's earlier periods, oldest first
    findings: list[Finding] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # what this user may do with it now
    led: bool = False  # an indicator the user's unit leads
    # what the user typed and ticked, shown again when an action was refused (nothing is lost)
    typed: str = ""
    ticked: bool = False

    @property
    def key(self) -> str:
        return str(self.value.pk) if self.value else ""

    @property
    def status(self) -> str:
        return self.value.status if self.value and self.value.value is not None else "missing"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def number(self) -> Decimal | None:
        return self.value.value if self.value else None

    @property
    def previous(self) -> Decimal | None:
        return self.earlier[-1][1] if self.earlier else None

    @property
    def change(self) -> str:
        return change_text(self.number, self.previous, self.indicator.unit)

    @property
    def change_percent(self) -> Decimal | None:
        return change_percent(self.number, self.previous, self.indicator.unit)

    @property
    def waiting(self) -> bool:
        """Waits for this user: something they may approve or accept (a return alone is not a wait)."""
        return Action.APPROVE in self.actions or Action.ACCEPT in self.actions

    @property
    def errors(self) -> list[str]:
        return [pick(f.zh, f.en) for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[str]:
        return [pick(f.zh, f.en) for f in self.findings if not f.is_error]

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def comments(self) -> list[ValueComment]:
        return list(self.value.comments.all()) if self.value else []

    @property
    def files(self) -> list[Evidence]:
        return list(self.value.evidence.all()) if self.value else []


@dataclass
class Workbench:
    """A workbench page: the items of one locality (every indicator) or of one indicator (every
    pilot unit) for a period."""

    plan: Plan
    period: Period
    user: Any
    items: list[Item]
    earlier_periods: list[Period]
    locality: Locality | None = None
    indicator: Indicator | None = None

    @property
    def waiting(self) -> list[Item]:
        return [i for i in self.items if i.waiting]

    @property
    def flagged(self) -> list[Item]:
        return [i for i in self.items if i.flagged]

    @property
    def selectable(self) -> bool:
        return any(i.actions for i in self.items)

    def may(self, action: str) -> bool:
        return any(action in i.actions for i in self.items)

    @property
    def can_approve(self) -> bool:
        return self.may(Action.APPROVE)

    @property
    def can_accept(self) -> bool:
        return self.may(Action.ACCEPT)

    @property
    def can_return(self) -> bool:
        return self.may(Action.RETURN)

    @property
    def is_sample(self) -> bool:
        return any(i.value and i.value.is_sample for i in self.items)

    def shown(self, show: str) -> list[Item]:
        if show == "waiting":
            return self.waiting
        if show == "flagged":
            return self.flagged
        return self.items


def _earlier_periods(period: Period) -> list[Period]:
    """The periods of the same frequency before this one, the last EARLIER of them, oldest first."""
    before = Period.objects.filter(
        plan_id=period.plan_id, frequency=period.frequency, starts_on__lt=period.starts_on
    ).order_by("-starts_on")[:EARLIER]
    return list(reversed(before))


def _earlier_values(
    periods: list[Period], localities: Iterable[Locality], indicators: Iterable[Indicator]
) -> dict[tuple[int, int, int], Decimal | None]:
    """(locality, indicator, period) → value, of what was reported then (submitted or further,
    never a draft: what the checks compare against, and what everybody may read)."""
    if not periods:
        return {}
    rows = ReportedValue.objects.filter(
        period__in=periods,
        locality__in=list(localities),
        indicator__in=list(indicators),
        status__in=REPORTED,
    ).values_list("locality_id", "indicator_id", "period_id", "value")
    return {(loc, ind, per): value for loc, ind, per, value in rows}


def _targets(plan: Plan, year: int, localities: Iterable[Locality]) -> dict[tuple[int, int], Target]:
    """Each locality's target of each indicator for the year; where it has none for the year, its
    next one (the plan's final year, say), which the page labels with its year."""
    found: dict[tuple[int, int], Target] = {}
    targets = Target.objects.filter(
        indicator__plan=plan, locality__in=list(localities), year__gte=year
    ).order_by("year")
    for t in targets:
        assert t.locality_id is not None
        found.setdefault((t.locality_id, t.indicator_id), t)
    return found


def _values(user: Any, period: Period, **where: Any) -> list[ReportedValue]:
    """The period's values this user may see (drafts of other localities are not reported), with
    what the page shows of them."""
    return list(
        wf.visible_values(user, ReportedValue.objects.filter(period=period, **where))
        .select_related(
            "indicator__plan",
            "indicator__lead_unit",
            "locality__plan",
            "locality__parent",
            "period__plan",
            "updated_by",
        )
        .prefetch_related(
            Prefetch("comments", queryset=ValueComment.objects.select_related("author")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
        )
    )


def _item(
    user: Any,
    indicator: Indicator,
    locality: Locality,
    value: ReportedValue | None,
    page: tuple[list[Period], dict[tuple[int, int, int], Decimal | None], dict[tuple[int, int], Target]],
    findings: list[Finding],
    led: bool,
) -> Item:
    earlier_periods, earlier, targets = page
    return Item(
        indicator=indicator,
        locality=locality,
        value=value,
        target=targets.get((locality.pk, indicator.pk)),
        earlier=[(p.code, earlier.get((locality.pk, indicator.pk, p.pk))) for p in earlier_periods],
        findings=[f for f in findings if f.indicator == indicator.code] if value is not None else [],
        actions=[a for a in ACTIONS if value is not None and VALUE.may(user, value, a)],
        led=led,
    )


def locality_workbench(user: Any, plan: Plan, locality: Locality, period: Period) -> Workbench:
    """Every indicator of the period for one locality: the lead unit's own indicators first, then
    the values with warnings."""
    indicators = list(wf.required_indicators(period).select_related("lead_unit"))
    values = _values(user, period, locality=locality, indicator__in=indicators)
    by_indicator = {v.indicator_id: v for v in values}
    findings = wf.findings_of(values, locality, period)
    earlier_periods = _earlier_periods(period)
    context = (
        earlier_periods,
        _earlier_values(earlier_periods, [locality], indicators),
        _targets(plan, period.year, [locality]),
    )
    led = {i.pk for i in indicators if has_perm("indicator.lead", user, i)}
    items = [
        _item(user, i, locality, by_indicator.get(i.pk), context, findings, i.pk in led) for i in indicators
    ]
    # What the user's unit leads first, then what has warnings: stable, the plan's order otherwise.
    items.sort(key=lambda item: (not item.led, not item.flagged))
    return Workbench(plan, period, user, items, earlier_periods, locality=locality)


def indicator_workbench(user: Any, plan: Plan, indicator: Indicator, period: Period) -> Workbench:
    """One indicator of the period in every pilot unit."""
    pilots = list(plan.localities.filter(pilot=True))
    values = _values(user, period, locality__in=pilots)  # all of them: the rules across indicators
    by_locality: dict[int, list[ReportedValue]] = defaultdict(list)
    for v in values:
        by_locality[v.locality_id].append(v)
    earlier_periods = _earlier_periods(period)
    context = (
        earlier_periods,
        _earlier_values(earlier_periods, pilots, [indicator]),
        _targets(plan, period.year, pilots),
    )
    led = has_perm("indicator.lead", user, indicator)
    items = []
    for loc in pilots:
        mine = by_locality.get(loc.pk, [])
        value = next((v for v in mine if v.indicator_id == indicator.pk), None)
        findings = wf.findings_of(mine, loc, period, only=[indicator.code]) if value is not None else []
        items.append(_item(user, indicator, loc, value, context, findings, led))
    items.sort(key=lambda item: not item.flagged)  # the values with warnings first
    return Workbench(plan, period, user, items, earlier_periods, indicator=indicator)


# --- the pages ----------------------------------------------------------------------------------


def _locality_scope(code: str, locality_code: str, period_code: str) -> tuple[Plan, Locality, Period]:
    locality = get_object_or_404(
        Locality.objects.select_related("plan", "parent"), plan__code=code, code=locality_code, pilot=True
    )
    period = get_object_or_404(locality.plan.periods, code=period_code)
    return locality.plan, locality, period


def _may_review_locality(user: Any, locality: Locality) -> None:
    if not has_perm("locality.review", user, locality):
        raise PermissionDenied(
            _("Only %(locality)s's approvers, the lead units and the province review its values.")
            % {"locality": locality.name}
        )


SHOWS = ("waiting", "flagged", "all")


def _show(request: HttpRequest, bench: Workbench) -> str:
    show = request.GET.get("show", "")
    if show in SHOWS:
        return show
    return "waiting" if bench.waiting else "all"


def _periods(bench: Workbench) -> list[tuple[str, str, bool]]:
    """(code, url, chosen) of the periods of the page's frequency: the same page for another period."""
    periods = bench.plan.periods.filter(frequency=bench.period.frequency)
    if bench.locality is not None:
        name, subject = "review:locality", bench.locality.code
    else:
        assert bench.indicator is not None
        name, subject = "review:indicator", bench.indicator.code
    return [
        (p.code, reverse(name, args=[bench.plan.code, subject, p.code]), p.pk == bench.period.pk)
        for p in periods
    ]


def _render(request: HttpRequest, bench: Workbench, **context: Any) -> HttpResponse:
    show = _show(request, bench)
    return render(
        request,
        "reporting/workbench.html",
        {
            "plan": bench.plan,
            "section": "report",
            "bench": bench,
            "period": bench.period,
            "items": bench.shown(show),
            "show": show,
            "periods": _periods(bench),
            "shows": [
                ("waiting", _("Waiting for me"), len(bench.waiting)),
                ("flagged", _("With warnings"), len(bench.flagged)),
                ("all", _("All"), len(bench.items)),
            ],
            **context,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def locality_page(request: HttpRequest, code: str, locality_code: str, period_code: str) -> HttpResponse:
    """/plans/<plan>/review/<locality>/<period>/: every indicator of one locality."""
    plan, locality, period = _locality_scope(code, locality_code, period_code)
    _may_review_locality(request.user, locality)
    bench = locality_workbench(request.user, plan, locality, period)
    page = {
        "title": f"{locality.name} {period.code}",
        "entry_url": reverse("reporting:entry", args=[plan.code, locality.code, period.code]),
        "validation_url": reverse("review:validation", args=[plan.code, locality.code, period.code]),
        "across": has_perm("plan.accept", request.user),
    }
    if request.method == "POST":
        return _act(request, bench, page)
    return _render(request, bench, **page)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_page(request: HttpRequest, code: str, indicator_code: str, period_code: str) -> HttpResponse:
    """/plans/<plan>/review/indicator/<indicator>/<period>/: one indicator in every pilot unit."""
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan", "lead_unit"), plan__code=code, code=indicator_code
    )
    plan = indicator.plan
    period = get_object_or_404(plan.periods, code=period_code, frequency=indicator.frequency)
    if not has_perm("plan.accept", request.user):
        raise PermissionDenied(
            _("Only the lead units and the province review an indicator across localities.")
        )
    bench = indicator_workbench(request.user, plan, indicator, period)
    page = {"title": f"{indicator.code} {indicator.name} {period.code}"}
    if request.method == "POST":
        return _act(request, bench, page)
    return _render(request, bench, **page)


@login_required
@require_GET
def index(request: HttpRequest, code: str) -> HttpResponse:
    """/plans/<plan>/review/: a locality's approver goes to the workbench of their locality for the
    latest period that has started; everyone else to the reporting home, which links each
    locality's workbench."""
    plan = get_object_or_404(Plan, code=code)
    period = _chosen_period(list(plan.periods.all()), None, timezone.localdate())
    own = own_locality_id(request.user)
    locality = plan.localities.filter(pk=own, pilot=True).first() if own else None
    if period is not None and locality is not None and has_perm("locality.review", request.user, locality):
        return redirect("review:locality", plan.code, locality.code, period.code)
    home = reverse("reporting:home", args=[plan.code])
    return redirect(f"{home}?period={period.code}" if period else home)


# --- acting on values ---------------------------------------------------------------------------


def _chosen(request: HttpRequest, bench: Workbench) -> tuple[str, list[str], str, bool]:
    """(action, value keys, comment, bulk) as the form sent them: a row's own button
    (`one` = "approve:<key>", its comment in `comment-<key>`), or the selection's (`action`)."""
    one = request.POST.get("one", "")
    if one:
        action, _sep, key = one.partition(":")
        return action, [key], request.POST.get(f"comment-{key}", ""), False
    return (
        request.POST.get("action", ""),
        request.POST.getlist("select"),
        request.POST.get("comment", ""),
        True,
    )


def _refusals(bench: Workbench, action: str, keys: Sequence[str]) -> tuple[list[Item], list[str]]:
    """The chosen items, and a refusal for each one this user may not move by `action` (in the
    review kernel's words: its state does not allow it, or the user may not)."""
    by_key = {i.key: i for i in bench.items if i.value is not None}
    chosen, refused = [], []
    for key in dict.fromkeys(keys):
        item = by_key.get(key)
        if item is None or item.value is None:
            refused.append(_("A value chosen is not on this page (or not yours to see): reload the page."))
            continue
        if action in item.actions:
            chosen.append(item)
            continue
        value = item.value
        error = (
            refusal(VALUE, value, action)
            if VALUE.move(value.status, action) is None
            else forbidden(VALUE, value, action)
        )
        refused.append(pick(error.zh, error.en))
    return chosen, refused


DONE = {
    Action.APPROVE: gettext_lazy("Approved %(n)d value(s): %(which)s."),
    Action.ACCEPT: gettext_lazy("Accepted %(n)d value(s), now locked: %(which)s."),
    Action.RETURN: gettext_lazy("Returned %(n)d value(s) to the reporter: %(which)s."),
}


def _act(request: HttpRequest, bench: Workbench, page: dict[str, Any]) -> HttpResponse:
    """Approve, accept or return one value or a selection: every value chosen is checked first and
    each refusal said; nothing moves unless every one may. Then the workflow moves them, through
    the review kernel, one audit event each, in one transaction. A refusal shows the page again
    with what was typed and ticked, each problem naming its row."""
    back = request.get_full_path()
    action, keys, comment, bulk = _chosen(request, bench)
    if action not in ACTIONS:
        return HttpResponseBadRequest("unknown action")
    if not keys or keys == [""]:
        return _again(request, bench, page, [str(_("Select the values first (the boxes on the left)."))])
    chosen, refused = _refusals(bench, action, keys)
    if refused:
        head = _("Nothing was done: %(n)d of the values chosen cannot be moved so.") % {"n": len(refused)}
        return _again(request, bench, page, [head, *refused])
    try:
        moved = _move_chosen(request.user, bench, action, chosen, comment)
    except PlanWatchError as error:
        if error.status == 403:
            raise PermissionDenied(pick(error.zh, error.en)) from error
        row = "" if bulk else f"{_named(bench, chosen[0])}："
        texts = [f"{row}{issue.text(in_english())}" for issue in error.issues]
        return _again(request, bench, page, [str(_("Nothing was done:")), *texts])
    which = _which(bench, moved)
    messages.success(request, str(DONE[Action(action)]) % {"n": len(moved), "which": which})
    return redirect(back)


def _move_chosen(
    user: Any, bench: Workbench, action: str, chosen: Sequence[Item], comment: str
) -> list[ReportedValue]:
    """The chosen values moved through the workflow, locality by locality, all or nothing."""
    by_locality: dict[int, list[Item]] = defaultdict(list)
    for item in chosen:
        by_locality[item.locality.pk].append(item)
    moved: list[ReportedValue] = []
    with transaction.atomic():  # one selection, all or nothing, whatever the localities
        for items in by_locality.values():
            locality, codes = items[0].locality, [i.indicator.code for i in items]
            if action == Action.APPROVE:
                moved += wf.approve(user, locality, bench.period, codes=codes)
            elif action == Action.ACCEPT:
                moved += wf.accept(user, locality, bench.period, codes=codes)
            else:
                moved += wf.return_values(user, locality, bench.period, comment, codes=codes)
    return moved


def _named(bench: Workbench, item: Item) -> str:
    """A row as its problems name it: the indicator on a locality's page, the locality across them."""
    if bench.locality is not None:
        return f"{item.indicator.code} {item.indicator.name}"
    return item.locality.name


def _again(
    request: HttpRequest, bench: Workbench, page: dict[str, Any], problems: Sequence[str]
) -> HttpResponse:
    """The page again after a refusal, with the problems on top and, in its rows, every reason
    typed and every box ticked as they were sent."""
    for text in problems:
        messages.error(request, text)
    ticked = set(request.POST.getlist("select"))
    for item in bench.items:
        item.typed = request.POST.get(f"comment-{item.key}", "")
        item.ticked = item.key in ticked
    response = _render(request, bench, **page, bulk_comment=request.POST.get("comment", ""))
    response.status_code = 400
    return response


def _which(bench: Workbench, moved: Sequence[ReportedValue]) -> str:
    """The values moved, by indicator code on a locality's page, by locality on an indicator's."""
    names = [v.locality.name if bench.locality is None else v.indicator.code for v in moved]
    return ("、" if not in_english() else ", ").join(names)


# --- the validation report ----------------------------------------------------------------------


@dataclass
class Violation:
    item: Item
    finding: Finding
    rule: str

    @property
    def text(self) -> str:
        return pick(self.finding.zh, self.finding.en)


@login_required
@require_GET
def validation_page(request: HttpRequest, code: str, locality_code: str, period_code: str) -> HttpResponse:
    """/plans/<plan>/review/<locality>/<period>/validation/: every rule a value of the locality and
    period breaks and every warning, with the value, the rule and the explanation (what the
    reporter said beside it too), on what this user may see."""
    plan, locality, period = _locality_scope(code, locality_code, period_code)
    if not has_perm("locality.validation_report", request.user, locality):
        raise PermissionDenied(
            _(
                "Only %(locality)s's own users, its approvers, the lead units and the province see its validation report."
            )
            % {"locality": locality.name}
        )
    bench = locality_workbench(request.user, plan, locality, period)
    cross = {
        c.code: pick(c.text_zh, c.text_en)
        for c in CrossCheck.objects.filter(plan=plan).only("code", "text_zh", "text_en")
    }
    violations = [
        Violation(item, f, str(RULES.get(f.code) or cross.get(f.code) or f.code))
        for item in sorted(bench.items, key=lambda i: (i.indicator.order, i.indicator.code))
        for f in sorted(item.findings, key=lambda f: not f.is_error)
    ]
    checked = sum(1 for i in bench.items if i.number is not None)
    return render(
        request,
        "reporting/workbench_validation.html",
        {
            "plan": plan,
            "section": "report",
            "bench": bench,
            "locality": locality,
            "period": period,
            "violations": violations,
            "error_count": sum(v.finding.is_error for v in violations),
            "warning_count": sum(not v.finding.is_error for v in violations),
            "checked": checked,
            "unreported": len(bench.items) - checked,
            "review": has_perm("locality.review", request.user, locality),
        },
    )
