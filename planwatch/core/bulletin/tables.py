"""The bulletin's tables as rows of text, shared by the DOCX and PDF builders so both show the same
cells. (The XLSX annex writes the numbers themselves, unrounded.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from planwatch.core.bulletin import scale
from planwatch.core.bulletin.content import (
    ANNUAL_CLASSES,
    CLASS_ORDER,
    CLASS_ZH,
    REGION,
    WORD_SECTIONS,
    BulletinContent,
    Cell,
    Chart,
    Headline,
    OfficeWords,
    RankRow,
    binding_lines,
    change,
    engine_zh,
    moment_zh,
    number,
    pace_rules_zh,
    percent,
    points,
    score,
    short_id,
    status_zh,
    statuses_zh,
)
from planwatch.core.evaluation.breakdown import named_first
from planwatch.core.evaluation.labels import ANNUAL_ZH, PACE_ZH

# A table of at most this many rows is kept on one page with its caption and note, never split (PDF
# and Word); a longer one never leaves its first or last row alone on a page.
KEEP_ROWS = 12


@dataclass(frozen=True)
class Table:
    key: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # right-aligned columns
    note: str = ""
    # Per cell, an optional status for colouring: ahead | on_pace | lagging | seriously_lagging | met
    marks: tuple[tuple[str, ...], ...] = ()


# The colour of a cell by its headline status: a completion verdict takes the colour of its kin.
MARKS = {
    "ahead": "ahead",
    "on_pace": "on_pace",
    "lagging": "lagging",
    "seriously_lagging": "seriously_lagging",
    "met": "met",
    "nearly_met": "lagging",
    "not_met": "seriously_lagging",
}


def _mark(cell: Cell | Headline) -> str:
    return MARKS.get(cell.headline, "")


def pace_note(c: BulletinContent) -> str:
    """How a status is judged, with the names of the figures it rests on."""
    return (
        "进度按目标进程与时序进度之差判断：目标进程为从基期值到目标值已完成的比例，"
        "时序进度为从基期到目标年已经过的时间比例；"
        + pace_rules_zh(c.pace_thresholds)
        + f"。自规划目标年起只作完成情况评价：达到目标为完成，完成度不低于{percent(c.nearly_met)}为基本完成，其余为未完成。"
        "完成度（实际值÷目标值，逆向指标为目标值÷实际值）不作为进度判断依据。"
    )


def verdict_note(c: BulletinContent) -> str:
    """How the final year's verdict is judged (no pace any more)."""
    return (
        f"规划目标年只作完成情况评价：达到目标为完成，完成度不低于{percent(c.nearly_met)}为基本完成，其余为未完成"
        "（完成度为实际值÷目标值，逆向指标为目标值÷实际值）。"
    )


def headline_table(c: BulletinContent, number_: int) -> Table:
    """The region's headline figures against the final targets; in the final year the verdict only
    (完成 / 基本完成 / 未完成), without 目标进程 and 时序进度, which no longer judge anything."""
    final = c.final
    rows = tuple(
        (
            h.indicator,
            h.name,
            h.unit,
            number(h.value),
            number(h.target),
            percent(h.completion),
            *(() if final else (percent(h.progress), percent(h.elapsed))),
            status_zh(h),
        )
        for h in c.headlines
    )
    width = 7 if final else 9
    marks = tuple(("",) * (width - 1) + (_mark(h),) for h in c.headlines)
    header = ("代码", "指标", "单位", f"{c.year}年实际", "目标值", "完成度")
    return Table(
        "headlines",
        f"表{number_} 全区域主要指标完成情况（对照目标年目标）",
        (*header, "完成情况") if final else (*header, "目标进程", "时序进度", "进度"),
        rows,
        (False, False, False, True, True, True, *((True, True) if not final else ()), False),
        "全区域数值按各指标的汇总规则计算"
        + (f"，{c.region_note}" if c.region_note else "")
        + "。"
        + (verdict_note(c) if final else pace_note(c)),
        marks,
    )


