from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.kernel import audit
from planwatch.plans.lookup import find_plan
from planwatch.reporting.models import Period
from planwatch.reporting.periods import create_periods


class Command(PlanWatchCommand):
    help = "Create a year's reporting periods, with due dates and entry locks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--frequency", choices=[f.value for f in Period.Frequency], default="yearly")
        parser.add_argument("--due-after-days", type=int, default=90, help="days after the period ends")
        parser.add_argument("--lock-after-days", type=int, help="days after the due date (default: settings)")
        parser.add_argument(
            "--due-on",
            type=dt.date.fromisoformat,
            help=(
                "the due date itself, YYYY-MM-DD (yearly periods only; instead of --due-after-days); "
                "an existing period is rescheduled to it"
            ),
        )
        add_plan_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        year, due_on = options["year"], options["due_on"]
        due_after_days = options["due_after_days"]
        if due_on is not None:
            if options["frequency"] != Period.Frequency.YEARLY:
                raise CommandError("--due-on is for a yearly period; use --due-after-days for the others")
            if due_on <= dt.date(year, 12, 31):
                raise CommandError(f"--due-on {due_on} is not after the end of {year}")
            due_after_days = (due_on - dt.date(year, 12, 31)).days
        periods = create_periods(
            plan,
            year,
            options["frequency"],
            due_after_days=due_after_days,
            lock_after_days=options["lock_after_days"],
            # An explicit due date is a decision about this period: it applies to an existing one too,
            # so that `make demo` run again months later opens the demo year again.
            reschedule=due_on is not None,
            via=audit.Via(audit.Source.COMMAND),
        )
        for p, done in periods:
            self.stdout.write(
                f"{p.code}: {p.starts_on} – {p.ends_on}, due {p.due_on}, locks {p.locks_on} ({done})"
            )
