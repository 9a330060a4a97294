"""The evaluation's input from a plan: the one reading of a plan into the core's `EvaluationInput`,
whoever read the plan — the plan file (`evaluation_input_from_plan`) or the database
(planwatch.evaluation.runs.build_input, which gives the rows it queried to the same functions).

- `pilot_units`: the pilot (reporting) units, each counted in region totals or not
  (planwatch.core.hierarchy: 顺德区 is inside 佛山市, whose figures include it);
- `indicator_spec`: an indicator as the engine reads it (its kind, rule, base, components, dimension);
- `areas_of`: the areas, a city above its reporting counties (planwatch.core.hierarchy);
- `evaluation_input`: the parts put together, targets and values in the plan's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

import numpy as np

from planwatch.core.evaluation.types import (
    REGION,
    AreaSpec,
    DimensionSpec,
    EvaluationInput,
    IndicatorSpec,
    LocalitySpec,
    Observation,
    ObservationColumns,
    PlanPeriod,
    TargetColumns,
    TargetSpec,
)
from planwatch.core.hierarchy import LocalityNode, by_code, counted_in_region_total
from planwatch.core.hierarchy import areas as hierarchy_areas
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind
from planwatch.core.planfile import PlanDocument, with_defaults

__all__ = [
    "areas_of",
    "dimensions_from_plan",
    "evaluation_input",
    "evaluation_input_from_plan",
    "indicator_spec",
    "indicators_from_plan",
    "localities_from_plan",
    "period_from_plan",
    "pilot_units",
    "targets_from_plan",
]

Item = TypeVar("Item", Observation, TargetSpec)
ColumnsT = TypeVar("ColumnsT", ObservationColumns, TargetColumns)


# --- the rules, over plain rows -------------------------------------------------------------------


def pilot_units(localities: Iterable[LocalityNode]) -> tuple[LocalitySpec, ...]:
    """The pilot (reporting) units in the given order, each with its parent's code and whether it
    counts toward region totals: not when a pilot ancestor's figures include it (顺德区 in 佛山市)."""
    nodes = by_code(localities)
    return tuple(
        LocalitySpec(
            code=code, counted_in_region_total=counted_in_region_total(code, nodes), parent=node.parent
        )
        for code, node in nodes.items()
        if node.pilot
    )


def areas_of(localities: Iterable[LocalityNode]) -> tuple[AreaSpec, ...]:
    """The areas (a city above its reporting counties), each with its pilot units, in the given
    order (planwatch.core.hierarchy.areas)."""
    return tuple(AreaSpec(code, members) for code, members in hierarchy_areas(by_code(localities)).items())


def indicator_spec(
    code: str,
    kind: str,
    aggregation: str,
    direction: str,
    *,
    binding: bool,
    region_target: bool,
    base_year: int | None,
    base_value: Decimal | float | None,
    components: Mapping[str, str],
    dimension: str | None,
    derived: bool = False,
    lead: tuple[str, str] | None = None,
    locality_bases: Mapping[str, Decimal | float | str] | None = None,
) -> IndicatorSpec:
    """An indicator as the engine reads it: codes as the vocabularies' members, the base value a
    float, the components by role."""
    return IndicatorSpec(
        code=code,
        kind=IndicatorKind(kind),
        aggregation=Aggregation(aggregation),
        direction=Direction(direction),
        binding=binding,
        region_target=region_target,
        base_year=base_year,
        base_value=float(base_value) if base_value is not None else None,
        locality_bases={code: float(value) for code, value in (locality_bases or {}).items()},
        components=dict(sorted(components.items())),
        dimension=dimension,
        derived=derived,
        lead=lead,
    )


def evaluation_input(
    period: PlanPeriod,
    indicators: Sequence[IndicatorSpec],
    localities: Sequence[LocalitySpec],
    dimensions: Sequence[DimensionSpec],
    targets: Iterable[TargetSpec] | TargetColumns = (),
    observations: Iterable[Observation] | ObservationColumns = (),
    areas: Sequence[AreaSpec] = (),
) -> EvaluationInput:
    """The input, with targets and values in the plan's order: by indicator, then scope (the pilot
    units in order, then the region, then the areas), then year. Codes the plan does not know keep
    their place at the end (the engine refuses them, naming them). Objects stay objects, columns
    columns (in the same order)."""
    scopes = [*(loc.code for loc in localities), REGION, *(area.code for area in areas)]
    return EvaluationInput(
        period=period,
        indicators=tuple(indicators),
        localities=tuple(localities),
        targets=(
            _columns_in_plan_order(targets, indicators, scopes)
            if isinstance(targets, TargetColumns)
            else _in_plan_order(targets, indicators, scopes)
        ),
        observations=(
            _columns_in_plan_order(observations, indicators, scopes)
            if isinstance(observations, ObservationColumns)
            else _in_plan_order(observations, indicators, scopes)
        ),
        dimensions=tuple(dimensions),
        areas=tuple(areas),
    )


