from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user, add_plan_argument, read_input
from planwatch.ledgers import excel, services
from planwatch.plans.lookup import find_plan


class Command(PlanWatchCommand):
    help = (
        "Check a ledger workbook whole, then save every row — or save nothing and list every problem "
        "by sheet, cell and reason (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the ledger workbook (.xlsx)")
        parser.add_argument("--ledger", required=True, help="the ledger's code, e.g. investment_projects")
        parser.add_argument("--user", required=True, help="the user the rows are saved as, under their scope")
        add_plan_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["user"])
        plan = find_plan(options["plan"])
        ledger = services.get_ledger(plan, options["ledger"])
        path = Path(options["file"])
        data = read_input(path)
        with self.steps() as steps:
            saved = excel.import_ledger(ledger, data, path.name, user, steps)
        self.stdout.write(f"{path.name}: {len(saved)} row(s) saved to ledger {ledger.code}")
