"""Sample action plans and milestones (示例数据) for the demo, so that the supervision list is not empty.

Called by planwatch.demo.sample.load_sample after the sample values and ledger rows. Each pilot
locality gets a sample action plan for the demo year (see `demo_year`) with four or five milestones on
real tasks of the plan, owned by each task's lead unit. Their dates are relative to `today`, so that on
that day the list always shows a mix: one milestone done, one in progress and due later, one overdue,
one marked at risk (and, for every other locality, one not started yet). The same `today` gives the
same rows.

The rows are obviously sample: the action plan is labelled is_sample, every title starts with
“示例：”, the owner is “示例联系人”, the progress narratives say so. Loading again deletes the sample
action plans (with their milestones, updates and audit rows) and writes them afresh; an action plan
that is not sample is never touched, and a locality that already has a real action plan for the demo
year gets no sample one. As the other sample loaders do, rows are written directly (no user, no
role check), and each gets the audit row the service functions would write, with source "sample".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from planwatch.kernel import audit
from planwatch.plans.models import Plan, Task, TaskUnit
from planwatch.reporting.models import Period, ReportedValue
from planwatch.supervision.actions import snapshot
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate

VIA = audit.Via(audit.Source.SAMPLE, "示例数据")
OWNER = "示例联系人"
S = Milestone.Status


@dataclass(frozen=True)
class Spec:
    """One sample milestone: its step, dates as days from `today`, its state, and its update."""

    step: str
    deliverable: str
    starts: int
    due: int
    status: str
    percent: int
    linked: bool  # linked to the task's indicators
    narrative: str = ""  # a progress update with this narrative; none if empty
    posted: int = 0  # the update's day, in days from `today` (the done one: before its due day)


def _specs(n: int) -> list[Spec]:
    """The milestones of the n-th pilot locality; days late and percents vary a little with n, in a
    cycle of eight, so that a plan of many localities (21 cities) stays within 0–100 %."""
    n %= 8
    specs = [
        Spec(
            "印发年度工作方案",
            "示例：年度工作方案（正式印发文件）",
            -150,
            -45,
            S.DONE,
            100,
            True,
            "示例数据：年度工作方案已按期印发并报送省经信委。",
            posted=-50,  # done on time, as it says: milestones done on time count it so
        ),
        Spec(
            "推进重点项目建设",
            "示例：重点项目进度台账",
            -60,
            75 + 5 * n,
            S.IN_PROGRESS,
            30 + 5 * n,
            False,
            "示例数据：重点项目按计划推进，已完成约三至六成。",
        ),
        Spec(
            "完成阶段性评估",
            "示例：阶段性评估报告",
            -120,
            -(10 + 3 * n),
            S.NOT_STARTED if n % 2 == 0 else S.IN_PROGRESS,
            0 if n % 2 == 0 else 50,
            True,
            "" if n % 2 == 0 else "示例数据：评估材料已收集一半，报告尚未成稿。",
        ),
        Spec(
            "组织专项督导检查",
            "示例：督导检查情况报告",
            -30,
            30,
            S.AT_RISK,
            20,
            True,
            "示例数据：配套资金尚未落实，可能无法按期完成，需协调解决。",
        ),
    ]
    if n % 2 == 1:
        specs.append(Spec("形成年度总结报告", "示例：年度工作总结", 20, 150, S.NOT_STARTED, 0, False))
    return specs


def demo_year(plan: Plan, today: dt.date) -> int:
    """The year of the sample action plans: the latest of the plan's yearly reporting periods that is
    open on `today` (started, and not past its entry lock, or its due date when it has no lock —
    `make demo` opens 2020 due 60 days ahead); if none is, the year after the last sample value."""
    years = plan.monitored_years()
    for period in Period.objects.filter(plan=plan, year__in=years).order_by("-year"):
        if period.code != str(period.year):
            continue
        closes = period.locks_on or period.due_on
        if period.starts_on <= today and (closes is None or today <= closes):
            return period.year
    last = (
        ReportedValue.objects.filter(indicator__plan=plan, is_sample=True)
        .order_by("-period__year")
        .values_list("period__year", flat=True)
        .first()
    )
    return min(max((last or plan.end_year) + 1, plan.start_year), plan.last_year)


def _tasks(plan: Plan) -> list[Task]:
    """The plan's tasks that have a lead unit, in order (the sample milestones' owner is that unit)."""
    return list(
        plan.tasks.filter(task_units__role=TaskUnit.Role.LEAD)
        .distinct()
        .order_by("order", "code")
        .prefetch_related("task_units__unit", "indicators")
    )


@dataclass
class SupervisionSampleResult:
    year: int
    action_plans: int
    milestones: int
    updates: int


@transaction.atomic
def load_sample_supervision(plan: Plan, today: dt.date | None = None) -> SupervisionSampleResult:
    """Replace the plan's sample action plans (and only those) with a fresh set for `today`."""
    today = today or dt.date.today()
    ActionPlan.objects.filter(plan=plan, is_sample=True).delete()
    year = demo_year(plan, today)
    tasks = _tasks(plan)
    result = SupervisionSampleResult(year, 0, 0, 0)
    if not tasks:
        return result
    taken = set(ActionPlan.objects.filter(plan=plan, year=year).values_list("locality_id", flat=True))
    pilots = [loc for loc in plan.localities.filter(pilot=True).order_by("order") if loc.pk not in taken]
    for n, locality in enumerate(pilots):
        ap = ActionPlan.objects.create(plan=plan, locality=locality, year=year, is_sample=True)
        audit.record(
            "action_plan.create",
            None,
            ap.audit_subject(),
            via=VIA,
            new={"locality": locality.code, "year": year},
        )
        result.action_plans += 1
        for k, spec in enumerate(_specs(n)):
            task = tasks[(3 * n + k) % len(tasks)]
            m = Milestone.objects.create(
                action_plan=ap,
                task=task,
                title=f"示例：{task.title_zh}——{spec.step}"[:300],
                owner_unit=task.lead_unit(),
                owner_person=f"{OWNER}（{locality.name_zh}）",
                starts_on=today + dt.timedelta(spec.starts),
                due_on=today + dt.timedelta(spec.due),
                deliverable=spec.deliverable,
                order=k + 1,
            )
            if spec.linked:
                m.indicators.set(sorted(task.indicators.all(), key=lambda i: i.order)[:2])
            audit.record("milestone.create", None, m.audit_subject(), via=VIA, new=snapshot(m))
            result.milestones += 1
            if spec.narrative:
                update = ProgressUpdate.objects.create(
                    milestone=m, status=spec.status, percent=spec.percent, narrative=spec.narrative
                )
                if spec.posted:
                    day = today + dt.timedelta(spec.posted)
                    posted = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
                    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=posted)
                m.status, m.percent = spec.status, spec.percent
                m.save(update_fields=["status", "percent"])
                audit.record(
                    "milestone.progress",
                    None,
                    m.audit_subject(),
                    via=VIA,
                    old={"status": S.NOT_STARTED, "percent": 0},
                    new={"status": spec.status, "percent": spec.percent, "update": update.pk},
                )
                result.updates += 1
    return result
