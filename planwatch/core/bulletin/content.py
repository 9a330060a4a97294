"""The content of a bulletin (通报), built from plain data: a stored evaluation run's results (the
core's `Evaluation`), the plan's names, and what the Django side gathered about supervision and late
reporting.

`build_content(BulletinInput) -> BulletinContent`. The three builders (docx, pdf, xlsx) draw only
from the content, so the three formats carry the same numbers; the charts are drawn from it too.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial

from planwatch.core import numbers
from planwatch.core.errors import PlanWatchError
from planwatch.core.evaluation import (
    BindingConsequence,
    BindingStatus,
    CompositeResult,
    Evaluation,
    ExclusionReason,
    IndicatorResult,
    explain,
)
from planwatch.core.evaluation.labels import HEADLINE_WORDS, PACE_ZH, headline
from planwatch.core.evaluation.words import BINDING_STATUS_WORDS, BINDING_WORDS, ranking_sentences

REGION = "region"

PACE_ORDER = ("ahead", "on_pace", "lagging", "seriously_lagging")
# The pace is judged on the gap 目标进程 − 时序进度 (docs/methodology.md, "Verdicts"): the engine's
# defaults (PaceThresholds); a bulletin says those of its run (parameters.indicators.pace).
PACE_THRESHOLDS = (0.05, 0.0, -0.2)
METHOD_ZH = {"weighted_sum": "加权求和法", "topsis": "TOPSIS法（逼近理想解排序）"}
# Each result falls in one class, its headline (planwatch.core.evaluation.labels.headline): its pace
# before the final year, its completion verdict from then on, else none (nothing can be judged).
# Each result is counted twice, once in each group: by its progress verdict (its pace before the final
# year; "none" where there is none) and by its annual verdict (where it has one).
PACE_CLASSES = ("ahead", "on_pace", "lagging", "seriously_lagging", "none")
ANNUAL_CLASSES = ("met", "nearly_met", "not_met", "no_target")
CLASS_ORDER = PACE_CLASSES + ANNUAL_CLASSES
CLASS_ZH = {
    **{k: HEADLINE_WORDS[k][0] for k in CLASS_ORDER if k != "none"},
    "none": "无法判断进度",
}
# The statuses a run read, as a reader says them.
STATUS_ZH = {
    "accepted": "已确认",
    "submitted": "已提交",
    "approved": "已审核",
    "draft": "草稿",
    "returned": "已退回",
}
SAMPLE_NOTICE = "示例数据：本通报依据示例数据生成，所有地区数字均为虚构，不是官方数字。"
SAMPLE_MILESTONE = "【示例数据】"  # before the title of a sample action plan's milestone
# How many hex digits of a run's hashes the body prints (数据版本 afb0dc67040d); the annex has them whole.
SHORT_ID = 12
UNACCEPTED_NOTICE = (
    "含未确认数据：应用户要求，本通报读取了已提交、已审核但尚未确认的数值，数字可能变化，不作正式依据。"
)


class BulletinError(PlanWatchError):
    """A bulletin that cannot be built as asked (input to correct: 400); `zh` and `en` say why."""

    status = 400


# --- input ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Chinese names by code, and each indicator's unit label."""

    localities: Mapping[str, str]
    indicators: Mapping[str, str]
    dimensions: Mapping[str, str]
    units: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)  # indicator code → kind

    def why(self, r: IndicatorResult) -> str:
        """The one-line reason of a result's verdicts (planwatch.core.evaluation.explain)."""
        return explain(r, self.kinds.get(r.indicator), self.units.get(r.indicator, ""), place=self.place).zh

    def place(self, code: str) -> tuple[str, str]:
        """A locality's name; the bulletin is in Chinese, so both halves are its Chinese name."""
        return self.locality(code), self.locality(code)

    def locality(self, code: str) -> str:
        return "全区域" if code == REGION else self.localities.get(code, code)

    def indicator(self, code: str) -> str:
        return self.indicators.get(code, code)

    def dimension(self, code: str) -> str:
        return self.dimensions.get(code, code)


@dataclass(frozen=True)
class RunInfo:
    """The evaluation run a bulletin cites."""

    id: int
    year: int
    created_at: str
    parameters: str  # in words: 加权求和 · 目标值标准化 · 指标等权、维度方案权重 · 敏感性 ±20% × 1000次
    statuses: tuple[str, ...]
    includes_unaccepted: bool
    sample: bool
    data_sha256: str
    data_count: int
    data_as_of: str | None
    targets_sha256: str
    plan_version: int | None
    input_hash: str
    results_hash: str
    engine_version: str


@dataclass(frozen=True)
class TrendPoint:
    year: int
    locality: str
    score: float
    rank: int
    run_id: int


