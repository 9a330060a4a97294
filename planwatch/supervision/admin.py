from django.contrib import admin

from planwatch.kernel.admin import ReadOnlyAdmin
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    """Action plans, milestones and progress change through supervision's actions only."""

    list_display = ["locality", "year", "plan", "status", "updated_at"]
    list_filter = ["plan", "year", "status"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "action_plan", "task", "owner_unit", "due_on", "status", "percent"]
    list_filter = ["status", "action_plan__year", "action_plan__locality"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["milestone", "status", "percent", "author", "created_at", "review"]
    list_filter = ["review", "status"]
