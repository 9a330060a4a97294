"""The Django admin shows workflow data and the audit log for browsing only: every change goes
through the workflow's actions, which check who may and write the audit event; the admin would
bypass both."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from planwatch.kernel.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists, filters and detail pages; no adding, changing or deleting."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log: append-only (planwatch verify_audit checks its hash chain)."""

    list_display = ["at", "type", "actor_name", "source", "subject_type", "subject_label", "plan_code"]
    list_filter = ["source", "subject_type", "plan_code"]
    search_fields = ["type", "actor_name", "subject_label", "comment"]
    date_hierarchy = "at"