@dataclass(frozen=True)
class MilestoneRow:
    locality: str  # code
    task: str
    milestone: str
    owner: str
    due_on: dt.date
    flag: str  # overdue | at_risk
    reasons: str  # Chinese, joined
    days_late: int
    percent: int
    sample: bool = False  # of a sample action plan (示例数据): labelled in the section


@dataclass(frozen=True)
class SupervisionInput:
    """Overdue and at-risk milestones as of a day; `milestones` is the count of milestones the section
    covers (0: the localities have entered none for the period yet), `scope` which ones in words
    (2018 — the year's action plans, 2018年度行动计划; 2018年第三季度到期 — those due in the quarter), and
    `by_locality` the count per pilot unit (code)."""

    milestones: int
    rows: tuple[MilestoneRow, ...]
    scope: str = ""
    by_locality: Mapping[str, int] = field(default_factory=dict)
    quarter: bool = False  # the milestones due in a quarter (else a year's action plans)


@dataclass(frozen=True)
class LateRow:
    locality: str  # code
    period: str
    due_on: dt.date
    required: int
    reported: int
    first_submitted_on: dt.date | None
    days_late: int  # days after the due date: of the first submission, or until the as-of day


@dataclass(frozen=True)
class MapShape:
    """A locality on the map: its polygons (longitude, latitude rings), or a point for a district."""

    locality: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...] = ()
    point: tuple[float, float] | None = None
    centre: tuple[float, float] | None = None  # where to write its name


# The office's own words: the four sections every 通报 carries, by key, with their headings.
WORD_SECTIONS = (
    ("assessment", "总体评价"),
    ("measures", "主要做法和成效"),
    ("problems", "存在问题"),
    ("next_steps", "下一步工作"),
)
# A prefilled passage the province is to write: issuing refuses words that still hold one.
TO_WRITE = "【请"


@dataclass(frozen=True)
class OfficeWords:
    """The province's own assessment, prefilled from the evaluation (planwatch.core.bulletin.words)
    and edited before issuing; blank sections are left out of the bulletin."""

    assessment: str = ""
    measures: str = ""
    problems: str = ""
    next_steps: str = ""

    def text(self, key: str) -> str:
        return str(getattr(self, key)).strip()

    def paragraphs(self, key: str) -> tuple[str, ...]:
        """A section's paragraphs: its text split at line breaks, blank lines left out."""
        return tuple(line.strip() for line in self.text(key).splitlines() if line.strip())

    @property
    def blank(self) -> bool:
        return not any(self.text(key) for key, _ in WORD_SECTIONS)


@dataclass(frozen=True)
class IssueInfo:
    """What issuing (签发) gave a bulletin: 文号, 发文机关, 签发人, the day, 主送 and 抄送."""

    document_number: str
    office: str
    signed_by: str
    issued_on: dt.date
    to: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulletinInput:
    plan_code: str
    plan_title: str
    region: str
    issuer: str
    period_code: str  # 2018 or 2018Q3
    period_label: str  # 2018年度 / 2018年第三季度
    serial: int | None  # 第N期 (per year and series); None: a draft, not issued
    as_of: dt.date  # the day supervision and late reporting are judged on
    run: RunInfo
    results: Evaluation  # the run's results
    names: Names
    pilots: tuple[str, ...]  # the pilot units' codes, in the plan's order
    end_year: int
    trend: tuple[TrendPoint, ...] = ()
    supervision: SupervisionInput | None = None  # None: no supervision section at all
    late: tuple[LateRow, ...] = ()
    late_checked: bool = True  # False: the period has no due date, lateness cannot be judged
    map_shapes: tuple[MapShape, ...] = ()
    notes: tuple[str, ...] = ()  # extra lines for the data sources (e.g. which runs the trend reads)
    basis: tuple[str, ...] = ()  # what the numbers rest on, after the opening paragraph (a quarter's)
    series: str = ""  # the series in Chinese when not the yearly one: 专报, 季度通报
    issue: IssueInfo | None = None  # None: a draft
    words: OfficeWords = OfficeWords()
    # From the plan, never the code: what its region totals say of pilot units inside another
    # (顺德区计入佛山市，不重复计算), and the requirement of the text the bulletin answers (the plan
    # file's `plan.bulletin_basis`, e.g. 定期评估、及时通报); empty when the plan has none.
    region_note: str = ""
    bulletin_basis: str = ""


# --- content ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    indicator: str
    name: str
    unit: str
    value: float | None
    target: float | None
    target_year: int | None
    completion: float | None
    pace: str | None
    outcome: str
    year: int | None = None  # the year evaluated
    progress: float | None = None  # 目标进程: the share of the way from the base to the target
    elapsed: float | None = None  # 时序进度: the share of the period from the base year that has passed
    pace_gap: float | None = None  # progress − elapsed: what the pace (超前…严重滞后) is judged on
    headline: str = "not_assessed"  # its one status (planwatch.core.evaluation.labels.headline)
    why: str = ""  # the one-line reason with its numbers


