"""The sample data (示例数据) of a plan, all of it: targets and accepted values (planwatch.reporting),
the ledger rows behind the counted values (planwatch.ledgers), and action plans with milestones dated
from today (planwatch.supervision). Above every app, so that none of them imports another's sample."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from planwatch.ledgers.sample import load_sample_ledgers
from planwatch.plans.models import Plan
from planwatch.reporting.sample import load_sample_values
from planwatch.supervision.sample import load_sample_supervision


@dataclass
class SampleResult:
    targets: int
    values: int
    periods: int
    values_until: int = 0  # the last year with sample values: the last ended (last_sample_year)
    ledger_rows: int = 0
    supervision_year: int | None = None
    action_plans: int = 0
    milestones: int = 0


@transaction.atomic
def load_sample(plan: Plan, today: dt.date | None = None) -> SampleResult:
    """Replace the plan's sample data with a fresh, deterministic set: values up to the last year ended
    by `today` (reporting.sample.last_sample_year), milestones dated from it."""
    values = load_sample_values(plan, today)
    rows = load_sample_ledgers(plan)
    sup = load_sample_supervision(plan, today)
    return SampleResult(
        targets=values.targets,
        values=values.values,
        periods=values.periods,
        values_until=values.last_year,
        ledger_rows=rows,
        supervision_year=sup.year,
        action_plans=sup.action_plans,
        milestones=sup.milestones,
    )
