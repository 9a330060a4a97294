"""The inbox (待办): what waits on a user, from a registry of sources.

Each kind of waiting thing is one `Source` row of SOURCES: its key, its title in Chinese and
English, and how it finds its items for a user in a plan. Another part adds a row with `register`
(the bulletins issued to one, for instance) and the inbox page, the badge, the reminders page and
the digest show it with no other change.

A source reads through the queries and the permission rules of the page it stands for: the values
through `workflow.visible_values` and the review kernel's `may` (planwatch.accounts.permissions), the
ledger rows through `ledgers.services.visible_items`, the breakdowns through the kernel's `may`, the
milestones through `supervision.services.supervision_list` (the supervision page's own list). So
nobody counts what they may not see, nor what they may not act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from planwatch.accounts.models import Profile, profile_of
from planwatch.accounts.permissions import has_perm, led_first, own_locality_id
from planwatch.breakdown.actions import BREAKDOWN
from planwatch.breakdown.models import Breakdown
from planwatch.core import supervision as rules
from planwatch.core.numbers import grouped
from planwatch.kernel.review import Action, State, SubjectKind
from planwatch.kernel.unchanged import while_unchanged
from planwatch.ledgers.models import LedgerItem
from planwatch.ledgers.services import LEDGER_ROW, visible_items
from planwatch.plans.models import Plan, pick
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, ReportedValue, RevisionRequest
from planwatch.reporting.views import progress_of
from planwatch.supervision import services as supervision


@dataclass
class Item:
    """One line of the inbox: what waits (`count` things of one place), and where to act on it."""

    text_zh: str
    text_en: str
    link: str
    count: int = 1
    due: dt.date | None = None
    overdue: bool = False

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en)


@dataclass(frozen=True)
class Source:
    """A kind of waiting thing: `items(plan, user, today)` lists what of it waits on the user."""

    key: str
    title: tuple[str, str]
    items: Callable[[Plan, Any, dt.date], list[Item]]

    @property
    def label(self) -> str:
        return pick(*self.title)


@dataclass
class Box:
    """A source with what it holds for the user."""

    source: Source
    items: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(i.count for i in self.items)


SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a row to the inbox (a second row with the same key replaces the first)."""
    SOURCES[:] = [s for s in SOURCES if s.key != source.key] + [source]
    return source


