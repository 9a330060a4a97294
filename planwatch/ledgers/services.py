"""Ledger rows: saving them with scope, checks and audit, their review as subjects of the review
kernel (planwatch.kernel.review), duplicates, and the indicator values derived from them (written
through the reporting workflow, source "ledger")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from planwatch.accounts.permissions import has_perm, own_locality_id
from planwatch.core import hierarchy, numbers
from planwatch.core import ledger as core
from planwatch.core.errors import (
    Conflict,
    IllegalTransition,
    Issue,
    Kind,
    NotAllowed,
    NotFound,
    PeriodClosed,
    PlanWatchError,
    refuse,
)
from planwatch.kernel import audit
from planwatch.kernel.models import AuditEvent
from planwatch.kernel.review import EDITABLE, REPORTED, Action, Step, SubjectKind, transition
from planwatch.plans.models import Locality, Plan, hierarchy_nodes
from planwatch.reporting import workflow as wf
from planwatch.reporting.evidence import evidence_fields, evidence_problem
from planwatch.reporting.feeds import Unwritten, Written
from planwatch.reporting.models import Period, PeriodException, ReportedValue

from .models import DATE_COLUMNS, LedgerEvidence, LedgerItem, LedgerType

INVESTMENT_PROJECTS = "investment_projects"
R = LedgerItem.Review


class InvalidRow(PlanWatchError):
    """A row whose fields break its ledger's rules; `problems` are (field, Chinese, English), and
    each issue's path is its field."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        issues = [Issue(Kind.INVALID, zh, en, path=field) for field, zh, en in problems]
        super().__init__("；".join(p[1] for p in problems), "; ".join(p[2] for p in problems), issues=issues)


def ensure_default_ledgers(plan: Plan) -> list[LedgerType]:
    """The plan's ledgers, as its plan file declares them (`ledgers:`), in the file's order."""
    return list(plan.ledger_types.order_by("order", "code"))


def get_ledger(plan: Plan, code: str) -> LedgerType:
    try:
        return plan.ledger_types.get(code=code)
    except LedgerType.DoesNotExist:
        raise NotFound(
            f"方案 {plan.code} 没有台账“{code}”", f"no ledger {code!r} in plan {plan.code}"
        ) from None


def derived_indicator_codes(plan: Plan) -> set[str]:
    """The indicators counted from a ledger: nobody types their values by hand."""
    return {f["indicator"] for lt in plan.ledger_types.all() for f in lt.feeds}


# --- scope ----------------------------------------------------------------------------------------


def visible_items(user: Any, items: QuerySet[LedgerItem]) -> QuerySet[LedgerItem]:
    """The rule `ledger_row.view` as a query: locality users see their own locality's rows, and the
    rows of the pilot units inside it once submitted; the administrator every row; everyone else
    signed in the rows submitted or further (drafts are the locality's own business, as for values)."""
    if has_perm("audit.view_private", user):
        return items
    own = own_locality_id(user)
    if own is not None:
        # The rows of a pilot unit inside theirs whose figures include it (佛山市's users: 顺德区's),
        # as anyone else sees them: they count in their locality's numbers.
        return items.filter(Q(locality_id=own) | (inside_q(own) & ~Q(review__in=EDITABLE)))
    return items.exclude(review__in=EDITABLE)


def inside_q(locality_id: int) -> Q:
    """Rows of the pilot units inside a pilot locality whose figures include them (顺德区 inside
    佛山市), two levels down, as `including` says by the parents (a join, no query of its own)."""
    out = Q(pk__in=[])
    path = "locality__parent"
    for _level in range(2):
        out |= Q(
            **{
                f"{path}_id": locality_id,
                f"{path}__pilot": True,
                f"{path}__figures_include_children": True,
            }
        )
        path += "__parent"
    return out & Q(locality__pilot=True)


def can_write(user: Any, locality: Locality) -> bool:
    """The rule `ledger_row.write`: a locality's own users, or the province administrator."""
    return has_perm("ledger_row.write", user, locality)


def check_write(user: Any, locality: Locality) -> None:
    if not can_write(user, locality):
        raise _not_yours(locality)


def _not_yours(locality: Locality) -> NotAllowed:
    return NotAllowed(
        f"您无权修改{locality.name_zh}的台账", f"you may not change the ledger of {locality.name_en}"
    )


def may_accept(user: Any, ledger: LedgerType) -> bool:
    """The rule `ledger.accept`: the province, or a lead unit leading an indicator the ledger feeds."""
    return has_perm("ledger.accept", user, ledger)


def _counted_years(item: LedgerItem) -> set[int]:
    return {d.year for stage in item.ledger.stage_codes if (d := item.stage_date(stage)) is not None}


def closed_periods(
    user: Any,
    item: LedgerItem,
    years: set[int],
    today: dt.date | None = None,
    periods: Mapping[str, tuple[Period, dict[int, dt.date]]] | None = None,
) -> list[PeriodClosed]:
    """A row whose counted date falls in a period locked for its locality cannot be changed by the
    locality (the administrator may; so may the locality where the province opened an exception).
    `periods`: the plan's periods by code with their exceptions, read once for many rows
    (`save_items`); None: read for this row."""
    if not years or (periods is None and has_perm("audit.view_private", user)):
        return []
    today = today or dt.date.today()
    if periods is None:
        found = Period.objects.filter(plan=item.ledger.plan, code__in=[str(y) for y in years])
        wanted: list[tuple[Period, dict[int, dt.date] | None]] = [(p, None) for p in found]
    else:
        wanted = [periods[code] for p in sorted(years) if (code := str(p)) in periods]
    return [
        PeriodClosed(
            f"{period.code} 填报期已关闭（{period.locks_on}），该条目不能再修改，如需修改请联系省级主管部门",
            f"period {period.code} closed on {period.locks_on}: this row cannot be changed; ask the province",
        )
        for period, exceptions in wanted
        if not period.is_open_for(item.locality_id, today, exceptions)
    ]


