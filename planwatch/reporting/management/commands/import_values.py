from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user, read_input
from planwatch.reporting import excel


class Command(PlanWatchCommand):
    help = (
        "Check a filled-in Excel values template whole, then save every value as a draft — or save "
        "nothing and list every problem by sheet, cell and reason (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the filled-in template (.xlsx)")
        parser.add_argument(
            "--user", required=True, help="the user the values are saved as, under their scope"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["user"])
        path = Path(options["file"])
        data = read_input(path)
        result = excel.import_values(data, path.name, user)
        self.stdout.write(result.describe())
