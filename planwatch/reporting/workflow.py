"""Reported values as subjects of the review kernel, and the actions that change them.

draft → submitted → approved → accepted, with returns, is the kernel's (planwatch.kernel.review);
this module says what is particular to a value: what may be saved (`save_values`, which checks every
entry and refuses with every problem at once), what a submit needs (the period open, every value
there, a comment on each warning), what follows a return (the comment kept beside the value), and
how an accepted value is revised (`request_revision`, `decide_revision`). The web form, the Excel
import, the data value sets of the API and the ledgers all call these functions: none of them checks
anything again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from planwatch.accounts import permissions
from planwatch.accounts.permissions import has_perm, value_scope
from planwatch.core import copytext, validation
from planwatch.core.errors import (
    CommentRequired,
    Conflict,
    IllegalTransition,
    Issue,
    Kind,
    Locked,
    NotAllowed,
    PeriodClosed,
    PlanWatchError,
    refuse,
)
from planwatch.core.kinds import KINDS, YEARLY, CheckKind, IndicatorKind
from planwatch.core.numbers import plain
from planwatch.core.validation import InvalidValues
from planwatch.kernel import audit
from planwatch.kernel.review import EDITABLE, MOVES, REPORTED, Action, State, Step, SubjectKind, transition
from planwatch.notifications.delivery import notify
from planwatch.notifications.people import called, locality_users, who_may
from planwatch.plans import revision as data_revision
from planwatch.plans.models import CrossCheck, Indicator, IndicatorComponent, Locality, Plan
from planwatch.reporting import freshness
from planwatch.reporting.evidence import evidence_fields, evidence_problem
from planwatch.reporting.models import (
    Evidence,
    Period,
    PeriodException,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)

__all__ = [
    "DRAFT_LIKE",
    "EDITABLE",
    "REPORTED",
    "VALUE",
    "CommentRequired",
    "Conflict",
    "Entry",
    "IllegalTransition",
    "InvalidValues",
    "NotAllowed",
    "PeriodClosed",
    "SaveResult",
    "Status",
    "Via",
    "WorkflowError",
    "accept",
    "add_comment",
    "approve",
    "decide_revision",
    "findings_of",
    "request_revision",
    "return_values",
    "save_values",
    "submit",
]

Status = ReportedValue.Status
Source = ReportedValue.Source
Via = audit.Via
WEB = audit.WEB
WorkflowError = PlanWatchError  # what every refusal of this module is
DRAFT_LIKE = list(EDITABLE)


# --- inputs and results -------------------------------------------------------------------------

FREQUENCY_ZH = {"yearly": "每年", "quarterly": "每季度", "monthly": "每月"}
# An entry sent without the version its sender read (a data value set without versions): it may
# create a value or change one its own user wrote last; a value someone else wrote is a conflict.
OWN_VERSION = -2


@dataclass(frozen=True)
class Entry:
    """One value to save. `expected_version` is the version the user saw (None: a new value;
    OWN_VERSION: whatever the user wrote last). An Excel upload says instead the value its
    template showed (`read`): what changed since is someone else's only if the value did."""

    indicator: Indicator
    value: Decimal | None
    expected_version: int | None = None
    comment: str = ""
    read: Read | None = None


@dataclass(frozen=True)
class Read:
    """The value a user read before writing (in an exported template); None: there was none."""

    value: Decimal | None


@dataclass
class SaveResult:
    saved: list[ReportedValue] = field(default_factory=list)  # written (new or changed)
    created: list[ReportedValue] = field(default_factory=list)  # of those, the new ones
    unchanged: list[ReportedValue] = field(default_factory=list)  # sent as they were: nothing written
    commented: list[ReportedValue] = field(default_factory=list)  # a new comment added
    warnings: list[validation.Finding] = field(default_factory=list)
    # The entries that change something (a new value, another value, a new comment), whichever way
    # they are written: what an import reports when the values were written by set-based statements.
    changes: list[Entry] = field(default_factory=list)


# --- what the checks need -----------------------------------------------------------------------


def outlier_settings() -> validation.OutlierSettings:
    return validation.OutlierSettings(
        z_score=settings.PLANWATCH_OUTLIER_Z_SCORE,
        jump_percent=settings.PLANWATCH_OUTLIER_JUMP_PERCENT,
        jump_points=settings.PLANWATCH_OUTLIER_JUMP_POINTS,
    )


def rules_of(indicator: Indicator) -> validation.IndicatorRules:
    return validation.IndicatorRules(indicator.code, IndicatorKind(indicator.kind), indicator.unit)


def cross_rules(plan: Plan) -> list[validation.CrossRule]:
    return [
        validation.CrossRule(
            c.code,
            CheckKind(c.kind),
            c.left.code,
            c.right.code,
            c.share.code if c.share else None,
            c.tolerance,
            c.text_zh,
            c.text_en,
        )
        for c in CrossCheck.objects.filter(plan=plan).select_related("left", "right", "share")
    ]


def history_of(indicator_ids: Iterable[int], locality: Locality, period: Period) -> dict[int, list[Decimal]]:
    """Each indicator's earlier values for this locality, oldest first (same frequency only)."""
    rows = (
        ReportedValue.objects.filter(
            indicator_id__in=list(indicator_ids),
            locality=locality,
            period__frequency=period.frequency,
            period__starts_on__lt=period.starts_on,
            value__isnull=False,
        )
        .exclude(status__in=DRAFT_LIKE)
        .order_by("period__starts_on")
        .values_list("indicator_id", "value")
    )
    out: dict[int, list[Decimal]] = {}
    for indicator_id, value in rows:
        if value is not None:
            out.setdefault(indicator_id, []).append(value)
    return out


def required_indicators(period: Period) -> QuerySet[Indicator]:
    return period.plan.indicators.filter(frequency=period.frequency)


def visible_values(user: Any, values: QuerySet[ReportedValue]) -> QuerySet[ReportedValue]:
    """The values of `values` the user may see: the rule `value.view` as a query."""
    scope = value_scope(user)
    return values if scope is None else values.filter(scope)


def ledger_fed(indicators: Iterable[Indicator]) -> dict[int, str]:
    """The indicators counted from a ledger (the plan file's `ledgers:`, planwatch.ledgers), by id,
    with the ledger's code: their values come from the ledger's rows (source ledger) and are never
    typed by hand while the setting PLANWATCH_LEDGER_DERIVED_ONLY is on (the default;
    docs/ledgers.md); when it is off, none. One query."""
    if not settings.PLANWATCH_LEDGER_DERIVED_ONLY:
        return {}
    ids = [i.pk for i in indicators]
    return dict(
        Indicator.objects.filter(pk__in=ids, ledger_types__isnull=False).values_list(
            "pk", "ledger_types__code"
        )
    )


def ledger_derived(indicators: Iterable[Indicator]) -> set[int]:
    """The ids of ledger_fed(indicators)."""
    return set(ledger_fed(indicators))


def may_enter(user: Any, locality: Locality, indicator: Indicator) -> bool:
    """The rule `value.enter` for a value that may not exist yet."""
    return has_perm("value.enter", user, ReportedValue(locality=locality, indicator=indicator))


def may_accept(user: Any, indicator: Indicator) -> bool:
    """The rule `value.accept` for an indicator's values."""
    return has_perm("value.accept", user, ReportedValue(indicator=indicator))