def class_table(c: BulletinContent, number_: int) -> Table:
    """Per pilot unit, how many indicators in each class; in the final year the verdicts only."""
    classes = ANNUAL_CLASSES if c.final else CLASS_ORDER
    picked = [CLASS_ORDER.index(k) for k in classes]
    counts_of = [(loc, tuple(counts[i] for i in picked)) for loc, counts in c.locality_pace_counts]
    worst = ""
    if scale.many(c):  # of many units, those with the most indicators behind, the rest in the annex
        behind = [classes.index(k) for k in ("seriously_lagging", "not_met", "lagging") if k in classes]
        counts_of.sort(key=lambda lc: tuple(-lc[1][i] for i in behind))
        counts_of = counts_of[: 2 * scale.EACH]
        worst = f"（滞后最多的{len(counts_of)}个地区）"
    rows = tuple((c.names.locality(loc), *(str(n) for n in counts)) for loc, counts in counts_of)
    marks = tuple(
        (
            "",
            *(
                k if n and k in ("met", "lagging", "seriously_lagging") else ""
                for k, n in zip(classes, counts, strict=True)
            ),
        )
        for _, counts in counts_of
    )
    note = (
        "规划目标年只作完成情况评价（对照规划目标）：完成、基本完成、未完成；“无年度目标”为未设目标。"
        if c.final
        else "每项指标在两组中各计一次：前五列按进度评价（规划目标年之前，目标进程与时序进度之差），"
        "“无法判断进度”为规划目标年及以后、缺数据、无规划目标或无基期值等；后四列按年度评价（对照当年目标，"
        "规划目标年起对照规划目标），“无年度目标”为当年未分解目标。"
    )
    return Table(
        "classes",
        f"表{number_} 各地区指标{'完成情况' if c.final else '进度与年度完成情况'}分布（项）{worst}",
        ("地区", *(CLASS_ZH[k] for k in classes)),
        rows,
        (False, *(True for _ in classes)),
        note
        + (
            f"按严重滞后、未完成、滞后的项数排列；全部{len(c.pilots)}个地区{scale.ANNEX}“分地区进度 By locality”表。"
            if worst
            else ""
        ),
        marks,
    )


def _verdict_lines(cell: Cell) -> str:
    """A cell of table 各地区指标完成度与进度: the annual verdict with its completion, then the progress
    verdict with its gap; what there is of them, or why there is neither."""
    lines = []
    if cell.annual is not None:
        word = ANNUAL_ZH[cell.annual]
        lines.append(f"{percent(cell.completion)} {word}" if cell.completion is not None else word)
    if cell.pace is not None and cell.pace_gap is not None:
        lines.append(f"{points(cell.pace_gap)} {PACE_ZH[cell.pace]}")
    if lines:
        return "\n".join(lines)
    return status_zh(cell) if cell.outcome != "not_applicable" else "—"


def indicator_table(c: BulletinContent, number_: int) -> Table:
    scopes = [*c.pilots, REGION]
    header = ("代码", "指标", *(c.names.locality(s).removesuffix("市") for s in scopes))
    rows = []
    marks = []
    for row in c.indicators:
        cells = []
        row_marks = []
        for cell in row.cells:
            cells.append(_verdict_lines(cell))
            row_marks.append(_mark(cell))
        rows.append((row.indicator, row.name, *cells))
        marks.append(("", "", *row_marks))
    return Table(
        "indicators",
        f"表{number_} 各地区指标完成度与进度",
        header,
        tuple(rows),
        (False, False, *(True for _ in scopes)),
        "每格为两项评价：年度评价（对照当年目标的完成度，实际值÷目标值，逆向指标为目标值÷实际值；"
        f"完成、基本完成（完成度不低于{percent(c.nearly_met)}）、未完成，或无年度目标）；"
        "进度评价（规划目标年之前，目标进程减时序进度的差，百分点，负数为落后；"
        + "、".join(PACE_ZH.values())
        + "）按此判断："
        + pace_rules_zh(c.pace_thresholds)
        + "；规划目标年起只作年度评价。“不适用”为该范围未设目标或不可汇总。",
        tuple(marks),
    )


