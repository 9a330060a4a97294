"""The command line: the `planwatch` console script (Django's management commands, with start-up
errors made readable), and the base of every PlanWatch command, which says any refusal of PlanWatch
(the root of its errors) in both languages and exits with status 1."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from planwatch.core.errors import PlanWatchError


class Command(BaseCommand):
    """A PlanWatch command: its `handle` raises what it refuses; here it becomes one message."""

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except PlanWatchError as exc:
            raise CommandError(exc.describe()) from None


def active_user(username: str) -> Any:
    """The active user named on the command line, whose role and scope the command runs under."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no such active user: {username}")
    return user


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"planwatch: configuration error: {exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["planwatch", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