def _periods_of(user: Any, plan: Plan) -> dict[str, tuple[Period, dict[int, dt.date]]] | None:
    """The plan's periods by code, each with its exceptions (locality id → open until), for
    `closed_periods` of many rows; None if the user may change rows of closed periods (an
    administrator)."""
    if has_perm("audit.view_private", user):
        return None
    periods: dict[int, tuple[Period, dict[int, dt.date]]] = {
        p.pk: (p, {}) for p in Period.objects.filter(plan=plan)
    }
    for period_id, locality_id, until in PeriodException.objects.filter(period__plan=plan).values_list(
        "period_id", "locality_id", "open_until"
    ):
        periods[period_id][1][locality_id] = until
    return {p.code: (p, exceptions) for p, exceptions in periods.values()}


FILTERS = ("locality", "key_field", "stage", "year", "status", "review")


def filter_items(ledger: LedgerType, items: QuerySet[LedgerItem], f: dict[str, str]) -> QuerySet[LedgerItem]:
    """The list's filters: locality and key field by code, status, review, and a stage (its date
    present) and/or a year (of the chosen stage's date, else of any stage's)."""
    if f.get("locality"):
        items = items.filter(locality__code=f["locality"])
    if f.get("key_field"):
        items = items.filter(key_field__code=f["key_field"])
    if f.get("status"):
        items = items.filter(status=f["status"])
    if f.get("review"):
        items = items.filter(review=f["review"])
    year_text = f.get("year") or ""
    year = int(year_text) if year_text.isdecimal() else None
    stages = ledger.stage_codes
    chosen = [f["stage"]] if f.get("stage") in stages else stages if year else []
    match = Q(pk__in=[])
    for stage in chosen:
        column = DATE_COLUMNS.get(stage)
        if column:
            q = Q(**{f"{column}__year": year}) if year else Q(**{f"{column}__isnull": False})
        else:
            q = Q(**{f"dates__{stage}__startswith": str(year)}) if year else Q(dates__has_key=stage)
        match |= q
    return items.filter(match) if chosen else items


# --- saving -----------------------------------------------------------------------------------------


def _attribute_problem(attr: dict[str, Any], value: str) -> tuple[str, str] | None:
    kind = attr.get("type", "text")
    if kind == "choice" and value not in attr.get("choices", []):
        choices = "、".join(attr["choices"])
        return f"「{attr['zh']}」应为：{choices}", f"{attr['en']} must be one of: {choices}"
    if kind == "number" and numbers.decimal_or_none(value) is None:
        return f"「{attr['zh']}」应为数字", f"{attr['en']} must be a number"
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"「{attr['zh']}」应为日期", f"{attr['en']} must be a date (YYYY-MM-DD)"
    return None


def _order_problems(item: LedgerItem) -> list[tuple[str, str, str]]:
    ledger = item.ledger
    stages = ledger.stage_codes
    dates = {stage: d for stage in stages if (d := item.stage_date(stage)) is not None}
    plain = core.Item(
        0, "", item.investment, dates.get("signed"), dates.get("started"), dates.get("producing"), dates
    )
    names = " ≤ ".join(ledger.stage_name(s)[0] for s in stages)
    names_en = " ≤ ".join(ledger.stage_name(s)[1].lower() for s in stages)
    return [
        (
            DATE_COLUMNS.get(problem.split("<")[0], f"date:{problem.split('<')[0]}"),
            f"阶段日期顺序有误：应为{names}",
            f"stage dates out of order: {names_en}",
        )
        for problem in core.order_problems(plain, stages)
    ]


def validation_problems(item: LedgerItem) -> list[tuple[str, str, str]]:
    """(field, Chinese, English) for each problem of an item before it is saved."""
    out: list[tuple[str, str, str]] = []
    if not item.name.strip():
        out.append(("name", "名称不能为空", "the name is required"))
    if item.investment is not None and item.investment < 0:
        out.append(("investment", "总投资不能为负数", "the total investment cannot be negative"))
    out += _order_problems(item)
    for attr in item.ledger.attributes:
        value = str((item.attributes or {}).get(attr["code"], "") or "").strip()
        key = f"attr:{attr['code']}"
        if not value:
            if attr.get("required"):
                out.append((key, f"「{attr['zh']}」不能为空", f"{attr['en']} is required"))
        elif problem := _attribute_problem(attr, value):
            out.append((key, *problem))
    if item.locality_id and (refusal := item.locality.not_a_pilot()):
        out.append(("locality", refusal.zh, refusal.en))
    return out


def _event(
    type: str, user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB, **fields: Any
) -> dict[str, Any]:
    """The fields of a row's audit event (`audit.fields`): private while the row is a draft."""
    private = item.review in EDITABLE and type not in {"ledger_row.merge", "ledger_row.keep"}
    return audit.fields(type, user, item.audit_subject(), via=via, private=private, **fields)


def _record(type: str, user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB, **fields: Any) -> None:
    audit.record_fields(_event(type, user, item, via=via, **fields))


def not_editable(item: LedgerItem) -> IllegalTransition | None:
    """Why a row cannot be changed now (submitted, approved or accepted), or None."""
    if item.review in EDITABLE:
        return None
    return IllegalTransition(
        f"该条目{item.get_review_display()}，不能修改；如需修改请先退回",
        f"the row is {item.review} and cannot be changed: have it returned first",
    )


def _edit_problems(
    user: Any, item: LedgerItem, before: LedgerItem, expected_version: int | None
) -> list[PlanWatchError]:
    problems: list[PlanWatchError] = []
    if not can_write(user, before.locality) and before.locality_id != item.locality_id:
        problems.append(_not_yours(before.locality))
    if (frozen := not_editable(before)) is not None:
        problems.append(frozen)
    if expected_version is not None and expected_version != before.version:
        who = before.updated_by or "?"
        problems.append(
            Conflict(
                f"该条目已被 {who} 修改，请核对后重新保存",
                f"the item was changed by {who} since you opened it: check and save again",
            )
        )
    return problems


