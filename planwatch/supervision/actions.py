"""Every change to action plans, milestones and progress updates goes through one function here.

Each runs in a transaction, checks the user's permission (planwatch.accounts.permissions) for the
web, the API and imports alike, and writes one audit event. A locality's users write only their own
locality's action plan (the province administrator writes any); the province comments on updates
and returns them, a progress update being a subject of the review kernel (posted: submitted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation

from planwatch.accounts.permissions import has_perm
from planwatch.core.errors import (
    CommentRequired,
    IllegalTransition,
    Issue,
    Kind,
    NotAllowed,
    PlanWatchError,
    Refused,
    refuse,
)
from planwatch.kernel import audit, columns
from planwatch.kernel.review import MOVES, Action, State, Step, SubjectKind, transition
from planwatch.plans.models import Indicator, Locality, Plan, Task, Unit
from planwatch.reporting.evidence import evidence_problem
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate, UpdateEvidence
from planwatch.supervision.notify import RemindResult, called, notify, who_may

Status = Milestone.Status

__all__ = [
    "CommentRequired",
    "IllegalTransition",
    "InvalidMilestone",
    "Codes",
    "MilestoneData",
    "MilestoneInput",
    "NotAllowed",
    "add_milestone",
    "can_write",
    "comment_update",
    "edit_milestone",
    "open_action_plan",
    "require_write",
    "post_update",
    "read_milestone",
    "return_update",
]


class InvalidMilestone(Refused):
    """A milestone whose fields do not fit the plan or each other: every problem, each at its field
    (`title`, `task`, `owner_unit`, `starts_on`, `indicators`)."""


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


def can_write(user: Any, locality: Locality | int | None) -> bool:
    """The rule `action_plan.write`: only the locality's own users (and the administrator)."""
    return has_perm("action_plan.write", user, locality)


def can_review(user: Any) -> bool:
    """The rule `progress_update.comment`: the province comments on updates and returns them."""
    return has_perm("progress_update.comment", user)


def require_write(user: Any, locality: Locality) -> None:
    """Raises NotAllowed unless the user may change the locality's action plans."""
    if not can_write(user, locality):
        raise NotAllowed(
            f"您无权修改{locality.name_zh}的行动计划",
            f"you may not change the action plan of {locality.name_en}",
        )


def snapshot(m: Milestone) -> dict[str, Any]:
    """A milestone's fields for the audit: those entered (MilestoneData's), its status and percent."""
    data = MilestoneData(
        task=m.task,
        title=m.title,
        due_on=m.due_on,
        owner_unit=m.owner_unit,
        owner_person=m.owner_person,
        starts_on=m.starts_on,
        deliverable=m.deliverable,
        indicators=list(m.indicators.all()),
        order=m.order,
    )
    return {**data.snapshot(), "status": m.status, "percent": m.percent}


def label(field_name: str) -> tuple[str, str]:
    """A milestone field's label in Chinese and English: the form's, the template's and the
    messages' one name for it."""
    field = Milestone._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    name = field.verbose_name
    with translation.override("zh-hans"):
        zh = str(name)
    with translation.override("en"):
        return zh, str(name)


def _issue(path: str, zh: str, en: str) -> Issue:
    return Issue(Kind.INVALID, zh, en, path=path)


def _rules(title: str, starts_on: dt.date | None, due_on: dt.date | None) -> list[Issue]:
    """The rules of a milestone's own fields: a title, and a start no later than the due date."""
    problems = []
    if not title.strip():
        problems.append(_issue("title", "里程碑名称不能为空", "the milestone needs a title"))
    if starts_on and due_on and starts_on > due_on:
        (start_zh, start_en), (due_zh, due_en) = label("starts_on"), label("due_on")
        problems.append(
            _issue("starts_on", f"“{start_zh}”晚于“{due_zh}”", f"“{start_en}” is after “{due_en}”.")
        )
    return problems


