"""The breakdown (分解表): an indicator's locality targets, added up by the region's rule and set
beside the region's target, year by year. Django-free: plain frozen dataclasses in and out.

The localities' targets of a year are aggregated exactly as the evaluation aggregates values
(`aggregate.build_panel`): the sum over the localities counted in the region total (顺德区 is inside
佛山市, whose figures include it, so it is not added twice — planwatch.core.hierarchy). A total with a
counted locality missing is not made; the localities missing are named. Only an indicator whose
region rule is a sum adds up: a share or rate recomputed from components, or an indicator that is not
additive at all, has no total, and says why.

A total *falls short* of the region target when it is below it for a higher-is-better indicator,
above it for a lower-is-better one (the engine's tolerance for rounding, `RELATIVE_TOLERANCE`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from planwatch.core.evaluation.aggregate import build_panel
from planwatch.core.evaluation.indicator import RELATIVE_TOLERANCE
from planwatch.core.evaluation.planinput import (
    areas_of,
    indicators_from_plan,
    localities_from_plan,
    period_from_plan,
)
from planwatch.core.evaluation.types import (
    REGION,
    AreaSpec,
    EvaluationInput,
    IndicatorSpec,
    LocalitySpec,
    Observation,
    PlanPeriod,
    TargetSpec,
)
from planwatch.core.kinds import Aggregation, Direction
from planwatch.core.numbers import DECIMAL_PLACES, figure
from planwatch.core.planfile import PlanDocument

__all__ = [
    "REGION_TARGET",
    "BreakdownTotal",
    "TotalState",
    "area_target_words",
    "area_totals",
    "breakdown_totals",
    "describe_total",
    "plan_breakdown_problems",
]


class TotalState(StrEnum):
    """What a year's total of the localities' targets says against the region's target."""

    COVERED = "covered"  # the total reaches the region target
    SHORTFALL = "shortfall"  # the total falls short of it (direction-aware)
    NO_REGION_TARGET = "no_region_target"  # a total, but the region has no target for the year
    INCOMPLETE = "incomplete"  # a locality counted in the total has no target for the year yet
    NOT_SUMMED = "not_summed"  # the indicator's region rule does not add the localities up


@dataclass(frozen=True, slots=True)
class BreakdownTotal:
    """One year of a breakdown: the localities' total, the region's target, and what they say.

    `gap` is by how much the total misses the region target (positive), when it does; `counted`
    the localities added up, `missing` those counted that have no target yet."""

    indicator: str
    year: int
    aggregation: Aggregation
    direction: Direction
    state: TotalState
    total: float | None = None
    region_target: float | None = None
    gap: float | None = None
    counted: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def shortfall(self) -> bool:
        return self.state == TotalState.SHORTFALL


def _falls_short(total: float, target: float, direction: Direction) -> float | None:
    """By how much the total misses the target in the indicator's direction; None if it does not."""
    gap = target - total if direction == Direction.HIGHER_IS_BETTER else total - target
    return round(gap, DECIMAL_PLACES) if gap > RELATIVE_TOLERANCE * max(1.0, abs(target)) else None