@dataclass
class _Prepared:
    """A row checked for saving: what refuses it, and its fields before (None: a new row)."""

    problems: list[PlanWatchError]
    old: dict[str, Any] | None


def _prepare(
    user: Any,
    item: LedgerItem,
    before: LedgerItem | None,
    expected_version: int | None,
    closed: Callable[[LedgerItem, set[int]], list[PeriodClosed]],
    writes: Callable[[Locality], bool],
) -> _Prepared | None:
    """Every check of saving `item` over `before` (the row as stored, locked; None: a new row), the
    item made ready to be written (its normalized name, state, version); None if it is saved
    unchanged. `closed` says which periods its years fall in are closed, `writes` whether the user
    may write the locality's rows (for many rows, with what they read loaded once)."""
    problems: list[PlanWatchError] = []
    if not writes(item.locality):
        problems.append(_not_yours(item.locality))
    if invalid := validation_problems(item):
        problems.append(InvalidRow(invalid))
    item.normalized_name = core.normalize_name(item.name)
    years = _counted_years(item)
    old = None
    if before is not None:
        old = before.snapshot()
        item.review = before.review
        if item.snapshot() == old:  # saved unchanged, whatever its state: nothing to write or audit
            return None  # (an exported ledger uploaded again with new rows added, its accepted rows as they were)
        problems += _edit_problems(user, item, before, expected_version)
        years |= _counted_years(before)
        item.version = before.version + 1
    else:
        item.created_by = user
        item.review = R.DRAFT
    return _Prepared([*problems, *closed(item, years)], old)


def _locked(pks: Iterable[int]) -> QuerySet[LedgerItem]:
    """The rows as stored, locked until the transaction ends."""
    return (
        LedgerItem.objects.select_for_update().select_related("locality", "ledger__plan").filter(pk__in=pks)
    )


@transaction.atomic
def save_item(
    user: Any,
    item: LedgerItem,
    *,
    via: audit.Via = audit.WEB,
    expected_version: int | None = None,
    today: dt.date | None = None,
    refresh: bool = True,
) -> LedgerItem:
    """Create or change an item, all or nothing: scope, the ledger's rules, its state (only a draft or
    returned row changes), the version the user read, the periods its dates fall in; then one audit
    event, and the duplicate flags refreshed (`save_items` saves many rows at once, and refreshes
    once at the end). A row saved unchanged writes nothing."""
    before = _locked([item.pk]).get() if item.pk else None
    prepared = _prepare(
        user,
        item,
        before,
        expected_version,
        lambda row, years: closed_periods(user, row, years, today),
        lambda locality: can_write(user, locality),
    )
    if prepared is None:
        assert before is not None
        return before
    refuse(prepared.problems)
    item.updated_by = user
    item.save()
    type = "ledger_row.update" if prepared.old else "ledger_row.create"
    _record(type, user, item, via=via, old=prepared.old, new=item.snapshot())
    if refresh:
        refresh_duplicates(item.ledger)
    return item


@dataclass
class ItemsSaved:
    """What `save_items` did: each row as saved (or as stored, if saved unchanged; None if refused),
    each refusal by the row's index, the numbers of rows created and changed."""

    items: list[LedgerItem | None]
    refusals: dict[int, PlanWatchError]
    created: int = 0
    updated: int = 0


def save_items(
    user: Any,
    ledger: LedgerType,
    items: Sequence[LedgerItem],
    *,
    via: audit.Via = audit.WEB,
    today: dt.date | None = None,
    write: bool = True,
    advance: Callable[[int], None] | None = None,
) -> ItemsSaved:
    """`save_item` for many rows of one ledger (an import), all or nothing: every row checked as
    save_item checks it (the same `_prepare`, the same messages), with what the checks read loaded
    once (the rows as stored, locked, in one query; the periods and their exceptions; the right to
    write each locality); then, if no row is refused and `write`, every row written in the caller's
    transaction by set-based statements (one INSERT for the new rows, one UPDATE for the changed
    ones) and their audit events chained and written at once (audit.record_rows, a COPY on
    PostgreSQL), in the order of the rows. The duplicate flags are the caller's to refresh, once.
    `advance` is told how many rows were checked, now and then."""
    out = ItemsSaved([], {})
    with transaction.atomic():
        stored = {b.pk: b for b in _locked([i.pk for i in items if i.pk]).filter(ledger=ledger)}
        periods = _periods_of(user, ledger.plan)
        may: dict[int, bool] = {}

        def writes(locality: Locality) -> bool:
            if locality.pk not in may:
                may[locality.pk] = can_write(user, locality)
            return may[locality.pk]

        def closed(row: LedgerItem, years: set[int]) -> list[PeriodClosed]:
            return [] if periods is None else closed_periods(user, row, years, today, periods)

        written: list[tuple[LedgerItem, dict[str, Any] | None]] = []
        seen: set[int] = set()
        for index, item in enumerate(items):
            if advance is not None and index % 500 == 0:
                advance(index)
            out.items.append(None)
            if item.pk in seen:  # the same row again: saved already, this is saved unchanged
                out.items[index] = item
                continue
            if item.pk:
                seen.add(item.pk)
            before = stored.get(item.pk) if item.pk else None
            if item.pk and before is None:
                out.refusals[index] = NotFound(
                    f"本台账没有编号 {item.pk}", f"no item {item.pk} in this ledger"
                )
                continue
            prepared = _prepare(user, item, before, None, closed, writes)
            if prepared is None:
                out.items[index] = before
                continue
            try:
                refuse(prepared.problems)
            except PlanWatchError as refused:
                out.refusals[index] = refused
                continue
            item.updated_by = user
            out.items[index] = item
            written.append((item, prepared.old))
        if write and not out.refusals:
            _write_items(user, written, via)
            out.created = sum(1 for _item, old in written if old is None)
            out.updated = len(written) - out.created
    return out


