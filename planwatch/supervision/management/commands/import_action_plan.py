from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from planwatch.core.errors import WorkbookRejected
from planwatch.reporting.workflow import WorkflowError
from planwatch.supervision import excel


class Command(BaseCommand):
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
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no such active user: {options['user']}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            result = excel.import_action_plan(data, path.name, user)
        except WorkbookRejected as exc:
            raise CommandError(exc.describe()) from None
        except WorkflowError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(result.describe())