def breakdown_totals(
    period: PlanPeriod,
    spec: IndicatorSpec,
    localities: Sequence[LocalitySpec],
    targets: Sequence[TargetSpec],
    years: Sequence[int],
) -> tuple[BreakdownTotal, ...]:
    """For each year: the total of the localities' targets by the indicator's region rule, beside the
    region's target (scope REGION among `targets`). Targets of other indicators are ignored."""
    own = [t for t in targets if t.indicator == spec.code]
    region = {t.year: t.value for t in own if t.scope == REGION}

    def row(year: int, state: TotalState, **fields: object) -> BreakdownTotal:
        return BreakdownTotal(
            indicator=spec.code,
            year=year,
            aggregation=spec.aggregation,
            direction=spec.direction,
            state=state,
            region_target=region.get(year),
            **fields,  # type: ignore[arg-type]
        )

    if spec.aggregation != Aggregation.SUM:
        return tuple(row(year, TotalState.NOT_SUMMED) for year in years)
    summed = IndicatorSpec(spec.code, spec.kind, Aggregation.SUM, spec.direction)
    # The localities' targets are the values the panel adds up, as it adds up reported values.
    codes = {loc.code for loc in localities}  # an area's target (a city above them) is not theirs
    observations = tuple(Observation(spec.code, t.scope, t.year, t.value) for t in own if t.scope in codes)
    first = min([period.base_year, *years])
    last = max([period.end_year, *years])
    panel = build_panel(
        EvaluationInput(
            period=PlanPeriod(first, period.start_year, last),  # the panel covers every year asked
            indicators=(summed,),
            localities=tuple(localities),
            observations=observations,
        )
    )
    made = {r.year: r for r in panel.region_values()}
    out = []
    for year in years:
        made_here = made[year]
        total, target = made_here.value, region.get(year)
        if total is None or math.isnan(total):
            missing = made_here.missing or made_here.counted
            out.append(row(year, TotalState.INCOMPLETE, counted=made_here.counted, missing=missing))
            continue
        # Targets are stored with DECIMAL_PLACES decimals: so is their sum (95.99, not 95.99000000000001).
        total = round(total, DECIMAL_PLACES)
        gap = None if target is None else _falls_short(total, target, spec.direction)
        if target is None:
            state = TotalState.NO_REGION_TARGET
        else:
            state = TotalState.SHORTFALL if gap is not None else TotalState.COVERED
        out.append(row(year, state, total=total, gap=gap, counted=made_here.counted))
    return tuple(out)


REGION_TARGET = ("区域目标", "the region target")


def area_target_words(name_zh: str, name_en: str) -> tuple[str, str]:
    """How a total names an area's own target (a city above its reporting counties)."""
    return f"{name_zh}目标", f"{name_en}'s target"


def area_totals(
    period: PlanPeriod,
    spec: IndicatorSpec,
    localities: Sequence[LocalitySpec],
    targets: Sequence[TargetSpec],
    area: AreaSpec,
    years: Sequence[int],
) -> tuple[BreakdownTotal, ...]:
    """`breakdown_totals` of an area (a city above its reporting counties): its own pilot units'
    targets against the area's target, which stands where the region's does."""
    members = [loc for loc in localities if loc.code in area.members]
    given = [replace(t, scope=REGION) for t in targets if t.scope == area.code]
    given += [t for t in targets if t.scope in area.members]
    return breakdown_totals(period, spec, members, given, years)


T = TypeVar("T")
NAMED_MISSING = 10  # the units a line names (without a target, late, failed); more are counted


def named_first(names: Sequence[T]) -> tuple[list[T], int]:
    """Of many units' names in one line, those it names and how many more it counts: the first
    `NAMED_MISSING`, the rest by number only (a national plan's thousands of units)."""
    return list(names[:NAMED_MISSING]), max(len(names) - NAMED_MISSING, 0)


