"""Reporting pages: who has reported what for a period, the entry form of one locality and period,
and the history of one value.

Every change goes through planwatch.reporting.workflow, which checks roles and scope on the server;
these views only decide what to show and which buttons to offer, and translate the workflow's
refusals into messages next to the fields (or a 403 for a user who may not write at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from planwatch.accounts.permissions import has_perm, led_first, own_locality_id
from planwatch.core import numbers
from planwatch.core.errors import Kind, PlanWatchError
from planwatch.core.evaluation.breakdown import named_first
from planwatch.core.kinds import UNITS, IndicatorKind, whole_number_unit
from planwatch.core.numbers import NumberProblem
from planwatch.core.validation import PERCENT_BOUNDS
from planwatch.kernel.review import REPORTED, Action
from planwatch.pages import UnitsPage, many_units, refusal_goes_to
from planwatch.plans.models import Indicator, Locality, Plan, Target, in_english, pick
from planwatch.reporting import exports, feeds
from planwatch.reporting import workflow as wf
from planwatch.reporting.evidence import download
from planwatch.reporting.models import (
    Evidence,
    Period,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)
from planwatch.reporting.workflow import VALUE

S = ReportedValue.Status
STATUS_LABELS: dict[str, Any] = {
    "missing": gettext_lazy("Not reported"),
    S.DRAFT: S.DRAFT.label,
    S.RETURNED: S.RETURNED.label,
    S.SUBMITTED: S.SUBMITTED.label,
    S.APPROVED: S.APPROVED.label,
    S.ACCEPTED: S.ACCEPTED.label,
}


# --- helpers ------------------------------------------------------------------------------------


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _render(request: HttpRequest, template: str, plan: Plan, **context: Any) -> HttpResponse:
    return render(
        request,
        f"reporting/{template}",
        {"plan": plan, "section": "report", **context},
    )


def _message(error: wf.WorkflowError) -> str:
    """The workflow's message in the page's language."""
    return pick(error.zh, error.en)


def _scope(code: str, locality_code: str, period_code: str) -> tuple[Plan, Locality, Period]:
    locality = get_object_or_404(
        Locality.objects.select_related("plan"), plan__code=code, code=locality_code, pilot=True
    )  # one query for the plan and the locality
    plan = locality.plan
    period = get_object_or_404(plan.periods, code=period_code)
    return plan, locality, period


def _plain(value: Decimal | None) -> str:
    """A number for an input field: no grouping, no trailing zeros."""
    return "" if value is None else numbers.plain(value)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def parse_number(raw: str) -> tuple[Decimal | None, str]:
    """A number as officials type it: 1,200 or 1200.5, full-width digits too. (value, error)."""
    value, problem = numbers.parse_typed(raw)
    if problem == NumberProblem.NOT_A_NUMBER:
        return None, _("Enter a number, e.g. 1200 or 35.5.")
    if problem == NumberProblem.TOO_MANY_PLACES:
        return None, _("At most 6 decimal places.")
    if problem == NumberProblem.TOO_LARGE:
        return None, _("This number is too large.")
    return value, ""


# --- the reporting home: periods, and per locality what is done and who is waiting ---------------


class Shares:
    """What a row of the reporting home shows of its values, a unit's or an area's: reported
    (submitted, approved or accepted) and accepted, as shares of the values required."""

    required: int
    submitted: int
    approved: int
    accepted: int

    @property
    def reported(self) -> int:
        return self.submitted + self.approved + self.accepted

    @property
    def percent(self) -> int:
        return round(100 * self.reported / self.required) if self.required else 0

    @property
    def accepted_percent(self) -> int:
        return round(100 * self.accepted / self.required) if self.required else 0


@dataclass
class Progress(Shares):
    locality: Locality
    required: int
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    accepted: int = 0
    returned: int = 0
    drafts_visible: bool = False
    own: bool = False
    open: bool = True
    late: bool = False
    waiting: list[str] = field(default_factory=list)
    link_label: str = ""
    reviews: bool = False  # the link goes to the review workbench (reporting.workbench)

    @property
    def filled(self) -> int:
        return self.draft + self.submitted + self.approved + self.accepted + self.returned

    @property
    def missing(self) -> int:
        return max(self.required - self.filled, 0)

    @property
    def not_submitted(self) -> int:
        return self.draft + self.returned + self.missing


def _waiting(p: Progress) -> list[str]:
    waiting = []
    if p.not_submitted:
        waiting.append(_("Reporter"))
    if p.submitted:
        waiting.append(_("Approver"))
    if p.approved:
        waiting.append(_("Province or lead unit"))
    return waiting


def _link_label(user: Any, p: Progress) -> str:
    locality = p.locality
    if p.submitted and has_perm("locality.in_chain", user, locality):
        return _("Review values")  # an approver of the locality (or of its city), values waiting
    if has_perm("locality.see_drafts", user, locality):
        return _("Fill in")
    if has_perm("plan.accept", user):
        return _("Review values")  # not "Review": that msgid is the noun 审核状态
    return _("View")


def _chosen_period(periods: list[Period], code: str | None, today: dt.date) -> Period | None:
    if code:
        chosen = next((p for p in periods if p.code == code), None)
        if chosen is None:
            raise Http404("no such period")
        return chosen
    started = [p for p in periods if p.starts_on <= today] or periods
    return started[-1] if started else None


def _counted(plan: Plan, period: Period, user: Any, today: dt.date) -> list[Progress]:
    """Per pilot unit (one's own first), the period's values by status, late or not: two queries and
    no check of the user's rights, whatever the number of units."""
    # the plan and two levels of parents in hand: each row's approval chain costs no query (the plan
    # set, not joined: a national plan's 2,867 rows would each bring a copy of its source text)
    pilots = list(plan.localities.filter(pilot=True).select_related("parent__parent"))
    for loc in pilots:
        loc.plan = plan
    own = own_locality_id(user)
    pilots.sort(key=lambda loc: loc.pk != own)  # one's own locality first; stable otherwise
    required = wf.required_indicators(period).count()
    filled = Q(value__isnull=False)
    by_status: Any = (
        ReportedValue.objects.filter(
            period=period,
            indicator__plan=plan,
            indicator__frequency=period.frequency,
            locality__plan=plan,
            locality__pilot=True,
        )
        .values("locality_id")
        .annotate(**{status: Count("pk", filter=filled & Q(status=status)) for status in S.values})
    )
    counts: dict[int, dict[str, int]] = {row["locality_id"]: row for row in by_status}
    exceptions = dict(period.exceptions.values_list("locality_id", "open_until"))
    rows = []
    for loc in pilots:
        c: dict[str, int] = counts.get(loc.pk, {})
        p = Progress(
            locality=loc,
            required=required,
            draft=c.get(S.DRAFT, 0),
            submitted=c.get(S.SUBMITTED, 0),
            approved=c.get(S.APPROVED, 0),
            accepted=c.get(S.ACCEPTED, 0),
            returned=c.get(S.RETURNED, 0),
            own=loc.pk == own,
            open=period.is_open_for(loc.pk, today, exceptions),
        )
        p.late = period.is_late(p.reported, required, today)
        p.waiting = _waiting(p)
        rows.append(p)
    return rows


def _as_seen_by(user: Any, p: Progress) -> Progress:
    """The row as the user sees it: the drafts if they are the user's to see, and the link's words."""
    p.drafts_visible = has_perm("locality.see_drafts", user, p.locality)
    p.link_label = _link_label(user, p)
    p.reviews = p.link_label == _("Review values") and has_perm("locality.review", user, p.locality)
    return p


def progress_of(plan: Plan, period: Period, user: Any, today: dt.date) -> list[Progress]:
    """Per pilot unit, the period's values by status: a fixed number of queries, whatever the size."""
    return [_as_seen_by(user, p) for p in _counted(plan, period, user, today)]


HOME_PAGE = 100  # pilot units on a page of the reporting home of many units


@dataclass
class GroupProgress(Shares):
    """The pilot units below one locality (their 上级地区: a city, or a province of a national plan),
    their values of a period added up."""

    area: Locality | None
    units: int = 0
    late: int = 0
    required: int = 0
    not_submitted: int = 0
    submitted: int = 0
    approved: int = 0
    accepted: int = 0


def _group_of(loc: Locality, region: int | None) -> Locality | None:
    """The locality a pilot unit is summed under: its highest ancestor (of the two its row holds)
    below the region's own locality (a plan's single top, 广东省 of the seed plan): a county's city in
    a province's plan, its province in a national plan of provinces; None right below the region."""
    above = [a for a in (loc.parent, loc.parent.parent if loc.parent else None) if a is not None]
    below_region = [a for a in above if a.pk != region]
    return below_region[-1] if below_region else None


def by_group(rows: list[Progress], region: int | None) -> list[GroupProgress]:
    """The rows added up by the locality each pilot unit is under (`_group_of`), in the order of its
    code (the units right below the region: a group of their own, last). Drafts are counted as not
    submitted, as a user who may not see them sees them."""
    groups: dict[int | None, GroupProgress] = {}
    for r in rows:
        area = _group_of(r.locality, region)
        g = groups.setdefault(area.pk if area else None, GroupProgress(area))
        g.units += 1
        g.late += r.late
        g.required += r.required
        g.not_submitted += r.not_submitted
        g.submitted += r.submitted
        g.approved += r.approved
        g.accepted += r.accepted
    return sorted(groups.values(), key=lambda g: (g.area is None, g.area.code if g.area else ""))


def _region_locality(plan: Plan) -> int | None:
    """The plan's single top locality (the region's own: the seed plan's 广东省); None for a plan of
    several tops (a national plan's provinces, each a group)."""
    tops = list(plan.localities.filter(parent=None).values_list("pk", flat=True)[:2])
    return tops[0] if len(tops) == 1 else None


@login_required
def home(request: HttpRequest, code: str) -> HttpResponse:
    """Who has reported what for a period. Of many pilot units (planwatch.pages.many_units), the sums
    by the locality above them and a page of units at a time, searchable, one's own first."""
    plan = _plan(code)
    today = timezone.localdate()
    periods = list(plan.periods.all())
    period = _chosen_period(periods, request.GET.get("period"), today)
    rows = _counted(plan, period, request.user, today) if period else []
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ["required", "reported", "accepted", "not_submitted", "submitted", "approved"]
    }
    many = many_units(len(rows))
    region = _region_locality(plan) if many else None
    groups = by_group(rows, region) if many else None
    area = request.GET.get("area", "") if many else ""  # a group of the summary: its units listed
    listed = [r for r in rows if (g := _group_of(r.locality, region)) and g.code == area] if area else rows
    units = UnitsPage.of(request, listed, HOME_PAGE, attrgetter("locality")) if many else None
    return _render(
        request,
        "home.html",
        plan,
        periods=periods,
        period=period,
        rows=[_as_seen_by(request.user, r) for r in (units.rows if units else rows)],
        units=units,
        groups=groups,
        area=area,
        totals=totals,
        late_count=sum(r.late for r in rows),
        today=today,
    )


