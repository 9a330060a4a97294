"""The bulletin's Excel annex (openpyxl): every number the bulletin shows, unrounded, one sheet per
part, each header cell in Chinese then English. The first sheet cites the evaluation run and the
data version and repeats the first page's notices (示例数据, 含未确认数据). Written in openpyxl's
write-only mode (a national annex has ~290,000 rows): each row is styled (`_cell`) and guarded as it
is appended, the widths and the frozen header set before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from planwatch.core import numbers
from planwatch.core.bulletin.content import (
    CLASS_ORDER,
    CLASS_ZH,
    REGION,
    BulletinContent,
    SupervisionSection,
    engine_zh,
    moment_zh,
    status_zh,
    statuses_zh,
)
from planwatch.core.bulletin.zipfix import fixed_zip
from planwatch.core.cells import guard_cell, guarded_value, workbook_bytes
from planwatch.core.evaluation.labels import ANNUAL_ZH

BOLD = Font(bold=True)
RED = Font(bold=True, color="C00000")
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
HEAD_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
# Number formats: the cells keep the exact value (0.57875), Excel shows 57.9% / 0.912 (a score at
# the precision every display shows and ranks it at: numbers.SCORE_DECIMALS).
PERCENT = "0.0%"
SCORE = numbers.SCORE_EXCEL_FORMAT
DATE = "yyyy-mm-dd"
WIDTH_ROWS = 300  # a column's width is read from its header and this many first rows


def _cell(
    sheet: Any, value: Any, number_format: str | None = None, font: Font | None = None, head: bool = False
) -> Any:
    """What the annex appends for one value (the one place that styles a cell, on every sheet): a
    header cell bold on grey, wrapped; a date shown yyyy-mm-dd, a number in its column's
    `number_format`; `font` where given (the notices' red); text guarded (cells.guard_cell). A
    value without a style is appended as it is (cheap: no cell of its own)."""
    if isinstance(value, dt.date):
        number_format = DATE
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        number_format = None
    if head:
        font = BOLD
    if number_format is None and font is None:
        return guarded_value(sheet, value)
    cell = WriteOnlyCell(sheet, value)
    guard_cell(cell)
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if head:
        cell.fill = HEAD_FILL
        cell.alignment = HEAD_ALIGNMENT
    return cell


def _widths(header: Sequence[str], first: Sequence[Sequence[Any]]) -> list[float]:
    """Each column's width: its longest text among the header and the first rows, 8 to 60."""
    return [
        min(max(max([len(str(head))] + [len(str(r[k])) for r in first if r[k] is not None]) + 2, 8), 60)
        for k, head in enumerate(header)
    ]


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
    red: str | None = None,
) -> None:
    """A sheet with a bold, frozen header row; `formats` gives a number format by column (0-based);
    a row whose first value starts with `red` shows its other values in red. The rows are streamed
    (write-only): the widths come from the first WIDTH_ROWS, set before any row is appended."""
    sheet = book.create_sheet(title)
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    for index, width in enumerate(_widths(header, first), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, text, head=True) for text in header])
    formats = formats or {}
    for row in chain(first, rows):
        font = RED if red is not None and str(row[0]).startswith(red) else None
        sheet.append([_cell(sheet, v, formats.get(k), font if k else None) for k, v in enumerate(row)])


def build_xlsx(c: BulletinContent) -> bytes:
    book = Workbook(write_only=True)
    _bulletin_sheet(book, c)
    if c.binding:
        _binding_sheet(book, c)
    _overview_sheets(book, c)
    _headline_sheet(book, c)
    _ranking_sheet(book, c)
    _indicator_sheet(book, c)
    if c.areas:
        _area_sheet(book, c)
    _sheet(
        book,
        "预警 Warnings",
        ["类别 kind", "对象 subject", "内容 text"],
        [(w.kind, w.subject, w.text) for w in c.warnings],
    )
    if c.supervision is not None:
        _supervision_sheets(book, c, c.supervision)
    _late_sheet(book, c)
    _sheet(
        book,
        "趋势 Trend",
        ["年度 year", "地区代码 locality", "地区 locality_zh", "综合得分 score", "排名 rank", "评估运行 run"],
        [(p.year, p.locality, c.names.locality(p.locality), p.score, p.rank, p.run_id) for p in c.trend],
        formats={3: SCORE},
    )
    return _saved(book, c)