# The columns a changed row writes (all but its id and those a change leaves: when and by whom made).
_CHANGED = [
    f.name
    for f in LedgerItem._meta.concrete_fields
    if not f.primary_key and f.name not in {"created_at", "created_by", "ledger"}
]


def _write_items(user: Any, written: list[tuple[LedgerItem, dict[str, Any] | None]], via: audit.Via) -> None:
    """The rows of `save_items` written by set-based statements, then their audit events, in order."""
    now = timezone.now()
    for item, _old in written:
        item.updated_at = now
    LedgerItem.objects.bulk_create([item for item, old in written if old is None], batch_size=1000)
    LedgerItem.objects.bulk_update(
        [item for item, old in written if old is not None], _CHANGED, batch_size=500
    )
    audit.record_rows(
        [
            _event(
                "ledger_row.update" if old else "ledger_row.create",
                user,
                item,
                via=via,
                old=old,
                new=item.snapshot(),
                at=now,
            )
            for item, old in written
        ]
    )


# --- the row as a subject of the review kernel ------------------------------------------------------


def _guard(step: Step, items: Sequence[LedgerItem]) -> list[PlanWatchError]:
    """A submit needs the periods its dates fall in open; an accept, no unresolved duplicate."""
    problems: list[PlanWatchError] = []
    for item in items:
        if step.action == Action.SUBMIT:
            problems += closed_periods(step.user, item, _counted_years(item), step.today)
        if step.action == Action.ACCEPT and item.duplicate_flag:
            problems.append(
                IllegalTransition(
                    f"{item.name}：该条目疑似重复，请省级主管部门先处理重复项",
                    f"{item.name}: the row is flagged as a possible duplicate: resolve it first",
                )
            )
    return problems


LEDGER_ROW = SubjectKind(
    name="ledger_row",
    noun=("条目", "row"),
    model=LedgerItem,
    audit_subject=LedgerItem.audit_subject,
    state_field="review",
    levels=lambda item: len(item.locality.approval_chain()),
    guard=_guard,
    queryset=lambda: LedgerItem.objects.select_related("ledger__plan", "locality__plan", "locality__parent"),
)


def move(
    user: Any,
    item: LedgerItem,
    action: str,
    *,
    comment: str = "",
    via: audit.Via = audit.WEB,
    today: dt.date | None = None,
) -> LedgerItem:
    """Move one row by `action` through the review kernel; the row as it is now."""
    moved = transition(LEDGER_ROW, user, [item], action, comment=comment, via=via, today=today)
    return moved.subjects[0]  # type: ignore[no-any-return]


def submit_item(
    user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB, today: dt.date | None = None
) -> LedgerItem:
    """The locality sends a draft (or returned) row for approval."""
    return move(user, item, Action.SUBMIT, via=via, today=today)


def approve_item(user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB) -> LedgerItem:
    """The locality's approver signs off a submitted row."""
    return move(user, item, Action.APPROVE, via=via)


def accept_item(user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB) -> LedgerItem:
    """The province (or a lead unit of an indicator the ledger feeds) accepts an approved row: it
    then counts in the derived values. A row flagged as a possible duplicate is resolved first."""
    return move(user, item, Action.ACCEPT, via=via)


def return_item(user: Any, item: LedgerItem, comment: str, *, via: audit.Via = audit.WEB) -> LedgerItem:
    """Send a row back to the locality with a comment: a submitted one by its approver, an approved
    one by whoever may accept it, an accepted one by the province only."""
    return move(user, item, Action.RETURN, comment=comment, via=via)


TRANSITIONS = {"submit": submit_item, "approve": approve_item, "accept": accept_item}


def may_delete(user: Any, item: LedgerItem) -> bool:
    """A draft, never submitted and so never counted, may be deleted by those who write its
    locality; any other row stays and is cancelled instead (its status), so that counts can be traced."""
    return has_perm("ledger_row.delete", user, item)


@transaction.atomic
def delete_item(user: Any, item: LedgerItem, *, via: audit.Via = audit.WEB) -> None:
    """Delete a draft row (entered by mistake). The audit keeps what it was, who deleted it and when;
    its evidence files go with it."""
    item = LEDGER_ROW.queryset().select_for_update(of=("self",)).get(pk=item.pk)  # type: ignore[misc]
    check_write(user, item.locality)
    if item.review != R.DRAFT:
        raise IllegalTransition(
            "只有从未提交的草稿可以删除；其他条目请将状态改为“已取消”",
            "only a draft that was never submitted can be deleted; set other rows' status to cancelled",
        )
    files = [e.file for e in item.evidence.all()]
    _record("ledger_row.delete", user, item, via=via, old=item.snapshot())
    ledger = item.ledger
    item.delete()

    def delete_files() -> None:  # only once the rows are gone for good
        for f in files:
            if f.name:
                f.storage.delete(f.name)

    transaction.on_commit(delete_files)
    refresh_duplicates(ledger)


@transaction.atomic
def move_all(
    user: Any,
    items: Iterable[LedgerItem],
    action: str,
    *,
    via: audit.Via = audit.WEB,
    moved_items: list[LedgerItem] | None = None,
) -> tuple[int, int]:
    """Submit, approve or accept every row of `items` this user may move that way now, all or
    nothing (a refused row, e.g. one dated in a locked period, refuses the lot); the rows the user
    may not move are left alone. Returns (moved, left alone); the rows moved are appended to
    `moved_items` when given (for stale_values after an accept)."""
    items = list(items)
    mine = [item for item in items if LEDGER_ROW.may(user, item, action)]
    if mine:
        moved = transition(LEDGER_ROW, user, mine, action, via=via).subjects
        if moved_items is not None:
            moved_items += moved
    return len(mine), len(items) - len(mine)