@login_required
@require_POST
def chase(request: HttpRequest, code: str, period_code: str) -> HttpResponse:
    """催报: remind the reporters of every locality the reporting home shows late, in one click."""
    plan = _plan(code)
    period = get_object_or_404(plan.periods, code=period_code)
    back = f"{reverse('reporting:home', args=[plan.code])}?period={period.code}"
    refusal_goes_to(request, back)
    today = timezone.localdate()
    late = [r.locality for r in _counted(plan, period, request.user, today) if r.late]
    told = wf.chase(request.user, period, late, today=today)
    named, more = named_first([loc.name for loc in late])  # of a national plan's thousands: ten named
    names = "、".join(named)
    if more:
        names = _("%(names)s and %(more)d more") % {"names": names, "more": more}
    messages.success(
        request,
        _("Reminded %(people)d people of %(localities)d late localities: %(names)s.")
        % {"people": told, "localities": len(late), "names": names},
    )
    return redirect(back)


# --- the entry form ------------------------------------------------------------------------------


def change_percent(value: Decimal | None, previous: Decimal | None, unit: str) -> Decimal | None:
    """The change from the previous period in % of it; None for a rate in % (said in points)."""
    if value is None or not previous or (UNITS[unit][0] if unit in UNITS else "") == "percent":
        return None
    return ((value - previous) / abs(previous) * 100).quantize(Decimal("0.1"))


