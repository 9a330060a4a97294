"""The reporting workflow: draft → submitted → approved → accepted, with returns and revisions.

Every change goes through one function here. Each runs in a transaction, checks the user's role and
scope on the server (for the web, the API and imports alike), and writes an audit row per value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from planwatch.accounts.models import Profile, profile_of
from planwatch.core import validation
from planwatch.core.errors import PlanWatchError
from planwatch.core.planfile import CheckKind, IndicatorKind
from planwatch.plans.models import CrossCheck, Indicator, IndicatorComponent, Locality, Plan
from planwatch.reporting.models import (
    AuditEntry,
    Period,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)

Status = ReportedValue.Status
Source = ReportedValue.Source
EDITABLE = {Status.DRAFT, Status.RETURNED}
DRAFT_LIKE = [Status.DRAFT, Status.RETURNED]


# --- errors -------------------------------------------------------------------------------------


class WorkflowError(PlanWatchError):
    """A workflow step refused; the message says why, in Chinese then English."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh, en)


class NotAllowed(WorkflowError):
    pass


class PeriodClosed(WorkflowError):
    pass


class IllegalTransition(WorkflowError):
    pass


class CommentRequired(WorkflowError):
    pass


class InvalidValues(WorkflowError):
    def __init__(self, findings: list[validation.Finding]):
        self.findings = findings
        details = "; ".join(f"{f.indicator}: {f.en}" for f in findings)
        super().__init__(
            "数值未通过校验，未保存任何数据", f"values failed validation, nothing was saved: {details}"
        )


class Conflict(WorkflowError):
    """Someone else saved the value since it was read: never overwrite it silently."""

    def __init__(self, indicator: str, current: Decimal | None, version: int, by: str):
        self.indicator, self.current, self.version = indicator, current, version
        shown = "—" if current is None else f"{current.normalize():f}"
        super().__init__(
            f"{indicator} 已被 {by} 修改为 {shown}，请核对后重新保存",
            f"{indicator} was changed by {by} to {shown} since you opened it: check it and save again",
        )


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One value to save. `expected_version` is the version the user saw (None: a new value)."""

    indicator: Indicator
    value: Decimal | None
    expected_version: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class Via:
    """Where a change comes from, for the audit: the web, the API, or an Excel file by name."""

    source: str = Source.WEB
    detail: str = ""


@dataclass
class SaveResult:
    saved: list[ReportedValue] = field(default_factory=list)
    warnings: list[validation.Finding] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------------


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


def _audit(
    value: ReportedValue,
    action: str,
    user: Any,
    via: Via,
    *,
    old_value: Decimal | None = None,
    old_status: str = "",
    comment: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        value=value,
        action=action,
        old_value=old_value,
        new_value=value.value,
        old_status=old_status,
        new_status=value.status,
        comment=comment,
        user=user,
        source=via.source,
        source_detail=via.detail,
    )


def _check_scope(locality: Locality, period: Period) -> None:
    if locality.plan_id != period.plan_id or not locality.pilot:
        raise NotAllowed(
            f"{locality.name_zh}不是本方案的试点单位", f"{locality.name_en} is not a pilot unit of this plan"
        )


def ensure_open(period: Period, locality: Locality, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if not period.is_open_for(locality.pk, today):
        raise PeriodClosed(
            f"{period.code} 填报期已关闭（{period.locks_on}），如需补报请联系省级主管部门开放",
            f"period {period.code} closed for entry on {period.locks_on}: ask the province for an exception",
        )


def visible_values(user: Any, values: QuerySet[ReportedValue]) -> QuerySet[ReportedValue]:
    """Drafts and returned values are their locality's own business: others never see them."""
    profile = profile_of(user)
    if profile.is_admin:
        return values
    shared = ~Q(status__in=DRAFT_LIKE)
    if profile.role in Profile.LOCALITY_ROLES:
        return values.filter(shared | Q(locality_id=profile.locality_id))
    if profile.role == Profile.Role.LEAD_UNIT:
        return values.filter(shared | Q(indicator__lead_unit_id=profile.unit_id))
    return values.filter(shared)


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


def _name(user: Any) -> str:
    return getattr(user, "username", "") or "?"


# --- the transitions ----------------------------------------------------------------------------


