from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.reporting import excel


class Command(PlanWatchCommand):
    help = "Write the Excel values template of one locality and period (see docs/excel.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locality",
            required=True,
            help="a locality of the plan by code or name (Chinese, with or without 市/区/县, or English)",
        )
        parser.add_argument("--period", required=True, help="the period's code, e.g. 2018")
        add_plan_argument(parser)
        parser.add_argument(
            "--user",
            help="export as this user: only the indicators they may report, only the values they may see "
            "(default: every indicator and value)",
        )
        parser.add_argument(
            "-o", "--output", help="the file to write (default: <locality>_<period>_指标填报表.xlsx)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = excel.find_plan(options["plan"])
        locality = excel.find_locality(plan, options["locality"])
        period = excel.find_period(plan, options["period"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
        data = excel.export_template(plan, locality, period, user)
        output = Path(options["output"] or excel.template_file_name(locality, period))
        output.write_bytes(data)
        self.stdout.write(
            f"wrote {output}: {locality.name_zh} {locality.code}, period {period.code}, "
            f"plan {plan.code} v{plan.version}"
        )
