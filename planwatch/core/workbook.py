"""The Excel values template: built from plain data, and read back from a filled-in workbook.

Django-free. The reporting app (planwatch.reporting.excel) supplies the rows and matches what is read
against the database; here are only the layout, the cell checks a workbook can make on its own
(a number where a number belongs, no duplicate row, the metadata intact) and the exception tree.

Layout of the sheet ``Values`` (see docs/excel.md):

    row 1   title, Chinese (A1) with English beside it (E1); 【示例数据】 when figures are sample data
    row 2   the plan, its version, when and by whom the template was exported
    row 3   how to fill it in
    row 4   header: 编码 Code | 指标 Indicator | 单位 Unit | 目标值 Target | 上期值 Previous |
            本期值 Value | 说明 Comment | 状态 Status
    row 5…  one row per indicator; only Value (F) and Comment (G) are unlocked

The hidden, protected sheet ``_meta`` records the format, the plan code and version, the locality
and the period, and a checksum of them, so that an upload is matched to what was exported.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from planwatch.core.cells import workbook_bytes
from planwatch.core.errors import Problem, WorkbookRejected
from planwatch.core.kinds import ValueRule
from planwatch.core.kinds import value_rule as value_rule  # the rule of a row (reporting.excel)
from planwatch.core.numbers import cell_number, parse_cell, plain

_T = TypeVar("_T")

FORMAT = "planwatch/values-template"
FORMAT_VERSION = 1
VALUES_SHEET = "Values"
META_SHEET = "_meta"
FONT_NAME = "Noto Sans CJK SC"  # Excel and LibreOffice fall back to another CJK font when absent

TITLE_ROW, INFO_ROW, HELP_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5
HEADERS: list[tuple[str, str, int]] = [  # Chinese, English, column width
    ("编码", "Code", 9),
    ("指标", "Indicator", 50),
    ("单位", "Unit", 14),
    ("目标值", "Target", 13),
    ("上期值", "Previous", 13),
    ("本期值", "Value", 15),
    ("说明", "Comment", 40),
    ("状态", "Status", 12),
]
CODE_COL, NAME_COL, UNIT_COL, TARGET_COL, PREVIOUS_COL, VALUE_COL, COMMENT_COL, STATUS_COL = range(1, 9)
INPUT_COLUMNS = (VALUE_COL, COMMENT_COL)

MAX_VALUE_ROWS = 2000  # rows of a values template: far more indicators than any plan has
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a workbook is a zip: refuse one that unpacks to more
MAX_ROWS = 20_000  # rows of any one sheet of an uploaded workbook (the sheet's stated dimension)


@dataclass(frozen=True)
class Limits:
    """How big a workbook may be: unpacked bytes, rows of any one sheet."""

    unpacked_bytes: int
    rows: int


# Read in a web request: small enough to answer well within the worker's timeout.
IN_REQUEST = Limits(MAX_UNPACKED_BYTES, MAX_ROWS)
# Read by the job runner, outside any request (a ledger of a whole province): bounded all the same.
IN_BACKGROUND = Limits(4 * MAX_UNPACKED_BYTES, 10 * MAX_ROWS)  # 100,000 ledger rows unpack to ~63 MB
MAX_COMMENT_CHARS = 2000

META_KEYS = ("format", "format_version", "plan", "plan_version", "locality", "period", "check")
# A _meta row "version:I01 | 3 | 12.5": the version and the value of I01 as exported ("" for none).
VERSION_PREFIX = "version:"

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
SAMPLE_FONT_COLOR = "9C5700"
_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# --- plain data in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateMeta:
    """What an uploaded workbook is matched to."""

    plan_code: str
    plan_version: int
    locality_code: str
    period_code: str
    format_version: int = FORMAT_VERSION

    def checksum(self) -> str:
        """A check of the other fields: an edited metadata sheet no longer matches it.

        Not a signature — anyone may recompute it — but every rule is enforced again on upload;
        it only tells an accidentally edited (or hand-made) workbook apart from an exported one.
        """
        return checksum(
            FORMAT,
            str(self.format_version),
            self.plan_code,
            str(self.plan_version),
            self.locality_code,
            self.period_code,
        )


def checksum(*fields: str) -> str:
    """A check of a workbook's metadata fields (its `_meta` sheet): an edited one no longer matches.
    Every PlanWatch workbook that is uploaded again records one."""
    return hashlib.sha256("|".join(fields).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TemplateRow:
    code: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str = ""
    target: Decimal | None = None
    previous: Decimal | None = None
    value: Decimal | None = None
    rule: ValueRule = ValueRule()
    editable: bool = True  # False: submitted, approved or accepted: the inputs stay locked
    status_zh: str = ""
    status_en: str = ""
    version: int = 0  # the stored value's version when the template was exported (0: none yet)


@dataclass(frozen=True)
class Template:
    meta: TemplateMeta
    plan_title_zh: str
    plan_title_en: str
    locality_name_zh: str
    locality_name_en: str
    rows: Sequence[TemplateRow]
    sample: bool = False  # some target or value shown is sample data (示例数据)
    exported_at: str = ""
    exported_by: str = ""


# --- building -----------------------------------------------------------------------------------


def font(**kw: Any) -> Font:
    """The workbooks' font (a CJK one), with `kw` (bold, size, color)."""
    return Font(name=FONT_NAME, **kw)


