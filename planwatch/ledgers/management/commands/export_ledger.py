from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.ledgers import excel, services
from planwatch.plans.lookup import find_plan


class Command(PlanWatchCommand):
    help = "Write a ledger as an Excel workbook; an empty ledger gives the template."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ledger", required=True, help="the ledger's code, e.g. investment_projects")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        add_plan_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        ledger = services.get_ledger(plan, options["ledger"])
        items = ledger.items.select_related("locality", "key_field")
        Path(options["output"]).write_bytes(excel.export_ledger(ledger, items))
        self.stdout.write(f"{options['output']}: {items.count()} row(s) of ledger {ledger.code}")