@transaction.atomic
def save_values(
    user: Any,
    locality: Locality,
    period: Period,
    entries: Sequence[Entry],
    *,
    via: Via = Via(),
    today: dt.date | None = None,
) -> SaveResult:
    """Save values as drafts, all or nothing: an error in any value saves none of them."""
    profile = profile_of(user)
    _check_scope(locality, period)
    ensure_open(period, locality, today)
    for entry in entries:
        if entry.indicator.plan_id != period.plan_id:
            raise NotAllowed(
                f"{entry.indicator.code} 不属于本方案", f"{entry.indicator.code} is not of this plan"
            )
        if not profile.can_enter(locality.pk, entry.indicator):
            raise NotAllowed(
                f"您无权填报{locality.name_zh}的 {entry.indicator.code}",
                f"you may not report {entry.indicator.code} for {locality.name_en}",
            )

    existing = {
        v.indicator_id: v
        # Lock the values only: PostgreSQL cannot lock the nullable side of the outer join to the
        # user, and locking the shared indicator and period rows would serialize every locality.
        for v in ReportedValue.objects.select_for_update(of=("self",))
        .filter(locality=locality, period=period)
        .select_related("updated_by")
    }
    history = history_of([e.indicator.pk for e in entries], locality, period)
    findings: list[validation.Finding] = []
    for entry in entries:
        current = existing.get(entry.indicator.pk)
        if current is not None and current.status not in EDITABLE:
            raise IllegalTransition(
                f"{entry.indicator.code} 已{current.get_status_display()}，不能修改"
                + ("；如需更改请提交修订申请" if current.status == Status.ACCEPTED else "；如需修改请先退回"),
                f"{entry.indicator.code} is {current.status} and cannot be changed"
                + (
                    "; request a revision"
                    if current.status == Status.ACCEPTED
                    else "; have it returned first"
                ),
            )
        current_version = current.version if current else None
        if entry.expected_version != current_version and not (
            current is None and entry.expected_version == 0
        ):
            raise Conflict(
                entry.indicator.code,
                current.value if current else None,
                current_version or 0,
                _name(current.updated_by) if current else "?",
            )
        if entry.value is not None:
            past = history.get(entry.indicator.pk, [])
            findings += validation.check_value(
                rules_of(entry.indicator), entry.value, past[-1] if past else None
            )
            findings += validation.check_outlier(
                rules_of(entry.indicator), entry.value, past, outlier_settings()
            )

    if via.source != Source.LEDGER:
        derived = ledger_derived(e.indicator for e in entries)
        typed = [
            e.indicator.code
            for e in entries
            if e.indicator.pk in derived
            and (existing.get(e.indicator.pk) is None or existing[e.indicator.pk].value != e.value)
        ]
        if typed:
            raise NotAllowed(
                f"{'、'.join(typed)} 由台账计算得出，不能手工填报：请在台账中录入条目",
                f"{', '.join(typed)}: counted from the ledger, not typed by hand; enter the rows in the ledger",
            )

    merged = {v.indicator.code: v.value for v in existing.values() if v.value is not None}
    merged.update({e.indicator.code: e.value for e in entries if e.value is not None})
    touched = {e.indicator.code for e in entries}
    findings += [
        f for f in validation.check_cross(cross_rules(period.plan), merged) if f.indicator in touched
    ]
    findings += growth_warnings(locality, period, merged, touched)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise InvalidValues(errors)

    result = SaveResult(warnings=[f for f in findings if not f.is_error])
    for entry in entries:
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
            _audit(current, AuditEntry.Action.SAVE, user, via)
        elif current.value != entry.value:
            old_value, old_status = current.value, current.status
            current.value = entry.value
            current.status = Status.DRAFT
            current.version += 1
            current.source, current.source_detail, current.updated_by = via.source, via.detail, user
            current.save()
            _audit(current, AuditEntry.Action.SAVE, user, via, old_value=old_value, old_status=old_status)
        if entry.comment.strip():
            add_comment(user, current, entry.comment, via=via)
        result.saved.append(current)
    return result


def add_comment(user: Any, value: ReportedValue, text: str, *, via: Via = Via()) -> ValueComment:
    profile = profile_of(user)
    if not (
        profile.can_enter(value.locality_id, value.indicator)
        or profile.can_approve(value.locality_id)
        or profile.can_accept(value.indicator)
    ):
        raise NotAllowed("您无权对该数值发表意见", "you may not comment on this value")
    comment = ValueComment.objects.create(value=value, author=user, text=text.strip())
    _audit(
        value,
        AuditEntry.Action.COMMENT,
        user,
        via,
        old_value=value.value,
        old_status=value.status,
        comment=text,
    )
    return comment


def _values(locality: Locality, period: Period, statuses: Iterable[str], codes: Iterable[str] | None) -> list:
    values = (
        ReportedValue.objects.select_for_update(of=("self",))
        .filter(locality=locality, period=period, status__in=list(statuses))
        .select_related("indicator", "locality", "period")
    )
    if codes is not None:
        values = values.filter(indicator__code__in=list(codes))
    return list(values)


