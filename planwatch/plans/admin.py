from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from planwatch.kernel.admin import ReadOnlyAdmin
from planwatch.plans import models


class ReadOnlyFromPlanFile(ReadOnlyAdmin):
    """Items that come from the plan file: change the file and load it again, not the row."""


@admin.register(models.Plan)
class PlanAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "title_zh", "issued_on", "version"]


@admin.register(models.PlanVersion)
class PlanVersionAdmin(ReadOnlyFromPlanFile):
    list_display = ["plan", "number", "file_name", "loaded_at", "loaded_by"]
    exclude = ["document"]


@admin.register(models.Locality)
class LocalityAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "pilot", "figures_include_children"]
    list_filter = ["plan", "level", "pilot"]


@admin.register(models.Unit)
class UnitAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "name_zh", "name_en", "kind"]
    list_filter = ["plan", "kind"]


@admin.register(models.KeyField)
class KeyFieldAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "number", "name_zh", "group", "clause"]
    list_filter = ["plan", "group"]


@admin.register(models.Task)
class TaskAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "title_zh", "group", "clause"]
    list_filter = ["plan", "group"]
    search_fields = ["code", "title_zh", "title_en", "quote"]


@admin.register(models.Indicator)
class IndicatorAdmin(ReadOnlyFromPlanFile):
    list_display = ["code", "name_zh", "unit", "kind", "aggregation", "binding", "dimension", "lead_unit"]
    list_filter = ["plan", "kind", "binding", "dimension"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(models.Target)
class TargetAdmin(ReadOnlyAdmin):
    """Targets come from the plan file or the indicator's breakdown page, where a revision is made
    with a reason, reviewed and audited; here they are only read."""

    list_display = ["indicator", "locality", "year", "value", "qualifier", "origin"]
    list_filter = ["indicator__plan", "origin", "year", "locality"]
    search_fields = ["indicator__code", "indicator__name_zh"]
    readonly_fields = ["where_to_change"]

    @admin.display(description=_("Where to change it"))
    def where_to_change(self, target: models.Target) -> str:
        indicator = target.indicator
        url = reverse(
            "breakdown:table", kwargs={"code": indicator.plan.code, "indicator_code": indicator.code}
        )
        return format_html('<a href="{}">{}</a>', url, _("The indicator's breakdown page"))


@admin.register(models.TargetRevision)
class TargetRevisionAdmin(ReadOnlyFromPlanFile):
    list_display = [
        "indicator",
        "locality",
        "year",
        "old_value",
        "new_value",
        "changed_by",
        "changed_at",
        "reason",
    ]
    list_filter = ["indicator__plan", "year"]
