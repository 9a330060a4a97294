"""Every change of a breakdown (分解表) goes through one function here, for the web page, the workbook
and the API alike.

- `save_targets`: the lead unit of the indicator enters and changes its localities' targets while the
  breakdown is a draft (or returned); once the province has approved it, a change is a revision with
  a reason (一 说明3: the 2018 and 2019 targets follow the 2017 results), kept in the target's history.
  All or nothing: every problem of every cell at once, each at its place, and nothing written.
- `submit`, `approve`, `return_breakdown`: the moves of the review kernel (planwatch.kernel.review),
  whose subject kind is `BREAKDOWN`: draft → submitted (the lead unit) → approved and locked (the
  province), or returned with a comment.

Who may do what is planwatch.accounts.permissions' (`breakdown.edit`, `breakdown.submit`,
`breakdown.approve`, `breakdown.revise`); each target change is written, with its revision and its
audit event, by planwatch.plans.actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone

from planwatch.accounts.permissions import has_perm
from planwatch.core.errors import (
    CommentRequired,
    IllegalTransition,
    Issue,
    Kind,
    Locked,
    NotAllowed,
    PlanWatchError,
    Refused,
)
from planwatch.core.validation import IndicatorRules, check_value
from planwatch.kernel import audit
from planwatch.kernel.review import MOVES, Action, Move, State, Step, SubjectKind, transition
from planwatch.plans import actions as targets
from planwatch.plans.lookup import no_such
from planwatch.plans.models import Indicator, Locality, Target
from planwatch.reporting.datavaluesets import check_number

from .models import Breakdown
from .table import read_table

__all__ = [
    "BREAKDOWN",
    "DONE",
    "Entry",
    "Mode",
    "Saved",
    "approve",
    "breakdown_of",
    "mode",
    "move",
    "problems_of",
    "return_breakdown",
    "save_targets",
    "submit",
]

DRAFT_REASON = "分解表填报 / breakdown entry"  # the revision's reason of a change made in a draft


# --- the subject of review ------------------------------------------------------------------------


def _guard(step: Step, subjects: Sequence[Breakdown]) -> list[PlanWatchError]:
    """A breakdown is submitted with at least one locality's target in it."""
    if step.action != Action.SUBMIT:
        return []
    return [
        IllegalTransition(
            f"{b.audit_subject().label}：还没有填写任何地区目标，不能提交",
            f"{b.indicator.code}'s breakdown holds no locality target yet: nothing to submit",
        )
        for b in subjects
        if not b.indicator.targets.filter(locality__isnull=False).exists()
    ]


def _after(step: Step, subjects: Sequence[Breakdown]) -> None:
    """When it was submitted and approved, and the province's comment of a return."""
    now = timezone.now()
    for b in subjects:
        if step.action == Action.SUBMIT:
            b.submitted_at, b.comment = now, ""
        elif step.action == Action.APPROVE:
            b.approved_at = b.approved_at or now
        elif step.action == Action.RETURN:
            b.comment = step.comment
        b.save(update_fields=["submitted_at", "approved_at", "comment"])


BREAKDOWN = SubjectKind(
    name="breakdown",
    noun=("分解表", "breakdown"),
    model=Breakdown,
    audit_subject=Breakdown.audit_subject,
    # Submitted by the lead unit; the province approves it, which locks it, or returns it. Changes
    # after approval are revisions with a reason, not a reopening.
    moves=(
        *(m for m in MOVES if m.action == Action.SUBMIT),
        Move(Action.APPROVE, State.SUBMITTED, State.ACCEPTED, "approve"),
        *(m for m in MOVES if m.action == Action.RETURN and m.source == State.SUBMITTED),
    ),
    guard=_guard,
    after=_after,
    queryset=lambda: Breakdown.objects.select_related("indicator__plan"),
)


def breakdown_of(indicator: Indicator) -> Breakdown:
    """The indicator's breakdown; a draft not yet stored when nobody has touched it."""
    found = Breakdown.objects.filter(indicator=indicator).select_related("indicator__plan").first()
    return found or Breakdown(indicator=indicator, status=State.DRAFT)


def _stored(indicator: Indicator) -> Breakdown:
    """The indicator's breakdown, stored and locked for the caller's transaction."""
    Breakdown.objects.get_or_create(indicator=indicator)
    return Breakdown.objects.select_for_update().select_related("indicator__plan").get(indicator=indicator)


class Mode(StrEnum):
    """What the user may do with the breakdown's targets now."""

    EDIT = "edit"  # a draft or returned breakdown, by its lead unit
    REVISE = "revise"  # an approved breakdown, by its lead unit: each change with a reason
    READ = "read"  # anyone else, or while it waits for the province


def mode(user: Any, breakdown: Breakdown) -> Mode:
    if breakdown.editable and has_perm("breakdown.edit", user, breakdown):
        return Mode.EDIT
    if breakdown.locked and has_perm("breakdown.revise", user, breakdown):
        return Mode.REVISE
    return Mode.READ


