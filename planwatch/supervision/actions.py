"""Every change to action plans, milestones and progress updates goes through one function here.

Each runs in a transaction, checks the user's role and scope on the server (for the web and imports
alike) and writes a SupervisionAudit row. A locality's users write only their own locality's action
plan (the province administrator writes any); the province comments on and returns updates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from planwatch.accounts.models import Profile, profile_of
from planwatch.plans.models import Indicator, Locality, Plan, Task, Unit
from planwatch.reporting.evidence import check_evidence
from planwatch.reporting.workflow import CommentRequired, IllegalTransition, NotAllowed, WorkflowError
from planwatch.supervision.models import (
    ActionPlan,
    Milestone,
    ProgressUpdate,
    SupervisionAudit,
    UpdateEvidence,
)

Status = Milestone.Status

__all__ = [
    "CommentRequired",
    "IllegalTransition",
    "InvalidMilestone",
    "MilestoneData",
    "NotAllowed",
    "add_milestone",
    "can_write",
    "comment_update",
    "edit_milestone",
    "open_action_plan",
    "post_update",
    "return_update",
]


class InvalidMilestone(WorkflowError):
    pass


@dataclass
class MilestoneData:
    """The fields of a milestone as entered on the web page or in the Excel template."""

    task: Task
    title: str
    due_on: dt.date
    owner_unit: Unit | None = None
    owner_person: str = ""
    starts_on: dt.date | None = None
    deliverable: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    order: int = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "task": self.task.code,
            "title": self.title,
            "owner_unit": self.owner_unit.code if self.owner_unit else None,
            "owner_person": self.owner_person,
            "starts_on": self.starts_on.isoformat() if self.starts_on else None,
            "due_on": self.due_on.isoformat(),
            "deliverable": self.deliverable,
            "indicators": sorted(i.code for i in self.indicators),
            "order": self.order,
        }


# --- scope ----------------------------------------------------------------------------------------


def can_write(profile: Profile, locality_id: int | None) -> bool:
    """Only the locality's own users (and the province administrator) write its action plan."""
    return profile.in_locality(locality_id) or profile.is_admin


def can_review(profile: Profile) -> bool:
    return profile.is_province


def _require_write(user: Any, locality: Locality) -> Profile:
    profile = profile_of(user)
    if not can_write(profile, locality.pk):
        raise NotAllowed(
            f"您无权修改{locality.name_zh}的行动计划",
            f"you may not change the action plan of {locality.name_en}",
        )
    return profile


def snapshot(m: Milestone) -> dict[str, Any]:
    return {
        "task": m.task.code,
        "title": m.title,
        "owner_unit": m.owner_unit.code if m.owner_unit else None,
        "owner_person": m.owner_person,
        "starts_on": m.starts_on.isoformat() if m.starts_on else None,
        "due_on": m.due_on.isoformat(),
        "deliverable": m.deliverable,
        "indicators": sorted(i.code for i in m.indicators.all()),
        "order": m.order,
        "status": m.status,
        "percent": m.percent,
    }


def _audit(
    action_plan: ActionPlan,
    user: Any,
    action: str,
    *,
    milestone: Milestone | None = None,
    old: Any = None,
    new: Any = None,
    source: str = "web",
) -> SupervisionAudit:
    return SupervisionAudit.objects.create(
        action_plan=action_plan,
        milestone=milestone,
        user=user if getattr(user, "pk", None) else None,
        action=action,
        old=old,
        new=new,
        source=source[:300],
    )


