"""Ledgers (台账) through the API: the plan's ledgers, their rows (listed with the page's filters, one
by one, created and changed), the workflow of a row, and the rows behind a derived count.

Every change goes through planwatch.ledgers.services, exactly as on the web pages and in the Excel
import: a locality's users write only their own rows, the locality's approver approves, the
province (or a lead unit of an indicator the ledger feeds) accepts; every change writes a
audit event with the source "api". Rows are read as on the web: a locality's users their own,
others the rows submitted or further. Refusals answer 400, 403 or 409 with `{"errors": [...]}` in
both languages (planwatch.api.values.register_error_handlers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from planwatch.api.routes import NOT_FOUND, NotFound, get_one, get_plan
from planwatch.api.schemas import Date, RowId, StoredNumber, Version, YearPath, text_of
from planwatch.api.values import ErrorsOut, refused
from planwatch.kernel import audit
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem, LedgerType
from planwatch.plans.models import Plan

router = Router(tags=["ledgers"])
API = audit.Via(audit.Source.API)
REFUSED = {400: ErrorsOut, 403: ErrorsOut, 409: ErrorsOut, **NOT_FOUND}


# --- shapes -------------------------------------------------------------------------------------


class StageOut(Schema):
    code: str
    name_zh: str
    name_en: str


class AttributeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    type: str
    choices: list[str]
    required: bool
    unit: str


class FeedOut(Schema):
    indicator: str
    stage: str
    count: Literal["since_start", "stock"]
    where: dict[str, str]


class LedgerOut(Schema):
    code: str
    name_zh: str
    name_en: str
    threshold_wan_yuan: Decimal | None = Field(description="Investment threshold, 万元; null: none.")
    stages: list[StageOut]
    attributes: list[AttributeOut]
    feeds: list[FeedOut]
    clause: str
    quote: str


class ItemOut(Schema):
    id: int
    ledger: str
    locality: str
    locality_zh: str
    key_field: str | None
    name: str
    identifier: str
    investment: Decimal | None
    dates: dict[str, dt.date | None] = Field(description="The date of each stage of the ledger.")
    attributes: dict[str, Any]
    status: str
    review: str
    notes: str
    is_sample: bool
    duplicate_flag: bool
    version: int
    evidence: list[str]


class ItemIn(Schema):
    locality: str = Field(description="A pilot unit's code.")
    key_field: str | None = None
    name: str = text_of(LedgerItem, "name")
    identifier: str = text_of(LedgerItem, "identifier", "")
    investment: StoredNumber | None = Field(default=None, description="Total investment, 万元.")
    dates: dict[str, Date | None] = {}
    attributes: dict[str, str] = {}
    status: Literal["active", "suspended", "cancelled"] = "active"
    notes: str = ""
    version: Version | None = Field(default=None, description="On a change: the version read.")


class TransitionIn(Schema):
    action: Literal["submit", "approve", "accept", "return"]
    comment: str = ""


class MoveAllIn(Schema):
    action: Literal["submit", "approve", "accept"]


class MovedOut(Schema):
    moved: int = Field(description="Rows moved.")
    left_alone: int = Field(description="Rows of the filtered list this user may not move that way now.")


class FilterIn(Schema):
    locality: str = ""
    key_field: str = ""
    stage: str = ""
    year: str = ""
    status: str = ""
    review: str = ""


class CountOut(Schema):
    ledger: str
    locality: str
    year: int
    key: str = Field(description="A stage of the ledger or an indicator it feeds.")
    kind: Literal["new", "cumulative"]
    accepted_only: bool
    count: int
    items: list[ItemOut]


# --- helpers ------------------------------------------------------------------------------------


def _ledger_out(lt: LedgerType) -> LedgerOut:
    return LedgerOut(
        code=lt.code,
        name_zh=lt.name_zh,
        name_en=lt.name_en,
        threshold_wan_yuan=lt.threshold,
        stages=[StageOut(code=s["code"], name_zh=s["zh"], name_en=s["en"]) for s in lt.stages],
        attributes=[
            AttributeOut(
                code=a["code"],
                name_zh=a["zh"],
                name_en=a["en"],
                type=a.get("type", "text"),
                choices=a.get("choices", []),
                required=a.get("required", False),
                unit=a.get("unit", ""),
            )
            for a in lt.attributes
        ],
        feeds=[FeedOut(**f) for f in lt.feeds],
        clause=lt.clause,
        quote=lt.quote,
    )


def _items_out(user: Any, items: Any) -> list[ItemOut]:
    """Rows as the API gives them; `duplicate_flag` as the user sees it (services.seen_duplicates)."""
    rows = list(items)
    seen = services.seen_duplicates(user, rows)
    return [_item_out(i, i.pk in seen) for i in rows]


def _one_out(user: Any, item: LedgerItem) -> ItemOut:
    return _items_out(user, [item])[0]


def _item_out(item: LedgerItem, flagged: bool) -> ItemOut:
    return ItemOut(
        id=item.pk,
        ledger=item.ledger.code,
        locality=item.locality.code,
        locality_zh=item.locality.name_zh,
        key_field=item.key_field.code if item.key_field else None,
        name=item.name,
        identifier=item.identifier,
        investment=item.investment,
        dates={s: item.stage_date(s) for s in item.ledger.stage_codes},
        attributes=item.attributes,
        status=item.status,
        review=item.review,
        notes=item.notes,
        is_sample=item.is_sample,
        duplicate_flag=flagged,
        version=item.version,
        evidence=[e.original_name for e in item.evidence.all()],
    )


def _ledger(plan: Plan, code: str) -> LedgerType:
    try:
        return services.get_ledger(plan, code)
    except LookupError:
        raise NotFound(
            f"方案 {plan.code} 没有台账“{code}”", f"No ledger {code!r} in plan {plan.code}."
        ) from None


def _items(request: HttpRequest, lt: LedgerType) -> Any:
    return services.visible_items(
        request.user,
        lt.items.select_related("ledger", "locality", "key_field").prefetch_related("evidence"),
    )


def _item(request: HttpRequest, lt: LedgerType, item_id: RowId) -> LedgerItem:
    item = _items(request, lt).filter(pk=item_id).first()
    if item is None:
        raise NotFound(
            f"台账 {lt.code} 中没有编号为 {item_id} 的条目，或您无权查看",
            f"No item {item_id} in ledger {lt.code}, or not yours to see.",
        )
    return item


def _fill(plan: Plan, lt: LedgerType, item: LedgerItem, body: ItemIn) -> None:
    locality = plan.localities.filter(code=body.locality, pilot=True).first()
    if locality is None:
        raise refused(
            400, f"未知试点单位「{body.locality}」", f"unknown pilot unit {body.locality!r}", path="locality"
        )
    key_field = None
    if body.key_field:
        key_field = plan.key_fields.filter(code=body.key_field).first()
        if key_field is None:
            raise refused(
                400,
                f"未知重点领域「{body.key_field}」",
                f"unknown key field {body.key_field!r}",
                path="key_field",
            )
    unknown = [s for s in body.dates if s not in lt.stage_codes]
    if unknown:
        raise refused(
            400, f"本台账没有阶段 {unknown[0]}", f"the ledger has no stage {unknown[0]!r}", path="dates"
        )
    names = {a["code"] for a in lt.attributes}
    extra = [a for a in body.attributes if a not in names]
    if extra:
        raise refused(
            400, f"本台账没有属性 {extra[0]}", f"the ledger has no attribute {extra[0]!r}", path="attributes"
        )
    if body.investment is not None and not lt.has_investment:
        raise refused(400, "本台账没有总投资", "the ledger has no investment", path="investment")
    item.locality, item.key_field, item.name = locality, key_field, body.name
    item.identifier, item.investment = body.identifier.strip().upper(), body.investment
    for stage in lt.stage_codes:
        if stage in body.dates:
            item.set_stage_date(stage, body.dates[stage])
    item.attributes = {k: v for k, v in body.attributes.items() if str(v).strip()}
    item.status, item.notes = body.status, body.notes


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/{plan_code}/ledgers", response={200: list[LedgerOut], **NOT_FOUND})
def list_ledgers(request: HttpRequest, plan_code: str) -> list[LedgerOut]:
    """The plan's ledgers as its plan file declares them: stages, attributes, the indicators fed."""
    plan = get_plan(plan_code)
    return [_ledger_out(lt) for lt in services.ensure_default_ledgers(plan)]


