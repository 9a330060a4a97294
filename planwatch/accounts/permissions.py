"""Every permission of PlanWatch, in one place: named rules (the `rules` package) built from a few
predicates on the user's role and scope.

Views, the API, importers and the review kernel ask `has_perm("value.approve", user, value)`;
templates ask `{% may "value.approve" user value as ok %}` (planwatch.web.templatetags). A role is
defined in accounts/models.py (Profile.Role) and what it may do here, nowhere else.

Subjects of review (planwatch.kernel.review) need a permission per move: `<kind>.submit`,
`<kind>.approve` (also to return a submitted one), `<kind>.accept` (also to return an approved one)
and `<kind>.reopen` (to return an accepted one, where the kind allows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import rules
from django.db.models import Q
from rules import Predicate, predicate

from planwatch.accounts.models import Profile, profile_of
from planwatch.kernel.review import EDITABLE, IssueState, allowed

__all__ = [
    "bulletin_scope",
    "event_scope",
    "has_perm",
    "led_first",
    "own_locality_id",
    "profile_of",
    "stands_in",
    "value_scope",
]

has_perm = allowed  # the typed way to ask a permission
Role = Profile.Role


def _profile(user: Any) -> Profile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return profile_of(user)


# --- who the user is ----------------------------------------------------------------------------


def own_locality_id(user: Any) -> int | None:
    """The locality a locality's reporter or approver works for; None for anyone else."""
    p = _profile(user)
    return p.locality_id if p is not None and p.role in Profile.LOCALITY_ROLES else None


@predicate
def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@predicate
def is_admin(user: Any) -> bool:
    """The province administrator (or a superuser): every locality's drafts, users, plan files."""
    p = _profile(user)
    return p is not None and (p.role == Role.PROVINCE_ADMIN or user.is_superuser)


@predicate
def is_province(user: Any) -> bool:
    """The province's officers: they review, accept, decide revisions, manage periods and the audit."""
    p = _profile(user)
    return p is not None and (p.role in Profile.PROVINCE_ROLES or user.is_superuser)


@predicate
def is_lead_unit(user: Any) -> bool:
    p = _profile(user)
    return p is not None and p.role == Role.LEAD_UNIT


def in_locality(user: Any, locality_id: int | None) -> bool:
    """A locality's own reporter or approver."""
    p = _profile(user)
    return p is not None and p.role in Profile.LOCALITY_ROLES and p.locality_id == locality_id


def leads(user: Any, indicator: Any) -> bool:
    """A lead unit's user, for the indicators their unit leads."""
    p = _profile(user)
    return (
        p is not None
        and p.role == Role.LEAD_UNIT
        and indicator is not None
        and indicator.lead_unit_id == p.unit_id
    )


T = TypeVar("T")


def led_first(user: Any, items: Iterable[T], indicator: Callable[[T], Any] = lambda item: item) -> list[T]:
    """The items in their order, those of the indicators the user's unit leads first: every list of
    indicators (or of things of an indicator: values, targets, breakdowns) a lead unit's user sees
    is ordered by this, and only this. `indicator(item)` is the item's indicator, or a list of them
    (a ledger feeding several: led when one of them is)."""
    items = list(items)
    p = _profile(user)
    if p is None or p.role != Role.LEAD_UNIT or p.unit_id is None:
        return items

    def led(item: T) -> bool:
        found = indicator(item)
        return any(
            getattr(i, "lead_unit_id", None) == p.unit_id
            for i in (found if isinstance(found, list) else [found])
        )

    return sorted(items, key=lambda item: not led(item))


def stands_in(user: Any) -> bool:
    """The administrator (or a superuser), who may act in anyone's place: told of a move only when
    nobody else may take the next one (planwatch.inbox.events)."""
    return bool(is_admin(user))


def approves_at(user: Any, locality: Any, level: int) -> bool:
    """The approver of the locality that approves at `level` of the locality's approval chain (the
    plan says who: its own approver, its city's …); the administrator at any level."""
    p = _profile(user)
    if p is None or locality is None:
        return False
    if p.role == Role.PROVINCE_ADMIN or user.is_superuser:
        return True
    chain = locality.approval_chain()
    return p.role == Role.LOCALITY_APPROVER and level < len(chain) and chain[level].pk == p.locality_id


# --- reported values ----------------------------------------------------------------------------


def enters(user: Any, locality_id: int | None, indicator: Any) -> bool:
    """The rule `value.enter` of a value's locality and indicator, all it asks of the value (for a
    set of many values, asked once per locality and indicator without making a value of each)."""
    return in_locality(user, locality_id) or leads(user, indicator) or bool(is_admin(user))


@predicate
def enters_value(user: Any, value: Any) -> bool:
    """Write a value as a draft, submit it: its locality's users, or a lead unit for its indicators."""
    return enters(user, value.locality_id, value.indicator)


@predicate
def approves_value(user: Any, value: Any) -> bool:
    return approves_at(user, value.locality, getattr(value, "approvals", 0))