def area_table(c: BulletinContent, number_: int) -> Table:
    """The targets the plan gives the areas themselves (a city above its reporting counties), each
    judged against the total of the pilot units within it, with the reason."""
    rows = tuple(
        (
            c.names.locality(cell.scope),
            cell.indicator,
            c.names.indicator(cell.indicator),
            number(cell.value),
            number(cell.target) + (f"（{cell.target_year}年）" if cell.target_year else ""),
            _verdict_lines(cell),
            cell.why,
        )
        for cell in c.areas
    )
    return Table(
        "areas",
        f"表{number_} 各市本级目标完成情况",
        ("地区", "代码", "指标", f"{c.year}年合计", "目标值", "评价", "说明"),
        rows,
        (False, False, False, True, True, False, False),
        "各市本级目标以其下辖试点单位的数值按各指标的汇总规则合计后评价，每个试点单位只计一次。",
        tuple(("",) * 5 + (_mark(cell), "") for cell in c.areas),
    )


def binding_table(c: BulletinContent, number_: int) -> Table:
    """The binding (约束性) indicators × pilot units: 达标 / 未达标 / 未报送 / 无目标, with the value."""
    rows = tuple(
        (
            row.indicator,
            row.name,
            *(
                f"{cell.label}\n{number(cell.value)}" if cell.value is not None else cell.label
                for cell in row.cells
            ),
        )
        for row in c.binding
    )
    marks = tuple(
        (
            "",
            "",
            *({"pass": "met", "fail": "seriously_lagging"}.get(cell.status, "") for cell in row.cells),
        )
        for row in c.binding
    )
    return Table(
        "binding",
        f"表{number_} 约束性指标达标情况",
        ("代码", "指标", *(c.names.locality(loc).removesuffix("市") for loc in c.pilots)),
        rows,
        (False, False, *(True for _ in c.pilots)),
        "每格第一行为达标情况（对照当年目标），第二行为实际值；未报送、无目标的不计达标或未达标。",
        marks,
    )


def ranking_table(c: BulletinContent, number_: int) -> Table:
    rows = tuple(
        (
            f"{r.rank}{'*' if r.tied else ''}{'△' if r.binding_failed else ''}",
            r.name,
            score(r.score),
            *(score(d) for d in r.dimensions),
            "—" if r.previous_rank is None else str(r.previous_rank),
            change(r.change),
        )
        for r in _ranking_shown(c)
    )
    top, _, skipped = scale.ends(c.ranking)
    if skipped:  # of many units: the best and the worst, a row saying how many lie between
        width = 5 + len(c.dimensions)
        gap = ("…", f"（第{len(top) + 1}至{len(top) + skipped}名，共{skipped}个地区，{scale.ANNEX}）")
        rows = rows[: len(top)] + ((*gap, *("",) * (width - 2)),) + rows[len(top) :]
    return Table(
        "ranking",
        f"表{number_} {c.year}年综合评估排名"
        + (f"（前{scale.EACH}名和后{scale.EACH}名）" if skipped else ""),
        ("排名", "地区", "综合得分", *(c.names.dimension(d) for d in c.dimensions), "上次排名", "较上次"),
        rows,
        (True, False, True, *(True for _ in c.dimensions), True, True),
        "".join(
            [
                "*得分按显示精度相同，名次并列。" if any(r.tied for r in c.ranking) else "",
                "△约束性指标未达标。" if any(r.binding_failed for r in c.ranking) else "",
            ]
        ),
    )


def _ranking_shown(c: BulletinContent) -> list[RankRow]:
    top, bottom, _ = scale.ends(c.ranking)
    return top + bottom


def _counted(cells: Sequence[Cell], key: str) -> str:
    return str(sum(1 for cell in cells if cell.annual == key or cell.pace == key))


