"""Ledger operations: the default ledgers, saving items with scope and audit, duplicates, and the
derived indicator values (written through the reporting workflow, source "ledger")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from planwatch.accounts.models import profile_of
from planwatch.core import ledger as core
from planwatch.plans.models import Locality, Plan
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, ReportedValue

from .models import LedgerAudit, LedgerItem, LedgerType

INVESTMENT_PROJECTS = "investment_projects"
STAGE_INDICATORS = {"signed": "I01", "started": "I02", "producing": "I03"}


class LedgerError(wf.WorkflowError):
    """A ledger operation refused; the message is in Chinese then English."""


def ensure_default_ledgers(plan: Plan) -> list[LedgerType]:
    """The investment-project ledger, feeding I01–I03, where the plan has those indicators."""
    indicators = {i.code: i for i in plan.indicators.filter(code__in=STAGE_INDICATORS.values())}
    if len(indicators) != len(STAGE_INDICATORS):
        return list(plan.ledger_types.all())
    ledger, created = LedgerType.objects.get_or_create(
        plan=plan,
        code=INVESTMENT_PROJECTS,
        defaults={
            "name_zh": "投资超1亿元装备制造业项目台账",
            "name_en": "Equipment manufacturing projects of over 100 million yuan",
            "stage_indicators": STAGE_INDICATORS,
            "has_investment": True,
            "attributes": [{"code": "investor", "zh": "投资方", "en": "Investor", "type": "text"}],
        },
    )
    if created:
        ledger.indicators.set(indicators.values())
    return list(plan.ledger_types.all())


def get_ledger(plan: Plan, code: str) -> LedgerType:
    ensure_default_ledgers(plan)
    try:
        return plan.ledger_types.get(code=code)
    except LedgerType.DoesNotExist:
        raise LookupError(f"no ledger {code!r} in plan {plan.code}") from None


# --- scope ----------------------------------------------------------------------------------------


def visible_items(user: Any, items: QuerySet[LedgerItem]) -> QuerySet[LedgerItem]:
    """Locality users see their own locality's rows; everyone else signed in sees all."""
    profile = profile_of(user)
    if profile.role in profile.LOCALITY_ROLES and not profile.is_admin:
        return items.filter(locality_id=profile.locality_id or 0)
    return items


def can_write(user: Any, locality: Locality) -> bool:
    """A locality's own users, or the province administrator."""
    profile = profile_of(user)
    return profile.in_locality(locality.pk) or profile.is_admin


def check_write(user: Any, locality: Locality) -> None:
    if not can_write(user, locality):
        raise LedgerError(
            f"您无权修改{locality.name_zh}的台账", f"you may not change the ledger of {locality.name_en}"
        )


# --- saving -----------------------------------------------------------------------------------------


def validation_problems(item: LedgerItem) -> list[tuple[str, str, str]]:
    """(field, Chinese, English) for each problem of an item before it is saved."""
    out: list[tuple[str, str, str]] = []
    if not item.name.strip():
        out.append(("name", "名称不能为空", "the name is required"))
    if item.investment is not None and item.investment < 0:
        out.append(("investment", "总投资不能为负数", "the total investment cannot be negative"))
    plain = core.Item(0, "", item.investment, item.signed_on, item.started_on, item.producing_on)
    for problem in core.order_problems(plain):
        out.append(
            (
                problem.split("<")[0] + "_on",
                "阶段日期顺序有误：应为签约 ≤ 开工 ≤ 投产",
                "stage dates out of order: signed ≤ started ≤ producing",
            )
        )
    if item.locality_id and not item.locality.pilot:
        out.append(("locality", "不是试点单位", "not a pilot unit"))
    return out


@transaction.atomic
def save_item(
    user: Any,
    item: LedgerItem,
    *,
    source: str = "web",
    detail: str = "",
    expected_version: int | None = None,
) -> LedgerItem:
    """Create or change an item: scope, checks, audit row, then refresh duplicate flags.
    With `expected_version`, a change saved by someone else since is refused, never overwritten."""
    check_write(user, item.locality)
    problems = validation_problems(item)
    if problems:
        raise LedgerError("；".join(p[1] for p in problems), "; ".join(p[2] for p in problems))
    item.normalized_name = core.normalize_name(item.name)
    old = None
    if item.pk:
        before = LedgerItem.objects.select_for_update().get(pk=item.pk)
        check_write(user, before.locality)
        if expected_version is not None and expected_version != before.version:
            raise LedgerError(
                f"该条目已被 {before.updated_by or '?'} 修改，请核对后重新保存",
                f"the item was changed by {before.updated_by or '?'} since you opened it: check and save again",
            )
        old = before.snapshot()
        item.version = before.version + 1
    else:
        item.created_by = user
    item.updated_by = user
    item.save()
    LedgerAudit.objects.create(
        item=item,
        ledger=item.ledger,
        action=LedgerAudit.Action.UPDATE if old else LedgerAudit.Action.CREATE,
        old=old,
        new=item.snapshot(),
        user=user,
        source=source,
        source_detail=detail,
    )
    refresh_duplicates(item.ledger)
    return item


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