def _bulletin_sheet(book: Workbook, c: BulletinContent) -> None:
    """The first sheet: what the bulletin is, the run it cites and the data version, the notices."""
    r = c.run
    info: list[tuple[str, Any]] = [
        ("标题 title", c.title),
        ("期别 issue", c.subtitle),
        ("报告期 period", c.period_code),
        ("评估年度 year", c.year),
        ("截至日期 as of", c.as_of),
        *((f"提示 notice {k + 1}", n) for k, n in enumerate(c.notices)),
        ("评估运行 evaluation run", r.id),
        ("运行创建时间 run created at", moment_zh(r.created_at)),
        ("评估参数 parameters", r.parameters),
        ("读取状态 statuses", f"{statuses_zh(r.statuses)} ({', '.join(r.statuses)})"),
        ("含未确认数据 includes unaccepted", r.includes_unaccepted),
        ("示例数据 sample data", r.sample),
        ("数据版本 data version sha256", r.data_sha256),
        ("数值个数 values read", r.data_count),
        ("数据截至 data as of", moment_zh(r.data_as_of)),
        ("目标版本 targets sha256", r.targets_sha256),
        ("方案版本 plan version", r.plan_version),
        ("输入哈希 input hash", r.input_hash),
        ("结果哈希 results hash", r.results_hash),
        ("软件版本 engine", f"{engine_zh(r.engine_version)} ({r.engine_version})"),
        *((f"依据 basis {k + 1}", n) for k, n in enumerate(c.basis)),
        *((f"说明 note {k + 1}", n) for k, n in enumerate(c.notes)),
    ]
    _sheet(book, "通报 Bulletin", ["项目 item", "内容 value"], info, red="提示")


def _overview_sheets(book: Workbook, c: BulletinContent) -> None:
    _sheet(
        book,
        "总体 Overview",
        ["进度 class", "英文 code", "全区域指标数 region indicators"],
        [(CLASS_ZH[k], k, n) for k, n in c.counts],
    )
    _sheet(
        book,
        "分地区进度 By locality",
        ["地区代码 locality", "地区 locality_zh", *(f"{CLASS_ZH[k]} {k}" for k in CLASS_ORDER)],
        [(loc, c.names.locality(loc), *n) for loc, n in c.locality_pace_counts],
    )


def _headline_sheet(book: Workbook, c: BulletinContent) -> None:
    _sheet(
        book,
        "主要指标 Headlines",
        [
            "代码 indicator",
            "指标 indicator_zh",
            "单位 unit",
            "实际值 value",
            "目标值 target",
            "目标年 target_year",
            "完成度 completion",
            "目标进程 progress",
            "时序进度 elapsed",
            "进度差 pace_gap",
            "进度 pace",
            "状态 status_zh",
            "结果 outcome",
            "说明 why",
        ],
        [
            (
                h.indicator,
                h.name,
                h.unit,
                h.value,
                h.target,
                h.target_year,
                h.completion,
                h.progress,
                h.elapsed,
                h.pace_gap,
                h.pace,
                status_zh(h),
                h.outcome,
                h.why,
            )
            for h in c.headlines
        ],
        formats={6: PERCENT, 7: PERCENT, 8: PERCENT, 9: PERCENT},
    )


def _area_sheet(book: Workbook, c: BulletinContent) -> None:
    """The areas' own targets (a city above its reporting counties), judged on their pilot units' total."""
    _sheet(
        book,
        "市本级目标 Areas",
        [
            "地区代码 locality",
            "地区 locality_zh",
            "代码 indicator",
            "指标 indicator_zh",
            "合计值 value",
            "目标值 target",
            "目标年 target_year",
            "完成度 completion",
            "目标进程 progress",
            "时序进度 elapsed",
            "进度 pace",
            "状态 status_zh",
            "说明 why",
        ],
        [
            (
                a.scope,
                c.names.locality(a.scope),
                a.indicator,
                c.names.indicator(a.indicator),
                a.value,
                a.target,
                a.target_year,
                a.completion,
                a.progress,
                a.elapsed,
                a.pace,
                status_zh(a),
                a.why,
            )
            for a in c.areas
        ],
        formats={7: PERCENT, 8: PERCENT, 9: PERCENT},
    )


def _ranking_sheet(book: Workbook, c: BulletinContent) -> None:
    _sheet(
        book,
        "排名 Ranking",
        [
            "排名 rank",
            "地区代码 locality",
            "地区 locality_zh",
            "综合得分 score",
            *(f"{c.names.dimension(d)} {d}" for d in c.dimensions),
            "上次排名 previous_rank",
            "较上次 rank_change",
            "并列 tied",
            "约束性指标未达标 binding_failed",
        ],
        [
            (
                x.rank,
                x.locality,
                x.name,
                x.score,
                *x.dimensions,
                x.previous_rank,
                x.change,
                x.tied,
                ", ".join(x.binding_failed),
            )
            for x in c.ranking
        ],
        formats={k: SCORE for k in range(3, 4 + len(c.dimensions))},
    )
    if c.ranking_sentences:
        _sheet(book, "排名说明 Ranking notes", ["说明 note"], [(t,) for t in c.ranking_sentences])