def _may_write(user: Any, breakdown: Breakdown, reason: str) -> None:
    """Raises unless the user may change the breakdown's targets now, with this reason."""
    label = breakdown.audit_subject().label
    code = breakdown.indicator.code
    if breakdown.status == State.SUBMITTED:
        raise Locked(
            f"{label}已提交，等待省级审核，暂不能修改",
            f"{code}'s breakdown is submitted and waits for the province: it cannot be changed now",
        )
    if mode(user, breakdown) == Mode.READ:
        raise NotAllowed(
            f"您不是{breakdown.indicator.name_zh}的牵头单位，不能修改其分解表",
            f"you do not lead {code}: you may not change its breakdown",
        )
    if breakdown.locked and not reason.strip():
        raise CommentRequired(
            f"{label}已确认：调整目标须说明理由",
            f"{code}'s breakdown is approved: a change of its targets needs a reason",
        )


# --- the targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One cell as entered: a locality's target for a year (None: no target), and where it was
    entered (a form field, a cell of the workbook, a path of the request), for the problems."""

    locality: str
    year: int
    value: Decimal | None
    place: str = ""


@dataclass
class Saved:
    """What a save did."""

    created: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def touched(self) -> int:
        return self.created + self.changed + self.removed

    def describe(self) -> tuple[str, str]:
        return (
            f"新增 {self.created}，修改 {self.changed}，删除 {self.removed}，未变 {self.unchanged}",
            f"{self.created} added, {self.changed} changed, {self.removed} removed, {self.unchanged} unchanged",
        )


def _issue(kind: Kind, entry: Entry, zh: str, en: str) -> Issue:
    return Issue(kind, zh, en, path=entry.place or f"{entry.locality}/{entry.year}")


@dataclass(frozen=True)
class _Known:
    """What the entries are read against: the plan's localities by code and the indicator's
    locality targets by (locality code, year)."""

    indicator: Indicator
    localities: dict[str, Locality]
    existing: dict[tuple[str, int], Target]

    @classmethod
    def of(cls, indicator: Indicator) -> _Known:
        plan = indicator.plan
        rows = indicator.targets.filter(locality__isnull=False).select_related("locality")
        return cls(
            indicator,
            {loc.code: loc for loc in plan.localities.all()},
            {(t.locality.code, t.year): t for t in rows if t.locality is not None},
        )


def _check_cell(known: _Known, entry: Entry, seen: set[tuple[str, int]]) -> list[Issue]:
    """The problems of one cell on its own: its locality, its year, its place in the entries."""
    plan = known.indicator.plan
    locality = known.localities.get(entry.locality)
    if locality is None:
        return [_issue(Kind.UNKNOWN, entry, *no_such(plan, "locality", entry.locality))]
    if refusal := locality.not_a_pilot(plan.pk):
        return [_issue(refusal.kind, entry, refusal.zh, refusal.en)]
    if not plan.start_year <= entry.year <= plan.end_year:
        return [
            _issue(
                Kind.INVALID,
                entry,
                f"年份 {entry.year} 不在方案期限（{plan.start_year}—{plan.end_year}年）内",
                f"the year {entry.year} is outside the plan's years ({plan.start_year}–{plan.end_year})",
            )
        ]
    key = (entry.locality, entry.year)
    if key in seen:
        return [
            _issue(
                Kind.INVALID,
                entry,
                f"{locality.name_zh} {entry.year}年的目标重复填写",
                f"{locality.name_en}'s target for {entry.year} is given twice",
            )
        ]
    seen.add(key)
    fixed = known.existing.get(key)
    if fixed is not None and fixed.origin == Target.Origin.PLAN and fixed.value != entry.value:
        return [
            _issue(
                Kind.LOCKED,
                entry,
                f"{locality.name_zh} {entry.year}年的目标由方案原文规定（{fixed.clause}），不在分解表中修改",
                f"{locality.name_en}'s target for {entry.year} is the plan text's ({fixed.clause}): "
                f"it is not changed in the breakdown",
            )
        ]
    return []


def _check_value(known: _Known, entry: Entry, after: dict[tuple[str, int], Decimal]) -> list[Issue]:
    """The rules of the indicator's values (planwatch.core.validation), a target being one: its
    kind's bounds, a whole count, and a cumulative count that does not fall from the year before."""
    if entry.value is None:
        return []
    if why := check_number(entry.value):
        return [_issue(Kind.INVALID, entry, *why)]
    ind = known.indicator
    rules = IndicatorRules(ind.code, Indicator.Kind(ind.kind), ind.unit)
    previous = after.get((entry.locality, entry.year - 1))
    return [
        _issue(Kind.VALIDATION, entry, f.zh, f.en)
        for f in check_value(rules, entry.value, previous)
        if f.is_error
    ]


