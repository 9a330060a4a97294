"""The read-only endpoints of a plan, under /api/v1/plans/.

Every list is read with a fixed number of queries whatever its length: each queryset below
select_related()s or prefetch_related()s exactly what the schemas in planwatch.api.schemas follow.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Router

from planwatch.api.schemas import (
    ErrorsOut,
    IndicatorDetailOut,
    IndicatorOut,
    KeyFieldOut,
    LocalityOut,
    OriginFilter,
    PlanDetailOut,
    PlanOut,
    TargetOut,
    TargetRevisionOut,
    TaskOut,
    UnitOut,
    YearPath,
    YearQuery,
)
from planwatch.core import planfile
from planwatch.core.errors import NotFound
from planwatch.plans.models import (
    Indicator,
    KeyField,
    Locality,
    Plan,
    PlanVersion,
    Target,
    TargetRevision,
    Task,
    Unit,
)

router = Router(tags=["plans"])

M = TypeVar("M", bound=Model)

# A code that names nothing in the plan raises NotFound (planwatch.core.errors): answered 404 in the
# API's one shape of errors, {"errors": [{"kind": "not_found", "message_zh", "message_en", …}]}.
NOT_FOUND = {404: ErrorsOut}
__all__ = ["NOT_FOUND", "NotFound", "get_one", "get_plan", "get_scope"]

# What each kind of item is called in Chinese, for the message of a code that names nothing.
ITEM_NAMES = {"task": "任务", "indicator": "指标", "locality": "地区", "unit": "单位"}


# --- lookups ------------------------------------------------------------------------------------


def plans() -> QuerySet[Plan]:
    # The source text is the plan's full text, long and not needed to describe the plan.
    return Plan.objects.defer("source_text")


def get_plan(plan_code: str, queryset: QuerySet[Plan] | None = None) -> Plan:
    plan = (queryset if queryset is not None else plans()).filter(code=plan_code).first()
    if plan is None:
        raise NotFound(f"没有代码为“{plan_code}”的方案", f"No plan with code {plan_code!r}.")
    return plan


def get_one(queryset: QuerySet[M], what: str, code: str, plan: Plan) -> M:
    item = queryset.filter(code=code).first()
    if item is None:
        raise NotFound(
            f"方案 {plan.code} 没有代码为“{code}”的{ITEM_NAMES.get(what, what)}",
            f"No {what} with code {code!r} in plan {plan.code!r}.",
        )
    return item


def get_scope(plan: Plan, scope: str) -> Locality | None:
    """The locality a scope code names; None for the whole region."""
    if scope == planfile.REGION:
        return None
    locality = plan.localities.filter(code=scope).first()
    if locality is None:
        raise NotFound(
            f"方案 {plan.code} 没有范围“{scope}”：请用 {planfile.REGION} 或地区代码",
            f"No scope {scope!r} in plan {plan.code!r}: use {planfile.REGION!r} or a locality code.",
        )
    return locality


def tasks_of(plan: Plan) -> QuerySet[Task]:
    return plan.tasks.select_related("group").prefetch_related("task_units__unit", "indicators")


def indicators_of(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.select_related("dimension", "lead_unit").prefetch_related(
        "components__component", "tasks"
    )


def targets_of(plan: Plan) -> QuerySet[Target]:
    return Target.objects.filter(indicator__plan=plan).select_related("indicator", "locality")


def localities_with_parents(plan: Plan) -> list[Locality]:
    """The plan's localities, each parent set from the same list.

    counted_in_region_total() walks up the ancestors; with the parents in memory that walk costs
    no query, however deep the tree.
    """
    localities = list(plan.localities.all())
    by_pk = {locality.pk: locality for locality in localities}
    for locality in localities:
        locality.parent = by_pk.get(locality.parent_id) if locality.parent_id else None
    return localities


# --- endpoints ----------------------------------------------------------------------------------


@router.get("", response=list[PlanOut], summary="List the plans")
def list_plans(request: HttpRequest) -> QuerySet[Plan]:
    return plans()


@router.get("/{plan_code}", response={200: PlanDetailOut, **NOT_FOUND}, summary="A plan in full")
def plan_detail(request: HttpRequest, plan_code: str) -> Plan:
    # Each version keeps the whole loaded document: leave it in the database.
    versions = Prefetch("versions", queryset=PlanVersion.objects.defer("document"))
    return get_plan(plan_code, plans().prefetch_related("goals", "rules__indicators", "dimensions", versions))


@router.get("/{plan_code}/localities", response={200: list[LocalityOut], **NOT_FOUND})
def list_localities(request: HttpRequest, plan_code: str) -> list[Locality]:
    return localities_with_parents(get_plan(plan_code))


@router.get("/{plan_code}/units", response={200: list[UnitOut], **NOT_FOUND})
def list_units(request: HttpRequest, plan_code: str) -> QuerySet[Unit]:
    return get_plan(plan_code).units.all()


@router.get("/{plan_code}/key-fields", response={200: list[KeyFieldOut], **NOT_FOUND})
def list_key_fields(request: HttpRequest, plan_code: str) -> QuerySet[KeyField]:
    return get_plan(plan_code).key_fields.select_related("group")


@router.get("/{plan_code}/tasks", response={200: list[TaskOut], **NOT_FOUND})
def list_tasks(request: HttpRequest, plan_code: str) -> QuerySet[Task]:
    return tasks_of(get_plan(plan_code))


@router.get("/{plan_code}/tasks/{task_code}", response={200: TaskOut, **NOT_FOUND})
def task_detail(request: HttpRequest, plan_code: str, task_code: str) -> Task:
    plan = get_plan(plan_code)
    return get_one(tasks_of(plan), "task", task_code, plan)


@router.get("/{plan_code}/indicators", response={200: list[IndicatorOut], **NOT_FOUND})
def list_indicators(request: HttpRequest, plan_code: str) -> QuerySet[Indicator]:
    return indicators_of(get_plan(plan_code))


@router.get("/{plan_code}/indicators/{indicator_code}", response={200: IndicatorDetailOut, **NOT_FOUND})
def indicator_detail(request: HttpRequest, plan_code: str, indicator_code: str) -> Indicator:
    plan = get_plan(plan_code)
    queryset = indicators_of(plan).prefetch_related(
        Prefetch("targets", queryset=Target.objects.select_related("indicator", "locality"))
    )
    return get_one(queryset, "indicator", indicator_code, plan)


@router.get("/{plan_code}/targets", response={200: list[TargetOut], **NOT_FOUND})
def list_targets(
    request: HttpRequest,
    plan_code: str,
    indicator: str | None = None,
    scope: str | None = None,
    year: YearQuery = None,
    origin: OriginFilter | None = None,
) -> QuerySet[Target]:
    """Targets, optionally only those of one indicator, scope (`region` or a locality code), year
    or origin. A filter naming nothing gives an empty list."""
    targets = targets_of(get_plan(plan_code))
    if indicator is not None:
        targets = targets.filter(indicator__code=indicator)
    if scope == planfile.REGION:
        targets = targets.filter(locality__isnull=True)
    elif scope is not None:
        targets = targets.filter(locality__code=scope)
    if year is not None:
        targets = targets.filter(year=year)
    if origin is not None:
        targets = targets.filter(origin=origin)
    return targets


@router.get(
    "/{plan_code}/targets/{indicator_code}/{scope}/{year}/revisions",
    response={200: list[TargetRevisionOut], **NOT_FOUND},
    summary="The revision history of one target",
)
def target_revisions(
    request: HttpRequest, plan_code: str, indicator_code: str, scope: str, year: YearPath
) -> QuerySet[TargetRevision]:
    """Newest first. Revisions outlive their target, so a removed target still has its history."""
    plan = get_plan(plan_code)
    indicator = get_one(plan.indicators.all(), "indicator", indicator_code, plan)
    return (
        TargetRevision.objects.filter(indicator=indicator, locality=get_scope(plan, scope), year=year)
        .select_related("indicator", "locality", "changed_by", "plan_version")
        .defer("plan_version__document")
    )