@router.get("/{plan_code}/ledgers/{ledger}/items", response={200: list[ItemOut], **NOT_FOUND})
def list_items(request: HttpRequest, plan_code: str, ledger: str, filters: Query[FilterIn]) -> list[ItemOut]:
    """The rows the user may see, with the list page's filters (locality and key field by code, stage,
    year, status, review)."""
    lt = _ledger(get_plan(plan_code), ledger)
    items = services.filter_items(lt, _items(request, lt), filters.dict())
    return _items_out(request.user, items)


@router.get("/{plan_code}/ledgers/{ledger}/items/{item_id}", response={200: ItemOut, **NOT_FOUND})
def get_item(request: HttpRequest, plan_code: str, ledger: str, item_id: RowId) -> ItemOut:
    lt = _ledger(get_plan(plan_code), ledger)
    return _one_out(request.user, _item(request, lt, item_id))


@router.post("/{plan_code}/ledgers/{ledger}/items", response={201: ItemOut, **REFUSED})
def create_item(request: HttpRequest, plan_code: str, ledger: str, body: ItemIn) -> Status[ItemOut]:
    """A new row (a draft), as on the web: the user's own locality, checked whole, audited."""
    plan = get_plan(plan_code)
    lt = _ledger(plan, ledger)
    item = LedgerItem(ledger=lt)
    _fill(plan, lt, item, body)
    services.save_item(request.user, item, via=API)
    return Status(201, _one_out(request.user, _item(request, lt, item.pk)))