def _check_entries(known: _Known, entries: Sequence[Entry]) -> list[Issue]:
    """Every problem of the entries, each at its place; empty when they may all be written."""
    problems: list[Issue] = []
    seen: set[tuple[str, int]] = set()
    good: list[Entry] = []
    for entry in entries:
        found = _check_cell(known, entry, seen)
        problems += found
        if not found:
            good.append(entry)
    after = {key: t.value for key, t in known.existing.items()}
    for entry in good:
        if entry.value is None:
            after.pop((entry.locality, entry.year), None)
        else:
            after[(entry.locality, entry.year)] = entry.value
    for entry in good:
        problems += _check_value(known, entry, after)
    return problems


def problems_of(indicator: Indicator, entries: Sequence[Entry]) -> list[Issue]:
    """Every problem of the cells on their own (not of the user's right to write them), each at its
    place: what a workbook says beside the cells it could not read."""
    return _check_entries(_Known.of(indicator), entries)


def _write(known: _Known, entry: Entry, reason: str, user: Any, via: audit.Via, saved: Saved) -> None:
    """One cell: its target created, changed, removed or left alone (with its revision and event)."""
    target = known.existing.get((entry.locality, entry.year))
    if target is not None and (target.value == entry.value or target.origin == Target.Origin.PLAN):
        saved.unchanged += 1
    elif entry.value is None:
        if target is not None:
            targets.remove_locality_target(target, reason, user, via=via)
            saved.removed += 1
    elif target is not None:
        targets.revise_target(target, entry.value, reason, user, via=via)
        saved.changed += 1
    else:
        locality = known.localities[entry.locality]
        targets.set_locality_target(known.indicator, locality, entry.year, entry.value, reason, user, via=via)
        saved.created += 1


def save_targets(
    user: Any,
    indicator: Indicator,
    entries: Sequence[Entry],
    *,
    reason: str = "",
    via: audit.Via = audit.WEB,
) -> Saved:
    """Enter or change the localities' targets of the indicator's breakdown, all or nothing.

    In a draft (or returned) breakdown the lead unit writes freely; in an approved one each change
    needs `reason` and is kept as a revision (shown as a 目标调整 on the dashboards); a submitted one
    waits for the province. A cell equal to what is stored is left alone."""
    with transaction.atomic():
        breakdown = _stored(indicator)
        _may_write(user, breakdown, reason)
        known = _Known.of(breakdown.indicator)
        problems = _check_entries(known, entries)
        if problems:
            raise Refused(problems)
        why = reason.strip() or DRAFT_REASON
        saved = Saved()
        for entry in entries:
            _write(known, entry, why, user, via, saved)
        return saved


# --- the moves --------------------------------------------------------------------------------------


# What each move says once done, in Chinese and English.
DONE = {
    Action.SUBMIT: ("分解表已提交省级审核", "The breakdown is submitted to the province"),
    Action.APPROVE: (
        "分解表已确认并锁定，此后调整目标须说明理由",
        "The breakdown is approved and locked: a later change of a target needs a reason",
    ),
    Action.RETURN: ("分解表已退回牵头单位", "The breakdown is returned to its lead unit"),
}


def move(
    user: Any, indicator: Indicator, action: str, *, comment: str = "", via: audit.Via = audit.WEB
) -> Breakdown:
    """Submit (the lead unit), approve (the province: the breakdown is then locked) or return it (the
    province, with a comment), through the review kernel."""
    with transaction.atomic():
        breakdown = _stored(indicator)
        if action == Action.SUBMIT:
            _check_totals(indicator, breakdown)
        moved = transition(BREAKDOWN, user, [breakdown], action, comment=comment, via=via)
        return moved.subjects[0]  # type: ignore[no-any-return]


def _check_totals(indicator: Indicator, breakdown: Breakdown) -> None:
    """Where the plan file makes a shortfall an error (`plan.breakdown_check: error`), a breakdown
    whose localities' total falls short of the region's target in a year is not submitted: the same
    totals the page shows (planwatch.breakdown.table, breakdown_totals), each year's line said."""
    table = read_table(indicator, breakdown)
    if table.blocking:
        raise Refused(
            [
                Issue(Kind.VALIDATION, c.zh, c.en, path=str(c.year), indicator=indicator.code)
                for c in table.shortfalls
            ]
        )


def submit(user: Any, indicator: Indicator, *, comment: str = "", via: audit.Via = audit.WEB) -> Breakdown:
    return move(user, indicator, Action.SUBMIT, comment=comment, via=via)


def approve(user: Any, indicator: Indicator, *, comment: str = "", via: audit.Via = audit.WEB) -> Breakdown:
    return move(user, indicator, Action.APPROVE, comment=comment, via=via)


def return_breakdown(
    user: Any, indicator: Indicator, comment: str, *, via: audit.Via = audit.WEB
) -> Breakdown:
    return move(user, indicator, Action.RETURN, comment=comment, via=via)