def check_milestone(plan: Plan, data: MilestoneData) -> list[Issue]:
    """Problems with a milestone's fields, each at its field in Chinese and English; empty if none."""
    problems = _rules(data.title, data.starts_on, data.due_on)
    if data.task.plan_id != plan.pk:
        code = data.task.code
        problems.append(_issue("task", f"任务 {code} 不属于本方案", f"task {code} is not of this plan"))
    if data.owner_unit is not None and data.owner_unit.plan_id != plan.pk:
        code = data.owner_unit.code
        problems.append(_issue("owner_unit", f"单位 {code} 不属于本方案", f"unit {code} is not of this plan"))
    for n, indicator in enumerate(data.indicators):
        if indicator.plan_id != plan.pk:
            code = indicator.code
            problems.append(
                _issue(
                    f"indicators[{n}]", f"指标 {code} 不属于本方案", f"indicator {code} is not of this plan"
                )
            )
    return problems


@dataclass(frozen=True)
class Codes:
    """What a milestone's codes name in a plan, fetched once for a form, a request or a workbook."""

    tasks: dict[str, Task]
    units: dict[str, Unit]
    indicators: dict[str, Indicator]

    @classmethod
    def of(cls, plan: Plan) -> Codes:
        return cls(
            {t.code: t for t in plan.tasks.all()},
            {u.code: u for u in plan.units.all()},
            {i.code: i for i in plan.indicators.all()},
        )


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone as entered on the form, in the API or in a workbook row: codes and text, the
    dates as read (None if blank)."""

    task: str
    title: str
    due_on: dt.date | None
    owner_unit: str = ""
    owner_person: str = ""
    starts_on: dt.date | None = None
    deliverable: str = ""
    indicators: Sequence[str] = ()
    order: int = 0


def read_milestone(codes: Codes, entered: MilestoneInput) -> MilestoneData:
    """The milestone the input names; raises InvalidMilestone with every problem, each at its field
    (`task`, `title`, `owner_unit`, `starts_on`, `due_on`, `indicators[n]`). The web form, the API
    and the Excel import each read their input into a MilestoneInput and ask this one check."""
    problems = []
    task = codes.tasks.get(entered.task.strip())
    code = entered.task.strip()
    if not code:
        problems.append(_issue("task", "请选择任务", "choose a task"))
    elif task is None:
        problems.append(_issue("task", f"任务编号 {code} 不存在", f"no task {code!r} in this plan"))
    unit = codes.units.get(entered.owner_unit.strip()) if entered.owner_unit.strip() else None
    if entered.owner_unit.strip() and unit is None:
        code = entered.owner_unit.strip()
        problems.append(_issue("owner_unit", f"责任单位编号 {code} 不存在", f"no unit {code!r} in this plan"))
    for n, code in enumerate(entered.indicators):
        if code not in codes.indicators:
            problems.append(
                _issue(f"indicators[{n}]", f"指标 {code} 不存在", f"no indicator {code!r} in this plan")
            )
    if entered.due_on is None:
        problems.append(_issue("due_on", "截止日期不能为空", "the due date is required"))
    problems += _rules(entered.title, entered.starts_on, entered.due_on)
    problems += _fits_columns(entered)
    _raise_if(problems)
    assert task is not None and entered.due_on is not None  # said above otherwise
    return MilestoneData(
        task=task,
        title=entered.title,
        due_on=entered.due_on,
        owner_unit=unit,
        owner_person=entered.owner_person,
        starts_on=entered.starts_on,
        deliverable=entered.deliverable,
        indicators=[codes.indicators[c] for c in entered.indicators],
        order=entered.order,
    )


def _fits_columns(entered: MilestoneInput) -> list[Issue]:
    """What the milestone's columns cannot hold: a title or owner too long, an order out of range."""
    problems = []
    for name, text in (("title", entered.title), ("owner_person", entered.owner_person)):
        limit = columns.max_length(Milestone, name)
        if limit is not None and len(text) > limit:
            problems.append(_issue(name, f"不能超过 {limit} 个字符", f"at most {limit} characters"))
    low, high = columns.int_range(Milestone, "order")
    if not low <= entered.order <= high:
        problems.append(
            _issue("order", f"顺序应在 {low} 到 {high} 之间", f"order must be from {low} to {high}")
        )
    return problems