def change_text(value: Decimal | None, previous: Decimal | None, unit: str) -> str:
    """The change from the previous period as the pages say it: "+3 (+42.9%)", or "+1.5 pts" for a
    rate in % (−0.47 % → 1.0 % is a change of 1.47 points, not of 313 %)."""
    if value is None or previous is None:
        return ""
    change = value - previous
    sign = "+" if change > 0 else ""
    if (UNITS[unit][0] if unit in UNITS else "") == "percent":
        return f"{sign}{numbers.grouped(change)} {_('pts')}"
    percent = change_percent(value, previous, unit)
    return f"{sign}{numbers.grouped(change)}" + (f" ({sign}{percent}%)" if percent is not None else "")


@dataclass
class Row:
    """One indicator on the form: what the user sees of it and what they may do with it."""

    indicator: Indicator
    value: ReportedValue | None
    target: Target | None
    previous: ReportedValue | None
    editable: bool = False
    can_comment: bool = False
    can_upload: bool = False
    can_revise: bool = False
    selectable: bool = False
    input: str = ""
    original: str = ""
    version: int = 0
    comment: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    revise_value: str = ""
    revise_reason: str = ""
    revise_errors: list[str] = field(default_factory=list)
    ledger_url: str = ""  # an indicator counted from a ledger: its rows, never typed by hand
    ledger_unwritten: Any = None  # its count, when "write from the ledger" would write it now
    ledger_stale: int | None = None  # the count, when a submitted/accepted value no longer equals it

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def status(self) -> str:
        return self.value.status if self.value and self.value.value is not None else "missing"

    @property
    def quantity(self) -> str:
        return UNITS[self.indicator.unit][0] if self.indicator.unit in UNITS else ""

    @property
    def whole(self) -> bool:
        """Counted one by one (个, 家, 人), so the browser checks it is whole as the server does."""
        return whole_number_unit(self.indicator.unit)

    @property
    def bounds(self) -> tuple[str, str]:
        low_high = PERCENT_BOUNDS.get(IndicatorKind(self.indicator.kind))
        return (str(low_high[0]), str(low_high[1])) if low_high else ("", "")

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.value.value is None or self.previous is None:
            return None
        if self.previous.value is None:
            return None
        return self.value.value - self.previous.value

    @property
    def change_percent(self) -> Decimal | None:
        return change_percent(
            self.value.value if self.value else None,
            self.previous.value if self.previous else None,
            self.indicator.unit,
        )

    @property
    def change_text(self) -> str:
        return change_text(
            self.value.value if self.value else None,
            self.previous.value if self.previous else None,
            self.indicator.unit,
        )

    @property
    def previous_plain(self) -> str:
        return _plain(self.previous.value) if self.previous else ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def pending_revision(self) -> RevisionRequest | None:
        pending = getattr(self.value, "pending_revisions", None) or []
        return pending[0] if pending else None

    @property
    def comment_count(self) -> int:
        return len(self.value.comments.all()) if self.value else 0

    @property
    def evidence_count(self) -> int:
        return len(self.value.evidence.all()) if self.value else 0

    @property
    def open_notes(self) -> bool:
        return bool(self.comment or self.warnings or self.revise_errors or self.revise_reason)


