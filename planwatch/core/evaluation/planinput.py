"""Evaluation inputs from a plan file's document (planwatch.core.planfile.PlanDocument).

The Django side can build the same inputs from its models; these helpers keep the two readings of
a plan (which localities count in region totals, which indicators have a base, …) in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from planwatch.core.evaluation.types import (
    DimensionSpec,
    EvaluationInput,
    IndicatorSpec,
    LocalitySpec,
    Observation,
    PlanPeriod,
    TargetSpec,
)
from planwatch.core.planfile import PlanDocument

__all__ = [
    "dimensions_from_plan",
    "evaluation_input_from_plan",
    "indicators_from_plan",
    "localities_from_plan",
    "period_from_plan",
    "targets_from_plan",
]


def period_from_plan(doc: PlanDocument) -> PlanPeriod:
    period = doc.plan.period
    return PlanPeriod(base_year=period.base_year, start_year=period.start_year, end_year=period.end_year)


def indicators_from_plan(doc: PlanDocument) -> tuple[IndicatorSpec, ...]:
    return tuple(
        IndicatorSpec(
            code=ind.code,
            kind=ind.kind,
            aggregation=ind.aggregation,
            direction=ind.direction,
            binding=ind.binding,
            region_target=ind.region_target,
            base_year=ind.base.year if ind.base else None,
            base_value=float(ind.base.value) if ind.base and ind.base.value is not None else None,
            components=dict(sorted(ind.components.items())),
            dimension=ind.dimension,
        )
        for ind in doc.indicators
    )


def localities_from_plan(doc: PlanDocument) -> tuple[LocalitySpec, ...]:
    """The pilot (reporting) units, in the file's order. A pilot unit counts toward a region total
    unless one of its ancestors is a pilot unit whose figures include its children's (顺德区 in
    佛山市)."""
    by_code = {loc.code: loc for loc in doc.localities}

    def counted(code: str) -> bool:
        parent = by_code[code].parent
        seen = {code}
        while parent is not None and parent in by_code and parent not in seen:
            ancestor = by_code[parent]
            if ancestor.pilot and ancestor.figures_include_children:
                return False
            seen.add(parent)
            parent = ancestor.parent
        return True

    return tuple(
        LocalitySpec(code=loc.code, counted_in_region_total=counted(loc.code), parent=loc.parent)
        for loc in doc.localities
        if loc.pilot
    )


def targets_from_plan(doc: PlanDocument) -> tuple[TargetSpec, ...]:
    return tuple(
        TargetSpec(indicator=ind.code, scope=t.scope, year=t.year, value=float(t.value))
        for ind in doc.indicators
        for t in ind.targets
    )


def dimensions_from_plan(doc: PlanDocument) -> tuple[DimensionSpec, ...]:
    return tuple(DimensionSpec(code=dim.code, weight=float(dim.weight)) for dim in doc.dimensions)


def evaluation_input_from_plan(
    doc: PlanDocument,
    observations: Iterable[Observation] = (),
    targets: Iterable[TargetSpec] = (),
) -> EvaluationInput:
    """The plan's indicators, pilot units, dimensions and targets, with the values observed and the
    targets entered outside the plan file (the locality breakdown). As when a plan is loaded, a
    target in the file takes the place of an entered one for the same indicator, scope and year."""
    plan_targets = targets_from_plan(doc)
    keys = {(t.indicator, t.scope, t.year) for t in plan_targets}
    entered = tuple(t for t in targets if (t.indicator, t.scope, t.year) not in keys)
    return EvaluationInput(
        period=period_from_plan(doc),
        indicators=indicators_from_plan(doc),
        localities=localities_from_plan(doc),
        targets=plan_targets + entered,
        observations=tuple(observations),
        dimensions=dimensions_from_plan(doc),
    )