def _binding_sheet(book: Workbook, c: BulletinContent) -> None:
    """The binding (约束性) indicators at every pilot unit: first after the bulletin sheet."""
    _sheet(
        book,
        "约束性指标 Binding",
        [
            "代码 indicator",
            "指标 indicator_zh",
            "地区代码 locality",
            "地区 locality_zh",
            "达标情况 status_zh",
            "状态 status",
            "实际值 value",
            "目标值 target",
        ],
        [
            (
                row.indicator,
                row.name,
                cell.locality,
                c.names.locality(cell.locality),
                cell.label,
                cell.status,
                cell.value,
                cell.target,
            )
            for row in c.binding
            for cell in row.cells
        ],
    )


def _indicator_sheet(book: Workbook, c: BulletinContent) -> None:
    """Every indicator at every scope (the pilot units, then the region)."""
    rows = (
        (
            row.indicator,
            row.name,
            row.unit,
            cell.scope,
            c.names.locality(cell.scope),
            cell.value,
            cell.target,
            cell.completion,
            cell.progress,
            cell.elapsed,
            cell.pace_gap,
            cell.pace,
            status_zh(cell),
            cell.outcome,
            ANNUAL_ZH.get(cell.annual, "") if cell.annual else "",
            cell.why,
        )
        for row in c.indicators
        for cell in row.cells
    )
    _sheet(
        book,
        "指标 Indicators",
        [
            "代码 indicator",
            "指标 indicator_zh",
            "单位 unit",
            "地区代码 scope",
            "地区 scope_zh",
            "实际值 value",
            "目标值 target",
            "完成度 completion",
            "目标进程 progress",
            "时序进度 elapsed",
            "进度差 pace_gap",
            "进度 pace",
            "状态 status_zh",
            "结果 outcome",
            "年度评价 annual",
            "说明 why",
        ],
        rows,
        formats={7: PERCENT, 8: PERCENT, 9: PERCENT, 10: PERCENT},
    )


def _supervision_sheets(book: Workbook, c: BulletinContent, s: SupervisionSection) -> None:
    names = c.names
    _sheet(
        book,
        "督查 Supervision",
        [
            "地区代码 locality",
            "地区 locality_zh",
            "任务 task",
            "节点 milestone",
            "责任单位 owner",
            "截止日期 due_on",
            "状态 flag",
            "逾期天数 days_late",
            "完成 percent",
            "原因 reasons",
        ],
        [
            (
                m.locality,
                names.locality(m.locality),
                m.task,
                m.milestone,
                m.owner,
                m.due_on,
                m.flag,
                m.days_late,
                m.percent,
                m.reasons,
            )
            for m in s.rows
        ],
    )
    _sheet(
        book,
        "督查分地区 Supervision by locality",
        [
            "地区代码 locality",
            "地区 locality_zh",
            "逾期 overdue",
            "有风险 at_risk",
            "节点总数 milestones",
        ],
        [(loc, names.locality(loc), o, k, s.totals.get(loc, 0)) for loc, o, k in s.by_locality]
        + [
            (
                REGION,
                "合计",
                sum(x[1] for x in s.by_locality),
                sum(x[2] for x in s.by_locality),
                s.milestones,
            )
        ],
    )


def _late_sheet(book: Workbook, c: BulletinContent) -> None:
    _sheet(
        book,
        "迟报 Late",
        [
            "地区代码 locality",
            "地区 locality_zh",
            "报送期 period",
            "截止日期 due_on",
            "应报 required",
            "已报 reported",
            "首次报送 first_submitted_on",
            "逾期天数 days_late",
        ],
        [
            (
                x.locality,
                c.names.locality(x.locality),
                x.period,
                x.due_on,
                x.required,
                x.reported,
                x.first_submitted_on,
                x.days_late,
            )
            for x in c.late
        ],
    )


def _saved(book: Workbook, c: BulletinContent) -> bytes:
    """The workbook's bytes: the properties and the zip dated the as-of day."""
    moment = dt.datetime.combine(c.as_of, dt.time(0, 0))
    book.properties.creator = "PlanWatch"
    book.properties.title = f"{c.title} {c.subtitle}"
    book.properties.created = moment
    book.properties.modified = moment
    return fixed_zip(workbook_bytes(book), c.as_of)
