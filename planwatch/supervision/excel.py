"""The action plan's Excel template: export one locality's year, import it back all or nothing.

The sheet 行动计划 holds one milestone a row; column A is the milestone's number in PlanWatch (blank
for a new one). Problems name the sheet and cell, in Chinese then English.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection

from planwatch.core import cells, workbook
from planwatch.core.errors import Problem, WorkbookRejected
from planwatch.kernel import audit
from planwatch.plans.models import Locality, Plan
from planwatch.supervision import actions
from planwatch.supervision.models import ActionPlan, Milestone

SHEET = "行动计划"
META = "_meta"
KIND = "planwatch-action-plan"
FIRST_ROW = 3
COLUMNS = [
    ("编号", "No."),
    ("任务编号", "Task"),
    ("里程碑", "Milestone"),
    ("责任单位编号", "Owner unit"),
    ("责任人", "Owner"),
    ("开始日期", "Starts on"),
    ("截止日期", "Due on"),
    ("成果形式", "Deliverable"),
    ("关联指标", "Linked indicators"),
]
WIDTHS = [8, 10, 40, 14, 12, 12, 12, 30, 18]


def file_name(locality: Locality, year: int) -> str:
    return f"{locality.code}_{year}_行动计划.xlsx"


def export_action_plan(plan: Plan, locality: Locality, year: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([f"{locality.name_zh} {year} 年行动计划 / Action plan of {locality.name_en}, {year}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"{zh}\n{en}" for zh, en in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    action_plan = ActionPlan.objects.filter(plan=plan, locality=locality, year=year).first()
    milestones = (
        action_plan.milestones.select_related("task", "owner_unit").prefetch_related("indicators")
        if action_plan
        else Milestone.objects.none()
    )
    for m in milestones:
        ws.append(
            [
                m.pk,
                m.task.code,
                m.title,
                m.owner_unit.code if m.owner_unit else "",
                m.owner_person,
                m.starts_on,
                m.due_on,
                m.deliverable,
                "、".join(i.code for i in m.indicators.all()),
            ]
        )
    editable = PatternFill("solid", fgColor="FFF7E0")
    for row in ws.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + 200, min_col=2, max_col=len(COLUMNS)):
        for cell in row:
            cell.protection = Protection(locked=False)
            cell.fill = editable
            if cell.column in (6, 7):
                cell.number_format = "yyyy-mm-dd"
    for i, w in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.protection.sheet = True
    ws.freeze_panes = "B3"

    ref = wb.create_sheet("参考 Reference")
    ref.append(["类别 Kind", "编号 Code", "名称", "Name"])
    for t in plan.tasks.order_by("order"):
        ref.append(["任务 Task", t.code, t.title_zh, t.title_en])
    for u in plan.units.order_by("order"):
        ref.append(["单位 Unit", u.code, u.name_zh, u.name_en])
    for ind in plan.indicators.order_by("order"):
        ref.append(["指标 Indicator", ind.code, ind.name_zh, ind.name_en])

    meta = wb.create_sheet(META)
    for key, value in (
        ("kind", KIND),
        ("plan", plan.code),
        ("plan_version", plan.version),
        ("locality", locality.code),
        ("year", year),
    ):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    return cells.workbook_bytes(wb)


@dataclass
class ImportResult:
    action_plan: ActionPlan
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def describe(self) -> str:
        ap = self.action_plan
        return (
            f"{ap.locality.name_zh} {ap.year}：新增 {self.added}，修改 {self.changed}，未变 {self.unchanged} / "
            f"{ap.locality.name_en} {ap.year}: {self.added} added, {self.changed} changed, "
            f"{self.unchanged} unchanged"
        )


def _p(cell: str, zh: str, en: str) -> Problem:
    return Problem(cell, f"{zh} / {en}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None | str:
    """A date from a date cell or YYYY-MM-DD text; '' if blank; the text itself if unreadable."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return _text(value)


def _read_meta(wb: workbook.ReadOnce, source: str) -> dict[str, str]:
    if META not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise WorkbookRejected(
            source,
            [
                _p(
                    "",
                    "这不是 PlanWatch 行动计划模板，请先导出模板",
                    "not a PlanWatch action plan template: export one first",
                )
            ],
        )
    meta = {_text(r[0]): _text(r[1]) for r in wb.rows(META, values_only=True) if r and r[0]}
    if meta.get("kind") != KIND:
        raise WorkbookRejected(
            source, [_p(f"{META}!B1", "这不是行动计划模板", "not an action plan template")]
        )
    return meta