def indicator_counts_table(c: BulletinContent, number_: int) -> Table:
    """Of many pilot units, table 各地区指标完成度与进度 as counts: per indicator the region's two
    verdicts and how many units fall in each class (each unit's own cell is in the annex)."""
    classes = ANNUAL_CLASSES if c.final else (*ANNUAL_CLASSES[:3], "lagging", "seriously_lagging")
    rows = []
    marks = []
    for row in c.indicators:
        region = row.cells[-1]
        rows.append(
            (row.indicator, row.name, _verdict_lines(region), *(_counted(row.cells[:-1], k) for k in classes))
        )
        marks.append(("", "", _mark(region), *("" for _ in classes)))
    return Table(
        "indicators",
        f"表{number_} 各地区指标完成度与进度（地区数）",
        ("代码", "指标", "全区域", *(CLASS_ZH[k] for k in classes)),
        tuple(rows),
        (False, False, True, *(True for _ in classes)),
        f"全区域一栏为两项评价（同各地区）；其后各栏为{len(c.pilots)}个试点地区中该项评价为此类的地区数。"
        f"各地区逐项评价{scale.ANNEX}“指标 Indicators”表。",
        tuple(marks),
    )


def binding_counts_table(c: BulletinContent, number_: int) -> Table:
    """Of many pilot units, the binding indicators as counts, naming the units that failed (the first
    ten of them; all in the annex)."""
    words = ("pass", "fail", "not_reported", "no_target")
    rows = []
    for row in c.binding:
        failed = [c.names.locality(cell.locality) for cell in row.cells if cell.status == "fail"]
        first, more = named_first(failed)
        named = "、".join(first) + (f"等{len(failed)}个" if more else "")
        counts = (str(sum(1 for cell in row.cells if cell.status == w)) for w in words)
        rows.append((row.indicator, row.name, *counts, named or "—"))
    return Table(
        "binding",
        f"表{number_} 约束性指标达标情况（地区数）",
        ("代码", "指标", "达标", "未达标", "未报送", "无目标", "未达标地区"),
        tuple(rows),
        (False, False, True, True, True, True, False),
        f"对照当年目标；未报送、无目标的不计达标或未达标。各地区逐项情况{scale.ANNEX}“约束性指标 Binding”表。",
    )


def supervision_tables(c: BulletinContent, first: int) -> list[Table]:
    s = c.supervision
    if s is None or s.milestones == 0:
        return []
    by_locality = list(s.by_locality)
    cut = scale.many(c) and len(by_locality) > 2 * scale.EACH
    if cut:  # of many units, those with the most overdue and at-risk milestones
        by_locality = sorted(by_locality, key=lambda lor: (-lor[1], -lor[2]))[: 2 * scale.EACH]
    counts = Table(
        "supervision_counts",
        f"表{first} 各地区督查督办节点情况" + ("（逾期最多的地区）" if cut else ""),
        ("地区", "节点数", "逾期", "有风险"),
        tuple(
            (c.names.locality(loc), str(s.totals.get(loc, 0)), str(o), str(r)) for loc, o, r in by_locality
        ),
        (False, True, True, True),
        f"按逾期、有风险节点数排列；全部地区{scale.ANNEX}“督查 Supervision”表。" if cut else "",
    )
    rows = tuple(
        (
            c.names.locality(r.locality),
            r.task,
            r.milestone,
            r.owner,
            r.due_on.isoformat(),
            "逾期" if r.flag == "overdue" else "有风险",
            str(r.days_late) if r.days_late else "—",
            r.reasons,
        )
        for r in s.rows
    )
    shown = rows[: 2 * scale.EACH] if scale.many(c) else rows
    detail = Table(
        "supervision",
        f"表{first + 1} 逾期和有风险的节点"
        + (f"（前{len(shown)}个，共{len(rows)}个）" if len(shown) < len(rows) else ""),
        ("地区", "任务", "节点", "责任单位", "截止日期", "状态", "逾期天数", "原因"),
        shown,
        (False, False, False, False, False, False, True, False),
        f"全部节点{scale.ANNEX}“督查 Supervision”表。" if len(shown) < len(rows) else "",
    )
    return [counts, detail] if rows else [counts]


