"""Template context every page gets: whether the plan the page belongs to holds sample data."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from planwatch.kernel.unchanged import while_unchanged
from planwatch.ledgers.models import LedgerItem
from planwatch.plans.models import Plan, Target
from planwatch.reporting.models import ReportedValue
from planwatch.supervision.models import ActionPlan


def plan_has_sample(code: str) -> bool:
    """Whether the plan `code` holds sample data (示例数据): sample targets, values, ledger
    rows or action plans.

    One query: each kind of sample data is an EXISTS on the plan's row; kept until the data change
    (planwatch.kernel.unchanged: one query for the mark)."""
    plan = OuterRef("pk")
    query = Plan.objects.filter(code=code).filter(
        Exists(Target.objects.filter(indicator__plan=plan, origin=Target.Origin.SAMPLE))
        | Exists(ReportedValue.objects.filter(indicator__plan=plan, is_sample=True))
        | Exists(LedgerItem.objects.filter(ledger__plan=plan, is_sample=True))
        | Exists(ActionPlan.objects.filter(plan=plan, is_sample=True))
    )
    return while_unchanged("has_sample", (code,), query.exists)


def sample_data(request: HttpRequest) -> dict[str, object]:
    """`has_sample` for every page under /plans/<code>/: the banner of base.html shows on it.

    Asked lazily, at most once per request, and only when a template reads it."""
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("code") if match else None
    if not code:
        return {"has_sample": False}
    cached: list[bool] = []

    def has_sample() -> bool:
        if not cached:
            cached.append(plan_has_sample(str(code)))
        return cached[0]

    return {"has_sample": has_sample}
