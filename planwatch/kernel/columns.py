"""What a column can hold, read from the model field: the one source of the ranges and lengths that
every input (API schemas, web forms) checks before it writes.

Integer ranges are PostgreSQL's (Django's portable ranges, `BaseDatabaseOperations`), whatever the
database in use: SQLite would store a larger number that the production database then refuses.
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

RANGES = BaseDatabaseOperations.integer_field_ranges


def int_range(model: type[models.Model], name: str) -> tuple[int, int]:
    """The smallest and the largest integer the column takes (ids start at 1)."""
    field = model._meta.get_field(name)
    low, high = RANGES[field.get_internal_type()]
    return (1 if getattr(field, "primary_key", False) else low), high


def max_length(model: type[models.Model], name: str) -> int | None:
    """The most characters a text column takes; None for a text without a limit."""
    return getattr(model._meta.get_field(name), "max_length", None)
