"""What the batch commands share: the user a command acts as, and the file it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from planwatch.plans.lookup import find_plan
from planwatch.plans.models import Plan


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


def plan_named(code: str | None) -> Plan:
    """The plan given with --plan, or the only plan loaded."""
    return find_plan(code)