@dataclass(frozen=True)
class Cell:
    """One indicator at one scope: completion and status."""

    indicator: str
    scope: str
    value: float | None
    target: float | None
    completion: float | None
    pace: str | None
    outcome: str
    year: int | None = None  # the year evaluated
    target_year: int | None = None
    progress: float | None = None  # 目标进程
    elapsed: float | None = None  # 时序进度
    pace_gap: float | None = None  # 目标进程 − 时序进度: what the pace is judged on
    annual: str | None = None  # 完成 / 基本完成 / 未完成 / 无年度目标 (AnnualVerdict)
    headline: str = "missing_data"  # its one status (planwatch.core.evaluation.labels.headline)
    # What says the reason (Names.why of the result), asked only when `why` is read: the annex reads
    # every cell's, the page and the document only the region's and the areas'.
    reason: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def why(self) -> str:
        """The one-line reason with its numbers ('' where there is no result)."""
        return self.reason() if self.reason is not None else ""


@dataclass(frozen=True)
class IndicatorRow:
    indicator: str
    name: str
    unit: str
    cells: tuple[Cell, ...]  # pilots in order, then the region


@dataclass(frozen=True)
class RankRow:
    rank: int
    locality: str
    name: str
    score: float
    dimensions: tuple[float | None, ...]
    previous_rank: int | None
    change: int | None
    tied: bool
    binding_failed: tuple[str, ...] = ()  # binding indicators failed (consequences mark and cap)


@dataclass(frozen=True)
class BindingCell:
    """A binding (约束性) indicator at a pilot unit: pass | fail | not_reported | no_target."""

    locality: str
    status: str
    value: float | None
    target: float | None

    @property
    def label(self) -> str:
        """达标 / 未达标 / 未报送 / 无目标."""
        return binding_label(self.status)


@dataclass(frozen=True)
class BindingRow:
    indicator: str
    name: str
    unit: str
    cells: tuple[BindingCell, ...]  # the pilots in order


@dataclass(frozen=True)
class Warning:
    kind: str  # locality | indicator | binding | ranking
    subject: str  # a locality or indicator code
    text: str
    pace: str = ""  # for an indicator: lagging | seriously_lagging
    short: str = ""  # for an indicator: its code, name and the figures its pace is judged on


@dataclass(frozen=True)
class SupervisionSection:
    milestones: int
    rows: tuple[MilestoneRow, ...]
    by_locality: tuple[tuple[str, int, int], ...]  # locality, overdue, at risk
    summary: str
    totals: Mapping[str, int] = field(default_factory=dict)  # milestones per locality (code)


@dataclass(frozen=True)
class Chart:
    key: str  # ranking | map | trend
    caption: str
    png: bytes = b""


