"""Evaluation results made by hand for tests of what reads them (dashboards, bulletins): the core's
typed results with only the fields a test names, the others empty."""

from __future__ import annotations

from typing import Any

from planwatch.core.evaluation import (
    REGION,
    Evaluation,
    EvaluationParameters,
    IndicatorResult,
    Outcome,
    PaceStatus,
)
from planwatch.core.kinds import Qualifier


def indicator_result(
    indicator: str = "I01",
    scope: str = REGION,
    *,
    year: int = 2018,
    outcome: str = "evaluated",
    pace: str | None = None,
    **fields: Any,
) -> IndicatorResult:
    """An IndicatorResult of `indicator` at `scope` in `year`; measures not given are None."""
    empty: dict[str, Any] = {
        "value": None,
        "target": None,
        "target_year": None,
        "base_year": 2016,
        "base_value": None,
        "year_target": None,
        "qualifier": Qualifier.EXACT,
        "met": None,
        "completion": None,
        "annual": None,
        "progress": None,
        "elapsed": None,
        "pace_gap": None,
        "sdg_ratio": None,
        "forecast": None,
        "forecast_method": None,
        "likely_met": None,
    }
    return IndicatorResult(
        indicator=indicator,
        scope=scope,
        year=year,
        outcome=Outcome(outcome),
        pace=PaceStatus(pace) if pace else None,
        **{**empty, **fields},
    )


def evaluation(year: int, *indicators: IndicatorResult) -> Evaluation:
    """An Evaluation of `year` holding only the given indicator results (default parameters)."""
    return Evaluation(year, EvaluationParameters(), indicators, (), None, None)