def late_table(c: BulletinContent, number_: int) -> Table | None:
    if not c.late:
        return None
    rows = tuple(
        (
            c.names.locality(r.locality),
            r.period,
            r.due_on.isoformat(),
            f"{r.reported}/{r.required}",
            r.first_submitted_on.isoformat() if r.first_submitted_on else "未报送",
            str(r.days_late),
        )
        for r in c.late
    )
    shown = rows[: 2 * scale.EACH] if scale.many(c) else rows
    cut = len(shown) < len(rows)
    return Table(
        "late",
        f"表{number_} 迟报地区" + (f"（前{len(shown)}个，共{len(rows)}个）" if cut else ""),
        ("地区", "报送期", "截止日期", "已报/应报", "首次报送", "逾期天数"),
        shown,
        (False, False, False, True, False, True),
        f"全部迟报地区{scale.ANNEX}“迟报 Late”表。" if cut else "",
    )


def run_lines(c: BulletinContent) -> list[str]:
    """Where the numbers come from: the run and its data version, identifiers short (the annex,
    identifier_table, has them whole)."""
    r = c.run
    return [
        f"评估运行：#{r.id}（{r.year}年，创建于 {moment_zh(r.created_at)}）",
        f"评估参数：{r.parameters}",
        f"读取数值状态：{statuses_zh(r.statuses)}{'（含未确认数据）' if r.includes_unaccepted else ''}",
        f"数据版本：{short_id(r.data_sha256)}，{r.data_count}个数值，截至 {moment_zh(r.data_as_of)}",
        f"目标版本：{short_id(r.targets_sha256)}；方案版本 {r.plan_version}",
        f"软件版本：{engine_zh(r.engine_version)}",
    ]


def identifier_table(c: BulletinContent) -> Table:
    """The annex: the run's and its data's identifiers in full, for checking the bulletin against the
    run it cites (planwatch evaluations, the API)."""
    r = c.run
    return Table(
        "identifiers",
        "附件 评估运行与数据版本完整标识",
        ("项目", "标识"),
        (
            ("评估运行", f"#{r.id}（{r.year}年）"),
            ("数据版本（SHA-256）", r.data_sha256),
            ("目标版本（SHA-256）", r.targets_sha256),
            ("输入哈希（SHA-256）", r.input_hash),
            ("结果哈希（SHA-256）", r.results_hash),
            ("软件版本", engine_zh(r.engine_version)),
        ),
        (False, False),
    )


# --- the document's outline, shared by the DOCX and PDF builders ------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # heading | para | table | figure | bullets | address (a line without indent: 主送, 抄送)
    text: str = ""
    level: int = 1
    table: Table | None = None
    chart: Chart | None = None
    items: tuple[str, ...] = ()


def warning_lines(c: BulletinContent) -> tuple[str, ...]:
    """The region's lagging indicators grouped by pace in one line each; then each other warning."""
    lines = []
    for pace in ("seriously_lagging", "lagging"):
        group = [w.short for w in c.warnings if w.kind == "indicator" and w.pace == pace]
        if group:
            lines.append(f"全区域进度{PACE_ZH[pace]}的指标（{len(group)}项）：" + "；".join(group) + "。")
    local = [w.text for w in c.warnings if w.kind == "locality"]
    others = [w.text for w in c.warnings if w.kind not in ("indicator", "locality", "binding")]
    lines += _first(c, local, "个地区有严重滞后指标")
    lines += binding_lines(c)
    lines += _first(c, others, "条预警（排名下降等）")
    return tuple(lines)


def _first(c: BulletinContent, lines: list[str], what: str) -> list[str]:
    """Of many units, the first 2 × EACH lines and one saying how many more are in the annex."""
    if not scale.many(c) or len(lines) <= 2 * scale.EACH:
        return lines
    more = len(lines) - 2 * scale.EACH
    return lines[: 2 * scale.EACH] + [f"另有{more}{what}，{scale.ANNEX}“预警 Warnings”表。"]


def outline(c: BulletinContent) -> list[Block]:
    """The body of the bulletin after its title block, in reading order."""
    return filled(skeleton(c), c.words)


