"""The office's own words, prefilled from a bulletin's content: 总体评价, 主要做法和成效, 存在问题 and
下一步工作, each with the evaluation's numbers (the lagging indicators and localities, the overdue
milestones), in the verdict words of planwatch.core.evaluation.labels and the one-line reasons of
planwatch.core.evaluation.explain (carried by the content's cells and warnings). The province edits
them before issuing; what it still has to write is marked 【请…】 (TO_WRITE), which issuing refuses.

Django-free: `prefill(content) -> OfficeWords`.
"""

from __future__ import annotations

from planwatch.core.bulletin import scale
from planwatch.core.bulletin.content import (
    CLASS_ZH,
    PACE_CLASSES,
    REGION,
    TO_WRITE,
    BulletinContent,
    OfficeWords,
    binding_lines,
    points,
)
from planwatch.core.evaluation.labels import ANNUAL_ZH, PACE_ZH

__all__ = ["prefill"]

_MORE = 8  # at most this many names listed in a sentence, then “等N项”


def _listed(items: list[str]) -> str:
    shown = "、".join(items[:_MORE])
    return shown + (f"等{len(items)}项" if len(items) > _MORE else "")


def _places(items: list[str]) -> str:
    """Places in a sentence: all of a few; of many (a national plan) the first `_MORE`, “等N个地区”."""
    return "、".join(items[:_MORE]) + (f"等{len(items)}个地区" if len(items) > _MORE else "")


def _region_cells(c: BulletinContent, annual: str = "", pace: str = "") -> list[str]:
    """The region's indicators with the annual verdict or pace given: “I01 名称”."""
    out = []
    for row in c.indicators:
        cell = next((x for x in row.cells if x.scope == REGION), None)
        if cell is None:
            continue
        if (annual and cell.annual == annual) or (pace and cell.pace == pace):
            out.append(f"{row.indicator} {row.name}")
    return out


def _assessment(c: BulletinContent) -> str:
    counts = dict(c.counts)
    paced = sum(counts.get(k, 0) for k in PACE_CLASSES if k != "none")
    lines = [c.overview]
    if len(c.ranking) > 1:  # a first and a last of one are the same: no ranking to tell
        first, last = c.ranking[0], c.ranking[-1]
        lines.append(f"综合评估中，{first.name}居首，{last.name}列末位（共{len(c.ranking)}个地区参与排名）。")
    elif c.ranking:
        lines.append(f"综合评估中仅{c.ranking[0].name}的数据完整、参与排名，暂不比较各地位次。")
    behind = counts.get("lagging", 0) + counts.get("seriously_lagging", 0)
    if paced:
        lines.append(
            f"总体看，{paced}项可判断进度的指标中{CLASS_ZH['lagging']}和{CLASS_ZH['seriously_lagging']}的共{behind}项。"
        )
    elif counts.get("not_met", 0):
        lines.append(f"对照年度目标，{CLASS_ZH['not_met']}的共{counts['not_met']}项。")
    lines.append(f"{TO_WRITE}结合各地情况写明总体评价】")
    return "\n".join(lines)


def _measures(c: BulletinContent) -> str:
    lines = []
    met = _region_cells(c, annual="met")
    if met:
        lines.append(f"全区域{ANNUAL_ZH['met']}年度目标的指标{len(met)}项：{_listed(met)}。")
    ahead = _region_cells(c, pace="ahead")
    if ahead:
        lines.append(f"全区域进度{PACE_ZH['ahead']}的指标{len(ahead)}项：{_listed(ahead)}。")
    risen = [r for r in c.ranking if r.change is not None and r.change > 0]
    if scale.many(c):  # of many, those that rose most first
        risen.sort(key=lambda r: -(r.change or 0))
    rising = [f"{r.name}（上升{r.change}位）" for r in risen]
    if rising:
        listed = _places(rising) if scale.many(c) else "、".join(rising)
        lines.append(f"综合排名较上年上升的地区：{listed}。")
    lines.append(f"{TO_WRITE}补充各地主要做法和成效】")
    return "\n".join(lines)


def _overdue(c: BulletinContent) -> tuple[int, list[str]]:
    """The overdue milestones: how many, and per locality “珠海市2个”."""
    s = c.supervision
    if s is None:
        return 0, []
    per = [f"{c.names.locality(loc)}{overdue}个" for loc, overdue, _risk in s.by_locality if overdue]
    return sum(overdue for _loc, overdue, _risk in s.by_locality), per


