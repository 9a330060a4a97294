"""The breakdown of one indicator (分解表): the review state of its localities' targets.

The targets themselves are the plan's `Target` rows (one per indicator, locality and year) with
their history (`TargetRevision`); a Breakdown is what the review kernel moves: draft → submitted by
the lead unit → approved (locked) by the province, or returned with a comment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from planwatch.kernel.audit import Subject
from planwatch.kernel.review import EDITABLE, State
from planwatch.plans.models import Indicator, Plan, TargetRevision


class Breakdown(models.Model):
    indicator = models.OneToOneField(
        Indicator, models.CASCADE, related_name="breakdown", verbose_name=_("Indicator")
    )
    status = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("Submitted at"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("Approved at"))
    # The province's comment when it returned the breakdown; cleared when it is submitted again.
    comment = models.TextField(blank=True, verbose_name=_("Province comment"))

    class Meta:
        verbose_name = _("Target breakdown")
        verbose_name_plural = _("Target breakdowns")
        ordering = ["indicator__plan", "indicator__order"]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.status}"

    @property
    def editable(self) -> bool:
        """A draft or a returned breakdown: its lead unit enters and changes targets freely."""
        return self.status in EDITABLE

    @property
    def locked(self) -> bool:
        """Approved by the province: a change is a revision with a reason (一 说明3)."""
        return self.status == State.ACCEPTED

    def audit_subject(self) -> Subject:
        ind = self.indicator
        return Subject(
            "breakdown",
            self.pk,
            f"{ind.code} {ind.name_zh} 分解表",
            plan=ind.plan.code,
            indicator=ind.code,
        )

    def adjustments(self) -> QuerySet[TargetRevision]:
        """The changes of the localities' targets since the province approved the breakdown (一 说明3:
        the 2018 and 2019 targets adjusted after the 2017 results), newest first."""
        return adjustments(indicator_id=self.indicator_id)


def adjustments(**where: object) -> QuerySet[TargetRevision]:
    """The adjustments of approved breakdowns (those `where` says, e.g. `indicator__plan=plan`): each
    a revision of a locality's target made after its indicator's breakdown was approved, newest first."""
    return (
        TargetRevision.objects.filter(
            locality__isnull=False,
            plan_version__isnull=True,
            indicator__breakdown__approved_at__isnull=False,
            changed_at__gt=models.F("indicator__breakdown__approved_at"),
            **where,
        )
        .select_related("indicator", "locality", "changed_by")
        .order_by("-changed_at", "-id")
    )


def broken_down(plan: Plan) -> QuerySet[Indicator]:
    """The indicators that have a breakdown: those evaluated (in a dimension) or with a target; not a
    component that exists only to compute another (装备制造业增加值 behind its growth rate)."""
    return (
        plan.indicators.filter(Q(dimension__isnull=False) | Q(targets__isnull=False) | Q(region_target=False))
        .distinct()
        .select_related("lead_unit")
        .order_by("order")
    )
