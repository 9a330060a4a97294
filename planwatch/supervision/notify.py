"""Supervision's reminders go through planwatch.notifications: who (people), how (delivery)."""

from __future__ import annotations

from planwatch.notifications.delivery import RemindResult, notify
from planwatch.notifications.people import locality_users, unit_users

__all__ = ["RemindResult", "locality_users", "notify", "unit_users"]
