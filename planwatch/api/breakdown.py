"""The breakdown (分解表) through the API: each indicator's locality × year targets with the totals by
the region's rule, written whole by its lead unit, and moved through the review (submit by the lead
unit, approve or return by the province).

Every change goes through planwatch.breakdown.actions, as on the web page and in the workbook: the
same rules, the same refusals (`{"errors": [...]}`, each problem at its JSON path, in both languages),
the same revisions and audit events (source "api").
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from planwatch.api.routes import NOT_FOUND, get_one, get_plan
from planwatch.api.schemas import Number, StoredNumber, Year, as_number
from planwatch.api.values import REFUSED
from planwatch.breakdown import actions
from planwatch.breakdown.models import broken_down
from planwatch.breakdown.table import Summary, Table, read_summaries, read_table
from planwatch.kernel import audit
from planwatch.plans.models import Indicator, TargetRevision

router = Router(tags=["breakdown"])
API = audit.Via(audit.Source.API)

State = Literal["draft", "submitted", "accepted", "returned"]


class CellOut(Schema):
    locality: str
    year: int
    value: Number | None
    origin: str | None = Field(description="plan (the text's own: not changed here), user or sample.")
    sample: bool = Field(description="Sample data (示例数据) of `planwatch load_sample`, not official.")


class TotalOut(Schema):
    year: int
    state: Literal["covered", "shortfall", "no_region_target", "incomplete", "not_summed"]
    total: float | None = Field(description="The localities' targets added up by the region's rule.")
    region_target: float | None
    gap: float | None = Field(description="By how much the total misses the region target, if it does.")
    counted: list[str]
    missing: list[str]
    message_zh: str
    message_en: str


class AdjustmentOut(Schema):
    locality: str
    year: int
    old_value: Number | None
    new_value: Number | None
    reason: str
    changed_by: str | None
    changed_at: dt.datetime


class SummaryOut(Schema):
    indicator: str
    name_zh: str
    name_en: str
    lead_unit: str | None
    state: State
    sample: bool
    shortfall_years: list[int]
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    comment: str = Field(description="The province's comment when it returned the breakdown.")


class BreakdownOut(SummaryOut):
    unit: str
    aggregation: str
    years: list[int]
    mode: Literal["edit", "revise", "read"] = Field(
        description="What you may do with the targets now: edit (a draft), revise (approved: with a "
        "reason), or read."
    )
    moves: list[str] = Field(description="The review moves you may take now (submit, approve, return).")
    targets: list[CellOut]
    totals: list[TotalOut]
    adjustments: list[AdjustmentOut]


class TargetIn(Schema):
    locality: str = Field(description="A pilot unit's code, e.g. ZH.")
    year: Year
    value: StoredNumber | None = Field(description="The target; null takes it away.")


class TargetsIn(Schema):
    targets: list[TargetIn]
    reason: str = Field("", description="Required once the breakdown is approved.")


class MoveIn(Schema):
    action: Literal["submit", "approve", "return"]
    comment: str = ""


def _summary(table: Table | Summary) -> dict[str, object]:
    ind, b = table.indicator, table.breakdown
    return {
        "indicator": ind.code,
        "name_zh": ind.name_zh,
        "name_en": ind.name_en,
        "lead_unit": ind.lead_unit.code if ind.lead_unit else None,
        "state": b.status,
        "sample": table.sample,
        "shortfall_years": [c.year for c in table.shortfalls],
        "submitted_at": b.submitted_at,
        "approved_at": b.approved_at,
        "comment": b.comment,
    }


def _adjustment(r: TargetRevision) -> AdjustmentOut:
    return AdjustmentOut(
        locality=r.locality.code if r.locality else "",
        year=r.year,
        old_value=as_number(r.old_value),
        new_value=as_number(r.new_value),
        reason=r.reason,
        changed_by=r.changed_by.username if r.changed_by else None,
        changed_at=r.changed_at,
    )


def _detail(request: HttpRequest, ind: Indicator) -> BreakdownOut:
    breakdown = actions.breakdown_of(ind)
    table = read_table(ind, breakdown)
    cells = [
        CellOut(
            locality=c.locality.code,
            year=c.year,
            value=as_number(c.value),
            origin=c.target.origin if c.target else None,
            sample=c.sample,
        )
        for r in table.rows
        for c in r.cells
        if c.target is not None
    ]
    totals = [
        TotalOut(
            year=c.year,
            state=c.total.state.value,
            total=c.total.total,
            region_target=c.total.region_target,
            gap=c.total.gap,
            counted=list(c.total.counted),
            missing=list(c.total.missing),
            message_zh=c.zh,
            message_en=c.en,
        )
        for c in table.columns
    ]
    return BreakdownOut(
        **_summary(table),  # type: ignore[arg-type]
        unit=ind.unit,
        aggregation=ind.aggregation,
        years=table.years,
        mode=actions.mode(request.user, breakdown).value,
        moves=actions.BREAKDOWN.actions(request.user, breakdown),
        targets=cells,
        totals=totals,
        adjustments=[_adjustment(r) for r in breakdown.adjustments()] if breakdown.pk else [],
    )


@router.get(
    "/{plan_code}/breakdowns", response={200: list[SummaryOut], **NOT_FOUND}, summary="Every breakdown"
)
def list_breakdowns(request: HttpRequest, plan_code: str) -> list[SummaryOut]:
    """Each indicator's breakdown: its state (what waits on whom) and the years whose total falls
    short of the region's target."""
    return [SummaryOut(**_summary(s)) for s in read_summaries(get_plan(plan_code))]  # type: ignore[arg-type]


@router.get("/{plan_code}/breakdowns/{indicator_code}", response={200: BreakdownOut, **NOT_FOUND})
def get_breakdown(request: HttpRequest, plan_code: str, indicator_code: str) -> BreakdownOut:
    """One indicator's breakdown: its targets, the totals by the region's rule against the region's
    target, and the adjustments made since it was approved."""
    plan = get_plan(plan_code)
    return _detail(request, get_one(broken_down(plan), "indicator", indicator_code, plan))


@router.put(
    "/{plan_code}/breakdowns/{indicator_code}/targets",
    response={200: BreakdownOut, **REFUSED, **NOT_FOUND},
    summary="Enter or change locality targets (the lead unit), all or nothing",
)
def put_targets(request: HttpRequest, plan_code: str, indicator_code: str, body: TargetsIn) -> BreakdownOut:
    """The cells given are written (null removes a target); the others stay. A draft or returned
    breakdown is its lead unit's to change; an approved one only with a `reason`."""
    plan = get_plan(plan_code)
    ind = get_one(broken_down(plan), "indicator", indicator_code, plan)
    entries = [
        actions.Entry(t.locality, t.year, t.value, f"targets[{n}]") for n, t in enumerate(body.targets)
    ]
    actions.save_targets(request.user, ind, entries, reason=body.reason, via=API)
    return _detail(request, ind)


@router.post(
    "/{plan_code}/breakdowns/{indicator_code}/transition",
    response={200: BreakdownOut, **REFUSED, **NOT_FOUND},
    summary="Submit (the lead unit), approve or return (the province) a breakdown",
)
def move(request: HttpRequest, plan_code: str, indicator_code: str, body: MoveIn) -> BreakdownOut:
    plan = get_plan(plan_code)
    ind = get_one(broken_down(plan), "indicator", indicator_code, plan)
    actions.move(request.user, ind, body.action, comment=body.comment, via=API)
    return _detail(request, ind)