def _raise_if(problems: list[Issue]) -> None:
    if problems:
        raise InvalidMilestone(problems)


# --- action plans and milestones ------------------------------------------------------------------


@transaction.atomic
def open_action_plan(
    user: Any, plan: Plan, locality: Locality, year: int, *, via: audit.Via = audit.WEB
) -> ActionPlan:
    """The locality's action plan for the year, created (and audited) if it does not exist yet."""
    if refusal := locality.not_a_pilot(plan.pk):
        raise refusal
    require_write(user, locality)
    action_plan, created = ActionPlan.objects.get_or_create(plan=plan, locality=locality, year=year)
    if created:
        new = {"locality": locality.code, "year": year}
        audit.record("action_plan.create", user, action_plan.audit_subject(), new=new, via=via)
    return action_plan


@transaction.atomic
def add_milestone(
    user: Any, action_plan: ActionPlan, data: MilestoneData, *, via: audit.Via = audit.WEB
) -> Milestone:
    require_write(user, action_plan.locality)
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
    audit.record("milestone.create", user, milestone.audit_subject(), new=snapshot(milestone), via=via)
    return milestone


@transaction.atomic
def edit_milestone(
    user: Any, milestone: Milestone, data: MilestoneData, *, via: audit.Via = audit.WEB
) -> Milestone:
    action_plan = milestone.action_plan
    require_write(user, action_plan.locality)
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
    if {k: v for k, v in old.items() if k not in {"status", "percent"}} == data.snapshot():
        return milestone  # saved unchanged: nothing to write, nothing to audit
    milestone.save()
    milestone.indicators.set(data.indicators)
    audit.record(
        "milestone.update", user, milestone.audit_subject(), old=old, new=snapshot(milestone), via=via
    )
    return milestone


@transaction.atomic
def delete_milestone(user: Any, milestone: Milestone, *, via: audit.Via = audit.WEB) -> None:
    action_plan = milestone.action_plan
    require_write(user, action_plan.locality)
    if milestone.updates.exists():
        raise IllegalTransition(
            "已有进展报告的里程碑不能删除", "a milestone with progress updates cannot be deleted"
        )
    audit.record("milestone.delete", user, milestone.audit_subject(), old=snapshot(milestone), via=via)
    milestone.delete()


# --- progress updates -----------------------------------------------------------------------------


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


@transaction.atomic
def post_update(
    user: Any,
    milestone: Milestone,
    status: str,
    percent: int,
    narrative: str = "",
    *,
    files: Iterable[UploadedFile] = (),
    via: audit.Via = audit.WEB,
) -> ProgressUpdate:
    """Report progress (the update is submitted to the province): the milestone takes its status
    and percent."""
    action_plan = milestone.action_plan
    require_write(user, action_plan.locality)
    problems: list[PlanWatchError] = [IllegalTransition(*p) for p in check_progress(status, percent)]
    if status == Status.AT_RISK and not narrative.strip():
        problems.append(
            IllegalTransition("标记为有风险时请说明原因", "say why when marking a milestone at risk")
        )
    files = list(files)
    problems += [problem for f in files if (problem := evidence_problem(f))]
    refuse(problems)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    old = {"status": milestone.status, "percent": milestone.percent}
    update = ProgressUpdate.objects.create(
        milestone=milestone, status=status, percent=percent, narrative=narrative.strip(), author=user
    )
    for f in files:
        UpdateEvidence.objects.create(update=update, file=f, original_name=f.name or "file", uploaded_by=user)
    milestone.status, milestone.percent = status, percent
    milestone.save(update_fields=["status", "percent"])
    new = {"status": status, "percent": percent, "update": update.pk}
    audit.record("milestone.progress", user, milestone.audit_subject(), old=old, new=new, via=via)
    _tell_reviewers(update, user)
    return update