@dataclass(frozen=True)
class BulletinContent:
    title: str
    subtitle: str
    heading_lines: tuple[str, ...]  # issuer, date, run cited
    notices: tuple[str, ...]  # sample data, unaccepted values: on the first page, in a box
    header_label: str  # each page's header
    intro: str
    run: RunInfo
    period_code: str
    period_label: str
    as_of: dt.date
    year: int
    counts: tuple[tuple[str, int], ...]  # region indicators by class (CLASS_ORDER)
    locality_pace_counts: tuple[tuple[str, tuple[int, ...]], ...]  # per pilot unit, by class
    overview: str
    headlines: tuple[Headline, ...]
    pilots: tuple[str, ...]
    names: Names
    indicators: tuple[IndicatorRow, ...]
    dimensions: tuple[str, ...]  # codes
    ranking: tuple[RankRow, ...]
    ranking_note: str
    warnings: tuple[Warning, ...]
    supervision: SupervisionSection | None
    late: tuple[LateRow, ...]
    late_summary: str
    trend: tuple[TrendPoint, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()
    basis: tuple[str, ...] = ()
    pace_thresholds: tuple[float, float, float] = PACE_THRESHOLDS  # ahead, on_pace, lagging (gap)
    binding: tuple[BindingRow, ...] = ()  # the binding indicators, pass or fail: shown first
    binding_summary: str = ""
    ranking_sentences: tuple[str, ...] = ()  # leader by method, a district in a city, dominance
    nearly_met: float = 0.9  # 基本完成: the completion at least this (CompletionThresholds)
    words: OfficeWords = OfficeWords()  # the office's own sections
    addressed: str = ""  # 主送：… (an issued bulletin)
    copied: str = ""  # 抄送：…
    draft: bool = False  # not issued: no number
    final: bool = False  # the plan's final year (or after): verdicts only, 完成 / 基本完成 / 未完成
    region_note: str = ""  # the plan's: 顺德区计入佛山市，不重复计算 (BulletinInput.region_note)
    # The targets the plan gives an area (a city above its reporting counties), judged against its
    # pilot units' total: by area, then indicator (Evaluation.areas of the year).
    areas: tuple[Cell, ...] = ()

    def with_charts(self, charts: Sequence[Chart]) -> BulletinContent:
        return replace(self, charts=tuple(charts))


# --- formatting -------------------------------------------------------------------------------------


def number(value: float | None) -> str:
    """800, 12.5, 1,073.25 — at most two decimals, no trailing zeros; — for none."""
    return numbers.figure(value)


def percent(value: float | None) -> str:
    return numbers.percent(value)


def points(gap: float | None) -> str:
    """A pace gap in percentage points, signed: +6.0, −23.3, 0.0; — for none."""
    if gap is None:
        return "—"
    tenths = round(gap * 1000)
    if tenths == 0:
        return "0.0"
    return f"{'+' if tenths > 0 else '−'}{abs(tenths) / 10:.1f}"


def pace_rules_zh(thresholds: tuple[float, float, float]) -> str:
    """The pace classes in words, from the gap thresholds (ahead, on_pace, lagging)."""
    ahead, on_pace, lagging = (round(t * 100, 1) for t in thresholds)

    def pts(x: float) -> str:
        return f"{abs(x):g}"

    below = "低于时序进度为滞后" if on_pace == 0 else f"落后超过{pts(on_pace)}个百分点为滞后"
    return (
        f"目标进程超出时序进度{pts(ahead)}个百分点及以上为超前，{below}，"
        f"落后超过{pts(lagging)}个百分点为严重滞后，其间为符合序时进度"
    )


def score(value: float | None) -> str:
    """A composite score as every display shows it (numbers.SCORE_DECIMALS decimals)."""
    return numbers.score(value)


def binding_label(status: str) -> str:
    """达标 / 未达标 / 未报送 / 无目标 for a binding check's status."""
    return next((zh for code, (zh, _) in BINDING_STATUS_WORDS.items() if code.value == status), status)


def change(value: int | None) -> str:
    if value is None:
        return "—"
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "持平"


def status_zh(cell: Cell | Headline) -> str:
    """What a reader needs of one result, in one word: its headline status."""
    return HEADLINE_WORDS.get(cell.headline, ("无法判断", ""))[0]


def short_id(digest: str) -> str:
    """A hash as the body prints it: its first SHORT_ID hex digits (the annex has it whole)."""
    return digest[:SHORT_ID]


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def moment_zh(text: str | None) -> str:
    """An ISO time as the run records it, in local (Beijing) time, as a reader writes it:
    2026-11-24T11:52:20.176+08:00 → 2026-11-24 11:52; — for none; the text itself if unreadable."""
    if not text:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.strftime("%Y-%m-%d %H:%M")


def statuses_zh(statuses: Sequence[str]) -> str:
    return "、".join(STATUS_ZH.get(s, s) for s in statuses)


def engine_zh(engine: str) -> str:
    """`planwatch 0.1.0; evaluation 1; numpy 2.4.6` → `PlanWatch 0.1.0，评估方法第1版，NumPy 2.4.6`."""
    parts = []
    for part in (p.strip() for p in engine.split(";")):
        name, _, version = part.partition(" ")
        if name == "planwatch":
            parts.append(f"PlanWatch {version}")
        elif name == "evaluation":
            parts.append(f"评估方法第{version}版")
        elif name == "numpy":
            parts.append(f"NumPy {version}")
        elif part:
            parts.append(part)
    return "，".join(parts)


# --- building ---------------------------------------------------------------------------------------


def _cell(r: IndicatorResult, names: Names) -> Cell:
    return Cell(
        indicator=r.indicator,
        scope=r.scope,
        value=r.value,
        target=r.target,
        completion=r.completion,
        pace=r.pace.value if r.pace is not None else None,
        outcome=r.outcome.value,
        year=r.year,
        target_year=r.target_year,
        progress=r.progress,
        elapsed=r.elapsed,
        pace_gap=r.pace_gap,
        annual=r.annual.value if r.annual is not None else None,
        headline=headline(r),
        reason=partial(names.why, r),
    )


@dataclass(frozen=True)
class _Cells:
    """The run's results of the year as cells, by (indicator, scope), and the indicators in order."""

    by_key: Mapping[tuple[str, str], Cell]
    order: tuple[str, ...]

    @classmethod
    def of(cls, results: Evaluation, year: int, names: Names) -> _Cells:
        by_key: dict[tuple[str, str], Cell] = {}
        order: dict[str, None] = {}
        for r in results.indicators:
            if r.year == year:
                order.setdefault(r.indicator)
                by_key[(r.indicator, r.scope)] = _cell(r, names)
        return cls(by_key, tuple(order))

    def at(self, scope: str) -> list[Cell]:
        """The cells of one scope, indicators in order."""
        return [c for code in self.order if (c := self.by_key.get((code, scope))) is not None]


def build_content(inp: BulletinInput) -> BulletinContent:
    """The bulletin's content: every number comes from the run's results or the inputs given."""
    year = inp.run.year
    cells = _Cells.of(inp.results, year, inp.names)
    rows = _indicator_rows(inp, cells)
    # Overall progress: each indicator in one class — met, else its pace, else none (no pace can be
    # judged: no base, no target at that scope, missing data); not applicable ones are left out.
    region_cells = cells.at(REGION)
    counts = _classes(region_cells)
    locality_counts = tuple((loc, _class_counts(cells.at(loc))) for loc in inp.pilots)
    dims, ranking = _ranking(inp.results.composite, inp.names)
    late, late_summary = _late(inp)
    binding = _binding_rows(inp)
    final = year >= inp.end_year  # the plan's final year: verdicts only, no pace
    return BulletinContent(
        title=f"{inp.plan_title.removesuffix('实施方案')}工作进展情况通报",
        subtitle=f"{inp.period_label}{inp.series}（{_number_zh(inp)}）",
        heading_lines=_heading_lines(inp),
        notices=_notices(inp.run),
        header_label=_header_label(inp),
        intro=_intro(inp),
        run=inp.run,
        period_code=inp.period_code,
        period_label=inp.period_label,
        as_of=inp.as_of,
        year=year,
        counts=tuple((k, counts[k]) for k in CLASS_ORDER),
        locality_pace_counts=locality_counts,
        overview=_overview(inp, counts, final),
        final=final,
        headlines=_headlines(inp, region_cells),
        pilots=inp.pilots,
        names=inp.names,
        indicators=rows,
        dimensions=dims,
        ranking=ranking,
        ranking_note=_ranking_note(inp.results.composite, ranking, inp.names),
        warnings=_warnings(inp, rows, ranking, cells.by_key, cells.order),
        supervision=_supervision(inp.supervision, inp.pilots, inp.names, inp.as_of),
        late=late,
        late_summary=late_summary,
        trend=tuple(sorted(inp.trend, key=lambda p: (p.year, p.rank))),
        notes=inp.notes,
        basis=inp.basis,
        pace_thresholds=_thresholds(inp.results),
        nearly_met=inp.results.parameters.indicators.completion.nearly_met,
        binding=binding,
        binding_summary=_binding_summary(inp, binding),
        ranking_sentences=_sentences(inp),
        words=inp.words,
        region_note=inp.region_note,
        areas=tuple(_cell(r, inp.names) for r in inp.results.areas if r.year == year),
        addressed=f"主送：{'、'.join(inp.issue.to)}" if inp.issue is not None and inp.issue.to else "",
        copied=f"抄送：{'、'.join(inp.issue.copies)}" if inp.issue is not None and inp.issue.copies else "",
        draft=inp.serial is None,
    )


def _number_zh(inp: BulletinInput) -> str:
    """第1期, or 草稿，未签发 for a draft."""
    return "草稿，未签发" if inp.serial is None else f"第{inp.serial}期"


def _binding_rows(inp: BulletinInput) -> tuple[BindingRow, ...]:
    """Each binding indicator with a cell per pilot unit, from the run's checks."""
    by = {(c.indicator, c.locality): c for c in inp.results.binding}
    codes = list(dict.fromkeys(c.indicator for c in inp.results.binding))
    return tuple(
        BindingRow(
            indicator=code,
            name=inp.names.indicator(code),
            unit=inp.names.units.get(code, ""),
            cells=tuple(
                BindingCell(loc, c.status.value, c.value, c.target)
                if (c := by.get((code, loc))) is not None
                else BindingCell(loc, "not_reported", None, None)
                for loc in inp.pilots
            ),
        )
        for code in codes
    )


def _binding_summary(inp: BulletinInput, rows: Sequence[BindingRow]) -> str:
    """约束性指标 I29 单位GDP能耗累计下降率：达标3个地区，未达标4个（珠海市、…）。 — one sentence per indicator."""
    if not rows:
        return ""
    parts = []
    for row in rows:
        by_status: dict[str, list[str]] = {}
        for cell in row.cells:
            by_status.setdefault(cell.status, []).append(inp.names.locality(cell.locality))
        counted = [
            f"{binding_label(status)}{len(by_status[status])}个"
            + (f"（{'、'.join(by_status[status])}）" if status != "pass" else "")
            for status in ("pass", "fail", "not_reported", "no_target")
            if by_status.get(status)
        ]
        parts.append(f"{row.indicator} {row.name}：{'，'.join(counted)}")
    return (
        "约束性指标单独考核，对照当年目标判断达标与否，不计入综合指数维度得分。"
        + "；".join(parts)
        + "。未报送数值或未设目标的，既不算达标也不算未达标。"
    )


def _sentences(inp: BulletinInput) -> tuple[str, ...]:
    """The ranking's notes in Chinese (planwatch.core.evaluation.words)."""
    names = inp.names

    def pair(name: str) -> tuple[str, str]:
        return name, name

    return tuple(
        s.zh
        for s in ranking_sentences(
            inp.results.composite,
            inp.results.sensitivity,
            lambda code: pair(names.locality(code)),
            lambda code: pair(names.indicator(code)),
            lambda code: pair(names.dimension(code)),
        )
    )


def _indicator_rows(inp: BulletinInput, cells: _Cells) -> tuple[IndicatorRow, ...]:
    """Each indicator with a cell per pilot unit, then the region (missing data where there is none)."""
    scopes = [*inp.pilots, REGION]
    return tuple(
        IndicatorRow(
            indicator=code,
            name=inp.names.indicator(code),
            unit=inp.names.units.get(code, ""),
            cells=tuple(
                cells.by_key.get((code, s)) or Cell(code, s, None, None, None, None, "missing_data")
                for s in scopes
            ),
        )
        for code in cells.order
    )


def _headlines(inp: BulletinInput, region_cells: Sequence[Cell]) -> tuple[Headline, ...]:
    """The region's indicators with a target for the plan's last year."""
    names = inp.names
    return tuple(
        Headline(
            indicator=c.indicator,
            name=names.indicator(c.indicator),
            unit=names.units.get(c.indicator, ""),
            value=c.value,
            target=c.target,
            target_year=_target_year(inp.results, c.indicator),
            completion=c.completion,
            pace=c.pace,
            outcome=c.outcome,
            year=inp.run.year,
            progress=c.progress,
            elapsed=c.elapsed,
            pace_gap=c.pace_gap,
            headline=c.headline,
            why=c.why,
        )
        for c in region_cells
        if c.target is not None
        and c.outcome != "not_applicable"
        and _target_year(inp.results, c.indicator) == inp.end_year
    )


def _overview(inp: BulletinInput, counts: Mapping[str, int], final: bool) -> str:
    evaluated = sum(counts[k] for k in PACE_CLASSES)
    annual = "、".join(f"{CLASS_ZH[k]}{counts[k]}项" for k in ANNUAL_CLASSES if counts[k])
    if final:
        # The final year: no pace is judged any more, each indicator is 完成 / 基本完成 / 未完成.
        return (
            f"{inp.period_label}为规划目标年，全区域{evaluated}项可评估指标对照规划目标"
            + (f"：{annual}" if annual else "均无法评价")
            + "。"
        )
    return (
        f"{inp.period_label}，全区域{evaluated}项可评估指标中，"
        f"进度超前{counts['ahead']}项、符合序时进度{counts['on_pace']}项、滞后{counts['lagging']}项、"
        f"严重滞后{counts['seriously_lagging']}项"
        + (f"，无法判断进度{counts['none']}项" if counts["none"] else "")
        + (f"；对照年度目标，{annual}" if annual else "")
        + "。"
    )


def _ranking(composite: CompositeResult | None, names: Names) -> tuple[tuple[str, ...], tuple[RankRow, ...]]:
    """The dimensions (codes) and the composite ranking, best first."""
    if composite is None:
        return (), ()
    dims = tuple(d.dimension for d in composite.dimension_weights)
    ranking = []
    for s in composite.scores:
        by_dim = {d.dimension: d.score for d in s.dimensions}
        ranking.append(
            RankRow(
                rank=s.rank,
                locality=s.locality,
                name=names.locality(s.locality),
                score=s.score,
                dimensions=tuple(by_dim.get(d) for d in dims),
                previous_rank=s.previous_rank,
                change=s.rank_change,
                tied=s.tied,
                binding_failed=s.binding_failed,
            )
        )
    return dims, tuple(ranking)


def _ranking_note(composite: CompositeResult | None, ranking: Sequence[RankRow], names: Names) -> str:
    if composite is None or not ranking:
        return "方案未设评估维度，本期无综合排名。"
    first, last = ranking[0], ranking[-1]
    method = METHOD_ZH.get(composite.method.value, composite.method.value)
    note = (
        f"按{method}合成各维度得分，{first.name}以{score(first.score)}分居首，"
        f"{last.name}以{score(last.score)}分列末位。“较上次”为与上一年评估排名相比的变化。"
        if len(ranking) > 1
        else f"按{method}合成各维度得分，仅{first.name}参与排名（{score(first.score)}分），暂不比较各地位次。"
    )
    unranked = [
        names.locality(e.locality) for e in composite.excluded if e.reason != ExclusionReason.BINDING_FAILED
    ]
    failed = [
        names.locality(e.locality) for e in composite.excluded if e.reason == ExclusionReason.BINDING_FAILED
    ]
    if any(r.tied for r in ranking):
        note += f"得分按显示的{numbers.SCORE_DECIMALS}位小数相同者名次并列（标*）。"
    if any(r.binding_failed for r in ranking):
        rule = "，并排在没有约束性指标未达标的地区之后" if composite.binding == BindingConsequence.CAP else ""
        note += f"约束性指标未达标的地区以△标注{rule}。"
    if failed:
        note += f"{'、'.join(failed)}约束性指标未达标，按本次评估参数（{BINDING_WORDS[composite.binding][0]}）未参与排名。"
    if unranked:
        note += f"{'、'.join(unranked)}本期缺少数值，未参与排名。"
    return note


def _late(inp: BulletinInput) -> tuple[tuple[LateRow, ...], str]:
    """The late reporters, latest first (then in the plan's order), and the sentence on them."""
    position = {code: k for k, code in enumerate(inp.pilots)}
    late = tuple(sorted(inp.late, key=lambda r: (-r.days_late, position.get(r.locality, len(position)))))
    if not inp.late_checked:
        return late, "本期未设报送截止日期，无法判定迟报。"
    if late:
        names = "、".join(inp.names.locality(r.locality) for r in late)
        return late, f"截至{_cn_date(inp.as_of)}，{len(late)}个地区迟报或未按期报齐：{names}。"
    return late, f"截至{_cn_date(inp.as_of)}，各试点地区均按期报送。"


def _notices(run: RunInfo) -> tuple[str, ...]:
    """What the first page says in a box: sample data, unaccepted values."""
    notices = []
    if run.sample:
        notices.append(SAMPLE_NOTICE)
    if run.includes_unaccepted:
        notices.append(UNACCEPTED_NOTICE)
    return tuple(notices)


def _header_label(inp: BulletinInput) -> str:
    label = "示例数据 · " if inp.run.sample else ""
    label += "含未确认数据 · " if inp.run.includes_unaccepted else ""
    return f"{label}{inp.region}工作进展情况通报 · {inp.period_label}{inp.series} · {_number_zh(inp)}"


def _intro(inp: BulletinInput) -> str:
    """The opening sentence: the requirement of the plan it answers, where the plan file names one."""
    basis = f"“{inp.bulletin_basis}”的要求" if inp.bulletin_basis else ""
    return (
        f"根据《{inp.plan_title}》{basis}，现将{inp.period_label}"
        f"{inp.region}各试点地区实施进展和评估结果通报如下。"
    )


def _heading_lines(inp: BulletinInput) -> tuple[str, ...]:
    """The issuer, the date and the run cited; an issued bulletin's 文号 and 签发人 too."""
    run = inp.run
    issue = inp.issue
    return (
        *(
            tuple(
                line
                for line in (issue.office or inp.issuer, issue.document_number, f"签发人：{issue.signed_by}")
                if line.removeprefix("签发人：")
            )
            if issue is not None
            else (inp.issuer,)
        ),
        f"{_cn_date(issue.issued_on if issue is not None else inp.as_of)}",
        f"依据评估运行 #{run.id}（{run.year}年，数据版本 {short_id(run.data_sha256)}，"
        f"{run.data_count}个数值，截至 {moment_zh(run.data_as_of)}）",
    )


def _thresholds(results: Evaluation) -> tuple[float, float, float]:
    """The pace thresholds the run used (its parameters)."""
    pace = results.parameters.indicators.pace
    return (pace.ahead, pace.on_pace, pace.lagging)


def _class_counts(cells: Sequence[Cell]) -> tuple[int, ...]:
    """How many of the cells are in each class, in CLASS_ORDER."""
    counts = _classes(cells)
    return tuple(counts[k] for k in CLASS_ORDER)


def _classes(cells: Sequence[Cell]) -> dict[str, int]:
    out = dict.fromkeys(CLASS_ORDER, 0)
    for c in cells:
        if c.outcome == "not_applicable":
            continue
        out[c.pace if c.pace in PACE_CLASSES else "none"] += 1
        if c.annual in ANNUAL_CLASSES:
            out[c.annual] += 1
    return out


def _target_year(results: Evaluation, indicator: str) -> int | None:
    for r in results.indicators:
        if r.indicator == indicator and r.scope == REGION:
            return r.target_year
    return None


def _warnings(
    inp: BulletinInput,
    rows: Sequence[IndicatorRow],
    ranking: Sequence[RankRow],
    by_key: Mapping[tuple[str, str], Cell],
    order: Sequence[str],
) -> tuple[Warning, ...]:
    names = inp.names
    out: list[Warning] = []
    # Indicators lagging for the region as a whole.
    for code in order:
        c = by_key.get((code, REGION))
        if c is not None and c.pace in ("lagging", "seriously_lagging"):
            out.append(
                Warning(
                    "indicator",
                    code,
                    f"{code} {names.indicator(code)}：全区域进度{PACE_ZH[c.pace]}（{c.why}）。",
                    pace=c.pace,
                    short=f"{code} {names.indicator(code)}（{c.why}）",
                )
            )
    # Localities with seriously lagging indicators.
    for loc in inp.pilots:
        serious = [
            p
            for code in order
            if (p := by_key.get((code, loc))) is not None and p.pace == "seriously_lagging"
        ]
        if serious:
            listed = "、".join(
                f"{p.indicator} {names.indicator(p.indicator)}"
                + (
                    f"（落后时序进度{points(p.pace_gap).lstrip('−')}个百分点）"
                    if p.pace_gap is not None
                    else ""
                )
                for p in serious
            )
            out.append(
                Warning(
                    "locality",
                    loc,
                    f"{names.locality(loc)}有{len(serious)}项指标严重滞后：{listed}。",
                )
            )
    # Binding indicators failed against the year's target: the run's pass / fail checks.
    failed = {(c.indicator, c.locality) for c in inp.results.binding if c.status == BindingStatus.FAIL}
    for loc in inp.pilots:
        for code in order:
            if (code, loc) in failed:
                out.append(
                    Warning(
                        "binding",
                        f"{code}:{loc}",
                        f"{names.locality(loc)} {code} {names.indicator(code)}（约束性指标）未达标。",
                    )
                )
    # Falls in the ranking of two places or more.
    for r in ranking:
        if r.change is not None and r.change <= -2:
            out.append(
                Warning(
                    "ranking",
                    r.locality,
                    f"{r.name}综合排名由第{r.previous_rank}位降至第{r.rank}位。",
                )
            )
    return tuple(out)


def _supervision(
    sup: SupervisionInput | None, pilots: Sequence[str], names: Names, as_of: dt.date
) -> SupervisionSection | None:
    if sup is None:
        return None
    quarter = sup.quarter
    if sup.milestones == 0:
        none = (
            f"各地年度行动计划没有{sup.scope}的节点"
            if quarter
            else f"各地尚未录入{sup.scope}年度行动计划节点"
        )
        return SupervisionSection(0, (), (), f"{none}，本期无督查督办事项。")
    # A sample action plan's milestones say so wherever the section shows them (PDF, Word, XLSX).
    rows = tuple(
        replace(r, milestone=f"{SAMPLE_MILESTONE}{r.milestone}") if r.sample else r for r in sup.rows
    )
    by_loc = []
    for loc in pilots:
        overdue = sum(1 for r in sup.rows if r.locality == loc and r.flag == "overdue")
        risk = sum(1 for r in sup.rows if r.locality == loc and r.flag == "at_risk")
        by_loc.append((loc, overdue, risk))
    overdue_total = sum(1 for r in sup.rows if r.flag == "overdue")
    risk_total = sum(1 for r in sup.rows if r.flag == "at_risk")
    which = (
        f"各地年度行动计划中{sup.scope}的节点共{sup.milestones}个"
        if quarter
        else f"各地{sup.scope}年度行动计划共{sup.milestones}个节点"
    )
    summary = f"截至{_cn_date(as_of)}，{which}，其中逾期{overdue_total}个、有风险{risk_total}个。"
    if any(r.sample for r in rows):
        summary += "标注“示例数据”的节点为演示用示例，并非真实进展。"
    return SupervisionSection(sup.milestones, rows, tuple(by_loc), summary, dict(sup.by_locality))


def binding_lines(c: BulletinContent) -> list[str]:
    """One line per binding indicator that failed somewhere, naming where (the warnings' order)."""
    binding: dict[str, list[str]] = {}
    for w in c.warnings:
        if w.kind == "binding":
            code, _, scope = w.subject.partition(":")
            binding.setdefault(code, []).append(c.names.locality(scope))
    return [
        f"约束性指标 {code} {c.names.indicator(code)} 未达标：{'、'.join(where)}。"
        for code, where in binding.items()
    ]