def _require_province(user: Any) -> None:
    if not profile_of(user).is_province:
        raise LedgerError("只有省里可以处理重复项", "only the province resolves duplicates")


@transaction.atomic
def keep_both(user: Any, item: LedgerItem) -> None:
    """The province decides the flagged item is not a duplicate."""
    _require_province(user)
    item.duplicate_kept, item.duplicate_flag = True, False
    item.save(update_fields=["duplicate_kept", "duplicate_flag", "updated_at"])
    LedgerAudit.objects.create(item=item, ledger=item.ledger, action=LedgerAudit.Action.KEEP, user=user)
    refresh_duplicates(item.ledger)


@transaction.atomic
def merge(user: Any, duplicate: LedgerItem, into: LedgerItem) -> None:
    """The province merges a duplicate into the item kept; the duplicate no longer counts."""
    _require_province(user)
    if duplicate.pk == into.pk or duplicate.ledger_id != into.ledger_id:
        raise LedgerError("不能这样合并", "cannot merge these items")
    old = duplicate.snapshot()
    duplicate.status, duplicate.merged_into, duplicate.duplicate_flag = LedgerItem.Status.MERGED, into, False
    duplicate.version += 1
    duplicate.updated_by = user
    duplicate.save()
    LedgerAudit.objects.create(
        item=duplicate,
        ledger=duplicate.ledger,
        action=LedgerAudit.Action.MERGE,
        old=old,
        new={**duplicate.snapshot(), "merged_into": into.pk},
        user=user,
    )
    refresh_duplicates(duplicate.ledger)


# --- derivation ---------------------------------------------------------------------------------------


def counted_items(ledger: LedgerType) -> QuerySet[LedgerItem]:
    """The rows that may count: not merged away, not cancelled."""
    return ledger.items.exclude(status__in=[LedgerItem.Status.MERGED, LedgerItem.Status.CANCELLED])


def derive_counts(ledger: LedgerType) -> core.Counts:
    """Counts keyed by (locality code, year, stage), from the plan's start year to its end year."""
    plan = ledger.plan
    items = [
        core.Item(pk, code, inv, signed, started, producing)
        for pk, code, inv, signed, started, producing in counted_items(ledger).values_list(
            "pk", "locality__code", "investment", "signed_on", "started_on", "producing_on"
        )
    ]
    threshold = core.THRESHOLD_WAN_YUAN if ledger.has_investment else Decimal(0)
    return core.derive(items, plan.start_year, max(plan.end_year, plan.horizon_year or 0), threshold)


def rows_behind(ledger: LedgerType, locality: Locality, year: int, stage: str, kind: str) -> list[int]:
    """The ids of exactly the rows behind one derived number (kind: "new" or "cumulative")."""
    cell = derive_counts(ledger).get((locality.code, year, stage))
    if cell is None:
        return []
    return list(cell.new if kind == "new" else cell.cumulative)


@dataclass
class DeriveResult:
    written: list[tuple[str, str, int]] = field(default_factory=list)  # (locality, indicator, value)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (locality, reason)


def derive_values(plan: Plan, year: int, user: Any, *, today: dt.date | None = None) -> DeriveResult:
    """Write the cumulative counts of each ledger's stages as the indicators' values for `year`,
    for each pilot locality the user may enter, where the yearly period exists and is open."""
    result = DeriveResult()
    period = Period.objects.filter(plan=plan, code=str(year)).first()
    if period is None:
        result.skipped.append(("*", f"no period {year}"))
        return result
    profile = profile_of(user)
    for ledger in ensure_default_ledgers(plan):
        if not ledger.stage_indicators:
            continue
        counts = derive_counts(ledger)
        indicators = {i.code: i for i in plan.indicators.filter(code__in=ledger.stage_indicators.values())}
        for locality in plan.localities.filter(pilot=True).order_by("order"):
            stage_codes = [
                (stage, indicators[code])
                for stage, code in ledger.stage_indicators.items()
                if code in indicators and profile.can_enter(locality.pk, indicators[code])
            ]
            if not stage_codes:
                continue
            if not period.is_open_for(locality.pk, today or dt.date.today()):
                result.skipped.append((locality.code, "period closed"))
                continue
            current = {
                v.indicator_id: v for v in ReportedValue.objects.filter(locality=locality, period=period)
            }
            entries = []
            for stage, indicator in stage_codes:
                cell = counts.get((locality.code, year, stage))
                value = len(cell.cumulative) if cell else 0
                existing = current.get(indicator.pk)
                if existing is not None and existing.value == value:
                    continue
                entries.append(wf.Entry(indicator, Decimal(value), existing.version if existing else None))
            if not entries:
                continue
            try:
                wf.save_values(
                    user,
                    locality,
                    period,
                    entries,
                    via=wf.Via(source=ReportedValue.Source.LEDGER, detail=ledger.code),
                    today=today,
                )
            except wf.WorkflowError as exc:
                result.skipped.append((locality.code, exc.en))
                continue
            result.written += [(locality.code, e.indicator.code, int(e.value or 0)) for e in entries]
    return result
