from django.contrib import admin
from django.http import HttpRequest

from planwatch.evaluation.models import DerivedIndicator, EvaluationRun
from planwatch.plans.admin import ReadOnlyFromPlanFile

FIELDS = (
    "plan",
    "year",
    "label",
    "notes",
    "created_at",
    "created_by",
    "includes_unaccepted",
    "sample",
    "statuses",
    "parameters",
    "data_version",
    "data_hash",
    "input_hash",
    "results_hash",
    "engine_version",
    "summary",
)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    """Runs are made by `planwatch evaluate` and the API; here only their label and notes change."""

    list_display = [
        "id",
        "plan",
        "year",
        "created_at",
        "created_by",
        "includes_unaccepted",
        "sample",
        "label",
    ]
    list_filter = ["plan", "year", "includes_unaccepted", "sample"]
    search_fields = ["label", "notes", "data_hash", "input_hash"]
    fields = FIELDS
    readonly_fields = tuple(f for f in FIELDS if f not in ("label", "notes"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DerivedIndicator)
class DerivedIndicatorAdmin(ReadOnlyFromPlanFile):
    """From the plan file's `derived_indicators:`: change the file and load it again."""

    list_display = ["code", "plan", "metric", "dimension", "target"]
    list_filter = ["plan", "metric"]
