"""Task supervision (督查督办) through the API: the supervision list, action plans, milestones and
progress updates.

Every change goes through planwatch.supervision.actions, exactly as on the web pages and in the
Excel import: a locality's users write only their own action plan, the province comments on and
returns updates, and every change writes a audit event with the source "api". Supervision
is open to every signed-in user of the plan for reading, as on the web. Refusals answer 400, 403 or
409 with `{"errors": [...]}` in both languages (planwatch.api.values.register_error_handlers).
Evidence files are uploaded on the milestone's web page; the API lists them with their download
address.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from planwatch.api.routes import NOT_FOUND, NotFound, get_one, get_plan
from planwatch.api.schemas import Date, Order, Percent, RowId, YearPath, YearQuery, text_of
from planwatch.api.values import ErrorsOut
from planwatch.kernel import audit
from planwatch.plans.models import Plan
from planwatch.supervision import actions, services
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate

router = Router(tags=["supervision"])
API = audit.Via(audit.Source.API)
REFUSED = {400: ErrorsOut, 403: ErrorsOut, 409: ErrorsOut, **NOT_FOUND}

MilestoneStatus = Literal["not_started", "in_progress", "done", "at_risk"]


# --- shapes -------------------------------------------------------------------------------------


class FindingOut(Schema):
    milestone_id: RowId
    locality: str
    locality_zh: str
    year: int
    sample: bool = Field(description="Sample data (示例数据) of `planwatch load_sample`, not a real plan.")
    task: str
    milestone: str
    owner_unit: str | None
    owner_unit_zh: str | None
    owner_person: str
    due_on: dt.date
    status: str
    percent: int
    flag: Literal["overdue", "at_risk"]
    reasons: list[str] = Field(
        description="overdue, marked_at_risk, behind_schedule (percent behind the time elapsed), "
        "indicator_lagging (a linked indicator lags in the latest evaluation run)."
    )
    days_late: int
    lagging_indicators: list[str]


class EvidenceOut(Schema):
    name: str
    url: str
    uploaded_at: dt.datetime


class UpdateOut(Schema):
    id: int
    status: str
    percent: int
    narrative: str
    author: str | None
    created_at: dt.datetime
    returned: bool
    province_comment: str
    commented_by: str | None
    evidence: list[EvidenceOut]


class MilestoneOut(Schema):
    id: int
    locality: str
    year: int
    sample: bool = Field(description="Sample data (示例数据) of `planwatch load_sample`, not a real plan.")
    task: str
    title: str
    owner_unit: str | None
    owner_person: str
    starts_on: dt.date | None
    due_on: dt.date
    deliverable: str
    indicators: list[str]
    status: str
    percent: int
    order: int


class MilestoneDetailOut(MilestoneOut):
    updates: list[UpdateOut]


class ActionPlanOut(Schema):
    locality: str
    year: int
    sample: bool = Field(description="Sample data (示例数据) of `planwatch load_sample`, not a real plan.")
    status: str
    milestone_count: int
    milestones: list[MilestoneOut]


class MilestoneIn(Schema):
    task: str = Field(description="A task code of the plan, e.g. T1.1.")
    title: str = text_of(Milestone, "title")
    due_on: Date
    starts_on: Date | None = None
    owner_unit: str | None = Field(None, description="A unit code of the plan, e.g. DST.")
    owner_person: str = text_of(Milestone, "owner_person", "")
    deliverable: str = ""
    indicators: list[str] = Field(default_factory=list, description="Linked indicator codes.")
    order: Order = 0


class UpdateIn(Schema):
    status: MilestoneStatus
    percent: Percent
    narrative: str = ""


class ReviewIn(Schema):
    action: Literal["comment", "return"]
    comment: str


class FindingsQuery(Schema):
    as_of: Date | None = Field(None, description="The day to judge on; today by default.")
    locality: str | None = Field(None, description="Only this locality's milestones.")
    unit: str | None = Field(None, description="Only milestones this unit owns.")


# --- conversions --------------------------------------------------------------------------------


def _update_out(u: ProgressUpdate, plan: Plan) -> UpdateOut:
    return UpdateOut(
        id=u.pk,
        status=u.status,
        percent=u.percent,
        narrative=u.narrative,
        author=u.author.username if u.author else None,
        created_at=u.created_at,
        returned=u.returned,
        province_comment=u.province_comment,
        commented_by=u.commented_by.username if u.commented_by else None,
        evidence=[
            EvidenceOut(
                name=e.original_name,
                url=reverse("supervision:evidence", args=[plan.code, e.pk]),
                uploaded_at=e.uploaded_at,
            )
            for e in u.evidence.all()
        ],
    )


def _milestone_fields(m: Milestone) -> dict[str, object]:
    return {
        "id": m.pk,
        "locality": m.action_plan.locality.code,
        "year": m.action_plan.year,
        "sample": m.action_plan.is_sample,
        "task": m.task.code,
        "title": m.title,
        "owner_unit": m.owner_unit.code if m.owner_unit else None,
        "owner_person": m.owner_person,
        "starts_on": m.starts_on,
        "due_on": m.due_on,
        "deliverable": m.deliverable,
        "indicators": sorted(i.code for i in m.indicators.all()),
        "status": m.status,
        "percent": m.percent,
        "order": m.order,
    }


def _milestones(plan: Plan) -> QuerySet[Milestone]:
    return services.milestones_of(plan).order_by(
        "action_plan__year", "action_plan__locality__order", "order", "due_on", "pk"
    )


def _milestone(plan: Plan, milestone_id: RowId) -> Milestone:
    updates = ProgressUpdate.objects.select_related("author", "commented_by").prefetch_related("evidence")
    m = (
        _milestones(plan)
        .prefetch_related(Prefetch("updates", queryset=updates))
        .filter(pk=milestone_id)
        .first()
    )
    if m is None:
        raise NotFound(
            f"方案 {plan.code} 没有编号为 {milestone_id} 的节点",
            f"No milestone {milestone_id} in plan {plan.code!r}.",
        )
    return m


def _detail(m: Milestone) -> MilestoneDetailOut:
    plan = m.action_plan.plan
    return MilestoneDetailOut(
        **_milestone_fields(m),  # type: ignore[arg-type]
        updates=[_update_out(u, plan) for u in m.updates.all()],
    )


def _data(plan: Plan, body: MilestoneIn) -> actions.MilestoneData:
    """The milestone as the actions take it; every problem refused with its JSON path."""
    entered = actions.MilestoneInput(
        task=body.task,
        title=body.title,
        due_on=body.due_on,
        owner_unit=body.owner_unit or "",
        owner_person=body.owner_person,
        starts_on=body.starts_on,
        deliverable=body.deliverable,
        indicators=body.indicators,
        order=body.order,
    )
    return actions.read_milestone(actions.Codes.of(plan), entered)


# --- endpoints ------------------------------------------------------------------------------------


@router.get(
    "/{plan_code}/supervision",
    response={200: list[FindingOut], **NOT_FOUND},
    summary="Overdue and at-risk milestones (the supervision list)",
)
def findings(request: HttpRequest, plan_code: str, filters: Query[FindingsQuery]) -> list[FindingOut]:
    plan = get_plan(plan_code)
    locality = unit = None
    if filters.locality:
        locality = get_one(plan.localities.all(), "locality", filters.locality, plan)
    if filters.unit:
        unit = get_one(plan.units.all(), "unit", filters.unit, plan)
    rows = services.supervision_list(
        plan,
        filters.as_of or dt.date.today(),
        locality_id=locality.pk if locality else None,
        unit_id=unit.pk if unit else None,
    )
    return [FindingOut(milestone_id=r.milestone.pk, **r.as_dict()) for r in rows]


@router.get("/{plan_code}/action-plans", response={200: list[ActionPlanOut], **NOT_FOUND})
def list_action_plans(request: HttpRequest, plan_code: str, year: YearQuery = None) -> list[ActionPlanOut]:
    plan = get_plan(plan_code)
    plans = (
        ActionPlan.objects.filter(plan=plan).select_related("locality").order_by("year", "locality__order")
    )
    if year is not None:
        plans = plans.filter(year=year)
    by_plan: dict[int, list[MilestoneOut]] = {}
    for m in _milestones(plan).filter(action_plan__in=plans):
        by_plan.setdefault(m.action_plan_id, []).append(MilestoneOut(**_milestone_fields(m)))  # type: ignore[arg-type]
    return [
        ActionPlanOut(
            locality=ap.locality.code,
            year=ap.year,
            sample=ap.is_sample,
            status=ap.status,
            milestone_count=len(by_plan.get(ap.pk, [])),
            milestones=by_plan.get(ap.pk, []),
        )
        for ap in plans
    ]


@router.post(
    "/{plan_code}/action-plans/{locality}/{year}/milestones",
    response={201: MilestoneDetailOut, **REFUSED},
    summary="Add a milestone to a locality's action plan (opened if need be)",
)
def add_milestone(
    request: HttpRequest, plan_code: str, locality: str, year: YearPath, body: MilestoneIn
) -> Status[MilestoneDetailOut]:
    plan = get_plan(plan_code)
    place = get_one(plan.localities.all(), "locality", locality, plan)
    data = _data(plan, body)
    with transaction.atomic():  # a refused milestone leaves no empty action plan behind
        ap = actions.open_action_plan(request.user, plan, place, year, via=API)
        m = actions.add_milestone(request.user, ap, data, via=API)
    return Status(201, _detail(_milestone(plan, m.pk)))


@router.get("/{plan_code}/milestones/{milestone_id}", response={200: MilestoneDetailOut, **NOT_FOUND})
def get_milestone(request: HttpRequest, plan_code: str, milestone_id: RowId) -> MilestoneDetailOut:
    plan = get_plan(plan_code)
    return _detail(_milestone(plan, milestone_id))


@router.put("/{plan_code}/milestones/{milestone_id}", response={200: MilestoneDetailOut, **REFUSED})
def edit_milestone(
    request: HttpRequest, plan_code: str, milestone_id: RowId, body: MilestoneIn
) -> MilestoneDetailOut:
    plan = get_plan(plan_code)
    m = _milestone(plan, milestone_id)
    actions.edit_milestone(request.user, m, _data(plan, body), via=API)
    return _detail(_milestone(plan, milestone_id))


@router.delete("/{plan_code}/milestones/{milestone_id}", response={204: None, **REFUSED})
def delete_milestone(request: HttpRequest, plan_code: str, milestone_id: RowId) -> Status[None]:
    plan = get_plan(plan_code)
    actions.delete_milestone(request.user, _milestone(plan, milestone_id), via=API)
    return Status(204, None)


@router.post(
    "/{plan_code}/milestones/{milestone_id}/updates",
    response={201: MilestoneDetailOut, **REFUSED},
    summary="Report progress on a milestone (evidence files: on its web page)",
)
def post_update(
    request: HttpRequest, plan_code: str, milestone_id: RowId, body: UpdateIn
) -> Status[MilestoneDetailOut]:
    plan = get_plan(plan_code)
    m = _milestone(plan, milestone_id)
    actions.post_update(request.user, m, body.status, body.percent, body.narrative, via=API)
    return Status(201, _detail(_milestone(plan, milestone_id)))


@router.post(
    "/{plan_code}/updates/{update_id}/review",
    response={200: MilestoneDetailOut, **REFUSED},
    summary="The province comments on or returns a progress update",
)
def review_update(
    request: HttpRequest, plan_code: str, update_id: RowId, body: ReviewIn
) -> MilestoneDetailOut:
    plan = get_plan(plan_code)
    update = ProgressUpdate.objects.filter(pk=update_id, milestone__action_plan__plan=plan).first()
    if update is None:
        raise NotFound(
            f"方案 {plan.code} 没有编号为 {update_id} 的进展报告",
            f"No progress update {update_id} in plan {plan.code!r}.",
        )
    if body.action == "comment":
        actions.comment_update(request.user, update, body.comment, via=API)
    else:
        actions.return_update(request.user, update, body.comment, via=API)
    return _detail(_milestone(plan, update.milestone_id))
