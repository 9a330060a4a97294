"""The words for the engine's codes, in Chinese and English: one table for every report (pages,
text, workbook, bulletin, API)."""

from planwatch.core.evaluation.types import AnnualVerdict, IndicatorResult, Outcome, PaceStatus

__all__ = [
    "ANNUAL_WORDS",
    "ANNUAL_ZH",
    "HEADLINE_WORDS",
    "OUTCOME_WORDS",
    "OUTCOME_ZH",
    "PACE_WORDS",
    "PACE_ZH",
    "headline",
    "status_of",
]

ANNUAL_WORDS: dict[str, tuple[str, str]] = {
    AnnualVerdict.MET: ("完成", "met"),
    AnnualVerdict.NEARLY_MET: ("基本完成", "nearly met"),
    AnnualVerdict.NOT_MET: ("未完成", "not met"),
    AnnualVerdict.NO_TARGET: ("无年度目标", "no target for the year"),
}
PACE_WORDS: dict[str, tuple[str, str]] = {
    PaceStatus.AHEAD: ("超前", "ahead"),
    PaceStatus.ON_PACE: ("符合序时进度", "on pace"),
    PaceStatus.LAGGING: ("滞后", "lagging"),
    PaceStatus.SERIOUSLY_LAGGING: ("严重滞后", "seriously lagging"),
}
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    Outcome.EVALUATED: ("已评估", "evaluated"),
    Outcome.MISSING_DATA: ("缺数据", "missing data"),
    Outcome.INVALID_BASE: ("基数无效", "invalid base"),
    Outcome.NOT_APPLICABLE: ("不适用", "not applicable"),
}
ANNUAL_ZH = {code: words[0] for code, words in ANNUAL_WORDS.items()}
PACE_ZH = {code: words[0] for code, words in PACE_WORDS.items()}
OUTCOME_ZH = {code: words[0] for code, words in OUTCOME_WORDS.items()}

# One status per result where a page or a bulletin has room for one (a map's colour, a count by
# status): progress against 时序进度 before the final year, the completion verdict from then on (or
# where there is no pace), else why there is neither.
HEADLINE_WORDS: dict[str, tuple[str, str]] = {
    **{str(k): v for k, v in PACE_WORDS.items()},
    **{str(k): v for k, v in ANNUAL_WORDS.items()},
    Outcome.MISSING_DATA: OUTCOME_WORDS[Outcome.MISSING_DATA],
    Outcome.INVALID_BASE: OUTCOME_WORDS[Outcome.INVALID_BASE],
    Outcome.NOT_APPLICABLE: OUTCOME_WORDS[Outcome.NOT_APPLICABLE],
    "not_assessed": ("无法判断", "not assessed"),
}


def headline(result: IndicatorResult | None) -> str:
    """The one status of a result: a key of HEADLINE_WORDS (`status_of` its outcome, pace and
    annual verdict)."""
    if result is None:
        return Outcome.MISSING_DATA.value
    return status_of(result.outcome, result.pace, result.annual)


def status_of(outcome: Outcome, pace: PaceStatus | None, annual: AnnualVerdict | None) -> str:
    """A result's one status from its outcome, pace and annual verdict: the outcome unless
    evaluated, else the pace, else the annual verdict. (`str` of each StrEnum: its value, without
    `.value`'s property, three times slower by the hundred thousand of a run's rows.)"""
    if outcome != Outcome.EVALUATED:
        return str(outcome)
    if pace is not None:
        return str(pace)
    if annual is not None:
        return str(annual)
    return "not_assessed"