def allowed_actions(user: Any, item: LedgerItem) -> list[str]:
    """The transitions this user may take on the row now (for the buttons; the kernel checks)."""
    return LEDGER_ROW.actions(user, item)


# --- evidence ---------------------------------------------------------------------------------------


@transaction.atomic
def attach_evidence(user: Any, item: LedgerItem, upload: UploadedFile) -> LedgerEvidence:
    """Store a checked file (see planwatch.reporting.evidence) on a row the user may write."""
    check_write(user, item.locality)
    refuse([problem] if (problem := evidence_problem(upload)) else [])
    evidence = LedgerEvidence(item=item, **evidence_fields(upload, user))
    evidence.file.save(evidence.original_name, upload, save=False)
    evidence.save()
    _record("ledger_row.attach", user, item, comment=evidence.original_name)
    return evidence


def history_of(item: LedgerItem) -> QuerySet[AuditEvent]:
    """A row's events, newest first."""
    return AuditEvent.objects.filter(subject_type="ledger_row", subject_id=str(item.pk)).order_by(
        "-at", "-id"
    )


# --- duplicates -------------------------------------------------------------------------------------


def refresh_duplicates(ledger: LedgerType) -> int:
    """Set the duplicate flag on every item of a group that the province has not resolved."""
    rows = list(
        ledger.items.exclude(status=LedgerItem.Status.MERGED).values_list(
            "pk", "locality_id", "identifier", "normalized_name", "duplicate_kept"
        )
    )
    groups = core.duplicate_groups((pk, str(loc), ident, name) for pk, loc, ident, name, _ in rows)
    flagged = {pk for group in groups for pk in group}
    kept = {pk for pk, *_, k in rows if k}
    flagged -= kept
    ledger.items.exclude(pk__in=flagged).filter(duplicate_flag=True).update(duplicate_flag=False)
    ledger.items.filter(pk__in=flagged, duplicate_flag=False).update(duplicate_flag=True)
    return len(flagged)


def _similar_q(item: LedgerItem) -> Q:
    """The rows that look like `item` (core.duplicate_groups: the same identifier anywhere, or the
    same normalized name in the same locality)."""
    same_name = Q(normalized_name=item.normalized_name, locality_id=item.locality_id)
    identifier = item.identifier.strip()
    return same_name | Q(identifier__iexact=identifier) if identifier else same_name


def similar_items(user: Any, item: LedgerItem) -> QuerySet[LedgerItem]:
    """The rows the user may see (`visible_items`) that look like `item`: a hidden row (another
    locality's draft) is never named, nor counted, to someone who may not see it."""
    others = item.ledger.items.exclude(pk=item.pk).exclude(status=LedgerItem.Status.MERGED)
    return visible_items(user, others.filter(_similar_q(item))).select_related("locality")


def seen_duplicates(user: Any, items: Iterable[LedgerItem]) -> set[int]:
    """The flagged rows of `items` that the user sees flagged: those with a similar row the user may
    see (one query). A row flagged only because of a hidden row reads as not flagged."""
    flagged = [i for i in items if i.duplicate_flag]
    if not flagged:
        return set()
    found = Q()
    for item in flagged:
        found |= _similar_q(item)
    ledger_ids = {i.ledger_id for i in flagged}
    rows = visible_items(
        user, LedgerItem.objects.filter(ledger_id__in=ledger_ids).exclude(status=LedgerItem.Status.MERGED)
    ).filter(found)
    others = list(rows.values_list("pk", "ledger_id", "locality_id", "identifier", "normalized_name"))
    return {
        i.pk
        for i in flagged
        if any(
            pk != i.pk
            and ledger == i.ledger_id
            and (
                (ident.strip() and ident.strip().upper() == i.identifier.strip().upper())
                or (name == i.normalized_name and loc == i.locality_id)
            )
            for pk, ledger, loc, ident, name in others
        )
    }


def _require_province(user: Any) -> None:
    if not has_perm("ledger.resolve_duplicates", user):
        raise NotAllowed("只有省级主管部门可以处理重复项", "only the province resolves duplicates")


@transaction.atomic
def keep_both(user: Any, item: LedgerItem) -> None:
    """The province decides the flagged item is not a duplicate."""
    _require_province(user)
    item.duplicate_kept, item.duplicate_flag = True, False
    item.save(update_fields=["duplicate_kept", "duplicate_flag", "updated_at"])
    _record("ledger_row.keep", user, item)
    refresh_duplicates(item.ledger)


@transaction.atomic
def merge(user: Any, duplicate: LedgerItem, into: LedgerItem) -> None:
    """The province merges a duplicate into the item kept; the duplicate no longer counts."""
    _require_province(user)
    if duplicate.pk == into.pk or duplicate.ledger_id != into.ledger_id:
        raise IllegalTransition("不能这样合并", "cannot merge these items")
    old = duplicate.snapshot()
    duplicate.status, duplicate.merged_into, duplicate.duplicate_flag = LedgerItem.Status.MERGED, into, False
    duplicate.version += 1
    duplicate.updated_by = user
    duplicate.save()
    _record(
        "ledger_row.merge", user, duplicate, old=old, new={**duplicate.snapshot(), "merged_into": into.pk}
    )
    refresh_duplicates(duplicate.ledger)


# --- derivation ---------------------------------------------------------------------------------------


def counted_items(
    ledger: LedgerType, *, accepted_only: bool = False, within: QuerySet[LedgerItem] | None = None
) -> QuerySet[LedgerItem]:
    """The rows that may count: not merged away, not cancelled (and accepted, if asked), among
    `within` (e.g. the rows a user may see) when given."""
    items = (within if within is not None else ledger.items.all()).filter(ledger=ledger)
    items = items.exclude(status__in=[LedgerItem.Status.MERGED, LedgerItem.Status.CANCELLED])
    return items.filter(review=R.ACCEPTED) if accepted_only else items