def check_milestone(plan: Plan, data: MilestoneData) -> list[tuple[str, str]]:
    """Problems with a milestone's fields, each in Chinese and English; empty if none."""
    problems: list[tuple[str, str]] = []
    if not data.title.strip():
        problems.append(("里程碑名称不能为空", "the milestone needs a title"))
    if data.task.plan_id != plan.pk:
        problems.append((f"任务 {data.task.code} 不属于本方案", f"task {data.task.code} is not of this plan"))
    if data.owner_unit is not None and data.owner_unit.plan_id != plan.pk:
        problems.append(
            (f"单位 {data.owner_unit.code} 不属于本方案", f"unit {data.owner_unit.code} is not of this plan")
        )
    if data.starts_on and data.starts_on > data.due_on:
        problems.append(("开始日期晚于完成时限", "the start date is after the due date"))
    for indicator in data.indicators:
        if indicator.plan_id != plan.pk:
            problems.append(
                (f"指标 {indicator.code} 不属于本方案", f"indicator {indicator.code} is not of this plan")
            )
    return problems


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise InvalidMilestone("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems))


# --- the transitions ------------------------------------------------------------------------------


@transaction.atomic
def open_action_plan(
    user: Any, plan: Plan, locality: Locality, year: int, *, source: str = "web"
) -> ActionPlan:
    """The locality's action plan for the year, created (and audited) if it does not exist yet."""
    if locality.plan_id != plan.pk:
        raise NotAllowed(f"{locality.name_zh}不属于本方案", f"{locality.name_en} is not of this plan")
    _require_write(user, locality)
    action_plan, created = ActionPlan.objects.get_or_create(plan=plan, locality=locality, year=year)
    if created:
        _audit(action_plan, user, "create_plan", new={"locality": locality.code, "year": year}, source=source)
    return action_plan


@transaction.atomic
def add_milestone(
    user: Any, action_plan: ActionPlan, data: MilestoneData, *, source: str = "web"
) -> Milestone:
    _require_write(user, action_plan.locality)
    _raise_if(check_milestone(action_plan.plan, data))
    milestone = Milestone.objects.create(
        action_plan=action_plan,
        task=data.task,
        title=data.title.strip(),
        owner_unit=data.owner_unit,
        owner_person=data.owner_person.strip(),
        starts_on=data.starts_on,
        due_on=data.due_on,
        deliverable=data.deliverable.strip(),
        order=data.order,
    )
    milestone.indicators.set(data.indicators)
    _audit(action_plan, user, "add_milestone", milestone=milestone, new=snapshot(milestone), source=source)
    return milestone


@transaction.atomic
def edit_milestone(user: Any, milestone: Milestone, data: MilestoneData, *, source: str = "web") -> Milestone:
    action_plan = milestone.action_plan
    _require_write(user, action_plan.locality)
    _raise_if(check_milestone(action_plan.plan, data))
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    old = snapshot(milestone)
    milestone.task = data.task
    milestone.title = data.title.strip()
    milestone.owner_unit = data.owner_unit
    milestone.owner_person = data.owner_person.strip()
    milestone.starts_on = data.starts_on
    milestone.due_on = data.due_on
    milestone.deliverable = data.deliverable.strip()
    milestone.order = data.order
    milestone.save()
    milestone.indicators.set(data.indicators)
    new = snapshot(milestone)
    if new != old:
        _audit(action_plan, user, "edit_milestone", milestone=milestone, old=old, new=new, source=source)
    return milestone


@transaction.atomic
def delete_milestone(user: Any, milestone: Milestone, *, source: str = "web") -> None:
    action_plan = milestone.action_plan
    _require_write(user, action_plan.locality)
    if milestone.updates.exists():
        raise IllegalTransition(
            "已有进展报告的里程碑不能删除", "a milestone with progress updates cannot be deleted"
        )
    _audit(action_plan, user, "delete_milestone", old=snapshot(milestone), source=source)
    milestone.delete()


def check_progress(status: str, percent: int) -> list[tuple[str, str]]:
    """The rules of a milestone's state: not started is 0%, 100% is done, done is 100%."""
    if status not in Status.values:
        return [(f"未知状态 {status}", f"unknown status {status}")]
    if not 0 <= percent <= 100:
        return [("完成比例须在 0 到 100 之间", "the percent must be between 0 and 100")]
    if status == Status.NOT_STARTED and percent != 0:
        return [("未开始的里程碑完成比例应为 0", "a milestone not started is 0% done")]
    if status == Status.DONE and percent != 100:
        return [("已完成的里程碑完成比例应为 100", "a done milestone is 100% done")]
    if status != Status.DONE and percent == 100:
        return [("完成比例为 100 时请将状态设为已完成", "at 100%, mark the milestone done")]
    return []


def _evidence_problem(upload: UploadedFile) -> tuple[str, str] | None:
    """The same check as for a reported value's evidence (size, kind, content), in both languages."""
    with translation.override("zh-hans"):
        zh = check_evidence(upload)
    if not zh:
        return None
    with translation.override("en"):
        return zh, check_evidence(upload)


@transaction.atomic
def post_update(
    user: Any,
    milestone: Milestone,
    status: str,
    percent: int,
    narrative: str = "",
    *,
    files: Iterable[UploadedFile] = (),
    source: str = "web",
) -> ProgressUpdate:
    """Report progress: the milestone takes the update's status and percent."""
    action_plan = milestone.action_plan
    _require_write(user, action_plan.locality)
    problems = check_progress(status, percent)
    if status == Status.AT_RISK and not narrative.strip():
        problems.append(("标记为有风险时请说明原因", "say why when marking a milestone at risk"))
    files = list(files)
    problems += [problem for f in files if (problem := _evidence_problem(f))]
    if problems:
        raise IllegalTransition("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    old = {"status": milestone.status, "percent": milestone.percent}
    update = ProgressUpdate.objects.create(
        milestone=milestone, status=status, percent=percent, narrative=narrative.strip(), author=user
    )
    for f in files:
        UpdateEvidence.objects.create(update=update, file=f, original_name=f.name or "file", uploaded_by=user)
    milestone.status, milestone.percent = status, percent
    milestone.save(update_fields=["status", "percent"])
    _audit(
        action_plan,
        user,
        "post_update",
        milestone=milestone,
        old=old,
        new={"status": status, "percent": percent, "update": update.pk},
        source=source,
    )
    return update


def _tell_author(update: ProgressUpdate, reviewer: Any, key: str, zh: str, en: str) -> None:
    """A notification (and e-mail) to the update's author, once the review is committed."""
    from planwatch.supervision import services  # services reads the models this module writes

    author = update.author
    if author is None or author.pk == getattr(reviewer, "pk", None):
        return
    milestone = update.milestone
    link = reverse("supervision:milestone", args=[milestone.action_plan.plan.code, milestone.pk])
    transaction.on_commit(lambda: services.notify(author, key, zh, en, link, services.RemindResult()))


def _require_review(user: Any) -> None:
    if not can_review(profile_of(user)):
        raise NotAllowed(
            "只有省级主管部门可以点评或退回进展报告", "only the province comments on or returns updates"
        )


@transaction.atomic
def comment_update(user: Any, update: ProgressUpdate, comment: str, *, source: str = "web") -> ProgressUpdate:
    _require_review(user)
    if not comment.strip():
        raise CommentRequired("请填写点评意见", "write a comment")
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    old = update.province_comment
    update.province_comment, update.commented_by = comment.strip(), user
    update.save(update_fields=["province_comment", "commented_by"])
    _audit(
        update.milestone.action_plan,
        user,
        "comment_update",
        milestone=update.milestone,
        old={"comment": old},
        new={"comment": update.province_comment, "update": update.pk},
        source=source,
    )
    digest = hashlib.sha256(update.province_comment.encode()).hexdigest()[:12]
    _tell_author(
        update,
        user,
        f"update-comment:{update.pk}:{digest}",
        f"您的进展报告（{update.milestone.title}）收到省级审核意见：{update.province_comment}",
        f"The province commented on your progress update ({update.milestone.title}): {update.province_comment}",
    )
    return update


@transaction.atomic
def return_update(user: Any, update: ProgressUpdate, comment: str, *, source: str = "web") -> ProgressUpdate:
    """Return an update with a comment: the milestone goes back to its last standing update."""
    _require_review(user)
    if not comment.strip():
        raise CommentRequired("退回时请说明原因", "say why the update is returned")
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.returned:
        raise IllegalTransition("该进展报告已被退回", "this update was already returned")
    milestone = Milestone.objects.select_for_update().get(pk=update.milestone_id)
    update.returned, update.province_comment, update.commented_by = True, comment.strip(), user
    update.save(update_fields=["returned", "province_comment", "commented_by"])
    old = {"status": milestone.status, "percent": milestone.percent}
    latest = milestone.updates.filter(returned=False).order_by("-created_at", "-id").first()
    milestone.status = latest.status if latest else Status.NOT_STARTED
    milestone.percent = latest.percent if latest else 0
    milestone.save(update_fields=["status", "percent"])
    _audit(
        milestone.action_plan,
        user,
        "return_update",
        milestone=milestone,
        old=old,
        new={
            "status": milestone.status,
            "percent": milestone.percent,
            "update": update.pk,
            "comment": comment,
        },
        source=source,
    )
    _tell_author(
        update,
        user,
        f"update-returned:{update.pk}",
        f"您的进展报告被退回（{milestone.title}）：{update.province_comment}",
        f"Your progress update was returned ({milestone.title}): {update.province_comment}",
    )
    return update
