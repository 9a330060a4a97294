from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from planwatch.plans import models
from planwatch.plans.actions import revise_target


class ReadOnlyFromPlanFile(admin.ModelAdmin):
    """Items that come from the plan file: change the file and load it again, not the row."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


class TargetForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the revision"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to revise a target."),
    )

    class Meta:
        model = models.Target
        fields = ["value"]


@admin.register(models.Target)
class TargetAdmin(admin.ModelAdmin):
    """Targets are revised with a reason, and every revision is recorded."""

    form = TargetForm
    list_display = ["indicator", "locality", "year", "value", "qualifier", "origin"]
    list_filter = ["indicator__plan", "origin", "year", "locality"]
    search_fields = ["indicator__code", "indicator__name_zh"]
    readonly_fields = ["indicator", "locality", "year", "qualifier", "origin", "clause", "quote"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The form has already put the new value on `obj`; revise from the stored one.
        stored = models.Target.objects.get(pk=obj.pk)
        revise_target(stored, form.cleaned_data["value"], form.cleaned_data["reason"], request.user)


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