def _move(values: list[ReportedValue], to: str, action: str, user: Any, via: Via, comment: str = "") -> None:
    for value in values:
        old_status = value.status
        value.status = to
        value.version += 1
        value.updated_by = user
        value.save(update_fields=["status", "version", "updated_by", "updated_at"])
        _audit(value, action, user, via, old_value=value.value, old_status=old_status, comment=comment)


def required_indicators(period: Period) -> QuerySet[Indicator]:
    return period.plan.indicators.filter(frequency=period.frequency)


@transaction.atomic
def submit(
    user: Any,
    locality: Locality,
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    via: Via = Via(),
    today: dt.date | None = None,
) -> list[ReportedValue]:
    """The reporter sends the locality's drafts for approval. Warnings need a comment first."""
    profile = profile_of(user)
    if not (profile.in_locality(locality.pk) or profile.is_admin or profile.role == Profile.Role.LEAD_UNIT):
        # Refused before looking at the values: whether another locality has drafts is its own business.
        raise NotAllowed(
            f"您无权提交{locality.name_zh}的数据", f"you may not submit {locality.name_en}'s values"
        )
    _check_scope(locality, period)
    ensure_open(period, locality, today)
    values = [
        v for v in _values(locality, period, EDITABLE, codes) if profile.can_submit(locality.pk, v.indicator)
    ]
    # What the report still lacks comes first: "no draft" would not say what to do next.
    if codes is None and profile.in_locality(locality.pk):
        present = set(
            ReportedValue.objects.filter(locality=locality, period=period, value__isnull=False).values_list(
                "indicator_id", flat=True
            )
        )
        required = list(required_indicators(period))
        missing = [i for i in required if i.pk not in present]
        # Counted from a ledger: never typed here; the ledger writes them (source ledger).
        derived = ledger_derived(missing)
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
        if zh:
            raise IllegalTransition("；".join(zh), "; ".join(en))
    if not values:
        raise IllegalTransition("没有可提交的草稿", "there is no draft to submit")
    if empty := [v.indicator.code for v in values if v.value is None]:
        raise IllegalTransition(f"以下指标未填数值：{'、'.join(empty)}", f"no value for: {', '.join(empty)}")
    unexplained = warnings_needing_comment(values, locality, period)
    if unexplained:
        raise CommentRequired(
            f"以下数值有预警，请先填写说明：{'、'.join(unexplained)}",
            f"these values have warnings: add a comment before submitting: {', '.join(unexplained)}",
        )
    _move(values, Status.SUBMITTED, AuditEntry.Action.SUBMIT, user, via)
    return values


GROWTH_KINDS = list(validation.GROWTH_CHECKED)


def growth_warnings(
    locality: Locality, period: Period, values: dict[str, Decimal], touched: set[str]
) -> list[validation.Finding]:
    """Each growth rate of `values` against its level in `values` and the level's base-year value
    for this locality (I23 against I22 now and in 2016), where either of the two was `touched`."""
    if period.frequency != Period.Frequency.YEARLY:
        return []
    pairs = [
        (c.indicator, c.component)
        for c in IndicatorComponent.objects.filter(
            indicator__plan_id=period.plan_id, role="level", indicator__kind__in=GROWTH_KINDS
        ).select_related("indicator", "component")
        if c.indicator.base_year
        and c.indicator.base_year < period.year
        and c.indicator.code in values
        and c.component.code in values
        and {c.indicator.code, c.component.code} & touched
    ]
    if not pairs:
        return []
    bases = {
        (indicator_id, year): value
        for indicator_id, year, value in ReportedValue.objects.filter(
            locality=locality,
            indicator__in=[level for _, level in pairs],
            period__plan_id=period.plan_id,
            period__frequency=Period.Frequency.YEARLY,
            period__year__in={growth.base_year for growth, _ in pairs},
            value__isnull=False,
        )
        .exclude(status__in=DRAFT_LIKE)
        .values_list("indicator_id", "period__year", "value")
    }
    findings: list[validation.Finding] = []
    for growth, level in pairs:
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