@dataclass
class EntryPage:
    plan: Plan
    locality: Locality
    period: Period
    user: Any
    rows: list[Row]
    previous_period: Period | None
    open: bool
    today: dt.date

    @property
    def by_code(self) -> dict[str, Row]:
        return {row.code: row for row in self.rows}

    @property
    def problem_rows(self) -> list[Row]:
        """The rows with a problem, listed above the form with a link to each field."""
        return [row for row in self.rows if row.errors]

    @property
    def may_write(self) -> bool:
        return any(wf.may_enter(self.user, self.locality, r.indicator) for r in self.rows)

    @property
    def may_review(self) -> bool:
        return has_perm("locality.approve", self.user, self.locality) or any(
            wf.may_accept(self.user, r.indicator) for r in self.rows
        )

    @property
    def can_save(self) -> bool:
        return any(r.editable for r in self.rows)

    @property
    def can_approve(self) -> bool:
        return any(r.value and VALUE.may(self.user, r.value, Action.APPROVE) for r in self.rows)

    @property
    def can_accept(self) -> bool:
        return any(r.value and VALUE.may(self.user, r.value, Action.ACCEPT) for r in self.rows)

    @property
    def can_return(self) -> bool:
        return any(r.selectable for r in self.rows)

    @property
    def can_comment(self) -> bool:
        return any(r.can_comment for r in self.rows)

    @property
    def can_upload(self) -> bool:
        return any(r.can_upload for r in self.rows)

    @property
    def summary(self) -> list[tuple[str, str, int]]:
        """(status, label, count) of the statuses present on the form, in workflow order."""
        counts = {status: 0 for status in STATUS_LABELS}
        for row in self.rows:
            counts[row.status] += 1
        return [
            (status, str(label), counts[status]) for status, label in STATUS_LABELS.items() if counts[status]
        ]

    @property
    def guidance(self) -> str:
        """What this user is expected to do next on this form."""
        if self.can_save:
            return _(
                "Enter each value, save as a draft as often as you like, then submit for approval. "
                "A value with a warning needs a comment before it can be submitted."
            )
        if self.can_approve:
            return _(
                "Check the submitted values: approve them, or return them to the reporter with a comment."
            )
        if self.can_accept:
            return _(
                "Accept the approved values (all, or those you select): accepted values are locked. "
                "Or return them with a comment."
            )
        return ""

    @property
    def drafts_hidden(self) -> bool:
        return not has_perm("locality.see_drafts", self.user, self.locality)

    @property
    def late(self) -> bool:
        reported = sum(1 for r in self.rows if r.value and r.value.status in REPORTED)
        return self.period.is_late(reported, len(self.rows), self.today)

    @property
    def is_sample(self) -> bool:
        return any(r.value and r.value.is_sample for r in self.rows)


