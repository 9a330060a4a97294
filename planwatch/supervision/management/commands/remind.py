from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument, add_queue_argument, say_queued
from planwatch.plans.lookup import find_plan
from planwatch.supervision.management.commands._common import as_of
from planwatch.supervision.services import remind
from planwatch.supervision.tasks import remind_plan


class Command(PlanWatchCommand):
    help = (
        "Remind people of milestones due soon or overdue and of reporting periods due soon or overdue "
        "for localities that have not submitted: in-app notifications and e-mails, never twice for the "
        "same thing. Run it on a schedule (e.g. daily); with --queue, a worker (planwatch db_worker) "
        "sends them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--as-of", help="judge as on this day, YYYY-MM-DD (default: today)")
        parser.add_argument("--days", type=int, help="how many days ahead is 'due soon' (default: setting)")
        add_queue_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        if options["queue"]:  # the day is checked now; without --as-of, the worker's today
            day = as_of(options["as_of"]).isoformat() if options["as_of"] else ""
            say_queued(self, remind_plan.enqueue(plan.code, day, options["days"]))
            return
        result = remind(plan, as_of(options["as_of"]), window_days=options["days"])
        self.stdout.write(result.describe())