def ensure_open(
    period: Period,
    locality: Locality,
    today: dt.date | None = None,
    exceptions: dict[int, dt.date] | None = None,
) -> None:
    """Refused unless the period is open for the locality (`exceptions`: the period's, if read)."""
    today = today or timezone.localdate()
    if period.not_started(today):
        raise PeriodClosed(
            f"{period.code} 填报期尚未开始，{period.starts_on} 起开放填报",
            f"period {period.code} has not started: entry opens on {period.starts_on}",
        )
    if not period.is_open_for(locality.pk, today, exceptions):
        raise PeriodClosed(
            f"{period.code} 填报期已关闭（{period.locks_on}），如需补报请联系省级主管部门开放",
            f"period {period.code} closed for entry on {period.locks_on}: ask the province for an exception",
        )


def _check_scope(locality: Locality, period: Period) -> None:
    if refusal := locality.not_a_pilot(period.plan_id):
        raise refusal


def _name(user: Any) -> str:
    return getattr(user, "username", "") or "?"


def _on(error: PlanWatchError, indicator: str) -> PlanWatchError:
    """The error, said of one indicator (so that an importer can name its cell or row)."""
    error.indicator = indicator
    return error


def locked_error(value: ReportedValue) -> Locked:
    """A submitted, approved or accepted value cannot be written: the one wording for every input."""
    code = value.indicator.code
    accepted = value.status == Status.ACCEPTED
    return Locked(
        f"{code} {value.get_status_display()}，不能修改"
        + ("；如需更改请提交修订申请" if accepted else "；如需修改请先退回"),
        f"{code} is {value.status} and cannot be changed"
        + ("; request a revision" if accepted else "; have it returned first"),
    )


def conflict_error(code: str, current: ReportedValue | None) -> Conflict:
    """Someone changed the value since it was read: its current value, who and its version."""
    if current is None:
        return Conflict(
            f"{code} 尚无数值（版本 0），请刷新后重新保存",
            f"{code} has no value yet (version 0): reload and save again",
        )
    shown = "—" if current.value is None else f"{current.value.normalize():f}"
    by = _name(current.updated_by)
    return Conflict(
        f"{code} 已被 {by} 修改为 {shown}，请核对后重新保存（当前版本 {current.version}）",
        f"{code} was changed by {by} to {shown} since you opened it: check it and save again "
        f"(current version {current.version})",
    )


def unread_conflict(code: str, current: ReportedValue) -> Conflict:
    """A value sent without a version over one someone else wrote: the sender cannot have read it."""
    shown = "—" if current.value is None else f"{current.value.normalize():f}"
    by = _name(current.updated_by)
    return Conflict(
        f"{code} 最近由 {by} 修改为 {shown}（当前版本 {current.version}），未附版本号不能覆盖："
        "请核对后附上所读的版本号重新提交",
        f"{code} was last changed by {by} to {shown} (current version {current.version}): "
        "without a version it is not overwritten; check it and send the version you read",
    )


# --- saving -------------------------------------------------------------------------------------


def _scope_problems(
    user: Any,
    locality: Locality,
    period: Period,
    entry: Entry,
    current: ReportedValue | None,
    enters: Callable[[Locality, Indicator], bool] | None = None,
) -> list[PlanWatchError]:
    """What refuses an entry whatever its value: another plan's indicator, another period's, an
    indicator the user may not report here (even sent unchanged). `enters`: the rule `value.enter`
    answered once per locality and indicator (it asks for nothing else of the value), for a set of
    many values."""
    ind = entry.indicator
    if ind.plan_id != period.plan_id:
        return [NotAllowed(f"{ind.code} 不属于本方案", f"{ind.code} is not of this plan")]
    if ind.frequency != period.frequency:
        wrong = IllegalTransition(
            f"指标 {ind.code} 不在期间 {period.code} 填报（填报频率：{FREQUENCY_ZH.get(ind.frequency, ind.frequency)}）",
            f"indicator {ind.code} is not reported for period {period.code} (it is reported {ind.frequency})",
        )
        wrong.place = "indicator"
        return [wrong]
    if enters is not None:
        if not enters(locality, ind):
            return [not_yours(locality, ind)]
    elif not (has_perm("value.enter", user, current) if current else may_enter(user, locality, ind)):
        return [not_yours(locality, ind)]
    return []


def not_yours(locality: Locality, indicator: Indicator) -> NotAllowed:
    return NotAllowed(
        f"您无权填报{locality.name_zh}的 {indicator.code}",
        f"you may not report {indicator.code} for {locality.name_en}",
    )


def _state_problems(user: Any, entry: Entry, current: ReportedValue | None) -> list[PlanWatchError]:
    """What refuses a change: a locked value; a value someone else changed since the user read it
    (by its version, or for an upload by the value its template showed); a value sent without a
    version over one someone else wrote (or moved) last. Only a change of the value overwrites: a
    comment on it, or the value sent as it stands, overwrites nothing."""
    if current is not None and current.status not in EDITABLE:
        return [locked_error(current)]
    overwrites_another = (
        current is not None and current.value != entry.value and current.updated_by_id != user.pk
    )
    if entry.read is not None:
        changed_since = current is not None and current.value != entry.read.value
        return [conflict_error(entry.indicator.code, current)] if changed_since and overwrites_another else []
    if entry.expected_version == OWN_VERSION:
        return [unread_conflict(entry.indicator.code, current)] if current and overwrites_another else []
    current_version = current.version if current else None
    if entry.expected_version != current_version and not (current is None and entry.expected_version == 0):
        return [conflict_error(entry.indicator.code, current)]
    return []


def _typed_derived(entries: Sequence[Entry], derived: set[int], via: Via) -> list[PlanWatchError]:
    """Values counted from a ledger are written by the ledger (source ledger), never typed: one
    refusal naming them all, each placed at its indicator."""
    typed = [e.indicator.code for e in entries if e.indicator.pk in derived]
    if via.source == Source.LEDGER or not typed:
        return []

    def said(codes: Sequence[str]) -> tuple[str, str]:
        return (
            f"{'、'.join(codes)} 由台账计算得出，不能手工填报：请在台账中录入条目",
            f"{', '.join(codes)}: counted from the ledger, not typed by hand; enter the rows in the ledger",
        )

    issues = [Issue(Kind.FORBIDDEN, *said([code]), indicator=code) for code in typed]  # each its own
    return [NotAllowed(*said(typed), issues=issues)]


def _changes(entries: Sequence[Entry], existing: dict[int, ReportedValue]) -> list[Entry]:
    """The entries that change something: a new value, another value, or a new comment."""
    out = []
    for entry in entries:
        current = existing.get(entry.indicator.pk)
        said = entry.comment.strip()
        if current is not None and current.value == entry.value and not said:
            continue
        if current is not None and current.value == entry.value and said in _comments(current):
            continue  # said already: importing the same file again adds nothing
        out.append(entry)
    return out


def _comments(value: ReportedValue) -> set[str]:
    return {c.text for c in value.comments.all()}


def save_values(
    user: Any,
    locality: Locality,
    period: Period,
    entries: Sequence[Entry],
    *,
    via: Via = WEB,
    today: dt.date | None = None,
) -> SaveResult:
    """Save values as drafts (and their comments), all or nothing: every problem of every entry is
    found and refused at once; an entry that repeats what is there writes nothing.

    Two first saves of the same new value at once: the second one's insert breaks the unique
    constraint once the first is committed. It is then judged again against the value now there:
    the same value is unchanged, another one a version conflict (the form had read none)."""
    try:
        return _save_values(user, locality, period, entries, via=via, today=today)
    except IntegrityError:
        return _save_values(user, locality, period, entries, via=via, today=today)


