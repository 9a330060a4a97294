from django.contrib import admin

from planwatch.kernel.admin import ReadOnlyAdmin
from planwatch.reporting.models import Period, ReportedValue


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    """Periods, their dates and exceptions change on the periods page (planwatch.reporting.periods)."""

    list_display = ["code", "plan", "frequency", "starts_on", "ends_on", "due_on", "locks_on"]
    list_filter = ["plan", "frequency"]


@admin.register(ReportedValue)
class ReportedValueAdmin(ReadOnlyAdmin):
    """Values change through the reporting workflow only (planwatch.reporting.workflow)."""

    list_display = ["indicator", "locality", "period", "value", "status", "is_sample", "source"]
    list_filter = ["status", "is_sample", "period", "locality"]