def _open_workbook(data: bytes, source: str) -> workbook.ReadOnce:
    """The uploaded workbook through the one guard of uploads, read once (planwatch.core.workbook
    .open_once, read-only); raises WorkbookRejected if it cannot be read or a cell holds a formula
    without a value."""
    book = workbook.open_once(data, source)
    problems = [p for sheet in book.sheetnames for p in book.uncomputed(sheet)]
    if problems:
        book.close()
        raise WorkbookRejected(source, problems)
    return book


def _read_target(meta: dict[str, str], source: str) -> tuple[Plan, Locality, int]:
    """The plan, locality and year the template was exported for; raises WorkbookRejected if its
    metadata does not name them."""
    plan = Plan.objects.filter(code=meta.get("plan", "")).first()
    if plan is None:
        raise WorkbookRejected(source, [_p(f"{META}!B2", "方案不存在", f"no plan {meta.get('plan')!r}")])
    locality = plan.localities.filter(code=meta.get("locality", "")).first()
    year_text = meta.get("year", "")
    if locality is None or not year_text.isdecimal():
        raise WorkbookRejected(
            source,
            [_p(f"{META}!B4", "模板中的地区或年份无效", "the template's locality or year is not valid")],
        )
    return plan, locality, int(year_text)


def _check_can_write(user: Any, locality: Locality, source: str) -> None:
    """Raises WorkbookRejected unless the user may change the locality's action plans."""
    try:
        actions.require_write(user, locality)
    except actions.NotAllowed as exc:
        raise WorkbookRejected(source, [_p("", exc.zh, exc.en)]) from None


@dataclass(frozen=True)
class _Known:
    """What the rows are read against, fetched once for the workbook: what the plan's codes name,
    and the milestones of the action plan (if there is one yet) by number."""

    codes: actions.Codes
    milestones: dict[int, Milestone]


def _known(plan: Plan, locality: Locality, year: int) -> _Known:
    action_plan = ActionPlan.objects.filter(plan=plan, locality=locality, year=year).first()
    milestones = {m.pk: m for m in action_plan.milestones.all()} if action_plan else {}
    return _Known(actions.Codes.of(plan), milestones)


def _read_number(
    r: int, cell: Any, milestones: dict[int, Milestone], seen: set[int], problems: list[Problem]
) -> int | None:
    """The milestone a row's number names (added to `seen`); None if blank (a new milestone) or if
    the number is not one of the action plan's or was seen in an earlier row (said in `problems`)."""
    text = _text(cell)
    if not text:
        return None
    if not text.isdecimal() or int(text) not in milestones:
        problems.append(
            _p(
                f"{SHEET}!A{r}",
                "编号不属于本行动计划，新增请留空",
                "no such milestone in this action plan: leave it blank for a new one",
            )
        )
        return None
    if int(text) in seen:
        problems.append(_p(f"{SHEET}!A{r}", "编号重复", "the same milestone twice"))
        return None
    seen.add(int(text))
    return int(text)


def _read_dates(
    r: int, start_cell: Any, due_cell: Any, problems: list[Problem]
) -> tuple[dt.date | None, dt.date | None]:
    """A row's start and due dates, None if blank or unreadable (an unreadable one said in
    `problems`; a blank due date is said by actions.read_milestone)."""
    starts_on, due_on = _date(start_cell), _date(due_cell)
    if isinstance(starts_on, str):
        problems.append(
            _p(f"{SHEET}!F{r}", "开始日期格式应为 YYYY-MM-DD", "give the start date as YYYY-MM-DD")
        )
    if isinstance(due_on, str):
        problems.append(_p(f"{SHEET}!G{r}", "截止日期格式应为 YYYY-MM-DD", "give the due date as YYYY-MM-DD"))
    return (
        starts_on if isinstance(starts_on, dt.date) else None,
        due_on if isinstance(due_on, dt.date) else None,
    )