def _existing(locality: Locality, period: Period) -> dict[int, ReportedValue]:
    """The locality's values of the period, by indicator id, locked until the transaction ends."""
    # Lock the values only: PostgreSQL cannot lock the nullable side of the outer join to the
    # user, and locking the shared indicator and period rows would serialize every locality.
    rows = (
        ReportedValue.objects.select_for_update(of=("self",))
        .filter(locality=locality, period=period)
        .select_related("updated_by", "indicator")
        .prefetch_related("comments")
    )
    return {v.indicator_id: _in_hand(v, locality, period) for v in rows}


def _in_hand(value: ReportedValue, locality: Locality, period: Period) -> ReportedValue:
    """The value with the locality and period already in hand, not joined again for every value (the
    period's plan row holds the plan's whole text: at 3,000 units, seconds per thousand values)."""
    value.locality, value.period = locality, period
    return value


@transaction.atomic
def _save_values(
    user: Any,
    locality: Locality,
    period: Period,
    entries: Sequence[Entry],
    *,
    via: Via,
    today: dt.date | None,
) -> SaveResult:
    _check_scope(locality, period)
    ensure_open(period, locality, today)
    existing = _existing(locality, period)
    checked = _checked(user, locality, period, entries, existing, via)
    for entry in checked.changing:
        _write(user, locality, period, entry, existing, via, checked.result)
    return checked.result


@dataclass
class _Checked:
    """The entries of one locality and period, checked: what changes, and the result to fill in."""

    changing: list[Entry]
    result: SaveResult


def _checked(
    user: Any,
    locality: Locality,
    period: Period,
    entries: Sequence[Entry],
    existing: dict[int, ReportedValue],
    via: Via,
    reads: Reads | None = None,
) -> _Checked:
    """Every check of saving `entries` over `existing` (the locality's values of the period): scope,
    state and version of each entry, values a ledger writes, then the rules of the values
    (`_findings`); refused with every problem at once. `reads`: what the checks read besides the
    values, loaded once for many localities and periods (`save_many`); None: read for this one."""
    result = SaveResult()
    changing = _changes(entries, existing)
    unchanged = set(map(id, entries)) - set(map(id, changing))
    result.unchanged = [existing[e.indicator.pk] for e in entries if id(e) in unchanged]
    derived = reads.derived if reads is not None else ledger_derived(e.indicator for e in changing)
    enters = reads.enters if reads is not None else None
    problems: list[PlanWatchError] = []
    checked = []  # the changes that may be saved as far as scope, state and version go
    changing_ids = set(map(id, changing))
    for entry in entries:
        current = existing.get(entry.indicator.pk)
        found = _scope_problems(user, locality, period, entry, current, enters)
        if not found and id(entry) in changing_ids:
            found = _state_problems(user, entry, current)
            if not found and entry.value is not None:
                checked.append(entry)
        problems += [_on(p, entry.indicator.code) for p in found]
    checked_ids = set(map(id, checked))
    problems += _typed_derived([e for e in changing if id(e) in checked_ids], derived, via)
    findings = _findings(locality, period, checked, existing, reads)
    errors = [f for f in findings if f.is_error]
    refuse(problems + ([InvalidValues(errors)] if errors else []))
    result.warnings = [f for f in findings if not f.is_error]
    result.changes = changing
    return _Checked(changing, result)


def _findings(
    locality: Locality,
    period: Period,
    entries: Sequence[Entry],
    existing: dict[int, ReportedValue],
    reads: Reads | None = None,
) -> list[validation.Finding]:
    """The checks of the values: each on its own and against its history, then across indicators."""
    if reads is not None:
        history = reads.history_of(locality, period)
    else:
        history = history_of([e.indicator.pk for e in entries], locality, period)
    findings: list[validation.Finding] = []
    settings_ = reads.outliers if reads is not None else outlier_settings()
    for entry in entries:
        assert entry.value is not None
        past = history.get(entry.indicator.pk, [])
        rules = reads.rules(entry.indicator) if reads is not None else rules_of(entry.indicator)
        findings += validation.check_value(rules, entry.value, past[-1] if past else None)
        findings += validation.check_outlier(rules, entry.value, past, settings_)
    # The rules across indicators on the values that passed their own checks: a value out of
    # range is said once, not again for every rule it takes part in.
    wrong = {f.indicator for f in findings if f.is_error}
    merged = {v.indicator.code: v.value for v in existing.values() if v.value is not None}
    merged.update({e.indicator.code: e.value for e in entries if e.value is not None})
    for code in wrong:
        merged.pop(code, None)
    touched = {e.indicator.code for e in entries} - wrong
    cross = reads.cross if reads is not None else cross_rules(period.plan)
    findings += [f for f in validation.check_cross(cross, merged) if f.indicator in touched]
    if reads is not None:
        findings += _growth_findings(period, reads.growth_pairs, reads.bases_of(locality), merged, touched)
    else:
        findings += growth_warnings(locality, period, merged, touched)
    running = reads.running_totals if reads is not None else None
    findings += running_total_errors(locality, period, merged, touched, running)
    return findings


# --- many localities and periods at once: a data value set ---------------------------------------


@dataclass(frozen=True)
class Group:
    """The entries of one locality and period (one `save_values`); `save_many` takes many."""

    locality: Locality
    period: Period
    entries: Sequence[Entry]


@dataclass
class ManySaved:
    """What `save_many` found: each group's result (None if refused; written by set-based statements,
    its lists of saved values stay empty), each refusal by its group's index, and the numbers of
    values created and changed."""

    results: list[SaveResult | None]
    refusals: dict[int, PlanWatchError]
    created: int = 0
    updated: int = 0


class Reads:
    """What the checks of saving values read besides the values themselves, read once for every
    locality and period of a set (a few queries, whatever its size): the earlier values (history),
    the base-year values of growth rates, the plan's rules across indicators, the indicators a ledger
    writes, the periods' exceptions, and the rule `value.enter` once per locality and indicator."""

    def __init__(self, user: Any, plan: Plan, groups: Sequence[Group]):
        self.user = user
        self.outliers = outlier_settings()
        indicators = {e.indicator.pk: e.indicator for g in groups for e in g.entries}
        self.derived = ledger_derived(indicators.values())
        self.cross = cross_rules(plan)
        self.growth_pairs = growth_pairs(plan.pk)
        self.running_totals = running_total_pairs(plan.pk)
        localities = {g.locality.pk for g in groups}
        periods = {g.period.pk: g.period for g in groups}
        self.exceptions: dict[int, dict[int, dt.date]] = {pk: {} for pk in periods}
        for period_id, locality_id, until in PeriodException.objects.filter(
            period_id__in=list(periods)
        ).values_list("period_id", "locality_id", "open_until"):
            self.exceptions[period_id][locality_id] = until
        # Earlier values, oldest first, by locality, then indicator and frequency (with their start).
        latest = max((p.starts_on for p in periods.values()), default=None)
        self._history: dict[int, dict[tuple[int, str], list[tuple[dt.date, Decimal]]]] = {}
        if latest is not None:
            rows = (
                ReportedValue.objects.filter(
                    period__plan_id=plan.pk,
                    locality_id__in=list(localities),
                    indicator_id__in=list(indicators),
                    period__starts_on__lt=latest,
                    value__isnull=False,
                )
                .exclude(status__in=DRAFT_LIKE)
                .order_by("period__starts_on")
                .values_list("locality_id", "indicator_id", "period__frequency", "period__starts_on", "value")
            )
            for locality_id, indicator_id, frequency, starts_on, value in rows.iterator(chunk_size=5000):
                if value is not None:
                    series = self._history.setdefault(locality_id, {})
                    series.setdefault((indicator_id, frequency), []).append((starts_on, value))
        self._bases = growth_bases(plan.pk, localities, self.growth_pairs)
        self._enters: dict[tuple[int, int], bool] = {}
        self._rules: dict[int, validation.IndicatorRules] = {}

    def enters(self, locality: Locality, indicator: Indicator) -> bool:
        key = (locality.pk, indicator.pk)
        if key not in self._enters:
            self._enters[key] = permissions.enters(self.user, locality.pk, indicator)
        return self._enters[key]

    def rules(self, indicator: Indicator) -> validation.IndicatorRules:
        if indicator.pk not in self._rules:
            self._rules[indicator.pk] = rules_of(indicator)
        return self._rules[indicator.pk]

    def history_of(self, locality: Locality, period: Period) -> dict[int, list[Decimal]]:
        """As `history_of` would read it for this locality and period, for the set's indicators."""
        out: dict[int, list[Decimal]] = {}
        for (indicator_id, frequency), series in self._history.get(locality.pk, {}).items():
            if frequency == period.frequency:
                earlier = [v for starts_on, v in series if starts_on < period.starts_on]
                if earlier:
                    out[indicator_id] = earlier
        return out

    def bases_of(self, locality: Locality) -> dict[tuple[int, int], Decimal]:
        return self._bases.get(locality.pk, {})


