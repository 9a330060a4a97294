"""planwatch export_values: reported values as CSV, JSON or XLSX, for a period and a locality."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.plans.lookup import find_locality, find_plan
from planwatch.reporting import exports
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue


class Command(PlanWatchCommand):
    help = (
        "Write reported values with their indicator, locality, period, value, status, sample flag and "
        "source. Runs as the system: drafts and returned values are left out unless --include-drafts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", help="the plan's code (default: the only plan loaded)")
        parser.add_argument("--period", help="a period code: 2018, 2018Q1, 2018-03")
        parser.add_argument("--locality", help="a locality by code (ZH) or name (珠海, 珠海市, Zhuhai)")
        parser.add_argument("--indicator", help="an indicator code (I01)")
        parser.add_argument("--status", choices=list(ReportedValue.Status.values))
        parser.add_argument(
            "--include-drafts", action="store_true", help="include drafts and returned values"
        )
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "-o", "--output", help="the file to write (default: standard output; not for xlsx)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx needs a file: add -o FILE.xlsx")
        plan = find_plan(options["plan"])
        locality_code = None
        if options["locality"]:
            locality_code = find_locality(plan, options["locality"]).code
        if options["period"] and not plan.periods.filter(code=options["period"]).exists():
            known = ", ".join(plan.periods.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no period {options['period']!r} in plan {plan.code}: known periods: {known}")
        if options["indicator"] and not plan.indicators.filter(code=options["indicator"]).exists():
            raise CommandError(f"no indicator {options['indicator']!r} in plan {plan.code}")
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
        write(self, exports.render(records, exports.VALUE_COLUMNS, fmt, "values"), output)
        if output:
            self.stderr.write(f"wrote {len(records)} value(s) to {output}")


def write(command: PlanWatchCommand, content: str | bytes, output: str | None) -> None:
    """To the file, or to standard output (text only)."""
    if output:
        mode = "wb" if isinstance(content, bytes) else "w"
        try:
            if isinstance(content, bytes):
                with open(output, mode) as fh:
                    fh.write(content)
            else:
                with open(output, mode, encoding="utf-8", newline="") as fh:
                    fh.write(content)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
    else:
        assert isinstance(content, str)
        command.stdout.write(content, ending="")
