"""planwatch export_values: reported values as CSV, JSON or XLSX, for a period and a locality."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_output_arguments, add_plan_argument, output_of, write_output
from planwatch.core.errors import NotFound
from planwatch.plans.lookup import find_locality, find_plan, no_such
from planwatch.reporting import exports
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue


class Command(PlanWatchCommand):
    help = (
        "Write reported values with their indicator, locality, period, value, status, sample flag and "
        "source. Runs as the system: drafts and returned values are left out unless --include-drafts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--period", help="a period code: 2018, 2018Q1, 2018-03")
        parser.add_argument(
            "--locality",
            help="a locality of the plan by code or name (Chinese, with or without 市/区/县, or English)",
        )
        parser.add_argument("--indicator", help="an indicator code (I01)")
        parser.add_argument("--status", choices=list(ReportedValue.Status.values))
        parser.add_argument(
            "--include-drafts", action="store_true", help="include drafts and returned values"
        )
        add_output_arguments(parser, exports.FORMATS, "csv")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = output_of(options)
        plan = find_plan(options["plan"])
        locality_code = None
        if options["locality"]:
            locality_code = find_locality(plan, options["locality"]).code
        if options["period"] and not plan.periods.filter(code=options["period"]).exists():
            known = ", ".join(plan.periods.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no period {options['period']!r} in plan {plan.code}: known periods: {known}")
        if options["indicator"] and not plan.indicators.filter(code=options["indicator"]).exists():
            raise NotFound(*no_such(plan, "indicator", options["indicator"]))
        status = options["status"]
        if status in wf.DRAFT_LIKE and not options["include_drafts"]:
            raise CommandError(f"--status {status} lists drafts: add --include-drafts")
        values = exports.filter_values(
            exports.values_of(plan),
            period=options["period"],
            locality=locality_code,
            indicator=options["indicator"],
            status=status,
        )
        if not options["include_drafts"]:
            values = values.exclude(status__in=wf.DRAFT_LIKE)
        records = exports.value_records(values)
        write_output(self, exports.render(records, exports.VALUE_COLUMNS, fmt, "values"), output)
        if output:
            self.stderr.write(f"wrote {len(records)} value(s) to {output}")