def _in_plan_order(
    items: Iterable[Item], indicators: Sequence[IndicatorSpec], scopes: Sequence[str]
) -> tuple[Item, ...]:
    indicator_order = {spec.code: k for k, spec in enumerate(indicators)}
    scope_order = {code: k for k, code in enumerate(scopes)}

    def key(item: Item) -> tuple[int, int, int]:
        return (
            indicator_order.get(item.indicator, len(indicator_order)),
            scope_order.get(item.scope, len(scope_order)),
            item.year,
        )

    return tuple(sorted(items, key=key))


def _columns_in_plan_order(
    columns: ColumnsT, indicators: Sequence[IndicatorSpec], scopes: Sequence[str]
) -> ColumnsT:
    """The rows sorted as `_in_plan_order` sorts objects (a stable sort: rows of one key keep theirs)."""
    indicator_order = {spec.code: k for k, spec in enumerate(indicators)}
    scope_order = {code: k for k, code in enumerate(scopes)}
    by_indicator = np.array(
        [indicator_order.get(c, len(indicator_order)) for c in columns.indicators], dtype=np.int64
    )
    by_scope = np.array([scope_order.get(c, len(scope_order)) for c in columns.scopes], dtype=np.int64)
    if not len(columns):
        return columns
    order = np.lexsort((columns.year, by_scope[columns.scope], by_indicator[columns.indicator]))
    return columns.take(order)


# --- from a plan file -----------------------------------------------------------------------------


def period_from_plan(doc: PlanDocument) -> PlanPeriod:
    period = doc.plan.period
    return PlanPeriod(base_year=period.base_year, start_year=period.start_year, end_year=period.end_year)


def indicators_from_plan(doc: PlanDocument) -> tuple[IndicatorSpec, ...]:
    units = {unit.code: (unit.name.zh, unit.name.en) for unit in doc.units}
    doc = with_defaults(doc)  # an indicator's lead unit is its first task's where not declared
    return tuple(
        indicator_spec(
            ind.code,
            ind.kind,
            ind.aggregation,
            ind.direction,
            binding=ind.binding,
            region_target=ind.region_target,
            base_year=ind.base.year if ind.base else None,
            base_value=ind.base.value if ind.base else None,
            locality_bases=ind.base.localities if ind.base else None,
            components=ind.components,
            dimension=ind.dimension,
            lead=units.get(ind.lead_unit) if ind.lead_unit else None,
        )
        for ind in doc.indicators
    )


def localities_from_plan(doc: PlanDocument) -> tuple[LocalitySpec, ...]:
    """The pilot (reporting) units, in the file's order (`pilot_units`)."""
    return pilot_units(doc.locality_nodes())


def targets_from_plan(doc: PlanDocument) -> tuple[TargetSpec, ...]:
    return tuple(
        TargetSpec(
            indicator=ind.code, scope=t.scope, year=t.year, value=float(t.value), qualifier=t.qualifier
        )
        for ind in doc.indicators
        for t in ind.targets
    )


def dimensions_from_plan(doc: PlanDocument) -> tuple[DimensionSpec, ...]:
    return tuple(DimensionSpec(code=dim.code, weight=float(dim.weight)) for dim in doc.dimensions)


def evaluation_input_from_plan(
    doc: PlanDocument,
    observations: Iterable[Observation] | ObservationColumns = (),
    targets: Iterable[TargetSpec] | TargetColumns = (),
) -> EvaluationInput:
    """The plan's indicators, pilot units, dimensions and targets, with the values observed and the
    targets entered outside the plan file (the locality breakdown). As when a plan is loaded, a
    target in the file takes the place of an entered one for the same indicator, scope and year.
    Objects or columns (the targets then columns too)."""
    plan_targets = targets_from_plan(doc)
    keys = {(t.indicator, t.scope, t.year) for t in plan_targets}
    all_targets: tuple[TargetSpec, ...] | TargetColumns
    if isinstance(targets, TargetColumns):
        codes, scopes = targets.codes()
        years = targets.year.tolist()
        entered = [key not in keys for key in zip(codes, scopes, years, strict=True)]
        all_targets = TargetColumns.concat(
            [TargetColumns.of(plan_targets), targets.take(np.array(entered, dtype=bool))]
        )
    else:
        all_targets = plan_targets + tuple(t for t in targets if (t.indicator, t.scope, t.year) not in keys)
    indicators = indicators_from_plan(doc)
    localities = localities_from_plan(doc)
    return evaluation_input(
        period_from_plan(doc),
        indicators,
        localities,
        dimensions_from_plan(doc),
        targets=all_targets,
        observations=observations,
        areas=areas_of(doc.locality_nodes()),
    )
