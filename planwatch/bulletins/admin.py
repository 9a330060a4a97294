from django.contrib import admin

from planwatch.bulletins.models import Bulletin
from planwatch.kernel.admin import ReadOnlyAdmin


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    """Read-only: a bulletin is drafted, edited, issued, withdrawn and superseded through
    planwatch.bulletins.issuing, which checks who may and writes the audit event."""

    list_display = [
        "__str__",
        "state",
        "period_code",
        "series",
        "number",
        "run",
        "includes_unaccepted",
        "sample",
        "created_by",
        "created_at",
    ]
    list_filter = ["plan", "state", "series", "period_code", "includes_unaccepted"]