@predicate
def accepts_value(user: Any, value: Any) -> bool:
    """The province accepts every indicator; a lead unit the indicators it leads."""
    return is_province(user) or leads(user, value.indicator)


@predicate
def sees_value(user: Any, value: Any) -> bool:
    """Drafts and returned values are the locality's own business (and its lead unit's, and the
    administrator's); anything submitted or further every signed-in user reads."""
    if value.status not in EDITABLE:
        return signed_in(user)
    return in_locality(user, value.locality_id) or leads(user, value.indicator) or is_admin(user)


@predicate
def sees_drafts_of(user: Any, locality: Any) -> bool:
    """Whether the user sees a locality's drafts at all (whole forms, counts)."""
    return in_locality(user, getattr(locality, "pk", locality)) or is_admin(user)


@predicate
def own_locality(user: Any, locality: Any) -> bool:
    """The locality's own reporter or approver (not the administrator standing in for them)."""
    return in_locality(user, getattr(locality, "pk", locality))


@predicate
def is_locality_reporter(user: Any, locality: Any) -> bool:
    """The locality's own reporter (填报人): whose work it is to enter and submit its values."""
    p = _profile(user)
    return (
        p is not None and p.role == Role.LOCALITY_REPORTER and p.locality_id == getattr(locality, "pk", None)
    )


@predicate
def reports_for(user: Any, locality: Any) -> bool:
    """May report something of the locality: its own users, a lead unit (its indicators), the admin."""
    return own_locality(user, locality) or is_lead_unit(user) or is_admin(user)


@predicate
def approves_locality(user: Any, locality: Any) -> bool:
    """Approves the locality's values at some level of its approval chain."""
    return any(approves_at(user, locality, level) for level in range(len(locality.approval_chain())))


@predicate
def in_approval_chain(user: Any, locality: Any) -> bool:
    """An approver of a locality of the locality's approval chain (its own, its city's …): whose
    work its values are at some level, the administrator standing in left out."""
    p = _profile(user)
    return (
        p is not None
        and p.role == Role.LOCALITY_APPROVER
        and any(loc.pk == p.locality_id for loc in locality.approval_chain())
    )


@predicate
def accepts_something(user: Any) -> bool:
    """Accepts values: the province (every indicator), a lead unit (those it leads)."""
    return is_province(user) or is_lead_unit(user)


def value_scope(user: Any) -> Q | None:
    """`value.view` as a query on reported values (None: every value), for lists and counts."""
    if is_admin(user):
        return None
    shared = ~Q(status__in=list(EDITABLE))
    p = _profile(user)
    if p is not None and p.role in Profile.LOCALITY_ROLES:
        return shared | Q(locality_id=p.locality_id)
    if p is not None and p.role == Role.LEAD_UNIT:
        return shared | Q(indicator__lead_unit_id=p.unit_id)
    return shared


def event_scope(user: Any) -> Q | None:
    """The audit log as the values are seen (`value.view`): an event of a draft (`private`) only by
    its locality's own users, the lead unit of its indicator and the administrator; None: every event."""
    if is_admin(user):
        return None
    shown = Q(private=False)
    p = _profile(user)
    if p is not None and p.role in Profile.LOCALITY_ROLES and p.locality is not None:
        return shown | Q(locality_code=p.locality.code)
    if p is not None and p.role == Role.LEAD_UNIT and p.unit is not None:
        led = list(p.unit.led_indicators.values_list("code", flat=True))
        return shown | Q(indicator_code__in=led)
    return shown


@predicate
def comments_on_value(user: Any, value: Any) -> bool:
    return enters_value(user, value) or approves_value(user, value) or accepts_value(user, value)


# --- ledger rows --------------------------------------------------------------------------------


@predicate
def writes_locality(user: Any, obj: Any) -> bool:
    """A locality's own users (and the administrator) write its ledger rows and its action plan."""
    locality_id = getattr(obj, "locality_id", None) if not isinstance(obj, int) else obj
    if locality_id is None and hasattr(obj, "pk") and hasattr(obj, "approval_chain"):
        locality_id = obj.pk  # a Locality itself
    return in_locality(user, locality_id) or is_admin(user)


@predicate
def approves_row(user: Any, row: Any) -> bool:
    return approves_at(user, row.locality, getattr(row, "approvals", 0))


@predicate
def accepts_row(user: Any, row: Any) -> bool:
    """The province, or the lead unit of an indicator the row's ledger feeds."""
    ledger = getattr(row, "ledger", row)
    return is_province(user) or (is_lead_unit(user) and any(leads(user, i) for i in ledger.indicators.all()))


@predicate
def row_is_draft(user: Any, row: Any) -> bool:
    return bool(row.review == "draft")


@predicate
def sees_row(user: Any, row: Any) -> bool:
    if row.review not in EDITABLE:
        return signed_in(user)
    return writes_locality(user, row)


# --- target breakdowns (分解表) ---------------------------------------------------------------------


@predicate
def leads_breakdown(user: Any, breakdown: Any) -> bool:
    """The lead unit of the breakdown's indicator (四（一）: 各牵头部门…分解落实), or the administrator
    (who stands in where an indicator has no lead unit)."""
    return leads(user, getattr(breakdown, "indicator", None)) or is_admin(user)