def _codes(cell: Any) -> list[str]:
    """The indicator codes of a cell, separated by commas, 、, semicolons or spaces."""
    return [c for c in re.split(r"[,，、;；\s]+", _text(cell)) if c]


# The column of each field that actions.read_milestone places its problems at.
COLUMN_OF_FIELD = {"task": "B", "title": "C", "owner_unit": "D", "starts_on": "F", "due_on": "G"}


def _read_row(
    r: int, cells: list[Any], known: _Known, seen: set[int], problems: list[Problem]
) -> tuple[int | None, actions.MilestoneData] | None:
    """Row `r`'s milestone: its number (None for a new one) and its fields; None if the row has a
    problem (said in `problems`). The cells are read here; the milestone's codes and rules are
    checked by actions.read_milestone."""
    before = len(problems)
    pk = _read_number(r, cells[0], known.milestones, seen, problems)
    starts_on, due_on = _read_dates(r, cells[5], cells[6], problems)
    entered = actions.MilestoneInput(
        task=_text(cells[1]),
        title=_text(cells[2]),
        due_on=due_on,
        owner_unit=_text(cells[3]),
        owner_person=_text(cells[4]),
        starts_on=starts_on,
        deliverable=_text(cells[7]),
        indicators=_codes(cells[8]),
        order=r - FIRST_ROW,
    )
    said = {p.path for p in problems[before:]}
    try:
        data = actions.read_milestone(known.codes, entered)
    except actions.InvalidMilestone as exc:
        for issue in exc.issues:
            cell = f"{SHEET}!{COLUMN_OF_FIELD.get(issue.path or '', 'I')}{r}"
            if cell not in said:  # an unreadable date is said once, as unreadable
                problems.append(_p(cell, issue.zh, issue.en))
        problems[before:] = sorted(problems[before:], key=lambda p: p.path)  # by column
        return None
    return None if len(problems) > before else (pk, data)


def _read_rows(
    wb: workbook.ReadOnce, known: _Known, problems: list[Problem]
) -> list[tuple[int | None, actions.MilestoneData]]:
    """The milestone of each row of the sheet that is not blank, read once in order; the problems
    found go to `problems`."""
    rows: list[tuple[int | None, actions.MilestoneData]] = []
    seen: set[int] = set()
    for r, values in enumerate(
        wb.rows(SHEET, min_row=FIRST_ROW, max_col=len(COLUMNS), values_only=True), FIRST_ROW
    ):
        cells = list(values) + [None] * (len(COLUMNS) - len(values))
        if all(_text(v) == "" for v in cells):
            continue
        row = _read_row(r, cells, known, seen, problems)
        if row is not None:
            rows.append(row)
    return rows


def _write_milestones(
    user: Any,
    action_plan: ActionPlan,
    rows: list[tuple[int | None, actions.MilestoneData]],
    milestones: dict[int, Milestone],
    via: audit.Via,
) -> ImportResult:
    """Add each new milestone and edit each numbered one, counting those added, changed and
    unchanged."""
    result = ImportResult(action_plan)
    for pk, milestone_data in rows:
        if pk is None:
            actions.add_milestone(user, action_plan, milestone_data, via=via)
            result.added += 1
            continue
        milestone = milestones[pk]
        before_snapshot = actions.snapshot(milestone)
        milestone = actions.edit_milestone(user, milestone, milestone_data, via=via)
        if actions.snapshot(milestone) == before_snapshot:
            result.unchanged += 1
        else:
            result.changed += 1
    return result


def import_action_plan(data: bytes, source: str, user: Any) -> ImportResult:
    """Check the whole workbook, then write every milestone, or write nothing and list every problem."""
    wb = _open_workbook(data, source)
    try:
        plan, locality, year = _read_target(_read_meta(wb, source), source)
        _check_can_write(user, locality, source)
        known = _known(plan, locality, year)
        problems: list[Problem] = []
        rows = _read_rows(wb, known, problems)
    finally:
        wb.close()
    if problems:
        raise WorkbookRejected(source, problems)

    via = audit.Via(audit.Source.EXCEL, source)
    with transaction.atomic():
        action_plan = actions.open_action_plan(user, plan, locality, year, via=via)
        return _write_milestones(user, action_plan, rows, known.milestones, via)
