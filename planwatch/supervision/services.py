"""The supervision list and the reminders, from the database; the rules are in planwatch.core.supervision."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from planwatch.core import cells
from planwatch.core import supervision as core
from planwatch.evaluation.models import EvaluationRun
from planwatch.plans.models import Plan
from planwatch.reporting.models import Period, ReportedValue
from planwatch.reporting.sample import SAMPLE_LABEL
from planwatch.reporting.workflow import required_indicators
from planwatch.supervision.models import Milestone
from planwatch.supervision.notify import RemindResult, locality_users, notify, unit_users

REASON_TEXT = {
    core.Reason.OVERDUE: ("已逾期", "overdue"),
    core.Reason.MARKED_AT_RISK: ("标记为有风险", "marked at risk"),
    core.Reason.BEHIND_SCHEDULE: ("进度落后于时间", "behind schedule"),
    core.Reason.INDICATOR_LAGGING: ("关联指标进度滞后", "linked indicator lagging"),
}

FLAG_TEXT = {core.Flag.OVERDUE: ("逾期", "overdue"), core.Flag.AT_RISK: ("有风险", "at risk")}


def facts(m: Milestone) -> core.MilestoneFacts:
    return core.MilestoneFacts(
        key=m.pk,
        status=m.status,
        percent=m.percent,
        due_on=m.due_on,
        starts_on=m.starts_on,
        indicators=tuple(i.code for i in m.indicators.all()),
    )


def milestones_in(
    plan: Plan, *, year: int | None = None, due: tuple[dt.date, dt.date] | None = None
) -> QuerySet[Milestone]:
    """The plan's milestones; of the action plans of `year`, and due between `due`'s two days, if given."""
    qs = Milestone.objects.filter(action_plan__plan=plan)
    if year is not None:
        qs = qs.filter(action_plan__year=year)
    if due is not None:
        qs = qs.filter(due_on__gte=due[0], due_on__lte=due[1])
    return qs


def milestones_of(
    plan: Plan, *, year: int | None = None, due: tuple[dt.date, dt.date] | None = None
) -> QuerySet[Milestone]:
    return (
        milestones_in(plan, year=year, due=due)
        .select_related("action_plan__locality", "task", "owner_unit")
        .prefetch_related("indicators")
    )


@dataclass(frozen=True)
class Row:
    milestone: Milestone
    finding: core.Finding

    @property
    def flag_zh(self) -> str:
        return FLAG_TEXT[self.finding.flag][0]

    @property
    def flag_en(self) -> str:
        return FLAG_TEXT[self.finding.flag][1]

    @property
    def reasons_zh(self) -> str:
        return "、".join(REASON_TEXT[r][0] for r in self.finding.reasons)

    @property
    def reasons_en(self) -> str:
        return ", ".join(REASON_TEXT[r][1] for r in self.finding.reasons)

    def as_dict(self) -> dict[str, Any]:
        m = self.milestone
        return {
            "locality": m.action_plan.locality.code,
            "locality_zh": m.action_plan.locality.name_zh,
            "year": m.action_plan.year,
            "sample": m.action_plan.is_sample,
            "task": m.task.code,
            "milestone": m.title,
            "owner_unit": m.owner_unit.code if m.owner_unit else None,
            "owner_unit_zh": m.owner_unit.name_zh if m.owner_unit else None,
            "owner_person": m.owner_person,
            "due_on": m.due_on.isoformat(),
            "status": m.status,
            "percent": m.percent,
            "flag": self.finding.flag.value,
            "reasons": [r.value for r in self.finding.reasons],
            "days_late": self.finding.days_late,
            "lagging_indicators": list(self.finding.lagging_indicators),
        }


def evaluation_pace(plan: Plan, year: int) -> dict[str, dict[str, str]]:
    """Pace (时序进度) per scope (a locality's code or "region") and indicator, from the latest stored
    evaluation run of `year` or before; empty if there is none."""
    run = (
        EvaluationRun.objects.filter(plan=plan, year__lte=year)
        .order_by("-year", "-created_at", "-pk")
        .first()
    )
    out: dict[str, dict[str, str]] = {}
    if run is None:
        return out
    for r in run.rows("indicators"):  # the results alone, not the composite index
        if r.pace and r.year == run.year:
            out.setdefault(r.scope, {})[r.indicator] = str(r.pace.value)
    return out


def findings(
    plan: Plan,
    milestones: Iterable[Milestone],
    today: dt.date,
    *,
    window_days: int | None = None,
    pace: Mapping[str, str] | None = None,
    use_evaluation: bool = True,
) -> dict[int, core.Finding]:
    """The finding of every overdue or at-risk milestone, by milestone id: the one judgement behind
    the list, the timeline, the milestone page and the task page.

    A linked indicator lags by `pace` if given, else by the latest stored evaluation (the locality's
    own pace, or the region's where the locality has none)."""
    window = settings.PLANWATCH_REMIND_DAYS if window_days is None else window_days
    by_scope = evaluation_pace(plan, today.year) if pace is None and use_evaluation else {}
    out = {}
    for m in milestones:
        code = m.action_plan.locality.code
        local = pace if pace is not None else {**by_scope.get("region", {}), **by_scope.get(code, {})}
        finding = core.assess(facts(m), today, window_days=window, pace=local)
        if finding is not None:
            out[m.pk] = finding
    return out


def supervision_list(
    plan: Plan,
    today: dt.date,
    *,
    locality_id: int | None = None,
    unit_id: int | None = None,
    task_id: int | None = None,
    window_days: int | None = None,
    pace: Mapping[str, str] | None = None,
    use_evaluation: bool = True,
    year: int | None = None,
    due: tuple[dt.date, dt.date] | None = None,
) -> list[Row]:
    """Overdue and at-risk milestones, optionally of one locality, owner unit or task, of the action
    plans of one year and due between two days; overdue first."""
    qs = milestones_of(plan, year=year, due=due)
    if locality_id is not None:
        qs = qs.filter(action_plan__locality_id=locality_id)
    if unit_id is not None:
        qs = qs.filter(owner_unit_id=unit_id)
    if task_id is not None:
        qs = qs.filter(task_id=task_id)
    milestones = {m.pk: m for m in qs}
    found = findings(
        plan, milestones.values(), today, window_days=window_days, pace=pace, use_evaluation=use_evaluation
    )
    rows = [Row(milestones[pk], f) for pk, f in found.items()]
    rows.sort(key=lambda r: core.sort_key(r.finding))
    return rows


# --- output: table, JSON, XLSX ----------------------------------------------------------------------

HEADERS = [
    ("地区", "Locality"),
    ("任务", "Task"),
    ("里程碑", "Milestone"),
    ("责任单位", "Owner unit"),
    ("责任人", "Owner"),
    ("完成时限", "Due on"),
    ("完成比例", "Percent"),
    ("状态", "Flag"),
    ("逾期天数", "Days late"),
    ("原因", "Reasons"),
    ("示例数据", "Sample"),
]


def _cells(row: Row) -> list[Any]:
    m = row.milestone
    return [
        m.action_plan.locality.name_zh,
        m.task.code,
        m.title,
        m.owner_unit.name_zh if m.owner_unit else "",
        m.owner_person,
        m.due_on.isoformat(),
        m.percent,
        row.flag_zh,
        row.finding.days_late,
        row.reasons_zh,
        SAMPLE_LABEL if m.action_plan.is_sample else "",
    ]


def as_table(rows: list[Row]) -> str:
    from unicodedata import east_asian_width

    def width(text: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)

    lines = [[f"{zh} {en}" for zh, en in HEADERS]] + [[str(c) for c in _cells(r)] for r in rows]
    widths = [max(width(line[i]) for line in lines) for i in range(len(HEADERS))]
    out = [
        "  ".join(c + " " * (w - width(c)) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    if not rows:
        out.append("没有逾期或有风险的里程碑 / no overdue or at-risk milestones")
    return "\n".join(out) + "\n"


def as_json(rows: list[Row], today: dt.date) -> str:
    return json.dumps(
        {"as_of": today.isoformat(), "milestones": [r.as_dict() for r in rows]}, ensure_ascii=False, indent=2
    )


def as_xlsx(rows: list[Row], today: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "督查督办"
    ws.append([f"逾期及有风险的里程碑 Overdue and at-risk milestones — {today.isoformat()}"])
    ws["A1"].font = Font(bold=True)
    ws.append([f"{zh}\n{en}" for zh, en in HEADERS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(_cells(r))
    for col, w in zip("ABCDEFGHIJK", (10, 8, 40, 20, 12, 12, 8, 8, 8, 30, 10), strict=True):
        ws.column_dimensions[col].width = w
    return cells.workbook_bytes(wb)


# --- reminders ----------------------------------------------------------------------------------------


def remind(plan: Plan, today: dt.date, *, window_days: int | None = None) -> RemindResult:
    """Milestones due soon or overdue, and reporting periods due soon or overdue for localities that
    have not submitted: a notification to each person concerned, once."""
    window = settings.PLANWATCH_REMIND_DAYS if window_days is None else window_days
    result = RemindResult()
    for m in milestones_of(plan).exclude(status=Milestone.Status.DONE):
        f = facts(m)
        locality = m.action_plan.locality
        link = reverse(
            "supervision:action_plan",
            kwargs={"code": plan.code, "locality_code": locality.code, "year": m.action_plan.year},
        )
        if m.due_on < today:
            kind = "overdue"
            zh = f"{locality.name_zh}「{m.title}」已逾期（完成时限 {m.due_on}）"
            en = f"{locality.name_en}: “{m.title}” is overdue (due {m.due_on})"
        elif core.due_soon(f, today, window):
            kind = "due_soon"
            zh = f"{locality.name_zh}「{m.title}」将于 {m.due_on} 到期，当前完成 {m.percent}%"
            en = f"{locality.name_en}: “{m.title}” is due on {m.due_on}, {m.percent}% done"
        else:
            continue
        people = {u.pk: u for u in locality_users(locality.pk) + unit_users(m.owner_unit_id)}
        for user in people.values():
            event = f"milestone:{m.pk}:{m.due_on}:{kind}"  # the group robot is told once of it
            notify(user, f"{event}:{user.pk}", zh, en, link, result, event=event)

    for period in Period.objects.filter(
        plan=plan, due_on__isnull=False, due_on__lte=today + dt.timedelta(window)
    ).select_related("plan"):
        assert period.due_on is not None
        if period.locks_on is not None and today > period.locks_on:
            continue  # entry is closed: the province follows up by hand
        if period.is_base:
            continue  # the base year's values are history, not a report that falls due
        required = required_indicators(period).count()
        if not required:
            continue
        reported = dict(
            ReportedValue.objects.filter(period=period, value__isnull=False)
            .filter(~Q(status__in=[ReportedValue.Status.DRAFT, ReportedValue.Status.RETURNED]))
            .values("locality_id")
            .annotate(n=Count("pk"))
            .values_list("locality_id", "n")
        )
        kind = "overdue" if period.due_on < today else "due_soon"
        for locality in plan.localities.filter(pilot=True):
            if reported.get(locality.pk, 0) >= required:
                continue
            link = reverse(
                "reporting:entry",
                kwargs={"code": plan.code, "locality_code": locality.code, "period_code": period.code},
            )
            if kind == "overdue":
                zh = f"{locality.name_zh} {period.code} 数据已过报送期限（{period.due_on}），尚未提交"
                en = f"{locality.name_en}: the {period.code} data were due on {period.due_on} and are not submitted"
            else:
                zh = f"{locality.name_zh} {period.code} 数据将于 {period.due_on} 截止报送，尚未提交"
                en = f"{locality.name_en}: the {period.code} data are due on {period.due_on}, not yet submitted"
            for user in locality_users(locality.pk):
                notify(
                    user,
                    f"period:{period.pk}:{period.due_on}:{kind}:{locality.pk}:{user.pk}",
                    zh,
                    en,
                    link,
                    result,
                    event=f"period:{period.pk}:{period.due_on}:{kind}:{locality.pk}",
                )
    return result