def _previous_period(period: Period) -> Period | None:
    return (
        Period.objects.filter(
            plan_id=period.plan_id, frequency=period.frequency, starts_on__lt=period.starts_on
        )
        .order_by("-starts_on")
        .first()
    )


def load_page(user: Any, plan: Plan, locality: Locality, period: Period) -> EntryPage:
    """The form as the database has it now, with what this user may see and do per row."""
    today = timezone.localdate()
    is_open = period.is_open_for(locality.pk, today)
    indicators = led_first(user, wf.required_indicators(period).select_related("lead_unit"))
    values = {
        v.indicator_id: v
        for v in wf.visible_values(user, ReportedValue.objects.filter(locality=locality, period=period))
        .select_related(
            "indicator__lead_unit", "updated_by", "locality__plan", "locality__parent", "period__plan"
        )
        .prefetch_related(
            Prefetch("comments", queryset=ValueComment.objects.select_related("author")),
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
            Prefetch(
                "revision_requests",
                queryset=RevisionRequest.objects.filter(status=RevisionRequest.Status.PENDING),
                to_attr="pending_revisions",
            ),
        )
    }
    previous_period = _previous_period(period)
    # The previous period as the workflow compares against it: submitted or later, never a draft.
    previous = (
        {
            v.indicator_id: v
            for v in ReportedValue.objects.filter(
                locality=locality, period=previous_period, status__in=REPORTED
            )
        }
        if previous_period
        else {}
    )
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator__plan=plan, locality=locality, year=period.year)
    }
    # Warnings beside the values still to be written or reviewed: the reporter explains them, the
    # approver and the province read them (accepted values are done with).
    checked = {*wf.EDITABLE, S.SUBMITTED, S.APPROVED}
    checked_values: list[ReportedValue] = [v for v in values.values() if v.status in checked]
    warnings: dict[str, list[str]] = {}
    for finding in wf.warnings_of(checked_values, locality, period) if checked_values else []:
        warnings.setdefault(finding.indicator, []).append(pick(finding.zh, finding.en))

    derived = wf.ledger_fed(indicators)  # counted from a ledger: shown, never typed
    rows = []
    for ind in indicators:
        value = values.get(ind.pk)
        enters = wf.may_enter(user, locality, ind)
        status = value.status if value else None
        row = Row(
            indicator=ind,
            value=value,
            target=targets.get(ind.pk),
            previous=previous.get(ind.pk),
            editable=is_open
            and enters
            and (value is None or status in wf.EDITABLE)
            and ind.pk not in derived,
            can_upload=is_open and enters and value is not None,
            can_revise=(enters and status == S.ACCEPTED and not getattr(value, "pending_revisions", None)),
            selectable=bool(value and VALUE.may(user, value, Action.RETURN)),
            input=_plain(value.value) if value else "",
            original=_plain(value.value) if value else "",
            version=value.version if value else 0,
            warnings=warnings.get(ind.code, []) if value and status in checked else [],
        )
        if ind.pk in derived:
            args = [plan.code, derived[ind.pk], locality.code, period.year, ind.code, "cumulative"]
            row.ledger_url = reverse("ledgers:count", args=args) + "?accepted=1"
        row.can_comment = row.editable or bool(value and has_perm("value.comment", user, value))
        if row.warnings and not row.comment_count and status in wf.EDITABLE:
            row.warnings.append(_("Add a comment explaining this value before submitting."))
        rows.append(row)
    return EntryPage(plan, locality, period, user, rows, previous_period, is_open, today)


def _ledger_unwritten(user: Any, page: EntryPage) -> list[feeds.Unwritten]:
    """The ledger-fed values of the form that "write every value counted from the ledgers" would
    write now (each row gets its count): none where the form has no ledger-fed row. On the way, a
    ledger-fed value already submitted, approved or accepted whose count of accepted rows has
    changed since gets that count (`ledger_stale`): the value and its ledger disagree."""
    writable = page.open and any(
        r.ledger_url
        and wf.may_enter(user, page.locality, r.indicator)
        and (r.value is None or r.value.status in wf.EDITABLE)
        for r in page.rows
    )
    locked = [
        r
        for r in page.rows
        if r.ledger_url and r.value is not None and r.value.value is not None and r.value.status in REPORTED
    ]
    if (not writable and not locked) or page.period.code != str(page.period.year):
        return []  # nothing to write or to compare: no need to count the rows
    counts = feeds.accepted_counts(page.plan, page.locality, page.period.year)
    for r in locked:
        count = counts.get(r.code, 0)
        if r.value is not None and r.value.value != count:
            r.ledger_stale = count
            if r.can_revise and not r.revise_value:
                r.revise_value = str(count)
    if not writable:
        return []
    unwritten = feeds.unwritten_values(
        page.plan, page.locality, page.period, user, today=page.today, counts=counts
    )
    by_code = page.by_code
    for u in unwritten:
        if u.indicator in by_code:
            by_code[u.indicator].ledger_unwritten = u
    return unwritten


