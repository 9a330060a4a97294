from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.plans.lookup import find_locality, find_plan
from planwatch.supervision import excel


class Command(PlanWatchCommand):
    help = "Write the Excel action plan template of one locality and year, with its milestones (see docs/supervision.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locality",
            required=True,
            help="a locality of the plan by code or name (Chinese, with or without 市/区/县, or English)",
        )
        parser.add_argument("--year", required=True, type=int)
        add_plan_argument(parser)
        parser.add_argument(
            "-o", "--output", help="the file to write (default: <locality>_<year>_行动计划.xlsx)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        locality = find_locality(plan, options["locality"])
        output = Path(options["output"] or excel.file_name(locality, options["year"]))
        output.write_bytes(excel.export_action_plan(plan, locality, options["year"]))
        self.stdout.write(f"wrote {output}: {locality.name_zh} {locality.code}, {options['year']}")
