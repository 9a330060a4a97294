"""planwatch export_audit: the audit log (every change anywhere: values, ledger rows, milestones,
periods, targets, users, plan loads …), or the events of one kind of subject."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_output_arguments, add_plan_argument, output_of, write_output
from planwatch.kernel.models import SUBJECTS
from planwatch.plans.lookup import find_plan
from planwatch.reporting import exports


class Command(PlanWatchCommand):
    help = (
        "Write the audit log, oldest first: when, who, what, old and new value and status, comment, "
        "source. --since/--until take a date (whole days, Beijing time) or a date-time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--since", help="from this date or date-time on (inclusive)")
        parser.add_argument("--until", help="up to this date (inclusive) or date-time (exclusive)")
        parser.add_argument(
            "--subject", choices=sorted(SUBJECTS), help="only the events of this kind of subject, e.g. value"
        )
        add_output_arguments(parser, exports.FORMATS, "csv")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = output_of(options)
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
        write_output(self, exports.render(records, exports.AUDIT_COLUMNS, fmt, "audit"), output)
        if output:
            self.stderr.write(
                f"wrote {len(records)} audit entr{'y' if len(records) == 1 else 'ies'} to {output}"
            )
