from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user, add_plan_argument
from planwatch.ledgers import services
from planwatch.plans.lookup import find_locality, find_plan


class Command(PlanWatchCommand):
    help = "Write the counts derived from the ledgers as draft values of a year (source: ledger)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--user", required=True, help="the user the values are saved as, under their scope"
        )
        add_plan_argument(parser)
        parser.add_argument(
            "--locality", help="only this locality (code or name), as the entry form's button"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["user"])
        plan = find_plan(options["plan"])
        localities = None
        if options["locality"]:
            localities = [find_locality(plan, options["locality"])]
        result = services.derive_values(plan, options["year"], user, localities=localities)
        for locality, indicator, value in result.written:
            self.stdout.write(f"{locality} {indicator} {options['year']}: {value}")
        for locality, zh, en in result.skipped:
            self.stdout.write(f"{locality}: skipped ({zh} / {en})")
