"""Which localities have accepted values of which year: a marker (reporting.models.AcceptedYear)
kept by the actions that change accepted values, in their own transaction, so that a page asking
"which year does every pilot unit have?" reads a few hundred marker rows, not every value of the
plan (issue 18: a COUNT DISTINCT over 300,000 values on every dashboard view).

The rule is here and only here (`counted`): a locality has a year when it has at least one accepted,
non-empty value of a yearly period of it. The actions call `touch` with the values they accepted or
revised (planwatch.reporting.workflow: accept, decide_revision; planwatch.ledgers.sample), and
`refresh` for the whole plan where values were replaced wholesale (planwatch.reporting.sample); the
migration that made the marker filled it with `refresh` too. Nothing else changes accepted values:
an accepted value is locked (revised, never returned or overwritten: the bulk paths write drafts),
and a value's locality, indicator and period cannot be deleted under it (PROTECT). Which
localities are pilot units and which years are evaluated is asked when reading (`localities_by_year`),
so a plan file that changes them needs no refresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from planwatch.kernel.review import State
from planwatch.plans.models import Plan
from planwatch.reporting.models import AcceptedYear, Period, ReportedValue

Pair = tuple[int, int]  # (locality id, year)


def counted(values: QuerySet[Any]) -> QuerySet[Any]:
    """The values that give their locality their year: accepted, not empty, of a yearly period.
    `values` is a ReportedValue queryset (the migration's historical model too)."""
    return values.filter(
        status=State.ACCEPTED, value__isnull=False, period__frequency=Period.Frequency.YEARLY
    )


def refresh(plan_id: int, pairs: Iterable[Pair] | None = None, *, models: Any = None) -> None:
    """Mark again, from the values, the (locality id, year) `pairs` of the plan — every pair of the
    plan for None — in the caller's transaction (three queries at most). `models`: the migration's
    (ReportedValue, AcceptedYear); the app's by default."""
    values_model, marker_model = models or (ReportedValue, AcceptedYear)
    values = counted(values_model.objects.filter(indicator__plan_id=plan_id))
    marks = marker_model.objects.filter(plan_id=plan_id)
    wanted = None if pairs is None else set(pairs)
    if wanted is not None:
        if not wanted:
            return
        values = values.filter(
            locality_id__in={loc for loc, _ in wanted}, period__year__in={year for _, year in wanted}
        )
    present = set(values.values_list("locality_id", "period__year").distinct())
    if wanted is None:
        marks.delete()
    else:
        present &= wanted
        if gone := wanted - present:
            marks.filter(_any_of(gone)).delete()
    marker_model.objects.bulk_create(
        [marker_model(plan_id=plan_id, locality_id=loc, year=year) for loc, year in sorted(present)],
        batch_size=2000,
        ignore_conflicts=True,  # marked already (by this action or by another one meanwhile)
    )


def touch(values: Iterable[Any]) -> None:
    """Mark again the localities and years of these values (ReportedValues with their indicator and
    period in hand), plan by plan: after they were accepted or revised."""
    by_plan: dict[int, set[Pair]] = defaultdict(set)
    for value in values:
        if value.period.frequency == Period.Frequency.YEARLY:
            by_plan[value.indicator.plan_id].add((value.locality_id, value.period.year))
    for plan_id, pairs in sorted(by_plan.items()):
        refresh(plan_id, pairs)


def localities_by_year(plan: Plan, first_year: int) -> dict[int, int]:
    """How many pilot units have accepted values of each year from `first_year` (one query on the
    marker's index: at most pilot units × years rows)."""
    rows = (
        AcceptedYear.objects.filter(plan=plan, locality__pilot=True, year__gte=first_year)
        .values("year")
        .annotate(localities=Count("locality_id"))
    )
    return {int(row["year"]): int(row["localities"]) for row in rows}


def _any_of(pairs: set[Pair]) -> Q:
    condition = Q(pk__in=[])
    for loc, year in pairs:
        condition |= Q(locality_id=loc, year=year)
    return condition
