"""The breakdown's Excel round trip: download an indicator's table (分解表) as the annex lays it out,
fill in the yellow cells, upload it. The upload is read whole: every target saved
(planwatch.breakdown.actions.save_targets), or nothing and every problem named by sheet and cell,
in Chinese then English.

Sheet 分解表: rows 1–3 the title, the plan and how to fill it in; row 4 the header (编码 Code, 地区
Locality, one column per year, 说明 Note); then one row per pilot unit; under them, after a blank
row, the region's target and the localities' total (an Excel formula over the localities counted in
the region total) with its one line. The hidden sheet _meta names the plan, the indicator and the
years, with a checksum (planwatch.core.workbook.checksum).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from planwatch.core import cells
from planwatch.core import workbook as wbk
from planwatch.core.errors import Issue, PlanWatchError, Problem, WorkbookRejected
from planwatch.core.numbers import cell_number, parse_cell
from planwatch.kernel import audit
from planwatch.plans.models import Indicator
from planwatch.reporting.excel import CONTENT_TYPE, MAX_UPLOAD_BYTES, file_label

from . import actions
from .table import Table

__all__ = ["CONTENT_TYPE", "SHEET", "export_breakdown", "file_name", "import_breakdown"]

SHEET = "分解表"
FORMAT = "planwatch/breakdown"
FORMAT_VERSION = "1"
TITLE_ROW, INFO_ROW, HELP_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5
CODE_COL, NAME_COL, FIRST_YEAR_COL = 1, 2, 3
META_KEYS = ("format", "format_version", "plan", "plan_version", "indicator", "years", "check")


def file_name(indicator: Indicator) -> str:
    return f"{indicator.code}_分解表.xlsx"


def _problem(path: str, zh: str, en: str) -> Problem:
    return Problem(path, f"{zh} / {en}")


def _meta(table: Table) -> dict[str, str]:
    ind = table.indicator
    plan = ind.plan
    years = f"{table.years[0]}-{table.years[-1]}"
    fields = [FORMAT, FORMAT_VERSION, plan.code, str(plan.version), ind.code, years]
    return dict(zip(META_KEYS, [*fields, wbk.checksum(*fields)], strict=True))


# --- writing --------------------------------------------------------------------------------------


def _write_head(ws: Worksheet, table: Table, user: Any, editable: bool) -> None:
    ind, plan = table.indicator, table.indicator.plan
    last = get_column_letter(FIRST_YEAR_COL + len(table.years))
    sample_zh, sample_en = ("【示例数据】", "[Sample data] ") if table.sample else ("", "")
    title = wbk.font(bold=True, size=14, color=wbk.SAMPLE_FONT_COLOR if table.sample else None)
    wbk.put(
        ws,
        TITLE_ROW,
        1,
        f"{sample_zh}{ind.code} {ind.name_zh} 各地分解表（单位：{ind.unit}）\n"
        f"{sample_en}{ind.code} {ind.name_en}: targets by locality ({ind.unit_label})",
        font=title,
    )
    state_zh, state_en = table.state_words
    who = getattr(user, "username", "")
    wbk.put(
        ws,
        INFO_ROW,
        1,
        f"{plan.title_zh}（第 {plan.version} 版）· 状态 {state_zh} · 导出 {timezone.localtime():%Y-%m-%d %H:%M} {who}\n"
        f"{plan.title_en} (version {plan.version}) · {state_en} · exported by {who}",
        font=wbk.font(size=9, color="595959"),
    )
    help_zh = (
        "在黄色单元格填写各地各年目标（留空即不设目标），保存后在 PlanWatch 的分解表页上传；其他单元格已锁定。"
        if editable
        else "本表只读：分解表已提交待审，或您不是本指标的牵头单位。"
    )
    help_en = (
        "Fill in the yellow cells, each locality's target for each year (blank: no target), save and "
        "upload the file on the breakdown's page; the other cells are locked."
        if editable
        else "Read only: the breakdown waits for the province, or you do not lead this indicator."
    )
    if table.sample:
        help_zh += "标注“示例数据”的目标为演示用虚构数字，并非官方数字。"
        help_en += " Targets marked sample are made up for the demo, not official figures."
    wbk.put(ws, HELP_ROW, 1, f"{help_zh}\n{help_en}", font=wbk.font(size=9))
    for row, height in ((TITLE_ROW, 40), (INFO_ROW, 30), (HELP_ROW, 44)):
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = height


def _write_header(ws: Worksheet, table: Table) -> None:
    heads = [("编码", "Code", 8), ("地区", "Locality", 16)]
    heads += [(f"{y}年", str(y), 14) for y in table.years] + [("说明", "Note", 36)]
    for col, (zh, en, width) in enumerate(heads, start=1):
        wbk.put(
            ws,
            HEADER_ROW,
            col,
            f"{zh}\n{en}",
            font=wbk.font(bold=True),
            fill=wbk.HEADER_FILL,
            border=wbk.BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        ws.column_dimensions[get_column_letter(col)].width = width


def _note(row: Any) -> str:
    notes = []
    if row.included_in:
        outer = row.included_in[0]
        notes.append(f"已含在{outer.name_zh}的数字中，不重复合计 / included in {outer.name_en}'s figures")
    if any(c.sample for c in row.cells):
        notes.append("示例数据 / sample data")
    if any(c.fixed for c in row.cells):
        notes.append("方案原文目标（灰色）/ the plan text's targets (grey)")
    return "\n".join(notes)


def _write_rows(ws: Worksheet, table: Table, editable: bool) -> None:
    numbers = Alignment(horizontal="right", vertical="top")
    for offset, row in enumerate(table.rows):
        r = FIRST_ROW + offset
        wbk.put(ws, r, CODE_COL, row.locality.code, border=wbk.BORDER)
        wbk.put(ws, r, NAME_COL, f"{row.locality.name_zh}\n{row.locality.name_en}", border=wbk.BORDER)
        for k, cell in enumerate(row.cells):
            out = wbk.put(
                ws, r, FIRST_YEAR_COL + k, cell_number(cell.value), border=wbk.BORDER, alignment=numbers
            )
            if editable and not cell.fixed:
                out.protection = Protection(locked=False)
                out.fill = wbk.INPUT_FILL
            else:
                out.fill = wbk.LOCKED_FILL
        wbk.put(ws, r, FIRST_YEAR_COL + len(table.years), _note(row) or None, border=wbk.BORDER)


def _write_totals(ws: Worksheet, table: Table) -> list[Cell]:
    """Under the localities, after a blank row: the region's target, the total (a formula over the
    localities counted in the region total, for a summed indicator) and its one line at export.
    Returns the cells holding a formula (the only formulas of any export: cells.workbook_bytes)."""
    region_row = FIRST_ROW + len(table.rows) + 1
    counted = [FIRST_ROW + k for k, row in enumerate(table.rows) if row.counted]
    labels = [
        ("区域目标\nRegion target", region_row),
        ("各地合计（按区域规则）\nTotal by the region's rule", region_row + 1),
    ]
    labels.append(("合计与区域目标\nTotal against the region target", region_row + 2))
    for label, r in labels:
        wbk.put(ws, r, NAME_COL, label, font=wbk.font(bold=True), border=wbk.BORDER)
    formulas: list[Cell] = []
    for k, column in enumerate(table.columns):
        col = FIRST_YEAR_COL + k
        letter = get_column_letter(col)
        target = column.region_target.value if column.region_target else None
        wbk.put(ws, region_row, col, cell_number(target), border=wbk.BORDER, fill=wbk.LOCKED_FILL)
        total: Any = "不适用 n/a"
        if column.summed:
            total = "=SUM(" + ",".join(f"{letter}{r}" for r in counted) + ")"
        cell = wbk.put(ws, region_row + 1, col, total, border=wbk.BORDER, fill=wbk.LOCKED_FILL)
        if column.summed:
            formulas.append(cell)
        wbk.put(
            ws, region_row + 2, col, f"{column.zh}\n{column.en}", border=wbk.BORDER, font=wbk.font(size=9)
        )
    ws.row_dimensions[region_row + 2].height = 90
    return formulas


def _write_meta(ws: Worksheet, table: Table) -> None:
    for key, value in _meta(table).items():
        ws.append([key, value])
    ws.append(
        ["note", "PlanWatch 用本表核对上传的文件，请勿改动 / PlanWatch matches uploads with this sheet"]
    )
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def export_breakdown(table: Table, user: Any) -> bytes:
    """The table as an .xlsx workbook: the cells the user may fill in now are yellow and unlocked."""
    editable = actions.mode(user, table.breakdown) != actions.Mode.READ
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    _write_head(ws, table, user, editable)
    _write_header(ws, table)
    _write_rows(ws, table, editable)
    formulas = _write_totals(ws, table)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=FIRST_YEAR_COL)
    ws.protection.sheet = True  # against slips, not against anyone: every rule is checked on upload
    ws.protection.formatColumns = ws.protection.formatRows = False
    _write_meta(wb.create_sheet(wbk.META_SHEET), table)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "PlanWatch"
    wb.properties.title = f"{table.indicator.code} 分解表"
    return cells.workbook_bytes(wb, formulas)


# --- reading --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _check_meta(wb: wbk.ReadOnce, indicator: Indicator, years: list[int]) -> list[Problem]:
    """Problems of the _meta sheet: missing, altered, or of another plan, indicator or years."""
    meta = wbk.META_SHEET
    if meta not in wb.sheetnames or SHEET not in wb.sheetnames:
        return [
            _problem(
                meta,
                "这不是 PlanWatch 的分解表，请在分解表页下载后填写",
                "not a PlanWatch breakdown workbook: download one from the breakdown's page",
            )
        ]
    found = {
        _text(r[0]): (_text(r[1]), f"{meta}!B{n}")
        for n, r in enumerate(wb.rows(meta, max_col=2, values_only=True), 1)
        if r and r[0]
    }
    fields = [found.get(key, ("", meta))[0] for key in META_KEYS[:-1]]
    check = found.get("check", ("", meta))
    if fields[0] != FORMAT or check[0] != wbk.checksum(*fields):
        return [
            _problem(
                check[1],
                "元数据被改动过，请重新下载分解表",
                "the metadata was altered: download the workbook again",
            )
        ]
    plan_code, code, span = fields[2], fields[4], fields[5]
    want = f"{years[0]}-{years[-1]}"
    if plan_code != indicator.plan.code or code != indicator.code:
        return [
            _problem(
                found.get("indicator", ("", meta))[1],
                f"这是 {plan_code} 方案 {code} 的分解表，不是 {indicator.code} 的",
                f"this is the breakdown of {code} (plan {plan_code}), not of {indicator.code}",
            )
        ]
    if span != want:
        return [
            _problem(
                found.get("years", ("", meta))[1],
                f"年份 {span} 与方案的 {want} 不符",
                f"the years {span} are not the plan's {want}",
            )
        ]
    return []


def _check_header(wb: wbk.ReadOnce, years: list[int]) -> list[Problem]:
    header = next(wb.rows(SHEET, min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
    problems = []
    for k, year in enumerate(years):
        column = FIRST_YEAR_COL + k
        text = _text(header[column - 1] if column <= len(header) else None)
        if not text.startswith(f"{year}年"):
            problems.append(
                _problem(
                    f"{SHEET}!{get_column_letter(column)}{HEADER_ROW}",
                    f"表头应为“{year}年”，表格结构被改动过，请重新下载",
                    f"the header should be '{year}': the sheet's layout was changed; download it again",
                )
            )
    return problems


def _read_cells(wb: wbk.ReadOnce, years: list[int], problems: list[Problem]) -> list[actions.Entry]:
    """Each locality row's year cells, read once in order (`ReadOnce`), down to the first blank row
    (every pilot unit of a national plan: no cap on the rows but the guard's); a formula's cell is
    known from the scan of the sheet's XML; unreadable cells in `problems`."""
    scan = wb.scan(SHEET)
    last_col = FIRST_YEAR_COL + len(years) - 1
    lines = wb.rows(SHEET, min_row=FIRST_ROW, max_row=max(scan.last_row, FIRST_ROW), max_col=last_col)
    entries = []
    for r, line in enumerate(lines, FIRST_ROW):
        code = _text(line[CODE_COL - 1].value if len(line) >= CODE_COL else None)
        if not code:
            break
        for k, year in enumerate(years):
            column = FIRST_YEAR_COL + k
            cell = line[column - 1] if column <= len(line) else None
            value = cell.value if cell is not None else None
            coordinate = f"{get_column_letter(column)}{r}"
            place = f"{SHEET}!{coordinate}"
            if value is None and coordinate in scan.formulas:
                problems.append(
                    _problem(
                        place,
                        "公式没有计算结果，请直接填写数字",
                        "the formula has no computed value: type the number",
                    )
                )
                continue
            value, why = parse_cell(value, getattr(cell, "number_format", None) or "General")
            if why is not None:
                problems.append(_problem(place, *why))
                continue
            entries.append(actions.Entry(code, year, value, place))
    return entries


def _sorted(problems: list[Problem]) -> list[Problem]:
    """By row, then column, as a person reads the sheet."""

    def key(problem: Problem) -> tuple[int, str]:
        found = re.search(r"([A-Z]+)(\d+)$", problem.path)
        return (int(found.group(2)), found.group(1)) if found else (0, "")

    return sorted(problems, key=key)


def import_breakdown(
    data: bytes, file_name: str, user: Any, indicator: Indicator, *, reason: str = ""
) -> actions.Saved:
    """Check the workbook whole, then save every target of it (`reason`: for an approved breakdown),
    or save nothing and raise WorkbookRejected with every problem at its sheet and cell."""
    source = file_label(file_name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkbookRejected(
            source, [_problem("", "文件过大", f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")]
        )
    plan = indicator.plan
    years = list(range(plan.start_year, plan.end_year + 1))
    wb = wbk.open_once(data, source)  # read once, read-only (as the values template and the ledger)
    try:
        problems = _check_meta(wb, indicator, years) or _check_header(wb, years)
        if problems:
            raise WorkbookRejected(source, problems)
        entries = _read_cells(wb, years, problems)
    finally:
        wb.close()
    if problems:  # the cells it could not read, and what is wrong with those it could
        raise WorkbookRejected(source, _sorted(problems + _placed(actions.problems_of(indicator, entries))))
    try:
        return actions.save_targets(
            user, indicator, entries, reason=reason, via=audit.Via(audit.Source.EXCEL, source)
        )
    except PlanWatchError as exc:
        raise WorkbookRejected(source, _sorted(_placed(exc.issues))) from None


def _placed(issues: list[Issue]) -> list[Problem]:
    """The problems of the cells, each at its sheet and cell (a refusal of the user: at none)."""
    return [_problem(issue.path or "", issue.zh, issue.en) for issue in issues]