def _render_entry(request: HttpRequest, page: EntryPage, errors: list[str] | None = None) -> HttpResponse:
    ledger_unwritten = _ledger_unwritten(request.user, page)
    notes = []
    if not page.open:
        if page.period.not_started(page.today):
            notes.append(
                _("This period has not started yet: entry opens on %(day)s.") % {"day": page.period.starts_on}
            )
        else:
            notes.append(
                _(
                    "Entry for this period closed on %(day)s: the values are read-only. Ask the province to reopen it for your locality if you need to report late."
                )
                % {"day": page.period.locks_on}
            )
    elif not page.may_write and not page.may_review:
        notes.append(_("You can read this form but not change it."))
    if page.drafts_hidden and any(r.value is None for r in page.rows):
        notes.append(_("Drafts and returned values are the locality's own: they show here once submitted."))
    return _render(
        request,
        "entry.html",
        page.plan,
        page=page,
        locality=page.locality,
        period=page.period,
        rows=page.rows,
        notes=notes,
        errors=errors or [],
        ledger_unwritten=ledger_unwritten,
        evidence_types=", ".join(sorted(settings.PLANWATCH_EVIDENCE_TYPES)),
        evidence_accept=",".join(sorted(settings.PLANWATCH_EVIDENCE_TYPES)),
        evidence_max_mb=settings.PLANWATCH_EVIDENCE_MAX_BYTES // (1024 * 1024),
    )


def _entry_url(locality: Locality, period: Period, plan: Plan, code: str | None = None) -> str:
    url = reverse("reporting:entry", args=[plan.code, locality.code, period.code])
    return f"{url}#row-{code}" if code else url


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, code: str, locality_code: str, period_code: str) -> HttpResponse:
    plan, locality, period = _scope(code, locality_code, period_code)
    page = load_page(request.user, plan, locality, period)
    if request.method != "POST":
        return _render_entry(request, page)
    action = request.POST.get("action", "")
    if action in {"save", "submit"}:
        return _save(request, page, submit=action == "submit")
    if action.startswith("revise:"):
        return _revise(request, page, action.removeprefix("revise:"))
    if action in REVIEW_ACTIONS:
        return _review(request, page, action)
    if action == "derive_ledgers":
        return _derive_ledgers(request, page)
    return HttpResponseBadRequest("unknown action")


def _may_not_report(locality: Locality) -> PermissionDenied:
    return PermissionDenied(_("You may not report values for %(locality)s.") % {"locality": locality.name})


def _derive_ledgers(request: HttpRequest, page: EntryPage) -> HttpResponse:
    """Write every ledger-fed value of this locality and year from the accepted ledger rows, as the
    ledgers' own button does (planwatch.ledgers.services.derive_values: scope, period lock, the
    workflow with source ledger), then show the form again with the values."""
    plan, locality, period = page.plan, page.locality, page.period
    if not any(r.ledger_url and wf.may_enter(request.user, locality, r.indicator) for r in page.rows):
        raise _may_not_report(locality)
    if period.code != str(period.year):
        return HttpResponseBadRequest("not a yearly period")
    result = feeds.derive_values(plan, period.year, request.user, localities=[locality])
    messages.success(request, _("%(n)d value(s) written from the ledger.") % {"n": len(result.written)})
    for _place, zh, en in result.skipped:
        messages.warning(request, pick(zh, en))
    return redirect(_entry_url(locality, period, plan))


def _keep_inputs(page: EntryPage, post: Any) -> None:
    """Show the user's inputs again, with the versions they saw: nothing they typed is lost."""
    for row in page.rows:
        if row.editable and f"value-{row.code}" in post:
            row.input = post.get(f"value-{row.code}", "")
            row.original = post.get(f"orig-{row.code}", row.original)
            row.version = _int(post.get(f"version-{row.code}"), row.version)
        if row.can_comment:
            row.comment = post.get(f"comment-{row.code}", "")
        row.revise_value = post.get(f"revise-value-{row.code}", "")
        row.revise_reason = post.get(f"revise-reason-{row.code}", "")


