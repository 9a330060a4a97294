"""Task supervision (督查督办): yearly action plans of the localities, milestones, progress updates,
evidence and the audit of every change (notifications: planwatch.notifications)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from planwatch.kernel.audit import Subject
from planwatch.kernel.review import State
from planwatch.plans.models import Indicator, Locality, Plan, Task, Unit


class ActionPlan(models.Model):
    """A locality's yearly action plan (年度行动计划): the plan's tasks broken into milestones."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="action_plans")
    locality = models.ForeignKey(Locality, models.PROTECT, related_name="action_plans")
    year = models.PositiveSmallIntegerField(verbose_name=_("Year"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_sample = models.BooleanField(
        default=False,
        verbose_name=_("Sample data"),
        help_text="示例数据 of `planwatch load_sample`: replaced when it runs again, never official.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Action plan")
        verbose_name_plural = _("Action plans")
        ordering = ["plan", "year", "locality__order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "locality", "year"], name="unique_action_plan")
        ]

    def __str__(self) -> str:
        return f"{self.locality.code} {self.year}"

    def audit_subject(self) -> Subject:
        return Subject(
            "action_plan",
            self.pk,
            f"{self.locality.name_zh} {self.year} 年度行动计划",
            plan=self.plan.code,
            locality=self.locality.code,
            period=str(self.year),
        )


class Milestone(models.Model):
    """One step of a task in a locality's action plan, with an owner, a due date and a deliverable."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        AT_RISK = "at_risk", _("At risk")

    action_plan = models.ForeignKey(ActionPlan, models.CASCADE, related_name="milestones")
    task = models.ForeignKey(Task, models.PROTECT, related_name="milestones", verbose_name=_("Task"))
    title = models.CharField(max_length=300, verbose_name=_("Milestone"))
    owner_unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="milestones", verbose_name=_("Owner unit")
    )
    owner_person = models.CharField(max_length=100, blank=True, verbose_name=_("Owner"))
    starts_on = models.DateField(null=True, blank=True, verbose_name=_("Starts on"))
    due_on = models.DateField(verbose_name=_("Due on"))
    deliverable = models.TextField(blank=True, verbose_name=_("Deliverable"))
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="milestones", verbose_name=_("Linked indicators")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Milestone")
        verbose_name_plural = _("Milestones")
        ordering = ["action_plan", "order", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="milestone_percent_max_100")
        ]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> Subject:
        ap = self.action_plan
        return ap.audit_subject().part("milestone", self.pk, f"{ap.locality.name_zh} {ap.year}：{self.title}")


class ProgressUpdate(models.Model):
    """A progress report on a milestone; the province may comment on it and return it."""

    milestone = models.ForeignKey(Milestone, models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=Milestone.Status.choices)
    percent = models.PositiveSmallIntegerField()
    narrative = models.TextField(blank=True, verbose_name=_("Narrative"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Posted is submitted to the province, which may return it (planwatch.kernel.review).
    review = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    province_comment = models.TextField(blank=True, verbose_name=_("Province comment"))
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Progress update")
        verbose_name_plural = _("Progress updates")
        ordering = ["milestone", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.milestone} {self.percent}%"

    @property
    def returned(self) -> bool:
        return self.review == State.RETURNED

    def audit_subject(self) -> Subject:
        subject = self.milestone.audit_subject()
        return subject.part("progress_update", self.pk, f"{subject.label}（{self.percent}%）")


def evidence_path(instance: UpdateEvidence, filename: str) -> str:
    return f"supervision/{instance.update.milestone_id}/{filename}"


class UpdateEvidence(models.Model):
    """A file supporting a progress update, stored under var/."""

    update = models.ForeignKey(ProgressUpdate, models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Evidence file")
        verbose_name_plural = _("Evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
