"""The derived metric on supervision's records: milestones done on time (a row of the registry
planwatch.evaluation.derived.METRICS, registered when this app starts: the milestones are above
the evaluation app, which cannot read them itself)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planwatch.core import supervision as core
from planwatch.core.kinds import DerivedMetric, Direction
from planwatch.evaluation.derived import Metric, Scope, Tallies, add, local_day
from planwatch.kernel.review import State
from planwatch.supervision.models import Milestone, ProgressUpdate


def milestones_on_time(scope: Scope) -> Tallies:
    """Per pilot unit and year: of its action-plan milestones due in the year that are done or past
    their due day, those done by their due day (core.supervision.finished_on_time, the day done from
    the standing progress updates: core.supervision.done_on). Two queries."""
    rows = (
        list(
            Milestone.objects.filter(
                action_plan__plan=scope.plan,
                action_plan__locality_id__in=list(scope.pilots),
                due_on__gte=dt.date(min(scope.years), 1, 1),
                due_on__lte=dt.date(max(scope.years), 12, 31),
            ).values_list("pk", "action_plan__locality_id", "due_on", "action_plan__is_sample")
        )
        if scope.years
        else []
    )
    updates: dict[int, list[tuple[str, dt.date]]] = {}
    for milestone_id, status, posted in (
        ProgressUpdate.objects.filter(milestone_id__in=[pk for pk, *_ in rows])
        .exclude(review=State.RETURNED)
        .order_by("created_at", "id")
        .values_list("milestone_id", "status", "created_at")
    ):
        updates.setdefault(milestone_id, []).append((status, local_day(posted)))
    tallies: Tallies = {}
    for pk, locality_id, due_on, is_sample in rows:
        done = core.done_on(updates.get(pk, []))
        on_time = core.finished_on_time(due_on, done, scope.as_of)
        if on_time is not None:
            add(tallies, (scope.pilots[locality_id], due_on.year), on_time, sample=is_sample)
    return tallies


MILESTONES_ON_TIME = Metric(
    DerivedMetric.MILESTONES_ON_TIME, Direction.HIGHER_IS_BETTER, Decimal(100), milestones_on_time
)