def warnings_of(values: list[ReportedValue], locality: Locality, period: Period) -> list[validation.Finding]:
    history = history_of([v.indicator_id for v in values], locality, period)
    findings: list[validation.Finding] = []
    for value in values:
        if value.value is not None:
            findings += validation.check_outlier(
                rules_of(value.indicator), value.value, history.get(value.indicator_id, []), outlier_settings()
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


def warnings_needing_comment(values: list[ReportedValue], locality: Locality, period: Period) -> list[str]:
    flagged = {f.indicator for f in warnings_of(values, locality, period)}
    commented = set(
        ValueComment.objects.filter(value__in=values).values_list("value__indicator__code", flat=True)
    )
    return sorted(flagged - commented)


@transaction.atomic
def approve(user: Any, locality: Locality, period: Period, *, via: Via = Via()) -> list[ReportedValue]:
    """The locality's approver signs off what its reporter submitted."""
    if not profile_of(user).can_approve(locality.pk):
        raise NotAllowed(
            f"您无权审核{locality.name_zh}的数据", f"you may not approve {locality.name_en}'s values"
        )
    values = _values(locality, period, [Status.SUBMITTED], None)
    if not values:
        raise IllegalTransition("没有待审核的数据", "there is nothing submitted to approve")
    _move(values, Status.APPROVED, AuditEntry.Action.APPROVE, user, via)
    return values


@transaction.atomic
def accept(
    user: Any, locality: Locality, period: Period, *, codes: Iterable[str] | None = None, via: Via = Via()
) -> list[ReportedValue]:
    """The province (all indicators) or a lead unit (its own) accepts approved values: then locked."""
    profile = profile_of(user)
    if not (profile.is_province or profile.role == Profile.Role.LEAD_UNIT):
        raise NotAllowed("您无权确认数据", "you may not accept values")
    candidates = _values(locality, period, [Status.APPROVED], codes)
    values = [v for v in candidates if profile.can_accept(v.indicator)]
    if not values:
        if candidates:
            raise NotAllowed("您无权确认这些指标", "you may not accept these indicators")
        raise IllegalTransition("没有待确认的数据", "there is nothing approved to accept")
    _move(values, Status.ACCEPTED, AuditEntry.Action.ACCEPT, user, via)
    return values


@transaction.atomic
def return_values(
    user: Any,
    locality: Locality,
    period: Period,
    comment: str,
    *,
    codes: Iterable[str] | None = None,
    via: Via = Via(),
) -> list[ReportedValue]:
    """Send values back to the reporter with a comment: submitted ones by the locality's approver,
    approved ones by whoever may accept them. Accepted values are locked: revise them instead."""
    if not comment.strip():
        raise CommentRequired("退回须填写意见", "a return needs a comment")
    profile = profile_of(user)
    values = [
        v
        for v in _values(locality, period, [Status.SUBMITTED, Status.APPROVED], codes)
        if (v.status == Status.SUBMITTED and profile.can_approve(locality.pk))
        or (v.status == Status.APPROVED and profile.can_accept(v.indicator))
    ]
    if not values:
        raise NotAllowed("没有您可退回的数据", "there is nothing you may return")
    _move(values, Status.RETURNED, AuditEntry.Action.RETURN, user, via, comment=comment.strip())
    for value in values:
        ValueComment.objects.create(value=value, author=user, text=comment.strip())
    return values


@transaction.atomic
def request_revision(
    user: Any, value: ReportedValue, new_value: Decimal, reason: str, *, via: Via = Via()
) -> RevisionRequest:
    """Ask to change an accepted (locked) value; the province decides."""
    profile = profile_of(user)
    if not profile.can_enter(value.locality_id, value.indicator):
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
    _audit(
        value,
        AuditEntry.Action.REQUEST_REVISION,
        user,
        via,
        old_value=value.value,
        old_status=value.status,
        comment=f"→ {new_value.normalize():f}: {reason.strip()}",
    )
    return request


@transaction.atomic
def decide_revision(
    user: Any, request: RevisionRequest, *, approve: bool, comment: str = "", via: Via = Via()
) -> RevisionRequest:
    """The province accepts (the value changes, still accepted) or rejects a revision request."""
    if not profile_of(user).can_decide_revisions():
        raise NotAllowed("只有省级用户可以处理修订申请", "only the province decides revision requests")
    request = (
        RevisionRequest.objects.select_for_update(of=("self",)).select_related("value").get(pk=request.pk)
    )
    if request.status != RevisionRequest.Status.PENDING:
        raise IllegalTransition("该修订申请已处理", "this revision request was already decided")
    value = ReportedValue.objects.select_for_update().get(pk=request.value_id)
    request.status = RevisionRequest.Status.ACCEPTED if approve else RevisionRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = user, timezone.now(), comment.strip()
    request.save()
    if approve:
        old_value = value.value
        value.value = request.new_value
        value.version += 1
        value.updated_by = user
        value.save(update_fields=["value", "version", "updated_by", "updated_at"])
        _audit(
            value,
            AuditEntry.Action.REVISE,
            user,
            via,
            old_value=old_value,
            old_status=value.status,
            comment=request.reason,
        )
    else:
        _audit(
            value,
            AuditEntry.Action.REJECT_REVISION,
            user,
            via,
            old_value=value.value,
            old_status=value.status,
            comment=comment.strip(),
        )
    return request