def _overdue_rows(c: BulletinContent) -> list[str]:
    """Each overdue milestone: “珠海市 任务T1 遴选示范项目（逾期30天）”."""
    if c.supervision is None:
        return []
    return [
        f"{c.names.locality(r.locality)} 任务{r.task} {r.milestone}（逾期{r.days_late}天）"
        for r in c.supervision.rows
        if r.flag == "overdue"
    ]


def _behind(c: BulletinContent, pace: str) -> list[str]:
    """The region's indicators at this pace, each with its gap to 时序进度: “I01 名称（落后8.8个百分点）”."""
    out = []
    for row in c.indicators:
        cell = next((x for x in row.cells if x.scope == REGION), None)
        if cell is not None and cell.pace == pace:
            gap = (
                f"（落后时序进度{points(cell.pace_gap).lstrip('−')}个百分点）"
                if cell.pace_gap is not None
                else ""
            )
            out.append(f"{row.indicator} {row.name}{gap}")
    return out


def _problems(c: BulletinContent) -> str:
    lines = []
    # Seriously lagging with its one-line reason (explain, as in the warnings); lagging with its gap.
    serious = [w.short for w in c.warnings if w.kind == "indicator" and w.pace == "seriously_lagging"]
    if serious:
        lines.append(
            f"全区域进度{PACE_ZH['seriously_lagging']}的指标{len(serious)}项：" + "；".join(serious) + "。"
        )
    lagging = _behind(c, "lagging")
    if lagging:
        lines.append(f"全区域进度{PACE_ZH['lagging']}的指标{len(lagging)}项：" + "、".join(lagging) + "。")
    not_met = _region_cells(c, annual="not_met")
    if not_met:
        lines.append(f"全区域{ANNUAL_ZH['not_met']}年度目标的指标{len(not_met)}项：{_listed(not_met)}。")
    local = [w.text for w in c.warnings if w.kind == "locality"]
    rows = _overdue_rows(c)
    if scale.many(c):  # of many units, the first few; every one is in the annex
        local = local[:_MORE] + (
            [f"另有{len(local) - _MORE}个地区有严重滞后指标（见附件）。"] if len(local) > _MORE else []
        )
        rows = rows[:_MORE] + ([f"等{len(rows)}个"] if len(rows) > _MORE else [])
    lines += local
    lines += binding_lines(c)
    overdue, per = _overdue(c)
    if overdue:
        per_place = _places(per) if scale.many(c) else "、".join(per)
        lines.append(f"督查督办：年度行动计划逾期节点{overdue}个（{per_place}）：{'；'.join(rows)}。")
    if c.late:
        lines.append(c.late_summary)
    if not lines:
        lines.append("本期无滞后指标和逾期节点。")
    return "\n".join(lines)


def _next_steps(c: BulletinContent) -> str:
    behind = [w for w in c.warnings if w.kind == "indicator"]
    not_met = _region_cells(c, annual="not_met")
    serious_places = [c.names.locality(w.subject) for w in c.warnings if w.kind == "locality"]
    overdue, per = _overdue(c)
    lines = []
    if behind:
        lines.append(f"针对全区域进度滞后的{len(behind)}项指标，各牵头单位加强调度，分析原因，提出措施。")
    if not_met:
        lines.append(
            f"针对{ANNUAL_ZH['not_met']}年度目标的{len(not_met)}项指标，各牵头单位分析原因，提出措施。"
        )
    if serious_places:
        listed = _places(serious_places) if scale.many(c) else "、".join(serious_places)
        lines.append(f"{listed}对严重滞后的指标逐项制定整改措施。")
    if overdue:
        per_place = _places(per) if scale.many(c) else "、".join(per)
        lines.append(f"督促有关地区加快推进逾期的{overdue}个行动计划节点（{per_place}）。")
    lines.append(f"{TO_WRITE}补充下一步工作安排】")
    return "\n".join(lines)


def prefill(c: BulletinContent) -> OfficeWords:
    """The four sections as the evaluation says them, to be edited by the province."""
    return OfficeWords(
        assessment=_assessment(c),
        measures=_measures(c),
        problems=_problems(c),
        next_steps=_next_steps(c),
    )