def skeleton(c: BulletinContent) -> list[Block]:
    """The body with the office's own sections as slots (a "words" block naming their keys in
    `items`) and its headings not yet numbered: what does not change when the office edits its words
    (a draft's page keeps it, planwatch.bulletins.models.BulletinPreview). `filled` makes it the
    outline."""
    blocks: list[Block] = [
        *([Block("address", c.addressed)] if c.addressed else []),
        Block("para", c.intro),
        *(Block("para", line) for line in c.basis),
    ]
    table_no = 1
    figure_no = 1
    charts = {chart.key: chart for chart in c.charts}

    def figure(key: str) -> None:
        nonlocal figure_no
        if key in charts:
            chart = charts[key]
            blocks.append(Block("figure", f"图{figure_no} {chart.caption}", chart=chart))
            figure_no += 1

    def heading(text: str) -> None:
        blocks.append(Block("heading", text))

    def words(*keys: str) -> None:
        blocks.append(Block("words", items=keys))

    words("assessment", "measures")

    if c.binding:
        heading("约束性指标")
        blocks.append(Block("para", c.binding_summary))
        binding = binding_counts_table if scale.many(c) else binding_table
        blocks.append(Block("table", table=binding(c, table_no)))
        table_no += 1

    heading("总体进展")
    refs = [
        f"全区域主要指标对照规划目标的完成情况见表{table_no}" if c.headlines else "",
        f"各地区指标进度与年度完成情况分布见表{table_no + bool(c.headlines)}"
        if c.locality_pace_counts
        else "",
    ]
    blocks.append(Block("para", c.overview + "，".join(r for r in refs if r) + ("。" if any(refs) else "")))
    if c.headlines:
        blocks.append(Block("table", table=headline_table(c, table_no)))
        table_no += 1
    if c.locality_pace_counts:
        blocks.append(Block("table", table=class_table(c, table_no)))
        table_no += 1

    heading("综合评估排名")
    blocks.append(Block("para", c.ranking_note))
    if c.ranking:
        blocks.append(Block("table", table=ranking_table(c, table_no)))
        table_no += 1
        if c.ranking_sentences:
            blocks.append(Block("bullets", items=c.ranking_sentences))
        figure("ranking")
        figure("map")
        figure("trend")

    heading("各地区指标完成情况")
    indicators = indicator_counts_table if scale.many(c) else indicator_table
    blocks.append(Block("table", table=indicators(c, table_no)))
    table_no += 1
    if c.areas:
        blocks.append(Block("para", f"各市本级目标的完成情况见表{table_no}。"))
        blocks.append(Block("table", table=area_table(c, table_no)))
        table_no += 1

    heading("滞后地区和指标预警")
    if c.warnings:
        blocks.append(Block("para", pace_note(c)))
        blocks.append(Block("bullets", items=warning_lines(c)))
    else:
        blocks.append(Block("para", "本期无滞后指标和地区。"))

    if c.supervision is not None:
        heading("督查督办情况")
        blocks.append(Block("para", c.supervision.summary))
        for t in supervision_tables(c, table_no):
            blocks.append(Block("table", table=t))
            table_no += 1
    heading("数据报送情况")
    blocks.append(Block("para", c.late_summary))
    late = late_table(c, table_no)
    if late is not None:
        blocks.append(Block("table", table=late))
        table_no += 1
    words("problems", "next_steps")
    heading("数据来源")
    blocks.append(Block("bullets", items=(*run_lines(c), *c.notes, "完整标识（SHA-256）见附件。")))
    blocks.append(Block("table", table=identifier_table(c)))
    if c.copied:
        blocks.append(Block("address", c.copied))
    return blocks


NUMERALS = (*"一二三四五六七八九十", "十一", "十二", "十三", "十四", "十五", "十六")


def filled(blocks: Sequence[Block], words: OfficeWords) -> list[Block]:
    """The skeleton's slots filled with the office's sections that are written (each a heading and
    its paragraphs), and every heading numbered 一、二、… in reading order."""
    out: list[Block] = []
    for block in blocks:
        if block.kind != "words":
            out.append(block)
            continue
        for key, title in WORD_SECTIONS:
            if key in block.items and words.text(key):
                out.append(Block("heading", title))
                out.extend(Block("para", p) for p in words.paragraphs(key))
    numerals = iter(NUMERALS)
    return [replace(b, text=f"{next(numerals)}、{b.text}") if b.kind == "heading" else b for b in out]