def including(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Pilot unit code → the pilot units whose figures include it (顺德区 → (佛山市,)): a row entered
    under 顺德区 counts for 顺德区 and for 佛山市 (and so once in the region, whose total leaves 顺德区
    out). The hierarchy's rule (planwatch.core.hierarchy), on the plan's localities: one query."""
    return hierarchy.including(hierarchy_nodes(list(plan.localities.all())))


def counted_localities(plan: Plan, locality: Locality) -> list[str]:
    """The codes of the pilot units whose rows count for `locality`: itself and those inside it."""
    return [locality.code, *(code for code, outer in including(plan).items() if locality.code in outer)]


def _core_items(
    ledger: LedgerType, accepted_only: bool, within: QuerySet[LedgerItem] | None = None
) -> list[tuple[core.Item, dict[str, Any]]]:
    rows = counted_items(ledger, accepted_only=accepted_only, within=within).values_list(
        "pk", "locality__code", "investment", "signed_on", "started_on", "producing_on", "dates", "attributes"
    )
    out = []
    for pk, code, inv, signed, started, producing, dates, attributes in rows:
        other = {k: dt.date.fromisoformat(v) for k, v in (dates or {}).items() if v}
        out.append((core.Item(pk, code, inv, signed, started, producing, other), attributes or {}))
    return out


def _years(ledger: LedgerType) -> tuple[int, int]:
    plan = ledger.plan
    return plan.start_year, plan.last_year


def _threshold(ledger: LedgerType) -> Decimal:
    if ledger.threshold is not None:
        return Decimal(ledger.threshold)
    return core.THRESHOLD_WAN_YUAN if ledger.has_investment and not ledger.stages else Decimal(0)


def derive_counts(
    ledger: LedgerType, *, accepted_only: bool = False, within: QuerySet[LedgerItem] | None = None
) -> core.Counts:
    """Counts keyed by (locality code, year, stage), from the plan's start year to its end year.
    A stage is counted as a stock where a feed of it says so."""
    start, end = _years(ledger)
    stock = {f["stage"] for f in ledger.feeds if f.get("count") == "stock"}
    items = [i for i, _a in _core_items(ledger, accepted_only, within)]
    counts = core.derive(items, start, end, _threshold(ledger), ledger.stage_codes, stock)
    return core.roll_up(counts, including(ledger.plan))


def feed_counts(
    ledger: LedgerType,
    *,
    accepted_only: bool = False,
    within: QuerySet[LedgerItem] | None = None,
    inside: Mapping[str, Sequence[str]] | None = None,
) -> core.Counts:
    """Counts keyed by (locality code, year, indicator code): each feed's stage, over the rows its
    `where` selects. A locality's counts include the rows of the pilot units inside it (`including`)."""
    inside = including(ledger.plan) if inside is None else inside
    return _feed_counts_of(ledger, _core_items(ledger, accepted_only, within), inside)


def _feed_counts_of(
    ledger: LedgerType,
    items: list[tuple[core.Item, dict[str, Any]]],
    inside: Mapping[str, Sequence[str]] | None = None,
) -> core.Counts:
    start, end = _years(ledger)
    out: core.Counts = {}
    for feed in ledger.feeds:
        chosen = [i for i, attrs in items if all(attrs.get(k) == v for k, v in feed.get("where", {}).items())]
        stock = [feed["stage"]] if feed.get("count") == "stock" else []
        counts = core.derive(chosen, start, end, _threshold(ledger), ledger.stage_codes, stock)
        for (loc, year, stage), cell in counts.items():
            if stage == feed["stage"]:
                out[(loc, year, feed["indicator"])] = cell
    return core.roll_up(out, inside) if inside else out


def rows_behind(
    ledger: LedgerType,
    locality: Locality,
    year: int,
    key: str,
    kind: str,
    *,
    accepted_only: bool = False,
    within: QuerySet[LedgerItem] | None = None,
) -> list[int]:
    """The ids of exactly the rows behind one derived number (kind: "new" or "cumulative"); `key` is
    a stage of the ledger or an indicator it feeds."""
    if key in ledger.stage_codes:
        cell = derive_counts(ledger, accepted_only=accepted_only, within=within).get(
            (locality.code, year, key)
        )
    else:
        cell = feed_counts(ledger, accepted_only=accepted_only, within=within).get((locality.code, year, key))
    if cell is None:
        return []
    return list(cell.new if kind == "new" else cell.cumulative)


def derive_values(
    plan: Plan,
    year: int,
    user: Any,
    *,
    today: dt.date | None = None,
    ledgers: list[LedgerType] | None = None,
    localities: Iterable[Locality] | None = None,
) -> Written:
    """Write each feed's count of **accepted** rows (cumulative from the plan's start, or the stock)
    as its indicator's value for `year`, for each pilot locality the user may enter (of
    `localities`, when given: the entry form writes its own locality's only), where the yearly
    period exists and is open. The values are drafts of the reporting workflow (source ledger); a
    locality whose value is already submitted or accepted is skipped. The ledger is the record: a
    locality with no accepted row gets 0."""
    result = Written()
    period = Period.objects.filter(plan=plan, code=str(year)).first()
    if period is None:
        result.skipped.append(("*", f"没有 {year} 年的填报期", f"no period {year}"))
        return result
    ledgers = ledgers if ledgers is not None else ensure_default_ledgers(plan)
    counts: core.Counts = {}
    codes: list[str] = []
    inside = including(plan)
    for ledger in ledgers:
        counts.update(feed_counts(ledger, accepted_only=True, inside=inside))
        codes += [f["indicator"] for f in ledger.feeds]
    indicators = {i.code: i for i in plan.indicators.filter(code__in=codes)}
    ordered = [indicators[c] for c in codes if c in indicators]
    pilots = plan.localities.filter(pilot=True).order_by("order")
    if localities is not None:
        pilots = pilots.filter(pk__in=[loc.pk for loc in localities])
    for locality in pilots:
        mine = [i for i in ordered if wf.may_enter(user, locality, i)]
        if not mine:
            continue
        if not period.is_open_for(locality.pk, today or dt.date.today()):
            result.skipped.append((locality.code, "填报期已关闭", "period closed"))
            continue
        current = {v.indicator_id: v for v in ReportedValue.objects.filter(locality=locality, period=period)}
        entries = []
        locked: list[tuple[str, ReportedValue]] = []
        for indicator in mine:
            cell = counts.get((locality.code, year, indicator.code))
            value = len(cell.cumulative) if cell else 0
            existing = current.get(indicator.pk)
            if existing is not None and existing.value == value:
                continue
            if existing is not None and existing.status not in EDITABLE:
                # Submitted, approved or accepted: the workflow's own rules say what may change it.
                locked.append((indicator.code, existing))
                continue
            entries.append(wf.Entry(indicator, Decimal(value), existing.version if existing else None))
        if locked:
            accepted = [c for c, v in locked if v.status == ReportedValue.Status.ACCEPTED]
            pending = [c for c, v in locked if v.status != ReportedValue.Status.ACCEPTED]
            if accepted:
                result.skipped.append(
                    (
                        locality.code,
                        f"{'、'.join(accepted)} 已确认，不能修改；如需更改请提交修订申请",
                        f"{', '.join(accepted)}: accepted and cannot be changed; request a revision",
                    )
                )
            if pending:
                result.skipped.append(
                    (
                        locality.code,
                        f"{'、'.join(pending)} 已提交或已审核，不能修改；如需修改请先退回",
                        f"{', '.join(pending)}: submitted or approved and cannot be changed; have it returned first",
                    )
                )
        if not entries:
            continue
        try:
            wf.save_values(
                user,
                locality,
                period,
                entries,
                via=wf.Via(source=ReportedValue.Source.LEDGER),
                today=today,
            )
        except wf.WorkflowError as exc:
            result.skipped.append((locality.code, exc.zh, exc.en))
            continue
        result.written += [(locality.code, e.indicator.code, int(e.value or 0)) for e in entries]
    return result


def accepted_counts(plan: Plan, locality: Locality, year: int) -> dict[str, int]:
    """Indicator code → the count of accepted rows that derive_values writes for one locality and
    year: its own rows and those of the pilot units inside it. One query (the rows, with their
    ledger's declaration); an indicator of a ledger without such rows is absent (0)."""
    rows = (
        LedgerItem.objects.filter(ledger__plan=plan, review=R.ACCEPTED)
        .filter(Q(locality_id=locality.pk) | inside_q(locality.pk))
        .exclude(status__in=[LedgerItem.Status.MERGED, LedgerItem.Status.CANCELLED])
        .values_list(
            "ledger_id",
            "ledger__feeds",
            "ledger__stages",
            "ledger__threshold",
            "ledger__has_investment",
            "pk",
            "investment",
            "signed_on",
            "started_on",
            "producing_on",
            "dates",
            "attributes",
        )
    )
    ledgers: dict[int, LedgerType] = {}
    items: dict[int, list[tuple[core.Item, dict[str, Any]]]] = {}
    for (
        lid,
        feeds,
        stages,
        threshold,
        has_inv,
        pk,
        inv,
        signed,
        started,
        producing,
        dates,
        attributes,
    ) in rows:
        if lid not in ledgers:
            ledgers[lid] = LedgerType(
                pk=lid, plan=plan, feeds=feeds, stages=stages, threshold=threshold, has_investment=has_inv
            )
            items[lid] = []
        other = {k: dt.date.fromisoformat(v) for k, v in (dates or {}).items() if v}
        # Counted as the locality's own: the rows inside it count for it.
        items[lid].append(
            (core.Item(pk, locality.code, inv, signed, started, producing, other), attributes or {})
        )
    out: dict[str, int] = {}
    for lid, lt in ledgers.items():
        counts = _feed_counts_of(lt, items[lid])
        for feed in lt.feeds:
            cell = counts.get((locality.code, year, feed["indicator"]))
            out[feed["indicator"]] = len(cell.cumulative) if cell else 0
    return out


def unwritten_values(
    plan: Plan,
    locality: Locality,
    period: Period,
    user: Any,
    *,
    today: dt.date | None = None,
    counts: dict[str, int] | None = None,
) -> list[Unwritten]:
    """The ledger-fed values of one locality and yearly period that derive_values would write for
    this user now: not written yet, or a draft (or returned value) that no longer equals the
    accepted rows' count. Empty when the period is not a year's, is closed for the locality, or the
    user may enter none of them (the entry form's button shows only when this is not empty).
    `counts`: accepted_counts, when the caller has them already."""
    if period.code != str(period.year) or not period.is_open_for(locality.pk, today or dt.date.today()):
        return []
    codes = [f["indicator"] for lt in ensure_default_ledgers(plan) for f in lt.feeds]
    indicators = {i.code: i for i in plan.indicators.filter(code__in=codes)}
    mine = [indicators[c] for c in dict.fromkeys(codes) if c in indicators]
    mine = [i for i in mine if wf.may_enter(user, locality, i)]
    if not mine:
        return []
    counts = counts if counts is not None else accepted_counts(plan, locality, period.year)
    current = {
        v.indicator_id: v
        for v in ReportedValue.objects.filter(locality=locality, period=period, indicator__in=mine)
    }
    out = []
    for indicator in mine:
        count = counts.get(indicator.code, 0)
        existing = current.get(indicator.pk)
        if existing is None or existing.value is None:
            out.append(Unwritten(indicator.code, count, None))
        elif existing.status in EDITABLE and existing.value != count:
            out.append(Unwritten(indicator.code, count, existing.value))
    return out


@dataclass(frozen=True)
class Stale:
    """A ledger-fed value already submitted, approved or accepted that no longer equals the count
    of accepted rows (rows were accepted, or returned, since it was written)."""

    locality: Locality
    year: int
    indicator: str
    count: int
    value: Decimal | None
    status: str


def stale_values(ledger: LedgerType, items: Iterable[LedgerItem]) -> list[Stale]:
    """After rows of `ledger` were accepted: the values these rows count in (their locality and the
    pilot units including it, the years from their stage's year to the plan's last, the feeds whose
    `where` they match) that are already submitted, approved or accepted and now differ from the
    count of accepted rows. Empty when there is none (the usual case: values still drafts)."""
    items = list(items)
    if not items:
        return []
    plan = ledger.plan
    start, end = _years(ledger)
    inside = including(plan)
    keys: set[tuple[str, int, str]] = set()
    for item in items:
        places = [item.locality.code, *inside.get(item.locality.code, [])]
        for feed in ledger.feeds:
            if any((item.attributes or {}).get(k) != v for k, v in feed.get("where", {}).items()):
                continue
            date = item.stage_date(feed["stage"])
            if date is None or date.year > end:
                continue
            first = max(date.year, start)
            keys |= {(place, year, feed["indicator"]) for place in places for year in range(first, end + 1)}
    if not keys:
        return []
    values = list(
        ReportedValue.objects.filter(
            indicator__plan=plan,
            indicator__code__in={k[2] for k in keys},
            locality__code__in={k[0] for k in keys},
            period__code__in=[str(y) for y in {k[1] for k in keys}],
            status__in=REPORTED,
        ).select_related("indicator", "locality", "period")
    )
    values = [v for v in values if (v.locality.code, int(v.period.code), v.indicator.code) in keys]
    if not values:
        return []
    counts = feed_counts(ledger, accepted_only=True, inside=inside)
    out = []
    for v in values:
        cell = counts.get((v.locality.code, int(v.period.code), v.indicator.code))
        count = len(cell.cumulative) if cell else 0
        if v.value != count:
            out.append(Stale(v.locality, int(v.period.code), v.indicator.code, count, v.value, v.status))
    out.sort(key=lambda s: (s.locality.order, s.locality.code, s.year, s.indicator))
    return out


def stale_message(stale: list[Stale]) -> tuple[str, str] | None:
    """What to say, in Chinese and English, about values left behind by accepted rows:
    "珠海市 2020 年 I01、I02 已提交或已确认，与台账计数不一致：请申请修订"."""
    if not stale:
        return None
    groups: dict[tuple[int, str, tuple[str, ...]], list[int]] = {}
    years: dict[tuple[int, str], dict[int, list[str]]] = {}
    places: dict[int, Locality] = {}
    for s in stale:
        places[s.locality.pk] = s.locality
        years.setdefault((s.locality.pk, s.status), {}).setdefault(s.year, []).append(s.indicator)
    for (pk, status), by_year in years.items():
        for year, codes in by_year.items():
            groups.setdefault((pk, status, tuple(sorted(codes))), []).append(year)
    zh: list[str] = []
    en: list[str] = []
    for (pk, status, inds), yrs in groups.items():
        loc = places[pk]
        y = "、".join(str(x) for x in sorted(yrs))
        y_en = ", ".join(str(x) for x in sorted(yrs))
        if status == ReportedValue.Status.ACCEPTED:
            zh.append(f"{loc.name_zh} {y} 年 {'、'.join(inds)} 已提交或已确认，与台账计数不一致：请申请修订")
            en.append(
                f"{loc.name_en} {y_en}: {', '.join(inds)} already accepted, now differ from the ledger "
                "count: request a revision"
            )
        else:
            zh.append(
                f"{loc.name_zh} {y} 年 {'、'.join(inds)} 已提交或已确认，与台账计数不一致：请退回后从台账重新写入"
            )
            en.append(
                f"{loc.name_en} {y_en}: {', '.join(inds)} already submitted, now differ from the ledger "
                "count: have them returned, then write them from the ledger"
            )
    return "；".join(zh), "; ".join(en)


def entry_year(plan: Plan, user: Any, *, today: dt.date | None = None) -> int | None:
    """The latest year whose yearly period is open for entry for this user: for the pilot units
    whose ledger-fed values the user may enter (a locality's users: their own), or, for a user who
    enters none (viewers, reviewers), for any pilot unit. None when no year's period is open."""
    today = today or dt.date.today()
    pilots = list(plan.localities.filter(pilot=True))
    fed = list(plan.indicators.filter(ledger_types__isnull=False).distinct())
    mine = [loc for loc in pilots if any(wf.may_enter(user, loc, i) for i in fed)] or pilots
    periods = Period.objects.filter(
        plan=plan, year__gte=plan.start_year, year__lte=plan.last_year
    ).prefetch_related("exceptions")
    for period in sorted(periods, key=lambda p: p.year, reverse=True):
        if period.code != str(period.year):
            continue
        exceptions = {e.locality_id: e.open_until for e in period.exceptions.all()}
        if any(period.is_open_for(loc.pk, today, exceptions) for loc in mine):
            return period.year
    return None


def bulk_actions(user: Any, ledger: LedgerType, items: QuerySet[LedgerItem]) -> list[str]:
    """The list's "move every row" buttons this user may use on `items` (the filtered list, all its
    pages): submit where some row is a draft or returned of a locality the user writes, approve
    where some row is submitted in a locality the user approves, accept where some row is approved
    and the user may accept the ledger's rows. As allowed_actions, row by row; the functions check."""
    pilots = list(ledger.plan.localities.filter(pilot=True))
    out = []
    writes = [loc.pk for loc in pilots if can_write(user, loc)]
    if writes and items.filter(review__in=EDITABLE, locality_id__in=writes).exists():
        out.append("submit")
    approves = [loc.pk for loc in pilots if has_perm("locality.approve", user, loc)]
    if approves and items.filter(review=R.SUBMITTED, locality_id__in=approves).exists():
        out.append("approve")
    if may_accept(user, ledger) and items.filter(review=R.APPROVED).exists():
        out.append("accept")
    return out
