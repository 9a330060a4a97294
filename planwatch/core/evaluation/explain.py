"""Every verdict explained in one line with its numbers, in Chinese and English — the same line on
the dashboards, in the bulletins and in the API:

    2018年目标 80，实际 75，完成 93.8%；规划目标 146（2019年），完成 51.4%，时序进度 66.7%，落后 15.3 个百分点

The first part explains the annual verdict (年度目标, or the final target from the final year on),
the second the progress verdict (against 时序进度). docs/methodology.md, "Verdicts".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planwatch.core.evaluation.formulas import measure_of
from planwatch.core.evaluation.types import AnnualVerdict, IndicatorResult, Note, Outcome
from planwatch.core.kinds import IndicatorKind, unit_name_en
from planwatch.core.numbers import figure, percent

__all__ = ["Explanation", "PlaceName", "explain"]

# A locality's name by its code, (Chinese, English): a missing locality is named, not coded.
PlaceName = Callable[[str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Explanation:
    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh


def _amount(value: float | None, unit: str) -> str:
    """800个, 12%; in English 800 units, 12% (a unit as its English name, after a space)."""
    return f"{figure(value)}{unit}"


def _amount_en(value: float | None, unit: str) -> str:
    name = unit_name_en(unit)
    return f"{figure(value)}{name}" if name in ("", "%") else f"{figure(value)} {name}"


def _points(gap: float) -> tuple[str, str]:
    """The gap in words that are not the verdict's (超前, 滞后 are the verdict's own labels)."""
    points = f"{abs(gap) * 100:.1f}"
    if points == "0.0":
        return "与时序进度持平", "level with the time elapsed"
    if gap > 0:
        return f"高于时序进度 {points} 个百分点", f"{points} points above the time elapsed"
    return f"落后 {points} 个百分点", f"{points} points behind"


def _annual(r: IndicatorResult, unit: str) -> tuple[str, str] | None:
    if r.annual == AnnualVerdict.NO_TARGET:
        if r.owed_by is not None:
            return (
                f"未设{r.year}年目标（应由{r.owed_by[0]}分解下达）",
                f"no target set for {r.year} (owed by {r.owed_by[1]})",
            )
        return f"未设{r.year}年目标", f"no target set for {r.year}"
    if r.annual is None:
        return None
    final = r.target_year is not None and r.year >= r.target_year
    which_zh = f"{r.target_year}年规划目标" if final else f"{r.year}年目标"
    which_en = f"{r.target_year} final target" if final else f"{r.year} target"
    q_zh, q_en = (r.qualifier.zh, f" ({r.qualifier.en})") if r.qualifier.zh else ("", "")
    done = f"，完成 {percent(r.completion)}" if r.completion is not None else ""
    done_en = f", {percent(r.completion)} reached" if r.completion is not None else ""
    return (
        f"{which_zh} {_amount(r.year_target, unit)}{q_zh}，实际 {_amount(r.value, unit)}{done}",
        f"{which_en} {_amount_en(r.year_target, unit)}{q_en}, actual {_amount_en(r.value, unit)}{done_en}",
    )


def _progress(r: IndicatorResult, kind: IndicatorKind | str | None, unit: str) -> tuple[str, str] | None:
    if Note.NO_FINAL_TARGET in r.notes:
        return "未设规划目标，无法判断序时进度", "no final target: no pace"
    if r.pace is None and r.year < (r.target_year or r.year):
        for note, zh, en in _NO_WAY:
            if note in r.notes:
                return zh, en
    if r.pace_gap is None or r.elapsed is None or r.progress is None:
        return None
    from_zero = kind is not None and measure_of(IndicatorKind(kind)).from_zero
    # A count's progress is the share of the final target reached; a level's the share of the way
    # from its base: neither is the year's completion (完成度), so neither is worded as it.
    done_zh = "已完成" if from_zero else "，目标进程"
    done_en = "reached" if from_zero else "of the way covered"
    gap_zh, gap_en = _points(r.pace_gap)
    return (
        f"规划目标 {_amount(r.target, unit)}（{r.target_year}年）{done_zh} {percent(r.progress)}，"
        f"时序进度 {percent(r.elapsed)}，{gap_zh}",
        f"final target {_amount_en(r.target, unit)} ({r.target_year}), {percent(r.progress)} {done_en}, "
        f"{percent(r.elapsed)} of the time elapsed, {gap_en}",
    )


# Why there is no pace before the final year, in the order asked.
_NO_WAY = (
    (Note.NO_BASE, "缺基期值，无法计算进度", "no base value: no progress to measure"),
    (
        Note.TARGET_EQUALS_BASE,
        "规划目标等于基期值，无法计算进度",
        "the final target equals the base: no way to cover",
    ),
    (
        Note.TARGET_BEHIND_BASE,
        "规划目标不高于基期值，无法计算进度",
        "the final target is not beyond the base",
    ),
    (Note.BEFORE_BASE_YEAR, "尚在基期，无序时进度", "the base year: no time has elapsed"),
)


def _why_not(r: IndicatorResult, place: PlaceName) -> tuple[str, str]:
    if r.outcome == Outcome.NOT_APPLICABLE:
        if Note.NO_TARGETS in r.notes:
            return (
                "该指标未设目标（构成项），不作评价",
                "the indicator has no targets (a component): not judged",
            )
        if Note.NO_REGION_TARGET in r.notes:
            return "方案未设区域整体目标", "the plan sets no region-wide target"
        return "区域数值不可加总", "the region has no value of its own"
    if r.outcome == Outcome.INVALID_BASE:
        return "基数为零或负数，无法计算", "a base of zero or less: cannot be computed"
    if r.missing_localities:
        named = [place(code) for code in r.missing_localities]
        return (
            f"缺少{'、'.join(zh for zh, _ in named)}的数据",
            f"missing the values of {', '.join(en for _, en in named)}",
        )
    return "缺数据", "missing data"


def explain(
    r: IndicatorResult, kind: IndicatorKind | str | None = None, unit: str = "", *, place: PlaceName
) -> Explanation:
    """The one-line reason of a result's verdicts, with its numbers. The indicator's `kind` says how
    progress is worded (a count's progress is its completion); `unit` follows each figure (个, %);
    `place` names the localities whose values are missing."""
    if r.outcome != Outcome.EVALUATED:
        zh, en = _why_not(r, place)
        return Explanation(zh, en)
    parts = [p for p in (_annual(r, unit), _progress(r, kind, unit)) if p is not None]
    if not parts:
        return Explanation("—", "—")
    return Explanation("；".join(p[0] for p in parts), "; ".join(p[1] for p in parts))
