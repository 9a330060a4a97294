from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.plans.lookup import find_plan
from planwatch.supervision import services
from planwatch.supervision.management.commands._common import as_of


class Command(PlanWatchCommand):
    help = "The supervision list: overdue and at-risk milestones with locality, task, owner, due date, days late."

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--as-of", help="judge as on this day, YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("-o", "--output", help="write to this file (required for xlsx)")
        parser.add_argument(
            "--days", type=int, help="how many days ahead counts for 'at risk' (default: setting)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        today = as_of(options["as_of"])
        rows = services.supervision_list(plan, today, window_days=options["days"])
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs -o FILE")
            Path(output).write_bytes(services.as_xlsx(rows, today))
            self.stdout.write(f"wrote {output}: {len(rows)} milestone(s)")
            return
        text = services.as_table(rows) if fmt == "table" else services.as_json(rows, today) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {output}: {len(rows)} milestone(s)")
        else:
            self.stdout.write(text, ending="")