def _entries_of(page: EntryPage, post: Any) -> tuple[list[wf.Entry], list[tuple[ReportedValue, str]]]:
    """The changed values (and comments on values not changed) as the form sent them; a value that
    is not a number is said beside its field."""
    entries: list[wf.Entry] = []
    comments: list[tuple[ReportedValue, str]] = []
    for row in page.rows:
        comment = post.get(f"comment-{row.code}", "").strip()
        name = f"value-{row.code}"
        if name in post:
            value, error = parse_number(post[name])
            if error:
                row.errors.append(error)
                continue
            original, _error = parse_number(post.get(f"orig-{row.code}", ""))
            version = _int(post.get(f"version-{row.code}"), 0)
            if value != original or (comment and row.value is None):
                entries.append(wf.Entry(row.indicator, value, expected_version=version, comment=comment))
                continue
        if comment and row.value is not None:
            comments.append((row.value, comment))
    return entries, comments


def _place(page: EntryPage, refused: PlanWatchError) -> list[str]:
    """Each problem beside its field (the others returned, to say above the form); a conflict also
    gives the row the value saved meanwhile, so that saving again is a decision on what is there now."""
    english = in_english()
    current = {
        v.indicator.code: v
        for v in ReportedValue.objects.filter(locality=page.locality, period=page.period).select_related(
            "indicator"
        )
    }
    unplaced = []
    for issue in refused.issues:
        row = page.by_code.get(issue.indicator or "")
        if row is None:
            unplaced.append(issue.text(english))
            continue
        row.errors.append(issue.text(english))
        if issue.kind == Kind.CONFLICT and (now := current.get(row.code)) is not None:
            row.version, row.original = now.version, _plain(now.value)
    return unplaced


class _NotSaved(PlanWatchError):
    """Some values are not numbers: whatever else the form holds is checked, then nothing is kept."""


def _save(request: HttpRequest, page: EntryPage, *, submit: bool) -> HttpResponse:
    """Save the changed values (and comments) as drafts, all or nothing, every problem of the form
    said at once; then submit if asked."""
    user, locality, period = request.user, page.locality, page.period
    if not (page.may_write or page.may_review):
        raise _may_not_report(locality)
    _keep_inputs(page, request.POST)
    entries, comments = _entries_of(page, request.POST)
    result, unplaced = None, []
    try:
        with transaction.atomic():
            result = wf.save_values(user, locality, period, entries) if entries else None
            for commented, text in comments:
                wf.add_comment(user, commented, text)
            if any(row.errors for row in page.rows):
                raise _NotSaved
    except PlanWatchError as refused:
        if refused.status == 403:
            raise PermissionDenied(_message(refused)) from refused
        unplaced = _place(page, refused)
    except _NotSaved:
        pass
    if unplaced or any(row.errors for row in page.rows):
        marked = (
            [_("Nothing was saved: correct the values marked below.")]
            if any(r.errors for r in page.rows)
            else []
        )
        return _render_entry(request, page, unplaced + marked)
    if entries:
        messages.success(request, _("Saved %(n)d value(s) as drafts.") % {"n": len(entries)})
    if comments:
        messages.success(request, _("Added %(n)d comment(s).") % {"n": len(comments)})
    for finding in result.warnings if result else []:
        messages.warning(request, f"{finding.indicator}: {pick(finding.zh, finding.en)}")
    if not (entries or comments or submit):
        messages.info(request, _("Nothing changed: nothing to save."))
    if submit:
        try:
            submitted = wf.submit(user, locality, period)
        except PlanWatchError as e:
            if e.status == 403:
                raise PermissionDenied(_message(e)) from e
            messages.error(request, _("Not submitted: %(reason)s") % {"reason": _message(e)})
        else:
            messages.success(request, _("Submitted %(n)d value(s) for approval.") % {"n": len(submitted)})
    return redirect(_entry_url(locality, period, page.plan))


REVIEW_ACTIONS = {"approve", "accept_all", "accept_selected", "return_all", "return_selected"}


def _review(request: HttpRequest, page: EntryPage, action: str) -> HttpResponse:
    """Approve, accept or return: the workflow decides which values the user may move."""
    user, locality, period = request.user, page.locality, page.period
    allowed = {
        "approve": has_perm("locality.approve", user, locality),
        "accept": any(wf.may_accept(user, r.indicator) for r in page.rows),
        "return": page.may_review,
    }[action.split("_")[0]]
    if not allowed:
        raise PermissionDenied(
            _("Your role does not allow this for %(locality)s.") % {"locality": locality.name}
        )
    codes: list[str] | None = None
    if action.endswith("_selected"):
        codes = [c for c in request.POST.getlist("select") if c in page.by_code]
        if not codes:
            messages.error(request, _("Select the indicators first (the boxes on the left)."))
            return redirect(_entry_url(locality, period, page.plan))
    refusal_goes_to(request, _entry_url(locality, period, page.plan))
    if action == "approve":
        moved = wf.approve(user, locality, period)
        done = _("Approved %(n)d value(s).")
    elif action.startswith("accept"):
        moved = wf.accept(user, locality, period, codes=codes)
        done = _("Accepted %(n)d value(s): accepted values are locked.")
    else:
        moved = wf.return_values(user, locality, period, request.POST.get("return_comment", ""), codes=codes)
        done = _("Returned %(n)d value(s) to the reporter.")
    messages.success(request, done % {"n": len(moved)})
    return redirect(_entry_url(locality, period, page.plan))