def _rule_text(rule: ValueRule) -> tuple[str, str]:
    zh = "整数" if rule.whole else "数字"
    en = "a whole number" if rule.whole else "a number"
    if rule.minimum is not None and rule.maximum is not None:
        zh += f"，{plain(rule.minimum)} 至 {plain(rule.maximum)}"
        en += f" from {plain(rule.minimum)} to {plain(rule.maximum)}"
    elif rule.minimum is not None:
        zh += f"，不小于 {plain(rule.minimum)}"
        en += f", at least {plain(rule.minimum)}"
    return zh, en


def _validation(rule: ValueRule) -> DataValidation:
    zh, en = _rule_text(rule)
    kind = "whole" if rule.whole else "decimal"
    if rule.minimum is not None and rule.maximum is not None:
        dv = DataValidation(
            type=kind, operator="between", formula1=plain(rule.minimum), formula2=plain(rule.maximum)
        )
    elif rule.minimum is not None:
        dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=plain(rule.minimum))
    else:
        dv = DataValidation(type=kind, operator="between", formula1="-1E+15", formula2="1E+15")
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = "数值无效 Invalid value"
    dv.error = f"请输入{zh}。\nEnter {en}."
    dv.promptTitle = "本期值 Value"
    dv.prompt = f"{zh}\n{en}"
    return dv


