"""One call for a whole evaluation: indicators, region values, the composite index (with the rank
change from the year before) and, on request, the sensitivity of the ranks."""

from __future__ import annotations

from dataclasses import dataclass, field

from planwatch.core import gcpause
from planwatch.core.errors import EvaluationError
from planwatch.core.evaluation.aggregate import build_panel
from planwatch.core.evaluation.areas import area_results, check_areas
from planwatch.core.evaluation.binding import panel_binding_checks
from planwatch.core.evaluation.composite import composite_index, decision_matrix
from planwatch.core.evaluation.indicator import evaluate_panel, indicator_results
from planwatch.core.evaluation.sensitivity import sensitivity_analysis
from planwatch.core.evaluation.types import (
    BindingCheck,
    CompositeParameters,
    CompositeResult,
    EvaluationInput,
    IndicatorParameters,
    IndicatorResult,
    RegionValue,
    ResultColumns,
    SensitivityParameters,
    SensitivityResult,
)

__all__ = ["Evaluation", "EvaluationParameters", "evaluate"]


@dataclass(frozen=True)
class EvaluationParameters:
    indicators: IndicatorParameters = field(default_factory=IndicatorParameters)
    composite: CompositeParameters = field(default_factory=CompositeParameters)
    sensitivity: SensitivityParameters | None = None  # None: no sensitivity run


@dataclass(frozen=True)
class Evaluation:
    """The results of one evaluation run, in a stable order; `to_jsonable(evaluation)` is its JSON."""

    year: int
    parameters: EvaluationParameters
    # By indicator, scope (localities, then region); as the engine makes them, columns (ResultColumns:
    # the objects made when first read), decoded from JSON a tuple.
    indicators: tuple[IndicatorResult, ...] | ResultColumns
    region: tuple[RegionValue, ...]  # by indicator
    composite: CompositeResult | None  # None when the plan has no dimensions
    sensitivity: SensitivityResult | None
    # The region's values of the years before `year` too (by indicator, year): for trend charts.
    region_history: tuple[RegionValue, ...] = ()
    # Each binding (约束性) indicator at each locality in `year`: pass, fail, or neither (by indicator).
    binding: tuple[BindingCheck, ...] = ()
    # The areas' results (a city above its reporting counties, against the targets the plan gives
    # it; planwatch.core.evaluation.areas): by area, then indicator. Not ranked.
    areas: tuple[IndicatorResult, ...] = ()


def evaluate(
    inp: EvaluationInput,
    year: int,
    params: EvaluationParameters | None = None,
    previous: CompositeResult | None = None,
) -> Evaluation:
    """Evaluate `year`. The composite index compares ranks with `previous`; without it, with the
    index of the year before computed from the same input (when that year is in the plan's period
    and has values)."""
    params = params or EvaluationParameters()
    # The collector paused for the whole (core.gcpause): arrays and results by the hundred
    # thousand, no cycles; a full collection would otherwise walk them, and whatever else the
    # process holds, at some allocation on the way (seconds at 3,000 units).
    with gcpause.paused():
        return _evaluate(inp, year, params, previous)


def _evaluate(
    inp: EvaluationInput, year: int, params: EvaluationParameters, previous: CompositeResult | None
) -> Evaluation:
    check_areas(inp)
    panel = build_panel(inp)
    ev = evaluate_panel(panel, params.indicators)
    region_values = panel.region_values()
    region = tuple(r for r in region_values if r.year == year)
    history = tuple(r for r in region_values if r.year <= year)
    binding = panel_binding_checks(ev, year)  # binding_checks(results, …), from the arrays
    composite = sensitivity = None
    if inp.dimensions:
        if previous is None and year - 1 >= inp.period.start_year and year - 1 in panel.years:
            try:
                before = panel_binding_checks(ev, year - 1)
                previous = composite_index(
                    decision_matrix(ev, year - 1, inp.dimensions, binding=before), params.composite
                )
            except EvaluationError:
                previous = None
        matrix = decision_matrix(ev, year, inp.dimensions, binding=binding)
        composite = composite_index(matrix, params.composite, previous)
        if params.sensitivity is not None:
            sensitivity = sensitivity_analysis(matrix, params.composite, params.sensitivity)
    # The results last: hundreds of thousands of objects the garbage collector would otherwise walk
    # again and again while the rest is made.
    return Evaluation(
        year=year,
        parameters=params,
        indicators=indicator_results(ev, [year]),
        region=region,
        composite=composite,
        sensitivity=sensitivity,
        region_history=history,
        binding=binding,
        areas=area_results(inp, panel, params.indicators, [year]),
    )