def _revise(request: HttpRequest, page: EntryPage, code: str) -> HttpResponse:
    """Ask to change an accepted (locked) value: a new value and a reason; the province decides."""
    row = page.by_code.get(code)
    if row is None:
        raise Http404("no such indicator on this form")
    if not wf.may_enter(request.user, page.locality, row.indicator):
        raise PermissionDenied(_("You may not request a revision of this value."))
    _keep_inputs(page, request.POST)
    if row.value is None:
        messages.error(request, _("Only accepted values need a revision request."))
        return redirect(_entry_url(page.locality, page.period, page.plan, code))
    new_value, error = parse_number(row.revise_value)
    if error or new_value is None:
        row.revise_errors.append(error or _("Enter the corrected value."))
        return _render_entry(request, page, [f"{code}: {row.revise_errors[0]}"])
    refusal_goes_to(request, _entry_url(page.locality, page.period, page.plan, code))
    try:
        wf.request_revision(request.user, row.value, new_value, row.revise_reason)
    except (wf.InvalidValues, wf.CommentRequired) as e:  # said beside the fields, their input kept
        row.revise_errors += [issue.text(in_english()) for issue in e.issues]
        return _render_entry(request, page, [f"{code}: {row.revise_errors[0]}"])
    messages.success(request, _("Revision of %(code)s requested: the province decides.") % {"code": code})
    return redirect(_entry_url(page.locality, page.period, page.plan, code))


# --- evidence -----------------------------------------------------------------------------------


def _visible_value(
    user: Any, code: str, locality_code: str, period_code: str, indicator_code: str
) -> tuple[Plan, Locality, Period, ReportedValue]:
    """The value, if this user may see it; a hidden draft is as absent as a missing value."""
    plan, locality, period = _scope(code, locality_code, period_code)
    values = wf.visible_values(
        user,
        ReportedValue.objects.filter(locality=locality, period=period, indicator__code=indicator_code),
    )
    value = values.select_related("indicator", "locality", "period").first()
    if value is None:
        raise Http404("no such value, or not yours to see")
    return plan, locality, period, value


@login_required
@require_POST
def upload_evidence(
    request: HttpRequest, code: str, locality_code: str, period_code: str, indicator_code: str
) -> HttpResponse:
    plan, locality, period, value = _visible_value(
        request.user, code, locality_code, period_code, indicator_code
    )
    if not has_perm("value.attach", request.user, value):
        raise PermissionDenied(
            _("You may not attach files to %(locality)s's values.") % {"locality": locality.name}
        )
    back = redirect(_entry_url(locality, period, plan, indicator_code))
    if not period.is_open_for(locality.pk, timezone.localdate()):
        messages.error(request, _("Entry for this period is closed: no files can be attached."))
        return back
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
        return back
    refusal_goes_to(request, back.url)
    evidence = wf.attach_evidence(request.user, value, upload)
    messages.success(
        request, _("%(code)s: attached %(name)s.") % {"code": indicator_code, "name": evidence.original_name}
    )
    return back


@login_required
def download_evidence(
    request: HttpRequest, code: str, locality_code: str, period_code: str, indicator_code: str, pk: int
) -> FileResponse:
    _p, _l, _pe, value = _visible_value(request.user, code, locality_code, period_code, indicator_code)
    evidence = get_object_or_404(value.evidence, pk=pk)
    return download(evidence.file, evidence.original_name)


# --- history ------------------------------------------------------------------------------------


@login_required
def history(
    request: HttpRequest, code: str, locality_code: str, period_code: str, indicator_code: str
) -> HttpResponse:
    plan, locality, period, value = _visible_value(
        request.user, code, locality_code, period_code, indicator_code
    )
    audit = exports.history_of(value)
    return _render(
        request,
        "history.html",
        plan,
        locality=locality,
        period=period,
        value=value,
        indicator=value.indicator,
        audit=audit,
        comments=value.comments.select_related("author"),
        evidence=value.evidence.select_related("uploaded_by"),
        revisions=value.revision_requests.select_related("requested_by", "decided_by"),
    )
