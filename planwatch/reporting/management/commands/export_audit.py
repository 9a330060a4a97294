"""planwatch export_audit: the audit log (every change anywhere: values, ledger rows, milestones,
periods, targets, users, plan loads …), or the events of one kind of subject."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.kernel.models import SUBJECTS
from planwatch.plans.lookup import find_plan
from planwatch.reporting import exports
from planwatch.reporting.management.commands.export_values import write


class Command(PlanWatchCommand):
    help = (
        "Write the audit log, oldest first: when, who, what, old and new value and status, comment, "
        "source. --since/--until take a date (whole days, Beijing time) or a date-time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", help="the plan's code (default: the only plan loaded)")
        parser.add_argument("--since", help="from this date or date-time on (inclusive)")
        parser.add_argument("--until", help="up to this date (inclusive) or date-time (exclusive)")
        parser.add_argument(
            "--subject", choices=sorted(SUBJECTS), help="only the events of this kind of subject, e.g. value"
        )
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "-o", "--output", help="the file to write (default: standard output; not for xlsx)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx needs a file: add -o FILE.xlsx")
        bounds = {}
        for name in ("since", "until"):
            if options[name]:
                try:
                    bounds[name] = exports.parse_moment(options[name], end=name == "until")
                except ValueError:
                    raise CommandError(
                        f"--{name} {options[name]!r}: use a date (2019-03-01) or a date-time (2019-03-01T08:00)"
                    ) from None
        plan = find_plan(options["plan"])
        events = exports.audit_of(plan, **bounds)
        if options["subject"]:
            events = events.filter(subject_type=options["subject"])
        records = exports.audit_records(events)
        write(self, exports.render(records, exports.AUDIT_COLUMNS, fmt, "audit"), output)
        if output:
            self.stderr.write(
                f"wrote {len(records)} audit entr{'y' if len(records) == 1 else 'ies'} to {output}"
            )
