"""Supervision's reminders go through planwatch.notifications: who (people), how (delivery)."""

from __future__ import annotations

from planwatch.notifications.delivery import RemindResult, notify
from planwatch.notifications.people import called, locality_users, unit_users, who_may

__all__ = ["RemindResult", "called", "locality_users", "notify", "unit_users", "who_may"]