def inbox(plan: Plan, user: Any, today: dt.date) -> list[Box]:
    """What waits on the user in the plan, source by source (the empty ones too)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [Box(source, source.items(plan, user, today)) for source in SOURCES]


def count(plan: Plan, user: Any, today: dt.date) -> int:
    """How many things wait on the user in the plan: the badge of the top bar, which every page
    asks for. Kept until the data change (planwatch.kernel.unchanged): the whole inbox is read
    only after a change, not on every page."""
    return while_unchanged(
        "inbox_count", (plan.pk, user.pk, today), lambda: sum(box.count for box in inbox(plan, user, today))
    )


# --- subjects of review: what waits for a move of the user ----------------------------------------


def _mine(kind: SubjectKind, user: Any, subjects: Iterable[Any], action: str) -> list[Any]:
    return [s for s in subjects if kind.may(user, s, action)]


def _grouped(subjects: list[Any], key: Callable[[Any], Any]) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    for s in subjects:
        out.setdefault(key(s), []).append(s)
    return out


def _values(state: State, action: Action, zh: str, en: str) -> Callable[[Plan, Any, dt.date], list[Item]]:
    """Reported values in `state` the user may move by `action`, by locality and period (the
    entry form's values: filled in, seen through `value.view`), lead indicators' first; to be
    reviewed on the reviewer's workbench, to be fixed on the entry form."""
    page = "review:locality" if action in (Action.APPROVE, Action.ACCEPT) else "reporting:entry"

    def items(plan: Plan, user: Any, today: dt.date) -> list[Item]:
        rows: QuerySet[ReportedValue] = wf.VALUE.queryset().filter(  # type: ignore[misc]
            indicator__plan=plan, status=state, value__isnull=False
        )
        values = _mine(wf.VALUE, user, wf.visible_values(user, rows).select_related("period"), action)
        values = led_first(user, values, lambda v: v.indicator)
        out = []
        for (locality, period), group in _grouped(values, lambda v: (v.locality, v.period)).items():
            codes = "、".join(v.indicator.code for v in group[:6]) + ("…" if len(group) > 6 else "")
            out.append(
                Item(
                    f"{locality.name_zh} {period.code}：{len(group)} 项数值{zh}（{codes}）",
                    f"{locality.name_en} {period.code}: {len(group)} value(s) {en} ({codes.replace('、', ', ')})",
                    reverse(page, args=[plan.code, locality.code, period.code]),
                    len(group),
                    due=period.due_on,
                )
            )
        return out

    return items


def _ledger_rows(
    state: State, action: Action, zh: str, en: str
) -> Callable[[Plan, Any, dt.date], list[Item]]:
    """Ledger rows in `state` the user may move by `action` (seen through `ledger_row.view`), by
    ledger and locality."""

    def items(plan: Plan, user: Any, today: dt.date) -> list[Item]:
        rows = LEDGER_ROW.queryset().filter(ledger__plan=plan, review=state)  # type: ignore[misc]
        mine: list[LedgerItem] = _mine(LEDGER_ROW, user, visible_items(user, rows), action)
        out = []
        for (ledger, locality), group in _grouped(mine, lambda r: (r.ledger, r.locality)).items():
            out.append(
                Item(
                    f"{ledger.name_zh}（{locality.name_zh}）：{len(group)} 条{zh}",
                    f"{ledger.name_en} ({locality.name_en}): {len(group)} row(s) {en}",
                    reverse("ledgers:list", args=[plan.code, ledger.code]) + f"?locality={locality.code}",
                    len(group),
                )
            )
        return out

    return items


def _breakdowns(state: State, action: Action, zh: str, en: str) -> Callable[[Plan, Any, dt.date], list[Item]]:
    def items(plan: Plan, user: Any, today: dt.date) -> list[Item]:
        if not has_perm("breakdown.work", user):
            return []
        rows: QuerySet[Breakdown] = BREAKDOWN.queryset().filter(indicator__plan=plan, status=state)  # type: ignore[misc]
        mine = led_first(user, _mine(BREAKDOWN, user, rows, action), lambda b: b.indicator)
        return [
            Item(
                f"{b.indicator.code} {b.indicator.name_zh}：分解表{zh}",
                f"{b.indicator.code} {b.indicator.name_en}: breakdown {en}",
                reverse("breakdown:table", args=[plan.code, b.indicator.code]),
            )
            for b in mine
        ]

    return items


def _revisions(plan: Plan, user: Any, today: dt.date) -> list[Item]:
    """Revision requests of accepted values, pending: the province decides them."""
    if not has_perm("revision.decide", user):
        return []
    pending = wf.revision_requests(plan).filter(status=RevisionRequest.Status.PENDING)
    out = []
    for r in pending:
        v = r.value
        out.append(
            Item(
                f"{v.locality.name_zh} {v.period.code} {v.indicator.code}：修订申请 {grouped(v.value)} → {grouped(r.new_value)}",
                f"{v.locality.name_en} {v.period.code} {v.indicator.code}: revision {grouped(v.value)} → {grouped(r.new_value)}",
                reverse("manage:revisions", args=[plan.code]),
            )
        )
    return out


def _milestones(plan: Plan, user: Any, today: dt.date) -> list[Item]:
    """Overdue and at-risk milestones (the supervision page's list), then those due soon (within
    PLANWATCH_REMIND_DAYS, as `planwatch remind` judges them): a locality's own for its users, a
    unit's own for a lead unit, all of them for the province."""
    p = profile_of(user)
    if p.role in Profile.LOCALITY_ROLES and p.locality_id:
        scope: dict[str, int] = {"locality_id": p.locality_id}
    elif p.role == Profile.Role.LEAD_UNIT and p.unit_id:
        scope = {"unit_id": p.unit_id}
    elif has_perm("province.manage", user):
        scope = {}
    else:
        return []
    out = []
    rows = supervision.supervision_list(
        plan, today, locality_id=scope.get("locality_id"), unit_id=scope.get("unit_id")
    )
    for row in rows:
        m = row.milestone
        locality = m.action_plan.locality
        out.append(
            Item(
                f"{locality.name_zh}「{m.title}」{row.flag_zh}（{row.reasons_zh}，完成时限 {m.due_on}）",
                f"{locality.name_en}: “{m.title}” {row.flag_en} ({row.reasons_en}, due {m.due_on})",
                reverse("supervision:milestone", args=[plan.code, m.pk]),
                due=m.due_on,
                overdue=m.due_on < today,
            )
        )
    flagged = {row.milestone.pk for row in rows}
    window = settings.PLANWATCH_REMIND_DAYS
    soon = supervision.milestones_of(plan).filter(due_on__gte=today, due_on__lte=today + dt.timedelta(window))
    if "locality_id" in scope:
        soon = soon.filter(action_plan__locality_id=scope["locality_id"])
    if "unit_id" in scope:
        soon = soon.filter(owner_unit_id=scope["unit_id"])
    for m in soon.order_by("due_on", "pk"):
        if m.pk in flagged or not rules.due_soon(supervision.facts(m), today, window):
            continue
        locality = m.action_plan.locality
        out.append(
            Item(
                f"{locality.name_zh}「{m.title}」将于 {m.due_on} 到期，当前完成 {m.percent}%",
                f"{locality.name_en}: “{m.title}” is due on {m.due_on}, {m.percent}% done",
                reverse("supervision:milestone", args=[plan.code, m.pk]),
                due=m.due_on,
            )
        )
    return out


def _to_report(plan: Plan, user: Any, today: dt.date) -> list[Item]:
    """The periods open for entry that the user's own locality has not yet fully submitted: what
    it still has to enter or submit (the reporting home's counts; returned values have a row of
    their own), due or late. Asked on every page (the badge): nothing is counted for anyone but a
    locality's reporter."""
    own_id = own_locality_id(user)
    own = plan.localities.filter(pk=own_id).first() if own_id is not None else None
    if own is None or not has_perm("locality.enter_values", user, own):
        return []
    out = []
    for period in (
        Period.objects.filter(plan=plan, starts_on__lte=today).select_related("plan").order_by("starts_on")
    ):
        if period.is_base:  # the bases of growth rates, not a report that falls due (reporting home)
            continue
        for p in progress_of(plan, period, user, today):
            to_do = p.draft + p.missing
            if not (p.own and p.open and to_do):
                continue
            out.append(
                Item(
                    f"{p.locality.name_zh} {period.code}：{to_do} 项数值待填报或提交",
                    f"{p.locality.name_en} {period.code}: {to_do} value(s) to enter or submit",
                    reverse("reporting:entry", args=[plan.code, p.locality.code, period.code]),
                    to_do,
                    due=period.due_on,
                    overdue=p.late,
                )
            )
    return out


for _source in (
    Source("values_to_report", ("待填报的数值", "Values to report"), _to_report),
    Source(
        "values_to_approve",
        ("待审核的数值", "Values to approve"),
        _values(State.SUBMITTED, Action.APPROVE, "待审核", "to approve"),
    ),
    Source(
        "values_to_accept",
        ("待确认的数值", "Values to accept"),
        _values(State.APPROVED, Action.ACCEPT, "待确认", "to accept"),
    ),
    Source(
        "values_returned",
        ("退回待修改的数值", "Values returned to fix"),
        _values(
            State.RETURNED, Action.SUBMIT, "已退回，待修改后重新提交", "returned, to fix and submit again"
        ),
    ),
    Source("revisions", ("待处理的修订申请", "Revision requests to decide"), _revisions),
    Source(
        "breakdowns_to_approve",
        ("待审批的分解表", "Breakdowns to approve"),
        _breakdowns(State.SUBMITTED, Action.APPROVE, "待审批", "to approve"),
    ),
    Source(
        "breakdowns_returned",
        ("退回待修改的分解表", "Breakdowns returned to fix"),
        _breakdowns(State.RETURNED, Action.SUBMIT, "已退回，待修改", "returned, to fix"),
    ),
    Source(
        "ledger_rows_to_approve",
        ("待审核的台账条目", "Ledger rows to approve"),
        _ledger_rows(State.SUBMITTED, Action.APPROVE, "待审核", "to approve"),
    ),
    Source(
        "ledger_rows_to_accept",
        ("待确认的台账条目", "Ledger rows to accept"),
        _ledger_rows(State.APPROVED, Action.ACCEPT, "待确认", "to accept"),
    ),
    Source(
        "ledger_rows_returned",
        ("退回待修改的台账条目", "Ledger rows returned to fix"),
        _ledger_rows(State.RETURNED, Action.SUBMIT, "已退回，待修改", "returned, to fix"),
    ),
    Source(
        "milestones",
        ("逾期、有风险或即将到期的里程碑", "Milestones overdue, at risk or due soon"),
        _milestones,
    ),
):
    register(_source)
