from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from planwatch.accounts.cli import plan_named
from planwatch.reporting.models import Period
from planwatch.reporting.periods import create_periods


class Command(BaseCommand):
    help = "Create a year's reporting periods, with due dates and entry locks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--frequency", choices=Period.Frequency.values, default="yearly")
        parser.add_argument("--due-after-days", type=int, default=90, help="days after the period ends")
        parser.add_argument("--lock-after-days", type=int, help="days after the due date (default: settings)")
        parser.add_argument("--plan", help="the plan's code (default: the only plan)")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = plan_named(options["plan"])
        periods = create_periods(
            plan,
            options["year"],
            options["frequency"],
            due_after_days=options["due_after_days"],
            lock_after_days=options["lock_after_days"],
        )
        for p in periods:
            self.stdout.write(f"{p.code}: {p.starts_on} – {p.ends_on}, due {p.due_on}, locks {p.locks_on}")