def _existing_many(groups: Sequence[Group]) -> dict[tuple[int, int], dict[int, ReportedValue]]:
    """The values of every locality and period of `groups`, by (locality id, period id) then by
    indicator id, locked until the transaction ends: one query (`_existing` for many)."""
    localities = {g.locality.pk: g.locality for g in groups}
    periods = {g.period.pk: g.period for g in groups}
    pairs = {(g.locality.pk, g.period.pk) for g in groups}
    out: dict[tuple[int, int], dict[int, ReportedValue]] = {pair: {} for pair in pairs}
    rows = (
        ReportedValue.objects.select_for_update(of=("self",))
        .filter(locality_id__in=localities, period_id__in=periods)
        .select_related("updated_by", "indicator")
    )
    for value in rows.iterator(chunk_size=5000):
        group = out.get((value.locality_id, value.period_id))
        if group is not None:
            group[value.indicator_id] = _in_hand(
                value, localities[value.locality_id], periods[value.period_id]
            )
    return out


# A set of at least this many changes is written by set-based statements on PostgreSQL (COPY into a
# staging table, INSERT … SELECT, UPDATE … FROM, the audit events by COPY); fewer, value by value.
SET_BASED_FROM = 200


def save_many(
    user: Any,
    plan: Plan,
    groups: Sequence[Group],
    *,
    via: Via = WEB,
    today: dt.date | None = None,
    write: bool = True,
) -> ManySaved:
    """`save_values` for many localities and periods at once (a data value set): every group checked
    as `save_values` checks it (the same `_checked`), with what the checks read loaded once
    (`Reads`); then, if no group is refused and `write`, every change written in the caller's
    transaction — on PostgreSQL by set-based statements (`SET_BASED_FROM`), else value by value —
    each with its audit event, in the order of the groups and their entries.

    As in `save_values`, a first save of a new value that someone else saved meanwhile (the unique
    constraint broken at the insert) is judged once more against the value now there."""
    try:
        return _save_many(user, plan, groups, via=via, today=today, write=write)
    except IntegrityError:
        return _save_many(user, plan, groups, via=via, today=today, write=write)


def _save_many(
    user: Any,
    plan: Plan,
    groups: Sequence[Group],
    *,
    via: Via,
    today: dt.date | None,
    write: bool,
) -> ManySaved:
    with transaction.atomic():
        existing = _existing_many(groups)
        reads = Reads(user, plan, groups)
        out = ManySaved([], {})
        checked: list[tuple[Group, _Checked]] = []
        for index, group in enumerate(groups):
            locality, period = group.locality, group.period
            try:
                _check_scope(locality, period)
                ensure_open(period, locality, today, reads.exceptions.get(period.pk, {}))
                done = _checked(
                    user, locality, period, group.entries, existing[(locality.pk, period.pk)], via, reads
                )
            except PlanWatchError as refused:
                out.refusals[index] = refused
                out.results.append(None)
                continue
            out.results.append(done.result)
            checked.append((group, done))
        if write and not out.refusals:
            changes = sum(len(done.changing) for _g, done in checked)
            if connection.vendor == "postgresql" and changes >= SET_BASED_FROM:
                out.created, out.updated = _write_set(
                    user, plan, [(g, d.changing) for g, d in checked], existing, via
                )
            else:
                for group, done in checked:
                    pair = existing[(group.locality.pk, group.period.pk)]
                    for entry in done.changing:
                        _write(user, group.locality, group.period, entry, pair, via, done.result)
                    out.created += len(done.result.created)
                    out.updated += len(done.result.saved) - len(done.result.created)
    return out


def _write(
    user: Any,
    locality: Locality,
    period: Period,
    entry: Entry,
    existing: dict[int, ReportedValue],
    via: Via,
    result: SaveResult,
) -> None:
    current = existing.get(entry.indicator.pk)
    if current is None:
        current = ReportedValue.objects.create(
            indicator=entry.indicator,
            locality=locality,
            period=period,
            value=entry.value,
            status=Status.DRAFT,
            source=via.source,
            source_detail=via.detail,
            updated_by=user,
        )
        _record("value.save", user, current, via, old=None)
        result.saved.append(current)
        result.created.append(current)
    elif current.value != entry.value:
        old = {"value": current.value, "state": current.status}
        current.value, current.status, current.version = entry.value, Status.DRAFT, current.version + 1
        current.approvals = 0
        current.source, current.source_detail, current.updated_by = via.source, via.detail, user
        current.save()
        _record("value.save", user, current, via, old=old)
        result.saved.append(current)
    if entry.comment.strip():
        _comment(user, current, entry.comment, via)
        result.commented.append(current)


