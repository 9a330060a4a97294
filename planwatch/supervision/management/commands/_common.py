from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone


def as_of(text: str | None) -> dt.date:
    """The day to judge on: --as-of YYYY-MM-DD, or today in the configured time zone."""
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of {text!r}: give a date as YYYY-MM-DD") from None
