from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from planwatch.cli import Command as PlanWatchCommand
from planwatch.core.numbers import grouped
from planwatch.demo.sample import load_sample
from planwatch.plans.lookup import find_plan
from planwatch.plans.models import Plan


class Command(PlanWatchCommand):
    help = (
        "Load deterministic sample data (示例数据): locality targets, accepted values of the plan's years "
        "up to the last year that has ended (2016–2019 for the seed plan), ledger rows, and action plans "
        "with milestones dated from today."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", help="the plan's code (default: every loaded plan)")

    def handle(self, *args: Any, **options: Any) -> None:
        # The plan named, else every plan loaded (find_plan says when there is none).
        plans = [find_plan(options["plan"])] if options["plan"] else list(Plan.objects.all())
        plans = plans or [find_plan(None)]
        for plan in plans:
            result = load_sample(plan, timezone.localdate())
            self.stdout.write(
                f"{plan.code}: sample data (示例数据) loaded — {result.targets} locality targets, "
                f"{grouped(result.values)} accepted values over {result.periods} yearly periods, "
                f"up to {result.values_until} (the last year ended)"
            )
            self.stdout.write(
                f"{plan.code}: sample action plans (示例数据) for {result.supervision_year} — "
                f"{result.action_plans} action plans, {result.milestones} milestones, dated from today"
            )
