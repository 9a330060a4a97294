from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user, read_input
from planwatch.supervision import excel


class Command(PlanWatchCommand):
    help = (
        "Check a filled-in action plan template whole, then add or change every milestone in it — or "
        "change nothing and list every problem by sheet, cell and reason (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the filled-in template (.xlsx)")
        parser.add_argument(
            "--user", required=True, help="the user the changes are made as, under their scope"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["user"])
        path = Path(options["file"])
        data = read_input(path)
        result = excel.import_action_plan(data, path.name, user)
        self.stdout.write(result.describe())