def _tell_reviewers(update: ProgressUpdate, author: Any) -> None:
    """A progress update, once committed, is told to those who review it (the province)."""
    milestone = update.milestone
    status = Milestone.Status(update.status).label
    with translation.override("zh-hans"):
        zh = f"{called(author)} 报告了 {milestone.audit_subject().label} 的进展：{status}，{update.percent}%"
    with translation.override("en"):
        en = f"{called(author)} reported progress on {milestone.title}: {status}, {update.percent}%"
    if update.narrative:
        zh, en = f"{zh}。说明：{update.narrative}", f"{en}. Note: {update.narrative}"
    link = reverse("supervision:milestone", args=[milestone.action_plan.plan.code, milestone.pk])
    event = f"progress.posted:{update.pk}"
    people = [p for p in who_may("progress_update.approve") if p.pk != getattr(author, "pk", None)]

    def send() -> None:
        for person in people:
            notify(person, f"{event}:{person.pk}", zh, en, link, RemindResult(), event=event)

    transaction.on_commit(send)


def _restore(step: Step, updates: Sequence[ProgressUpdate]) -> None:
    """A returned update no longer stands: the milestone goes back to its last standing update."""
    for update in updates:
        update.province_comment, update.commented_by = step.comment, step.user
        update.save(update_fields=["province_comment", "commented_by"])
        milestone = Milestone.objects.select_for_update().get(pk=update.milestone_id)
        latest = milestone.updates.exclude(review=State.RETURNED).order_by("-created_at", "-id").first()
        milestone.status = latest.status if latest else Status.NOT_STARTED
        milestone.percent = latest.percent if latest else 0
        milestone.save(update_fields=["status", "percent"])


PROGRESS_UPDATE = SubjectKind(
    name="progress_update",
    noun=("进展报告", "progress update"),
    model=ProgressUpdate,
    audit_subject=ProgressUpdate.audit_subject,
    # Posted is submitted; the province returns one (its "approve" level) with a comment.
    moves=tuple(m for m in MOVES if m.action == Action.RETURN and m.source == State.SUBMITTED),
    state_field="review",
    after=_restore,
    queryset=lambda: ProgressUpdate.objects.select_related("milestone__action_plan__plan"),
)


def _tell_author(update: ProgressUpdate, reviewer: Any, key: str, zh: str, en: str) -> None:
    """A notification (and e-mail) to the update's author, once the review is committed."""
    author = update.author
    if author is None or author.pk == getattr(reviewer, "pk", None):
        return
    milestone = update.milestone
    link = reverse("supervision:milestone", args=[milestone.action_plan.plan.code, milestone.pk])
    transaction.on_commit(lambda: notify(author, key, zh, en, link, RemindResult()))


@transaction.atomic
def comment_update(
    user: Any, update: ProgressUpdate, comment: str, *, via: audit.Via = audit.WEB
) -> ProgressUpdate:
    if not can_review(user):
        raise NotAllowed(
            "只有省级主管部门可以点评或退回进展报告", "only the province comments on or returns updates"
        )
    if not comment.strip():
        raise CommentRequired("请填写点评意见", "write a comment")
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    old = update.province_comment
    update.province_comment, update.commented_by = comment.strip(), user
    update.save(update_fields=["province_comment", "commented_by"])
    new = {"comment": update.province_comment}
    audit.record(
        "progress_update.comment", user, update.audit_subject(), old={"comment": old}, new=new, via=via
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


def return_update(
    user: Any, update: ProgressUpdate, comment: str, *, via: audit.Via = audit.WEB
) -> ProgressUpdate:
    """Return an update with a comment: the milestone goes back to its last standing update."""
    moved = transition(PROGRESS_UPDATE, user, [update], Action.RETURN, comment=comment, via=via)
    return moved.subjects[0]  # type: ignore[no-any-return]