@router.put("/{plan_code}/ledgers/{ledger}/items/{item_id}", response={200: ItemOut, **REFUSED})
def update_item(request: HttpRequest, plan_code: str, ledger: str, item_id: RowId, body: ItemIn) -> ItemOut:
    """Change a draft or returned row; with `version`, a change saved by someone else since is
    refused, never overwritten."""
    plan = get_plan(plan_code)
    lt = _ledger(plan, ledger)
    item = _item(request, lt, item_id)
    _fill(plan, lt, item, body)
    services.save_item(request.user, item, via=API, expected_version=body.version)
    return _one_out(request.user, _item(request, lt, item.pk))


@router.post("/{plan_code}/ledgers/{ledger}/items/{item_id}/transition", response={200: ItemOut, **REFUSED})
def transition(
    request: HttpRequest, plan_code: str, ledger: str, item_id: RowId, body: TransitionIn
) -> ItemOut:
    """submit (the locality), approve (its approver), accept (the province or the lead unit of an
    indicator fed), return (with a comment)."""
    lt = _ledger(get_plan(plan_code), ledger)
    item = _item(request, lt, item_id)
    if body.action == "return":
        services.return_item(request.user, item, body.comment, via=API)
    else:
        services.TRANSITIONS[body.action](request.user, item, via=API)
    return _one_out(request.user, lt.items.select_related("ledger", "locality", "key_field").get(pk=item.pk))


@router.post("/{plan_code}/ledgers/{ledger}/transition", response={200: MovedOut, **REFUSED})
def move_all(
    request: HttpRequest, plan_code: str, ledger: str, body: MoveAllIn, filters: Query[FilterIn]
) -> MovedOut:
    """Submit, approve or accept every row of the filtered list (the query string takes the list's
    filters) that this user may move so, all or nothing, as the list page's buttons do."""
    lt = _ledger(get_plan(plan_code), ledger)
    items = services.filter_items(lt, _items(request, lt), filters.dict())
    moved, left = services.move_all(request.user, items, body.action, via=API)
    return MovedOut(moved=moved, left_alone=left)


@router.delete("/{plan_code}/ledgers/{ledger}/items/{item_id}", response={204: None, **REFUSED})
def delete_item(request: HttpRequest, plan_code: str, ledger: str, item_id: RowId) -> Status[None]:
    """Delete a draft row, never submitted (others are cancelled through their status instead);
    the audit keeps what it was."""
    lt = _ledger(get_plan(plan_code), ledger)
    services.delete_item(request.user, _item(request, lt, item_id), via=API)
    return Status(204, None)


@router.get(
    "/{plan_code}/ledgers/{ledger}/count/{locality}/{year}/{key}", response={200: CountOut, **NOT_FOUND}
)
def count_rows(
    request: HttpRequest,
    plan_code: str,
    ledger: str,
    locality: str,
    year: YearPath,
    key: str,
    kind: Literal["new", "cumulative"] = "cumulative",
    accepted: bool = False,
) -> CountOut:
    """Exactly the rows behind one derived number, among those the user may see; `accepted=true`
    keeps the accepted rows only (those the reported values count)."""
    plan = get_plan(plan_code)
    lt = _ledger(plan, ledger)
    place = get_one(plan.localities.all(), "locality", locality, plan)
    if key not in lt.stage_codes and lt.feed_of(key) is None:
        raise NotFound(
            f"“{key}”既不是台账 {lt.code} 的阶段，也不是它所支撑的指标",
            f"{key!r} is neither a stage of {lt.code} nor an indicator it feeds.",
        )
    visible = services.visible_items(request.user, lt.items.all())
    ids = services.rows_behind(lt, place, year, key, kind, accepted_only=accepted, within=visible)
    items = _items(request, lt).filter(pk__in=ids)
    return CountOut(
        ledger=lt.code,
        locality=place.code,
        year=year,
        key=key,
        kind=kind,
        accepted_only=accepted,
        count=len(ids),
        items=_items_out(request.user, items),
    )
