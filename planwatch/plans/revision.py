"""The plan's data revision (plans.models.DataRevision): what tells a dashboard, in one row, whether
its stored evaluation run still holds the data.

The actions that change what an evaluation reads call `bump` in their own transaction: accepting
values and approving a revision (planwatch.reporting.workflow), loading sample values
(planwatch.reporting.sample, planwatch.ledgers.sample), setting targets (planwatch.plans.actions)
and loading the plan file (planwatch.plans.loader). A bump too many only makes the job runner check
the data again (run_evaluation returns the identical stored run); a change that does not bump
would leave the dashboards on an old run, so a new way of changing accepted values or targets
must bump."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from planwatch.plans.models import DataRevision, Plan


def bump(plan_id: int) -> None:
    """One more revision of the plan's data (a row lock until the caller's transaction ends: the
    accepting province's writers take turns here, the reporters' drafts and submits never do)."""
    now = timezone.now()
    if DataRevision.objects.filter(plan_id=plan_id).update(number=F("number") + 1, changed_at=now):
        return
    try:
        with transaction.atomic():
            DataRevision.objects.create(plan_id=plan_id, number=1, changed_at=now)
    except IntegrityError:  # created by another writer meanwhile
        DataRevision.objects.filter(plan_id=plan_id).update(number=F("number") + 1, changed_at=now)


def current(plan: Plan) -> int:
    """The plan's data revision now (one query; 0 before the first change)."""
    number = DataRevision.objects.filter(plan=plan).values_list("number", flat=True).first()
    return number or 0