def build_template(template: Template) -> bytes:
    """The workbook for one locality and period, as the bytes of an .xlsx file."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = VALUES_SHEET
    _write_title(ws, template)
    _write_header(ws)
    _write_rows(ws, template.rows)
    _set_up_page(ws)
    _write_meta(wb.create_sheet(META_SHEET), template)
    wb.security = WorkbookProtection(lockStructure=True)  # no unhiding, adding or renaming sheets
    wb.properties.creator = "PlanWatch"
    wb.properties.title = f"{template.locality_name_zh} {template.meta.period_code} 指标数据填报表"
    wb.properties.subject = f"{template.meta.plan_code} v{template.meta.plan_version}"

    return workbook_bytes(wb)


def put(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> Cell:
    """Write a cell in the workbooks' font, top-aligned and wrapped unless `style` says otherwise."""
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = style.pop("font", font())
    cell.alignment = style.pop("alignment", Alignment(vertical="top", wrap_text=True))
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _write_title(ws: Worksheet, template: Template) -> None:
    """Rows 1 to 3: the title, the plan and the export, how to fill the sheet in."""
    meta = template.meta
    sample_zh, sample_en = ("【示例数据】", "[Sample data] ") if template.sample else ("", "")
    last = get_column_letter(len(HEADERS))
    title_font = font(bold=True, size=14, color=SAMPLE_FONT_COLOR if template.sample else None)
    put(
        ws,
        TITLE_ROW,
        1,
        f"{sample_zh}{template.locality_name_zh} {meta.period_code} 指标数据填报表",
        font=title_font,
        alignment=Alignment(vertical="center"),
    )
    put(
        ws,
        TITLE_ROW,
        5,
        f"{sample_en}{template.locality_name_en}: indicator values for {meta.period_code}",
        font=title_font,
        alignment=Alignment(vertical="center"),
    )
    ws.merge_cells(f"A{TITLE_ROW}:D{TITLE_ROW}")
    ws.merge_cells(f"E{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 26

    exported = " ".join(x for x in [template.exported_at, template.exported_by] if x)
    put(
        ws,
        INFO_ROW,
        1,
        f"{template.plan_title_zh}（第 {meta.plan_version} 版）· 地区 {template.locality_name_zh}"
        f"（{meta.locality_code}）· 期间 {meta.period_code}"
        + (f" · 导出 {exported}" if exported else "")
        + f"\n{template.plan_title_en} (version {meta.plan_version}) · {template.locality_name_en}"
        f" · period {meta.period_code}" + (f" · exported {exported}" if exported else ""),
        font=font(size=9, color="595959"),
    )
    ws.merge_cells(f"A{INFO_ROW}:{last}{INFO_ROW}")
    ws.row_dimensions[INFO_ROW].height = 30

    help_zh = (
        "只在黄色的“本期值”“说明”两列填写，每项指标都须填写本期值；其他单元格已锁定，请勿改动。"
        "保存后在 PlanWatch 的“Excel 导入”页上传，或用 planwatch import_values 导入。"
    )
    help_en = (
        "Fill in only the yellow Value and Comment columns, a value for every indicator; the other "
        "cells are locked. Save, then upload the file on PlanWatch's Excel import page or with "
        "planwatch import_values."
    )
    if template.sample:
        help_zh += "本表中的目标值和上期值为示例数据，并非官方数字。"
        help_en += " Targets and previous values in this sheet are sample data, not official figures."
    put(ws, HELP_ROW, 1, f"{help_zh}\n{help_en}", font=font(size=9))
    ws.merge_cells(f"A{HELP_ROW}:{last}{HELP_ROW}")
    ws.row_dimensions[HELP_ROW].height = 44


def _write_header(ws: Worksheet) -> None:
    for col, (zh, en, width) in enumerate(HEADERS, start=1):
        put(
            ws,
            HEADER_ROW,
            col,
            f"{zh}\n{en}",
            font=font(bold=True),
            fill=HEADER_FILL,
            border=BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 32


def _write_rows(ws: Worksheet, rows: Sequence[TemplateRow]) -> None:
    """One row per indicator; the Value and Comment cells of an editable row unlocked and checked."""
    validations: dict[ValueRule, DataValidation] = {}
    comments = DataValidation(
        type="textLength", operator="lessThanOrEqual", formula1=str(MAX_COMMENT_CHARS), allow_blank=True
    )
    comments.showErrorMessage = True
    comments.errorTitle = "说明过长 Comment too long"
    comments.error = (
        f"说明最多 {MAX_COMMENT_CHARS} 字。\nA comment has at most {MAX_COMMENT_CHARS} characters."
    )
    numbers = Alignment(horizontal="right", vertical="top")
    for offset, item in enumerate(rows):
        row = FIRST_ROW + offset
        put(ws, row, CODE_COL, item.code, border=BORDER)
        name = f"{item.name_zh}\n{item.name_en}" if item.name_en else item.name_zh
        put(ws, row, NAME_COL, name, border=BORDER)
        unit = f"{item.unit}\n{item.unit_en}" if item.unit_en else item.unit
        put(ws, row, UNIT_COL, unit, border=BORDER)
        put(ws, row, TARGET_COL, cell_number(item.target), border=BORDER, alignment=numbers)
        put(ws, row, PREVIOUS_COL, cell_number(item.previous), border=BORDER, alignment=numbers)
        value = put(ws, row, VALUE_COL, cell_number(item.value), border=BORDER, alignment=numbers)
        comment = put(ws, row, COMMENT_COL, None, border=BORDER)
        status = item.status_zh + (f"\n{item.status_en}" if item.status_en else "")
        put(ws, row, STATUS_COL, status or None, border=BORDER, font=font(size=9, color="595959"))
        if item.editable:
            for cell in (value, comment):
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
            if item.rule not in validations:
                validations[item.rule] = _validation(item.rule)
            validations[item.rule].add(value.coordinate)
            comments.add(comment.coordinate)
        else:
            value.fill = comment.fill = LOCKED_FILL
    for dv in [*validations.values(), comments]:
        if dv.sqref:
            ws.add_data_validation(dv)


def _set_up_page(ws: Worksheet) -> None:
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # Protection without a password: it guards against slips, not against anyone; every rule is
    # checked again when the file is uploaded.
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # columns and rows may still be resized
    ws.protection.formatRows = False


def _write_meta(ws: Worksheet, template: Template) -> None:
    meta = template.meta
    rows: list[tuple[str, Any]] = [
        ("format", FORMAT),
        ("format_version", meta.format_version),
        ("plan", meta.plan_code),
        ("plan_version", meta.plan_version),
        ("locality", meta.locality_code),
        ("period", meta.period_code),
        ("check", meta.checksum()),
        ("exported_at", template.exported_at),
        ("exported_by", template.exported_by),
        (
            "note",
            "PlanWatch 用本表核对上传的文件，请勿改动 / PlanWatch matches uploads with this sheet: do not edit",
        ),
    ]
    # The version of each value as exported: the upload changes only what its reporter read
    # (reporting.excel; a value changed by someone else since is a conflict at its cell).
    for key, value in rows:
        ws.append([key, value])
    for row in template.rows:
        ws.append([f"{VERSION_PREFIX}{row.code}", row.version, "" if row.value is None else f"{row.value:f}"])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRow:
    """One indicator row of an uploaded workbook."""

    row: int
    code: str
    value: Decimal | None
    comment: str = ""

    def cell(self, column: int) -> str:
        return f"{VALUES_SHEET}!{get_column_letter(column)}{self.row}"

    @property
    def code_cell(self) -> str:
        return self.cell(CODE_COL)

    @property
    def value_cell(self) -> str:
        return self.cell(VALUE_COL)

    @property
    def comment_cell(self) -> str:
        return self.cell(COMMENT_COL)


@dataclass(frozen=True)
class Exported:
    """A value as the template showed it when exported: what its reporter read."""

    version: int
    value: Decimal | None


def _read_as_exported(version: Any, value: Any) -> Exported | None:
    if type(version) is not int or version < 0:
        return None
    if value in (None, ""):
        return Exported(version, None)
    try:
        return Exported(version, Decimal(str(value)))
    except ArithmeticError:
        return None


@dataclass
class WorkbookContent:
    """What a workbook holds, and the problems found in it on its own.

    `meta` is None when the metadata is missing or altered; `meta_cells` names the cell of each
    metadata field (``_meta!B5``), for problems about it found later.
    """

    meta: TemplateMeta | None
    rows: list[ReadRow] = field(default_factory=list)
    # Each indicator's value as exported, by code (none in a template of before).
    exported: dict[str, Exported] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    meta_cells: dict[str, str] = field(default_factory=dict)
    layout_ok: bool = True  # False: the values sheet is missing or not laid out as the template

    def meta_cell(self, key: str) -> str:
        return self.meta_cells.get(key, META_SHEET)


def _problem(path: str, zh: str, en: str) -> Problem:
    return Problem(path, f"{zh} / {en}")


def _not_a_workbook(data: bytes, limits: Limits) -> tuple[str, str] | None:
    """Why the bytes cannot be an .xlsx workbook, or None when they might be one."""
    if not data:
        return "文件是空的", "the file is empty"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 后再上传",
            "this is an old-style Excel (.xls) file: save it as .xlsx and upload that",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "不是 Excel 工作簿（.xlsx）", "not an Excel workbook (.xlsx)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            unpacked = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return "不是 Excel 工作簿（.xlsx）", "not an Excel workbook (.xlsx)"
    if "xl/workbook.xml" not in names:
        return "不是 Excel 工作簿（.xlsx）", "not an Excel workbook (.xlsx)"
    if unpacked > limits.unpacked_bytes:
        mb = limits.unpacked_bytes // 2**20
        return f"工作簿解压后超过 {mb} MB", f"the workbook unpacks to more than {mb} MB"
    return None


def _too_many_rows(book: Any, limit: int) -> list[Problem]:
    """Sheets longer than `limit`, read from their stated dimensions without loading their cells
    (`book` opened read-only)."""
    return [
        _problem(
            ws.title,
            f"工作表有 {ws.max_row} 行，超过上传上限 {limit} 行，请分批上传",
            f"the sheet has {ws.max_row} rows, more than the {limit} an upload may hold: split it",
        )
        for ws in book.worksheets
        if (ws.max_row or 0) > limit
    ]


_UNREADABLE = ("无法作为 Excel 工作簿打开", "cannot be opened as an Excel workbook")


def _guarded(data: bytes, source: str, limits: Limits, opened: Callable[[Any], _T]) -> _T:
    """What `opened` makes of the workbook, once the guard of uploads let it through: a file that is
    no .xlsx workbook at all (empty, an old .xls, broken), one that unpacks to more than `limits`
    allow (a zip bomb) or has a sheet of more rows than they allow raises WorkbookRejected saying
    why, before its cells are read. `opened` is given the workbook opened read-only, values as last
    computed (what the sheets' dimensions were read from); anything it raises but WorkbookRejected
    means the workbook is unreadable."""
    reason = _not_a_workbook(data, limits)
    if reason is None:
        try:
            book = _open_read_only(data, data_only=True)
            if long := _too_many_rows(book, limits.rows):
                book.close()
                raise WorkbookRejected(source, long)
            return opened(book)
        except WorkbookRejected:
            raise
        except Exception:  # openpyxl raises many kinds on a broken file; any means "unreadable"
            reason = _UNREADABLE
    raise WorkbookRejected(source, [_problem("", *reason)])


def _open_read_only(data: bytes, *, data_only: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)


@dataclass(frozen=True)
class SheetScan:
    """What one pass over a sheet's XML finds without making a cell of it: its last row, and each
    cell holding a formula, by coordinate, with whether the formula has a computed value."""

    last_row: int
    formulas: dict[str, bool]


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _FORMULA, _VALUE = (_MAIN + tag for tag in ("row", "c", "f", "v"))


# An element named f (a formula), with or without a namespace prefix; a cell's start; a cell's start
# up to its row, when its `r` gives it.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CELL_ROW = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="[A-Z]{1,3}(\d+)"')
_TAIL = 65536  # bytes at the end of a sheet's XML where its last cell is looked for


def _scan(source: Any) -> SheetScan:
    """What one pass over a sheet's XML (`source`, a file) finds: most sheets hold no formula, and
    then their text is only searched (no formula element anywhere, the last cell's row from its
    `r`); any other sheet is parsed (`_parsed_scan`)."""
    xml = source.read()
    if _FORMULA_TAG.search(xml) is None:
        tail = xml[-_TAIL:]
        cells = list(_CELL_TAG.finditer(tail))
        if cells and (last := _CELL_ROW.match(tail, cells[-1].start())) is not None:
            return SheetScan(int(last.group(1)), {})  # cells come in row order (the format's rule)
    return _parsed_scan(io.BytesIO(xml))


def _parsed_scan(source: Any) -> SheetScan:
    """One pass over a sheet's XML (`source`, a file); rows and cells without their `r` counted as
    openpyxl counts them; the last row is the last holding a cell (as a loaded sheet's max_row)."""
    last_row, row, column = 0, 0, 0
    formulas: dict[str, bool] = {}
    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        if event == "start":
            if element.tag == _ROW:
                row, column = int(element.get("r") or row + 1), 0
            continue
        if element.tag == _CELL:
            where = element.get("r")
            if where is None:
                column += 1
                where = f"{get_column_letter(column)}{row}"
            else:
                column = column_index_from_string(where.rstrip("0123456789"))
            if element.find(_FORMULA) is not None:
                formulas[where] = bool(element.findtext(_VALUE))
            last_row = max(last_row, row)
            element.clear()
        elif element.tag == _ROW:
            element.clear()
    return SheetScan(last_row, formulas)


class ReadOnce:
    """An uploaded workbook read once (`open_once`): read-only, its cells' values as last computed,
    each sheet's rows read in order (`rows`), as far as its last row whatever its stated dimension;
    where its formulas are and whether each has a value come from one pass over the sheet's XML
    (`scan`), not from a second reading of the workbook."""

    def __init__(self, book: Any, data: bytes, source: str):
        self.book = book
        self.source = source
        self._data = data
        self._scans: dict[str, SheetScan] = {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self.book.sheetnames)

    def scan(self, sheet: str) -> SheetScan:
        if sheet not in self._scans:
            ws = self.book[sheet]
            with ws._get_source() as xml:  # the sheet's part of the archive (openpyxl's own reader)
                self._scans[sheet] = _scan(xml)
        return self._scans[sheet]

    def rows(self, sheet: str, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
        """`iter_rows(**kwargs)` of the sheet; a workbook openpyxl cannot read to the end raises
        WorkbookRejected, as when it cannot be opened."""
        ws = self.book[sheet]
        try:
            yield from ws.iter_rows(**kwargs)
        except Exception:  # openpyxl raises many kinds on a broken file; any means "unreadable"
            raise WorkbookRejected(self.source, [_problem("", *_UNREADABLE)]) from None

    def uncomputed(self, sheet: str) -> list[Problem]:
        """Cells of the sheet holding a formula without a computed value (written by a program,
        never opened and saved in Excel): read as blank they would lose what the formula means, so
        each is a problem at its cell. The formulas' texts are read (a second, read-only pass) only
        when there is such a cell to name."""
        missing = [where for where, computed in self.scan(sheet).formulas.items() if not computed]
        if not missing:
            return []
        formulas = _open_read_only(self._data, data_only=False)
        wanted = set(missing)
        try:
            texts = {
                cell.coordinate: cell.value
                for row in formulas[sheet].iter_rows()
                for cell in row
                if getattr(cell, "coordinate", None) in wanted
            }
        finally:
            formulas.close()
        return [_uncomputed(sheet, where, texts.get(where)) for where in missing]

    def close(self) -> None:
        self.book.close()


def open_once(data: bytes, source: str = "workbook", limits: Limits | None = None) -> ReadOnce:
    """An uploaded workbook through the guard of uploads (`_guarded`), read once (`ReadOnce`); each
    sheet's stated dimension is dropped, so that its rows are read to the last whatever it says."""

    def once(book: Any) -> ReadOnce:
        for ws in book.worksheets:
            ws.reset_dimensions()
        read = ReadOnce(book, data, source)
        for name in book.sheetnames:
            read.scan(name)  # a sheet's XML that cannot be read: unreadable, here
        return read

    return _guarded(data, source, limits or IN_REQUEST, once)


def _uncomputed(sheet: str, coordinate: str, formula: Any) -> Problem:
    return _problem(
        f"{sheet}!{coordinate}",
        f"公式 {str(formula)[:40]} 没有计算结果：请在 Excel 中打开并保存后再上传，或填写数值",
        f"the formula {str(formula)[:40]} has no computed value: open and save the file in Excel, "
        "or enter the value",
    )


def read_template(data: bytes, source: str = "workbook") -> WorkbookContent:
    """Read a filled-in template. A file that is no workbook at all raises WorkbookRejected;
    anything else wrong is listed in the result's `problems`, every one with its cell."""
    wb = open_once(data, source)
    content = WorkbookContent(meta=None)
    _read_meta(wb, content)
    if VALUES_SHEET not in wb.sheetnames:
        content.problems.append(
            _problem(
                VALUES_SHEET,
                f"缺少工作表“{VALUES_SHEET}”，这不是 PlanWatch 的填报模板",
                f"the sheet '{VALUES_SHEET}' is missing: this is not a PlanWatch values template",
            )
        )
        content.layout_ok = False
        return content
    _read_rows(wb, content)
    wb.close()
    return content


def _read_meta(wb: ReadOnce, content: WorkbookContent) -> None:
    if META_SHEET not in wb.sheetnames:
        content.problems.append(
            _problem(
                META_SHEET,
                "缺少元数据工作表，这不是由 PlanWatch 导出的填报模板，请重新下载模板",
                "the metadata sheet is missing: this is not a template exported by PlanWatch; "
                "download a new template",
            )
        )
        return
    found: dict[str, Any] = {}
    last = min(max(wb.scan(META_SHEET).last_row, 1), 100 + MAX_VALUE_ROWS)
    rows = wb.rows(META_SHEET, min_row=1, max_row=last, max_col=3, values_only=True)
    for number, (key, value, shown) in enumerate(rows, start=1):
        if isinstance(key, str) and key.startswith(VERSION_PREFIX):
            if (read := _read_as_exported(value, shown)) is not None:
                content.exported[key.removeprefix(VERSION_PREFIX)] = read
        elif isinstance(key, str) and key.strip() in META_KEYS and key.strip() not in found:
            found[key.strip()] = value
            content.meta_cells[key.strip()] = f"{META_SHEET}!B{number}"
    problems: list[Problem] = []
    for key in META_KEYS:
        if key not in found or found[key] is None or str(found[key]).strip() == "":
            problems.append(
                _problem(
                    content.meta_cell(key),
                    f"元数据缺少 {key}，请重新下载模板",
                    f"the metadata lacks {key}: download a new template",
                )
            )
    if problems:
        content.problems += problems
        return

    def text(key: str) -> str:
        value = found[key]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def integer(key: str) -> int | None:
        value = text(key)
        if not re.fullmatch(r"\d{1,9}", value):
            problems.append(
                _problem(
                    content.meta_cell(key),
                    f"元数据 {key} 不是整数：{value!r}，模板被改动过",
                    f"the metadata's {key} is not a whole number: {value!r}; the template was altered",
                )
            )
            return None
        return int(value)

    if text("format") != FORMAT:
        problems.append(
            _problem(
                content.meta_cell("format"),
                "不是 PlanWatch 的填报模板",
                f"not a PlanWatch values template (format {text('format')!r})",
            )
        )
    format_version, plan_version = integer("format_version"), integer("plan_version")
    if format_version is not None and format_version != FORMAT_VERSION:
        problems.append(
            _problem(
                content.meta_cell("format_version"),
                f"不支持的模板格式版本 {format_version}，请重新下载模板",
                f"unsupported template format version {format_version}: download a new template",
            )
        )
    if problems or format_version is None or plan_version is None:
        content.problems += problems
        return
    meta = TemplateMeta(text("plan"), plan_version, text("locality"), text("period"), format_version)
    if text("check") != meta.checksum():
        content.problems.append(
            _problem(
                content.meta_cell("check"),
                "元数据与校验码不符，模板被改动过，请重新下载模板",
                "the metadata does not match its checksum: the template was altered; download a new one",
            )
        )
        return
    content.meta = meta


def _header_ok(header: Sequence[Any], content: WorkbookContent) -> bool:
    """The values sheet's header row (its cells' values) is the template's."""
    wrong = []
    for col, (zh, en, _width) in enumerate(HEADERS[: STATUS_COL - 1], start=1):
        words = str((header[col - 1] if col <= len(header) else None) or "").split()
        if not words or words[0] != zh:
            wrong.append((f"{get_column_letter(col)}{HEADER_ROW}", zh, en))
    if len(wrong) == STATUS_COL - 1:  # no header at all where the template has one
        content.problems.append(
            _problem(
                f"{VALUES_SHEET}!A{HEADER_ROW}",
                "第 4 行不是填报模板的表头，请重新下载模板",
                f"row {HEADER_ROW} is not the template's header row: download a new template",
            )
        )
    else:
        content.problems += [
            _problem(
                f"{VALUES_SHEET}!{coordinate}",
                f"表头应为“{zh}”，表格结构被改动过，请重新下载模板",
                f"the header should be '{zh} {en}': the sheet's layout was changed; download a new template",
            )
            for coordinate, zh, en in wrong
        ]
    return not wrong


def _read_rows(wb: ReadOnce, content: WorkbookContent) -> None:
    """The values sheet's rows, read once in order (`ReadOnce`): a formula's cell is known from the
    scan of the sheet's XML."""
    header = next(wb.rows(VALUES_SHEET, min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
    if not _header_ok(header, content):
        content.layout_ok = False
        return
    scan = wb.scan(VALUES_SHEET)
    last = max(scan.last_row, HEADER_ROW)
    if last - FIRST_ROW + 1 > MAX_VALUE_ROWS:
        content.problems.append(
            _problem(
                f"{VALUES_SHEET}!A{FIRST_ROW + MAX_VALUE_ROWS}",
                f"行数过多（超过 {MAX_VALUE_ROWS} 行）",
                f"too many rows (more than {MAX_VALUE_ROWS})",
            )
        )
        content.layout_ok = False
        return
    seen: dict[str, int] = {}
    cells = wb.rows(VALUES_SHEET, min_row=FIRST_ROW, max_row=last, max_col=COMMENT_COL)
    for row, line in enumerate(cells, start=FIRST_ROW):
        if (read := _read_row(row, line, scan, seen, content)) is not None:
            content.rows.append(read)


def _read_row(
    row: int, line: Sequence[Any], scan: SheetScan, seen: dict[str, int], content: WorkbookContent
) -> ReadRow | None:
    """One row of the values sheet (its cells up to the comment's), or None if it is empty or has
    no code or one seen before (said in `content.problems`)."""
    value_cell = line[VALUE_COL - 1]
    code = _plain_text(line[CODE_COL - 1].value)
    comment = _plain_text(line[COMMENT_COL - 1].value)
    value_at = f"{get_column_letter(VALUE_COL)}{row}"
    is_formula = value_at in scan.formulas
    if not code and _blank(value_cell.value) and not comment and not is_formula:
        return None  # an empty row
    where = f"{VALUES_SHEET}!{value_at}"
    code_at = f"{VALUES_SHEET}!{get_column_letter(CODE_COL)}{row}"
    if not code:
        content.problems.append(_problem(code_at, "缺少指标编码", "the indicator code is missing"))
        return None
    if code in seen:
        content.problems.append(
            _problem(
                code_at,
                f"指标 {code} 重复（第 {seen[code]} 行已有）",
                f"indicator {code} appears twice (also in row {seen[code]})",
            )
        )
        return None
    seen[code] = row
    value: Decimal | None = None
    if is_formula and value_cell.value is None:
        content.problems.append(
            _problem(
                where,
                "公式没有计算结果，请在 Excel 中打开并保存后再上传，或直接填写数字",
                "the formula has no computed value: open and save the file in Excel, or type the number",
            )
        )
    else:
        value, why = parse_cell(value_cell.value, value_cell.number_format or "General")
        if why is not None:
            content.problems.append(_problem(where, *why))
    if len(comment) > MAX_COMMENT_CHARS:
        content.problems.append(
            _problem(
                f"{VALUES_SHEET}!{get_column_letter(COMMENT_COL)}{row}",
                f"说明过长（{len(comment)} 字，最多 {MAX_COMMENT_CHARS} 字）",
                f"the comment is too long ({len(comment)} characters, at most {MAX_COMMENT_CHARS})",
            )
        )
    return ReadRow(row, code, value, comment)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
