from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.core.planfile import dump_plan
from planwatch.plans.loader import plan_to_document
from planwatch.plans.lookup import find_plan
from planwatch.plans.models import Plan


class Command(PlanWatchCommand):
    help = "Write a loaded plan back as a plan file; loading the export gives the same plan."

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        text = dump_plan(plan_to_document(Plan.objects.get(pk=plan.pk)), options["format"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stdout.write(f"wrote {options['output']}")
        else:
            sys.stdout.write(text)
