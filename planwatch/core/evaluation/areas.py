"""The areas' results: a city above its reporting counties judged against the targets the plan
gives it (planwatch.core.hierarchy, "area"). Django-free.

An area's value is made exactly as the region's is (`area_values`): the panel made again of its
member pilot units alone, whose region row is then the area's. The area's targets take the region
row's place in that panel, its base value is its members' at the base year (or the plan's stated base
for the area), and the same indicator rules judge it — so a city's verdict is the one its counties'
figures give against the city's own target, by the region's rule, never a second definition.
Only the indicators an area has a target for are judged for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from planwatch.core.errors import InvalidParameters
from planwatch.core.evaluation.aggregate import QUALIFIERS, Panel, sub_panel
from planwatch.core.evaluation.indicator import evaluate_panel, indicator_results
from planwatch.core.evaluation.types import (
    REGION,
    AreaSpec,
    Columns,
    EvaluationInput,
    IndicatorParameters,
    IndicatorResult,
    TargetSpec,
)

__all__ = ["area_results", "check_areas"]


def check_areas(inp: EvaluationInput) -> None:
    """Each area once, named apart from the pilot units and the region, made of known pilot units."""
    pilots = {loc.code for loc in inp.localities}
    seen: set[str] = set()
    for area in inp.areas:
        if area.code in seen or area.code in pilots or area.code == REGION:
            raise InvalidParameters(
                f"地区 {area.code!r} 重复或与试点单位重名。",
                f"area {area.code!r} is given twice or is also a pilot unit",
            )
        seen.add(area.code)
        unknown = [code for code in area.members if code not in pilots]
        if unknown or not area.members:
            raise InvalidParameters(
                f"地区 {area.code!r} 的下辖试点单位未知：{'、'.join(unknown) or '无'}。",
                f"area {area.code!r}: unknown pilot units {', '.join(unknown) or 'none'}",
            )


def area_results(
    inp: EvaluationInput, panel: Panel, params: IndicatorParameters, years: Iterable[int]
) -> tuple[IndicatorResult, ...]:
    """Each area's results for `years`, by area (input order) and indicator (panel order), for the
    indicators the area has a target for."""
    wanted = sorted(set(years))
    own: dict[str, list[TargetSpec]] = {area.code: [] for area in inp.areas}
    targets = inp.targets.of_scopes(own) if isinstance(inp.targets, Columns) else inp.targets
    for t in targets:
        if t.scope in own:
            own[t.scope].append(t)
    out: list[IndicatorResult] = []
    for area in inp.areas:
        if not own[area.code]:
            continue
        ev = evaluate_panel(_area_panel(panel, area, own[area.code]), params)
        targeted = {t.indicator for t in own[area.code]}
        out.extend(
            replace(r, scope=area.code)
            for r in indicator_results(ev, wanted, indicators=targeted, scopes=[REGION])
        )
    return tuple(out)


def _area_panel(panel: Panel, area: AreaSpec, targets: list[TargetSpec]) -> Panel:
    """The panel of the area's pilot units alone, the area's own targets in its region row."""
    shape = (len(panel.indicators), len(panel.years))
    aims, qualifiers = np.full(shape, np.nan), np.zeros(shape, dtype=np.int8)
    index = {spec.code: i for i, spec in enumerate(panel.indicators)}
    for t in targets:
        if t.indicator not in index or not math.isfinite(t.value):
            raise InvalidParameters(
                f"地区 {area.code} 的目标：未知指标或非有限数值 {t.indicator}/{t.year}。",
                f"area {area.code}: target {t.indicator}/{t.year} of an unknown indicator or not finite",
            )
        aims[index[t.indicator], t.year - panel.years[0]] = t.value
        qualifiers[index[t.indicator], t.year - panel.years[0]] = QUALIFIERS.index(t.qualifier)
    # The region's stated base and "no region target" are the region's, not the area's.
    indicators = [
        replace(spec, base_value=spec.locality_bases.get(area.code), region_target=True)
        for spec in panel.indicators
    ]
    return sub_panel(
        panel, set(area.members), indicators=indicators, region_targets=aims, region_qualifiers=qualifiers
    )