def _event_fields(
    type: str,
    user: Any,
    subject: audit.Subject,
    via: Via,
    old: Any,
    new: dict[str, Any],
    comment: str = "",
    *,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One audit event of a value, as its fields: its value and state after (`new`), and before;
    private while a draft."""
    return audit.fields(
        type, user, subject, via=via, old=old, new=new, comment=comment, private=_private(old, new), at=at
    )


def _private(old: Any, new: dict[str, Any]) -> bool:
    """A value's event is private while the value is a draft, before and after."""
    return (old is None or old.get("state") in EDITABLE) and new["state"] in EDITABLE


def _record(type: str, user: Any, value: ReportedValue, via: Via, *, old: Any, comment: str = "") -> None:
    """One audit event of a value: its value and state after, and before; private while a draft."""
    new = {"value": value.value, "state": value.status}
    audit.record_fields(_event_fields(type, user, value.audit_subject(), via, old, new, comment))


def _comment(user: Any, value: ReportedValue, text: str, via: Via) -> ValueComment:
    comment = ValueComment.objects.create(value=value, author=user, text=text.strip())
    _record(
        "value.comment",
        user,
        value,
        via,
        old={"value": value.value, "state": value.status},
        comment=text.strip(),
    )
    return comment


def add_comment(user: Any, value: ReportedValue, text: str, *, via: Via = WEB) -> ValueComment:
    if not has_perm("value.comment", user, value):
        raise NotAllowed("您无权对该数值发表意见", "you may not comment on this value")
    return _comment(user, value, text, via)


def attach_evidence(user: Any, value: ReportedValue, upload: Any, *, via: Via = WEB) -> Evidence:
    """Store a checked file (planwatch.reporting.evidence) beside a value the user may enter, audited."""
    if not has_perm("value.attach", user, value):
        raise NotAllowed(
            f"您无权为{value.locality.name_zh}的数值上传附件",
            f"you may not attach files to {value.locality.name_en}'s values",
        )
    ensure_open(value.period, value.locality)
    refuse([problem] if (problem := evidence_problem(upload)) else [])
    with transaction.atomic():
        evidence = Evidence(value=value, **evidence_fields(upload, user))
        evidence.file.save(evidence.original_name, upload, save=False)
        evidence.save()
        old = {"value": value.value, "state": value.status}
        _record("value.attach", user, value, via, old=old, comment=evidence.original_name)
    return evidence


# --- growth rates against their levels ----------------------------------------------------------

GROWTH_KINDS = list(validation.GROWTH_CHECKED)


def growth_pairs(plan_id: int) -> list[tuple[Indicator, Indicator]]:
    """The plan's growth rates with a base year, each with the level it is the growth of."""
    return [
        (c.indicator, c.component)
        for c in IndicatorComponent.objects.filter(
            indicator__plan_id=plan_id, role="level", indicator__kind__in=GROWTH_KINDS
        ).select_related("indicator", "component")
        if c.indicator.base_year
    ]


def growth_bases(
    plan_id: int, locality_ids: Iterable[int], pairs: Sequence[tuple[Indicator, Indicator]]
) -> dict[int, dict[tuple[int, int], Decimal]]:
    """The base-year values of the levels of `pairs`, by locality, then by (level id, year)."""
    if not pairs:
        return {}
    out: dict[int, dict[tuple[int, int], Decimal]] = {}
    rows = (
        ReportedValue.objects.filter(
            locality_id__in=list(locality_ids),
            indicator__in=[level for _, level in pairs],
            period__plan_id=plan_id,
            period__frequency=Period.Frequency.YEARLY,
            period__year__in={growth.base_year for growth, _ in pairs},
            value__isnull=False,
        )
        .exclude(status__in=DRAFT_LIKE)
        .values_list("locality_id", "indicator_id", "period__year", "value")
    )
    for locality_id, indicator_id, year, value in rows:
        if value is not None:
            out.setdefault(locality_id, {})[(indicator_id, year)] = value
    return out


def _relevant(
    period: Period,
    pairs: Sequence[tuple[Indicator, Indicator]],
    values: dict[str, Decimal],
    touched: set[str],
) -> list[tuple[Indicator, Indicator]]:
    """The pairs a save of `touched` in this period is checked against."""
    if period.frequency != Period.Frequency.YEARLY:
        return []
    return [
        (growth, level)
        for growth, level in pairs
        if growth.base_year is not None
        and growth.base_year < period.year
        and growth.code in values
        and level.code in values
        and {growth.code, level.code} & touched
    ]


def _growth_findings(
    period: Period,
    pairs: Sequence[tuple[Indicator, Indicator]],
    bases: dict[tuple[int, int], Decimal],
    values: dict[str, Decimal],
    touched: set[str],
) -> list[validation.Finding]:
    findings: list[validation.Finding] = []
    for growth, level in _relevant(period, pairs, values, touched):
        assert growth.base_year is not None
        base = bases.get((level.pk, growth.base_year))
        if base is not None:
            findings += validation.check_growth(
                growth.code,
                IndicatorKind(growth.kind),
                values[growth.code],
                level.code,
                values[level.code],
                base,
                period.year - growth.base_year,
            )
    return findings


# --- running totals against their yearly figures -------------------------------------------------


def running_total_pairs(plan_id: int) -> list[tuple[Indicator, Indicator]]:
    """The plan's running totals (cumulative sums), each with the yearly figure it adds up."""
    return [
        (c.indicator, c.component)
        for c in IndicatorComponent.objects.filter(
            indicator__plan_id=plan_id, role=YEARLY, indicator__kind__in=RUNNING_TOTAL_KINDS
        ).select_related("indicator", "component")
    ]


def running_total_errors(
    locality: Locality,
    period: Period,
    values: dict[str, Decimal],
    touched: set[str],
    every_pair: list[tuple[Indicator, Indicator]] | None = None,
) -> list[validation.Finding]:
    """Each cumulative sum of `values` against the yearly figures it adds up (its `yearly`
    component), where either was `touched` and every year's figure from the plan's start to this
    year is known for this locality (this year's from `values`, earlier ones as saved). `every_pair`:
    the plan's `running_total_pairs`, when a set's checks read them once."""
    if period.frequency != Period.Frequency.YEARLY:
        return []
    pairs = [
        (total, yearly)
        for total, yearly in (running_total_pairs(period.plan_id) if every_pair is None else every_pair)
        if total.code in values and {total.code, yearly.code} & touched
    ]
    if not pairs:
        return []
    start = period.plan.start_year
    earlier: dict[tuple[int, int], Decimal] = {
        (indicator_id, year): value
        for indicator_id, year, value in ReportedValue.objects.filter(
            locality=locality,
            indicator__in=[yearly for _, yearly in pairs],
            period__plan_id=period.plan_id,
            period__frequency=Period.Frequency.YEARLY,
            period__year__gte=start,
            period__year__lt=period.year,
            value__isnull=False,
        ).values_list("indicator_id", "period__year", "value")
        if value is not None
    }
    findings: list[validation.Finding] = []
    for total, yearly in pairs:
        figures = [earlier.get((yearly.pk, year)) for year in range(start, period.year)]
        figures.append(values.get(yearly.code))
        if all(f is not None for f in figures):
            findings += validation.check_running_total(
                total.code,
                total.unit,
                values[total.code],
                yearly.code,
                yearly.unit,
                [f for f in figures if f is not None],
            )
    return findings


RUNNING_TOTAL_KINDS = [code for code, kind in KINDS.items() if YEARLY in kind.optional_components]


def growth_warnings(
    locality: Locality, period: Period, values: dict[str, Decimal], touched: set[str]
) -> list[validation.Finding]:
    """Each growth rate of `values` against its level in `values` and the level's base-year value
    for this locality (I23 against I22 now and in 2016), where either of the two was `touched`."""
    if period.frequency != Period.Frequency.YEARLY:
        return []
    pairs = _relevant(period, growth_pairs(period.plan_id), values, touched)
    if not pairs:
        return []
    bases = growth_bases(period.plan_id, [locality.pk], pairs).get(locality.pk, {})
    return _growth_findings(period, pairs, bases, values, touched)


def warnings_of(values: list[ReportedValue], locality: Locality, period: Period) -> list[validation.Finding]:
    history = history_of([v.indicator_id for v in values], locality, period)
    findings: list[validation.Finding] = []
    for value in values:
        if value.value is not None:
            findings += validation.check_outlier(
                rules_of(value.indicator),
                value.value,
                history.get(value.indicator_id, []),
                outlier_settings(),
            )
    present = {
        code: value
        for code, value in ReportedValue.objects.filter(
            locality=locality, period=period, value__isnull=False
        ).values_list("indicator__code", "value")
        if value is not None
    }
    findings += growth_warnings(locality, period, present, {v.indicator.code for v in values})
    return findings


def findings_of(
    values: Sequence[ReportedValue], locality: Locality, period: Period, *, only: Iterable[str] | None = None
) -> list[validation.Finding]:
    """Every finding of saved values, errors and warnings, as saving them would find them (each on
    its own and against its history, the plan's rules across indicators, growth rates against their
    levels): the validation report of a locality and period; `only` the findings of these indicator
    codes. Only `values` are read for the rules across indicators, so that a reader's report says
    nothing of values hidden from them."""
    present = [v for v in values if v.value is not None]
    codes = None if only is None else set(only)
    entries = [Entry(v.indicator, v.value) for v in present if codes is None or v.indicator.code in codes]
    return _findings(locality, period, entries, {v.indicator_id: v for v in present})


def warnings_needing_comment(values: list[ReportedValue], locality: Locality, period: Period) -> list[str]:
    """The values to submit whose own warnings have no comment. A warning that a value to submit
    raises on another one (a growth rate out of line with a corrected level) is shown on that one but
    holds nothing up: that value is not being submitted, and may be approved already, out of reach."""
    submitted = {v.indicator.code for v in values}
    flagged = {f.indicator for f in warnings_of(values, locality, period) if f.indicator in submitted}
    commented = set(
        ValueComment.objects.filter(value__in=values).values_list("value__indicator__code", flat=True)
    )
    return sorted(flagged - commented)


# --- the value as a subject of the review kernel ------------------------------------------------


def _guard(step: Step, values: Sequence[ReportedValue]) -> list[PlanWatchError]:
    """A submit needs every value filled in and a comment on each warning (both said at once)."""
    if step.action != Action.SUBMIT or not values:
        return []
    problems: list[PlanWatchError] = []
    if empty := [v.indicator.code for v in values if v.value is None]:
        problems.append(
            IllegalTransition(f"以下指标未填数值：{'、'.join(empty)}", f"no value for: {', '.join(empty)}")
        )
    return problems + _unexplained(values)


def _unexplained(values: Sequence[ReportedValue]) -> list[PlanWatchError]:
    """The values to submit whose own warnings still need a comment, as one refusal (or none)."""
    if not values:
        return []
    locality, period = values[0].locality, values[0].period
    if unexplained := warnings_needing_comment(list(values), locality, period):
        return [
            CommentRequired(
                f"以下数值有预警，请先填写说明：{'、'.join(unexplained)}",
                f"these values have warnings: add a comment before submitting: {', '.join(unexplained)}",
            )
        ]
    return []


def _after(step: Step, values: Sequence[ReportedValue]) -> None:
    """A return's comment stays beside each value, where its reporter reads it. Values accepted
    change what an evaluation reads: the plan's data revision (planwatch.plans.revision); an
    accepted value moves no further (it is revised: decide_revision)."""
    if step.action == Action.ACCEPT:
        for plan_id in sorted({v.indicator.plan_id for v in values}):
            data_revision.bump(plan_id)
        freshness.touch(values)  # which localities have accepted values of which year
    if step.action == Action.RETURN:
        ValueComment.objects.bulk_create(
            [ValueComment(value=v, author=step.user, text=step.comment) for v in values]
        )


VALUE = SubjectKind(
    name="value",
    noun=("数值", "value"),
    model=ReportedValue,
    audit_subject=ReportedValue.audit_subject,
    moves=tuple(m for m in MOVES if m.permission != "reopen"),  # an accepted value is revised instead
    levels=lambda v: len(v.locality.approval_chain()),
    guard=_guard,
    after=_after,
    facts=lambda v: {"value": v.value},
    queryset=lambda: ReportedValue.objects.select_related(
        "indicator__plan", "indicator__lead_unit", "locality__plan", "locality__parent", "period__plan"
    ),
)


def _values(locality: Locality, period: Period, statuses: Iterable[str], codes: Iterable[str] | None) -> list:
    values = VALUE.queryset().filter(locality=locality, period=period, status__in=list(statuses))  # type: ignore[misc]
    if codes is not None:
        values = values.filter(indicator__code__in=list(codes))
    return list(values)


def _move(
    user: Any,
    candidates: list[ReportedValue],
    action: Action,
    nothing: tuple[str, str],
    *,
    comment: str = "",
    via: Via = WEB,
    today: dt.date | None = None,
) -> list[ReportedValue]:
    """Move the candidates this user may move by `action`; refused when there are none."""
    mine = [v for v in candidates if VALUE.may(user, v, action)]
    if not mine:
        if candidates:
            raise NotAllowed("没有您可以处理的数据", "there is nothing here you may act on")
        raise IllegalTransition(*nothing)
    return transition(VALUE, user, mine, action, comment=comment, via=via, today=today).subjects


def _missing(locality: Locality, period: Period) -> list[PlanWatchError]:
    """What the report still lacks (said before "no draft", which would not say what to do next)."""
    present = set(
        ReportedValue.objects.filter(locality=locality, period=period, value__isnull=False).values_list(
            "indicator_id", flat=True
        )
    )
    missing = [i for i in required_indicators(period) if i.pk not in present]
    derived = ledger_derived(missing)  # counted from a ledger: never typed here; the ledger writes them
    typed = [i.code for i in missing if i.pk not in derived]
    fed = [i.code for i in missing if i.pk in derived]
    zh, en = [], []
    if typed:
        zh.append(f"尚有 {len(typed)} 项指标未填报：{'、'.join(typed)}")
        en.append(f"{len(typed)} indicator(s) not reported yet: {', '.join(typed)}")
    if fed:
        # One wording for the form, Excel and the API: the entry form's button writes them all.
        zh.append(f"{'、'.join(fed)} 由台账计算，尚未写入：请在填报页点击“从台账写入全部计算数值”")
        en.append(
            f"{', '.join(fed)}: counted from the ledgers, not written yet: "
            "use “write every value counted from the ledgers” on the entry form"
        )
    return [IllegalTransition("；".join(zh), "; ".join(en))] if zh else []


@transaction.atomic
def submit(
    user: Any,
    locality: Locality,
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    via: Via = WEB,
    today: dt.date | None = None,
) -> list[ReportedValue]:
    """The reporter sends the locality's drafts for approval. Warnings need a comment first."""
    if not has_perm("locality.report", user, locality):
        # Refused before looking at the values: whether another locality has drafts is its own business.
        raise NotAllowed(
            f"您无权提交{locality.name_zh}的数据", f"you may not submit {locality.name_en}'s values"
        )
    _check_scope(locality, period)
    ensure_open(period, locality, today)
    candidates = [v for v in _values(locality, period, EDITABLE, codes) if VALUE.may(user, v, Action.SUBMIT)]
    # every problem of the report at once: what is still missing and what needs a comment
    own = codes is None and has_perm("locality.own", user, locality)
    if own and (missing := _missing(locality, period)):
        refuse([*missing, *_unexplained(candidates)])
    return _move(
        user,
        candidates,
        Action.SUBMIT,
        ("没有可提交的草稿", "there is no draft to submit"),
        via=via,
        today=today,
    )


@transaction.atomic
def approve(
    user: Any, locality: Locality, period: Period, *, codes: Iterable[str] | None = None, via: Via = WEB
) -> list[ReportedValue]:
    """The locality's approver (at each level the plan asks for) signs off what was submitted (all,
    or the indicators of `codes`)."""
    if not has_perm("locality.approve", user, locality):
        raise NotAllowed(
            f"您无权审核{locality.name_zh}的数据", f"you may not approve {locality.name_en}'s values"
        )
    candidates = _values(locality, period, [Status.SUBMITTED], codes)
    return _move(
        user,
        candidates,
        Action.APPROVE,
        ("没有待审核的数据", "there is nothing submitted to approve"),
        via=via,
    )


@transaction.atomic
def accept(
    user: Any, locality: Locality, period: Period, *, codes: Iterable[str] | None = None, via: Via = WEB
) -> list[ReportedValue]:
    """The province (all indicators) or a lead unit (its own) accepts approved values: then locked."""
    if not has_perm("plan.accept", user):
        raise NotAllowed("您无权确认数据", "you may not accept values")
    candidates = _values(locality, period, [Status.APPROVED], codes)
    return _move(
        user, candidates, Action.ACCEPT, ("没有待确认的数据", "there is nothing approved to accept"), via=via
    )


@transaction.atomic
def return_values(
    user: Any,
    locality: Locality,
    period: Period,
    comment: str,
    *,
    codes: Iterable[str] | None = None,
    via: Via = WEB,
) -> list[ReportedValue]:
    """Send values back to the reporter with a comment: submitted ones by their approver, approved
    ones by whoever may accept them. Accepted values are locked: revise them instead."""
    if not comment.strip():
        raise CommentRequired("退回须填写意见", "a return needs a comment")
    candidates = _values(locality, period, [Status.SUBMITTED, Status.APPROVED], codes)
    mine = [v for v in candidates if VALUE.may(user, v, Action.RETURN)]
    if not mine:
        raise NotAllowed("没有您可退回的数据", "there is nothing you may return")
    return transition(VALUE, user, mine, Action.RETURN, comment=comment, via=via).subjects


# --- revisions of accepted values ---------------------------------------------------------------


@transaction.atomic
def request_revision(
    user: Any, value: ReportedValue, new_value: Decimal, reason: str, *, via: Via = WEB
) -> RevisionRequest:
    """Ask to change an accepted (locked) value; the province decides."""
    if not has_perm("value.request_revision", user, value):
        raise NotAllowed("您无权申请修订该数值", "you may not request a revision of this value")
    if value.status != Status.ACCEPTED:
        raise IllegalTransition(
            "只有已确认的数值需要修订申请", "only accepted values need a revision request"
        )
    if not reason.strip():
        raise CommentRequired("修订申请须说明原因", "a revision request needs a reason")
    errors = [f for f in validation.check_value(rules_of(value.indicator), new_value) if f.is_error]
    if errors:
        raise InvalidValues(errors)
    if value.revision_requests.filter(status=RevisionRequest.Status.PENDING).exists():
        raise IllegalTransition(
            "该数值已有待处理的修订申请", "this value already has a pending revision request"
        )
    request = RevisionRequest.objects.create(
        value=value, new_value=new_value, reason=reason.strip(), requested_by=user
    )
    _record(
        "value.request_revision",
        user,
        value,
        via,
        old={"value": value.value, "state": value.status},
        comment=f"→ {new_value.normalize():f}: {reason.strip()}",
    )
    transaction.on_commit(lambda: _tell_revision(request, user))
    return request


def _tell_revision(request: RevisionRequest, actor: Any) -> None:
    """A revision request is told to those who decide it; its decision to the one who asked."""
    value = request.value
    plan, what = value.indicator.plan, value.audit_subject().label
    shown = f"{request.new_value.normalize():f}"
    if request.status == RevisionRequest.Status.PENDING:
        people = who_may("revision.decide")
        zh = f"{called(request.requested_by)} 申请将 {what} 修订为 {shown}。原因：{request.reason}"
        en = f"{called(request.requested_by)} asks to revise {what} to {shown}. Reason: {request.reason}"
        link = reverse("manage:revisions", args=[plan.code])
    else:
        people = [request.requested_by] if request.requested_by and request.requested_by.is_active else []
        accepted = request.status == RevisionRequest.Status.ACCEPTED
        zh = f"{what} 的修订申请（{shown}）已{'同意' if accepted else '驳回'}"
        en = f"The revision of {what} to {shown} was {'accepted' if accepted else 'rejected'}"
        if request.decision_comment:
            zh, en = f"{zh}。意见：{request.decision_comment}", f"{en}. Comment: {request.decision_comment}"
        link = reverse(
            "reporting:history",
            args=[plan.code, value.locality.code, value.period.code, value.indicator.code],
        )
    event = f"revision.{request.status}:{request.pk}"
    for person in people:
        if person.pk != getattr(actor, "pk", None):
            notify(person, f"{event}:{person.pk}", zh, en, link, event=event)


@transaction.atomic
def chase(
    user: Any, period: Period, late: Sequence[Locality], *, via: Via = WEB, today: dt.date | None = None
) -> int:
    """Remind the reporters of the late localities (the reporting home's list) of the period: one
    action, one audit event; after commit a notification (and its e-mail) to each of them, once a
    day at most. The number of people it will tell."""
    if not has_perm("period.chase", user):
        raise NotAllowed("只有省级用户可以催报", "only the province reminds late localities")
    if not late:
        raise IllegalTransition(f"{period.code} 没有逾期未报的地区", f"no locality is late for {period.code}")
    day = (today or timezone.localdate()).isoformat()
    people = [(loc, person) for loc in late for person in locality_users(loc.pk)]
    audit.record(
        "period.chase",
        user,
        period.audit_subject(),
        new={"localities": [loc.code for loc in late], "people": [p.get_username() for _l, p in people]},
        via=via,
    )

    def send() -> None:
        for loc, person in people:
            event = f"chase:{period.pk}:{loc.pk}:{day}"
            notify(
                person,
                f"{event}:{person.pk}",
                f"请尽快报送 {loc.name_zh} {period.code} 的数据（报送期限 {period.due_on}，已逾期）",
                f"Please submit {loc.name_en}'s {period.code} data: they were due on {period.due_on}",
                reverse("reporting:entry", args=[period.plan.code, loc.code, period.code]),
                event=event,
            )

    transaction.on_commit(send)
    return len(people)


def revision_requests(plan: Plan) -> QuerySet[RevisionRequest]:
    """The plan's revision requests (the revisions page, the province's inbox), newest first."""
    return RevisionRequest.objects.filter(value__indicator__plan=plan).select_related(
        "value__indicator", "value__locality", "value__period", "requested_by", "decided_by"
    )


@transaction.atomic
def decide_revision(
    user: Any, request: RevisionRequest, *, approve: bool, comment: str = "", via: Via = WEB
) -> RevisionRequest:
    """The province accepts (the value changes, still accepted) or rejects a revision request."""
    if not has_perm("revision.decide", user):
        raise NotAllowed("只有省级用户可以处理修订申请", "only the province decides revision requests")
    if not approve and not comment.strip():  # the one who asked is told why, as after a return
        raise CommentRequired("驳回修订申请须说明理由", "rejecting a revision request needs a reason")
    request = (
        RevisionRequest.objects.select_for_update(of=("self",)).select_related("value").get(pk=request.pk)
    )
    if request.status != RevisionRequest.Status.PENDING:
        raise IllegalTransition("该修订申请已处理", "this revision request was already decided")
    value = VALUE.queryset().select_for_update(of=("self",)).get(pk=request.value_id)  # type: ignore[misc]
    request.status = RevisionRequest.Status.ACCEPTED if approve else RevisionRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = user, timezone.now(), comment.strip()
    request.save()
    old = {"value": value.value, "state": value.status}
    if approve:
        value.value = request.new_value
        value.version += 1
        value.updated_by = user
        value.save(update_fields=["value", "version", "updated_by", "updated_at"])
        data_revision.bump(value.indicator.plan_id)
        freshness.touch([value])
        _record("value.revise", user, value, via, old=old, comment=request.reason)
    else:
        _record("value.reject_revision", user, value, via, old=old, comment=comment.strip())
    transaction.on_commit(lambda: _tell_revision(request, user))
    return request


# --- set-based writing (PostgreSQL) ---------------------------------------------------------------


def _stage(cursor: Any, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """A temporary table of `columns`, dropped at commit (or by the next set of the same
    transaction), filled by COPY."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
    names = ", ".join(c.split()[0] for c in columns.split(", "))
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)


def _write_set(
    user: Any,
    plan: Plan,
    changes: Sequence[tuple[Group, Sequence[Entry]]],
    existing: dict[tuple[int, int], dict[int, ReportedValue]],
    via: Via,
) -> tuple[int, int]:
    """Write checked changes as `_write` does, value by value, but by set-based statements: the new
    values COPYed straight into the values' table (their ids drawn from its sequence beforehand),
    the changed ones updated from a staging table, the comments in one INSERT, the audit events —
    the same events, in the same order — made while the new values are COPYed, then chained and
    COPYed (audit.prepare, audit.record_prepared). The numbers of values created and changed."""
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    new: list[tuple[int, int, int, Decimal | None]] = []  # indicator, locality, period ids, value
    changed: list[tuple[int, Decimal | None]] = []  # value id, value
    for group, entries in changes:
        pair = existing[(group.locality.pk, group.period.pk)]
        locality_id, period_id = group.locality.pk, group.period.pk
        for entry in entries:
            current = pair.get(entry.indicator.pk)
            if current is None:
                new.append((entry.indicator.pk, locality_id, period_id, entry.value))
            elif current.value != entry.value:
                changed.append((current.pk, entry.value))
    with connection.cursor() as cursor:
        with _inserting(cursor, new, via, now, user_id) as ids:
            # Made while the database takes in the new values: the events need nothing else of it.
            events, comments = _set_events(user, plan, changes, existing, ids, via, now)
            prepared = audit.prepare(events)
        if changed:
            _stage(cursor, "pw_changed_values", "id integer, value numeric", changed)
            cursor.execute(
                f"UPDATE {_values_table()} AS r SET value = s.value, status = %s, version = r.version + 1, "  # noqa: S608
                "approvals = 0, source = %s, source_detail = %s, updated_at = %s, updated_by_id = %s "
                "FROM pw_changed_values AS s WHERE r.id = s.id",
                [Status.DRAFT, via.source, via.detail, now, user_id],
            )
    ValueComment.objects.bulk_create(comments, batch_size=1000)
    audit.record_prepared(prepared)
    return len(new), len(changed)


def _values_table() -> str:
    return connection.ops.quote_name(ReportedValue._meta.db_table)


@contextmanager
def _inserting(
    cursor: Any, new: list[tuple[int, int, int, Decimal | None]], via: Via, now: dt.datetime, user_id: Any
) -> Iterator[dict[tuple[int, int, int], int]]:
    """COPY new values into the values' table, their ids drawn from its sequence first (in order, so
    that the values are numbered as they come); gives their ids by (indicator, locality, period) ids
    while the COPY is under way — its lines sent by psycopg's writer thread, the database taking
    them in — so that the caller works meanwhile; the COPY ends with the block. A value someone else
    inserted meanwhile breaks the unique constraint: IntegrityError."""
    if not new:
        yield {}
        return
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s) ORDER BY id",
        [ReportedValue._meta.db_table, len(new)],
    )
    pks = [row[0] for row in cursor.fetchall()]
    sql = (
        f"COPY {_values_table()} (id, indicator_id, locality_id, period_id, value, status, is_sample, source, "
        "source_detail, version, approvals, updated_at, updated_by_id) FROM STDIN"
    )
    fixed = [
        copytext.text(v) for v in (Status.DRAFT.value, False, via.source, via.detail, 1, 0, now, user_id)
    ]
    indicators, localities, periods, values = (list(c) for c in zip(*new, strict=True))
    spelled = [copytext.column(c) for c in (pks, indicators, localities, periods, values)]
    raw = cursor.cursor
    with connection.wrap_database_errors, raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
        copy.write(copytext.lines([*spelled, *fixed], len(new)))
        yield {key[:3]: pk for pk, key in zip(pks, new, strict=True)}


# The fields of a value's audit event that differ from one value to the next in a set-based write.
_VARYING = (
    "type",
    "locality_code",
    "indicator_code",
    "period_code",
    "subject_id",
    "subject_label",
    "old",
    "new",
    "comment",
    "private",
)


def _jsonable_value(value: ReportedValue | None, state: str) -> dict[str, Any] | None:
    """A value's old or new in its audit event, as `audit.jsonable` writes it (None: no value)."""
    if value is None:
        return None
    return {"value": None if value.value is None else plain(value.value), "state": state}


def _set_events(
    user: Any,
    plan: Plan,
    changes: Sequence[tuple[Group, Sequence[Entry]]],
    existing: dict[tuple[int, int], dict[int, ReportedValue]],
    ids: dict[tuple[int, int, int], int],
    via: Via,
    now: dt.datetime,
) -> tuple[dict[str, list[Any]], list[ValueComment]]:
    """The audit events of `_write_set` (those `_write` records, in the same order), field by field
    as `audit.record_columns` takes them, and the comments to insert. What the events share is
    worked out once (`_event_fields`)."""
    draft = Status.DRAFT.value  # the text itself: events written as texts throughout hash fastest
    nobody = audit.Subject("value", None, plan=plan.code)
    saved = _event_fields("value.save", user, nobody, via, None, {"state": draft}, at=now)
    events: list[tuple[Any, ...]] = []  # the _VARYING fields of each event
    comments: list[ValueComment] = []
    for group, entries in changes:
        locality, period = group.locality, group.period
        pair = existing[(locality.pk, period.pk)]
        label = f" {locality.name_zh} {period.code}"
        where = (locality.pk, period.pk)
        for entry in entries:
            code = entry.indicator.code
            current = pair.get(entry.indicator.pk)
            pk = str(current.pk if current is not None else ids[(entry.indicator.pk, *where)])
            subject = (locality.code, code, period.code, pk, (code + label)[:300])
            old = _jsonable_value(current, current.status) if current is not None else None
            if current is None or current.value != entry.value:
                after = {"value": None if entry.value is None else plain(entry.value), "state": draft}
                events.append(("value.save", *subject, old, after, "", _private(old, after)))
            else:
                after = old  # type: ignore[assignment]
            if said := entry.comment.strip():
                comments.append(ValueComment(value_id=int(pk), author=user, text=said))
                events.append(("value.comment", *subject, after, after, said, _private(after, after)))
    columns = {name: [saved[name]] * len(events) for name in audit.FIELDS}
    columns.update(zip(_VARYING, map(list, zip(*events, strict=True)), strict=True))
    return columns, comments


__all__ += [
    "Group",
    "ManySaved",
    "Reads",
    "save_many",
    "OWN_VERSION",
    "Read",
    "State",
    "attach_evidence",
    "locked_error",
    "conflict_error",
]
