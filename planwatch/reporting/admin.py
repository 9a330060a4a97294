from django.contrib import admin

from planwatch.reporting.models import Period, ReportedValue


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "plan", "frequency", "starts_on", "ends_on", "due_on"]
    list_filter = ["plan", "frequency"]


@admin.register(ReportedValue)
class ReportedValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "locality", "period", "value", "status", "is_sample", "source"]
    list_filter = ["status", "is_sample", "period", "locality"]
    readonly_fields = ["version", "updated_at", "updated_by"]