@predicate
def started_job(user: Any, job: Any) -> bool:
    """A background job is its starter's: what it read and what it found are theirs."""
    return bool(user.is_authenticated and job.user_id == user.pk)


@predicate
def system_job(user: Any, job: Any) -> bool:
    """A job nobody started (an evaluation a dashboard asked for): the administrator's to follow."""
    return job.user_id is None


# --- bulletins (通报) ----------------------------------------------------------------------------------


def addressed_to(user: Any) -> Q | None:
    """The bulletins whose 主送 or 抄送 names the user's locality or unit (as a query on bulletins);
    None when the user has neither."""
    p = _profile(user)
    if p is None:
        return None
    if p.role in Profile.LOCALITY_ROLES and p.locality_id is not None:
        return Q(addressees__locality_id=p.locality_id)
    if p.role == Role.LEAD_UNIT and p.unit_id is not None:
        return Q(addressees__unit_id=p.unit_id)
    return None


def bulletin_scope(user: Any) -> Q | None:
    """`bulletin.view` as a query on bulletins (None: every bulletin, drafts too: the province). Anyone
    else reads the issued ones (and those since withdrawn or superseded) addressed to their locality
    or unit; never a draft. Use with .distinct() (a bulletin has several addressees)."""
    if is_province(user):
        return None
    to = addressed_to(user)
    if to is None:
        return Q(pk__in=[])
    return ~Q(state=IssueState.DRAFT) & to


@predicate
def sees_bulletin(user: Any, bulletin: Any) -> bool:
    if is_province(user):
        return True
    if bulletin.state == IssueState.DRAFT:
        return False
    p = _profile(user)
    if p is None:
        return False
    addressees = list(bulletin.addressees.all())
    if p.role in Profile.LOCALITY_ROLES:
        return any(a.locality_id == p.locality_id for a in addressees if a.locality_id is not None)
    if p.role == Role.LEAD_UNIT:
        return any(a.unit_id == p.unit_id for a in addressees if a.unit_id is not None)
    return False


# --- the rules ----------------------------------------------------------------------------------

PERMISSIONS: dict[str, Predicate] = {
    # reported values (the moves of planwatch.kernel.review, and more)
    "value.view": sees_value,
    "value.enter": enters_value,
    "value.submit": enters_value,
    "value.approve": approves_value,
    "value.accept": accepts_value,
    "value.comment": comments_on_value,
    "value.attach": enters_value,
    "value.request_revision": enters_value,
    "revision.decide": is_province,
    "locality.see_drafts": sees_drafts_of,
    "locality.own": own_locality,
    "locality.report": reports_for,
    "locality.enter_values": is_locality_reporter,
    "locality.approve": approves_locality,
    "locality.in_chain": in_approval_chain,
    "plan.accept": accepts_something,
    # the reviewer's workbench of a locality (its approvers, the province, the lead units)
    "locality.review": approves_locality | accepts_something,
    "locality.validation_report": approves_locality | accepts_something | own_locality,
    "indicator.lead": predicate(leads),
    # ledger rows
    "ledger_row.view": sees_row,
    "ledger_row.write": writes_locality,
    "ledger_row.submit": writes_locality,
    "ledger_row.approve": approves_row,
    "ledger_row.accept": accepts_row,
    "ledger_row.reopen": is_province,
    "ledger_row.delete": writes_locality & row_is_draft,
    "ledger.accept": accepts_row,
    "ledger.resolve_duplicates": is_province,
    # supervision
    "action_plan.write": writes_locality,
    "progress_update.approve": is_province,  # the province reviews updates: comment on one, return it
    "progress_update.comment": is_province,
    # target breakdowns: the lead unit enters, submits and later revises (with a reason); the
    # province approves or returns
    "breakdown.work": is_lead_unit | is_province,
    "breakdown.edit": leads_breakdown,
    "breakdown.submit": leads_breakdown,
    "breakdown.approve": is_province,
    "breakdown.revise": leads_breakdown,
    # the province's pages
    "province.manage": is_province,
    "period.manage": is_province,
    "period.chase": is_province,  # remind the late localities' reporters, from the reporting home
    "evaluation.run": is_province,
    "audit.view": is_province,
    "audit.view_private": is_admin,
    # bulletins: the province drafts, edits, issues (签发), withdraws and supersedes; the addressees
    # read the issued ones (the moves of planwatch.kernel.review's ISSUE_MOVES)
    "bulletin.generate": is_province,
    "bulletin.edit": is_province,
    "bulletin.delete": is_province,
    "bulletin.issue": is_province,
    "bulletin.withdraw": is_province,
    "bulletin.view": sees_bulletin,
    "users.manage": is_admin,
    "plan.load": is_admin,
    "job.view": started_job | (is_admin & system_job),
    "job.retry": started_job | is_admin,  # a failed job, again (planwatch.kernel.jobs.retry)
}

for _name, _rule in PERMISSIONS.items():
    rules.add_perm(_name, _rule)