def describe_total(
    item: BreakdownTotal,
    unit: str = "",
    names: Mapping[str, tuple[str, str]] | None = None,
    target: tuple[str, str] = REGION_TARGET,
) -> tuple[str, str]:
    """One line on a year's total, in Chinese and English: the page, the workbook and the API say
    the same. `names` gives the localities' names (Chinese, English) by code; `target` names the
    target the total stands against (the region's, or an area's: `area_target_words`)."""
    names = names or {}
    total, aim, gap = figure(item.total), figure(item.region_target), figure(item.gap)
    whose_zh, whose_en = target
    u = f" {unit}" if unit else ""
    if item.state == TotalState.NOT_SUMMED:
        if item.aggregation == Aggregation.RECOMPUTE:
            return (
                "不适用合计：本指标的区域值由构成项重新计算（比率或增长率），各地目标不能相加",
                "No total: the region's value is recomputed from its components (a share or rate); "
                "the localities' targets do not add up",
            )
        return (
            "不适用合计：本指标不可加总，各地目标分别考核",
            "No total: the indicator is not additive; each locality's target stands on its own",
        )
    if item.state == TotalState.INCOMPLETE:
        named, more = named_first(item.missing)
        zh = "、".join(names.get(code, (code, code))[0] for code in named)
        en = ", ".join(names.get(code, (code, code))[1] for code in named)
        if more > 0:  # a national plan's thousands of units: the first named, the rest counted
            zh, en = f"{zh}等{len(item.missing)}个地区", f"{en} and {more} more"
        return f"尚缺{zh}的目标，无法合计", f"No total yet: no target for {en}"
    if item.state == TotalState.NO_REGION_TARGET:
        return (
            f"合计 {total}{u}；本年没有{whose_zh}",
            f"Total {total}{u}; {whose_en} for {item.year} is not set",
        )
    if item.state == TotalState.COVERED:
        return (
            f"合计 {total}{u}，达到{whose_zh} {aim}{u}",
            f"Total {total}{u} reaches {whose_en} {aim}{u}",
        )
    if item.direction == Direction.LOWER_IS_BETTER:
        return (
            f"合计高于{whose_zh}（越低越好）：合计 {total}{u}，{whose_zh} {aim}{u}，超出 {gap}{u}",
            f"The total exceeds {whose_en} (lower is better): {total}{u} against {aim}{u}, {gap}{u} over",
        )
    return (
        f"合计低于{whose_zh}：合计 {total}{u}，{whose_zh} {aim}{u}，相差 {gap}{u}",
        f"The total falls short of {whose_en}: {total}{u} against {aim}{u}, {gap}{u} short",
    )


def plan_breakdown_problems(doc: PlanDocument) -> list[tuple[tuple[int | str, ...], str]]:
    """The plan file's own locality targets against its region targets, by each indicator's region
    rule (`breakdown_totals`, as the breakdown pages show them): every year whose total of the
    localities' targets falls short of the region's target, as (path in the file, message). The
    plan file says whether these refuse the file or are warnings (`plan.breakdown_check`). A year
    where a counted locality has no target in the file is not checked (the rest of the breakdown is
    entered by users).

    An area's targets (a city above its reporting counties) are checked the same way against its
    own pilot units' targets: the area's target stands where the region's does."""
    period = period_from_plan(doc)
    localities = localities_from_plan(doc)
    pilots = [loc.code for loc in localities]
    areas = areas_of(doc.locality_nodes())
    specs = {spec.code: spec for spec in indicators_from_plan(doc)}
    names = {loc.code: (loc.name.zh, loc.name.en) for loc in doc.localities}
    problems: list[tuple[tuple[int | str, ...], str]] = []
    for i, ind in enumerate(doc.indicators):
        targets = [
            TargetSpec(
                indicator=ind.code, scope=t.scope, year=t.year, value=float(t.value), qualifier=t.qualifier
            )
            for t in ind.targets
        ]
        spec = specs[ind.code]
        # The region over every pilot unit, then each area with a target of its own over its own.
        checks = [
            (REGION_TARGET, breakdown_totals(period, spec, localities, targets, _years(targets, pilots)))
        ]
        for area in areas:
            if any(t.scope == area.code for t in targets):
                totals = area_totals(period, spec, localities, targets, area, _years(targets, area.members))
                checks.append((area_target_words(*names[area.code]), totals))
        for words, totals in checks:
            for total in totals:
                if total.shortfall:
                    _, en = describe_total(total, ind.unit, names, words)
                    problems.append((("indicators", i, "targets"), f"{total.year}: {en}"))
    return problems


def _years(targets: Sequence[TargetSpec], codes: Collection[str]) -> list[int]:
    """The years some of the localities (by code) have a target in."""
    return sorted({t.year for t in targets if t.scope in codes})
