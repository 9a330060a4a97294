"""The panel: values and targets as arrays (indicator × scope × year), with the region's values
made from the localities' by each indicator's rule.

- sum: the sum over the localities counted in region totals (a district inside a city whose figures
  include it — 顺德区 in 佛山市 — is not counted, so never added twice);
- recompute: a share from the summed numerator and denominator, a growth or decrease rate from the
  summed component level;
- none: the region has no value of its own, unless one is reported for the region itself.

A region value with any counted locality missing is not made: the localities missing are named.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planwatch.core.errors import InvalidParameters
from planwatch.core.evaluation.formulas import Recompute, Scale, measure_of
from planwatch.core.evaluation.types import (
    QUALIFIERS,
    REGION,
    Columns,
    EvaluationInput,
    IndicatorSpec,
    LocalitySpec,
    ObservationColumns,
    PlanPeriod,
    RegionValue,
    TargetColumns,
)
from planwatch.core.kinds import KINDS, Aggregation

__all__ = [
    "QUALIFIERS",
    "Panel",
    "area_values",
    "build_panel",
    "pace_base_year",
    "panel_from_arrays",
    "sub_panel",
]


def pace_base_year(spec: IndicatorSpec, period: PlanPeriod) -> int:
    """The year an indicator is measured from: its own base year; else, for a count cumulated from
    the plan's start, the year before the start; else the plan's base year."""
    if spec.base_year is not None:
        return spec.base_year
    if measure_of(spec.kind).from_start:
        return period.start_year - 1
    return period.base_year


@dataclass(frozen=True, eq=False)
class Panel:
    """Arrays over (indicator, scope, year). Scopes are the localities in input order, then REGION.

    values and targets hold NaN where there is none. base_values[i, s] is the value at the
    indicator's base year (or the plan's stated base for the region). region_missing maps
    (indicator index, year index) to the counted localities missing there.
    """

    period: PlanPeriod
    indicators: tuple[IndicatorSpec, ...]
    localities: tuple[LocalitySpec, ...]
    years: tuple[int, ...]
    values: np.ndarray  # (I, S, Y) float64
    targets: np.ndarray  # (I, S, Y) float64
    qualifiers: np.ndarray  # (I, S, Y) int8: each target's index in QUALIFIERS (0, exact, where none)
    base_years: np.ndarray  # (I,) int64
    base_values: np.ndarray  # (I, S) float64
    region_missing: dict[tuple[int, int], tuple[str, ...]]
    region_invalid_base: np.ndarray  # (I, Y) bool
    region_reported: np.ndarray  # (I, Y) bool: a figure reported for the region itself

    @property
    def scopes(self) -> tuple[str, ...]:
        return (*(loc.code for loc in self.localities), REGION)

    def indicator_index(self, code: str) -> int:
        for i, spec in enumerate(self.indicators):
            if spec.code == code:
                return i
        raise InvalidParameters(f"未知指标 {code!r}。", f"unknown indicator {code!r}")

    def year_index(self, year: int) -> int:
        if year not in self.years:
            raise InvalidParameters(
                f"{year}年不在评估年份范围内。", f"year {year} is outside the evaluated years"
            )
        return year - self.years[0]

    def region_values(self) -> tuple[RegionValue, ...]:
        """How each region value was made, by indicator (input order) and year."""
        counted = tuple(loc.code for loc in self.localities if loc.counted_in_region_total)
        out = []
        region = len(self.localities)
        for i, spec in enumerate(self.indicators):
            for y, year in enumerate(self.years):
                value = self.values[i, region, y]
                reported = bool(self.region_reported[i, y])
                out.append(
                    RegionValue(
                        indicator=spec.code,
                        year=year,
                        value=None if math.isnan(value) else float(value),
                        aggregation=spec.aggregation,
                        reported=reported,
                        counted=() if spec.aggregation == Aggregation.NONE else counted,
                        missing=self.region_missing.get((i, y), ()),
                        invalid_base=bool(self.region_invalid_base[i, y]),
                    )
                )
        return tuple(out)


def _check_unique(codes: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise InvalidParameters(f"重复的代码 {code!r}。", f"duplicate {what} code {code!r}")
        seen.add(code)


def _validate(
    period: PlanPeriod, indicators: Sequence[IndicatorSpec], localities: Sequence[LocalitySpec]
) -> None:
    _check_unique([spec.code for spec in indicators], "indicator")
    _check_unique([loc.code for loc in localities], "locality")
    if any(loc.code == REGION for loc in localities):
        raise InvalidParameters(f"{REGION!r} 为全区域保留。", f"{REGION!r} is reserved for the whole region")
    codes = {spec.code for spec in indicators}
    for spec in indicators:
        for role, component in spec.components.items():
            if component not in codes:
                raise InvalidParameters(
                    f"指标 {spec.code} 的构成项 {component!r} 不在指标之中。",
                    f"indicator {spec.code}: component {role} {component!r} is not among the indicators",
                )
        kind = KINDS[spec.kind]
        if spec.aggregation == Aggregation.SUM and Aggregation.SUM not in kind.aggregations:
            raise InvalidParameters(
                f"指标 {spec.code} 为比率类指标，不能按地区加总。",
                f"indicator {spec.code}: a {spec.kind.value} cannot be summed over localities",
            )
        if spec.aggregation == Aggregation.RECOMPUTE and Aggregation.RECOMPUTE not in kind.aggregations:
            raise InvalidParameters(
                f"指标 {spec.code} 没有可重新计算的构成项。",
                f"indicator {spec.code}: a {spec.kind.value} has nothing to recompute from",
            )
        if spec.aggregation == Aggregation.RECOMPUTE and set(spec.components) != set(kind.components):
            needed = ", ".join(sorted(kind.components))
            raise InvalidParameters(
                f"指标 {spec.code} 重新计算需要构成项 {needed}。",
                f"indicator {spec.code}: recompute needs the components {needed}",
            )
        if kind.needs_base and spec.base_year is None:
            raise InvalidParameters(
                f"指标 {spec.code} 需要基期年份。",
                f"indicator {spec.code}: a {spec.kind.value} needs a base year",
            )


def build_panel(inp: EvaluationInput) -> Panel:
    """The panel from plain inputs (objects or columns, the same either way); unknown codes, values
    that are not finite and values given twice are refused, the first in the input's order named."""
    indicators, localities = inp.indicators, inp.localities
    _validate(inp.period, indicators, localities)
    observations, targets = (
        _columns(inp.observations, ObservationColumns),
        _columns(inp.targets, TargetColumns),
    )
    scopes = [*(loc.code for loc in localities), REGION]
    years_seen = [inp.period.base_year, inp.period.end_year]
    years_seen += [pace_base_year(spec, inp.period) for spec in indicators]
    years_seen += [int(col.year.min()) for col in (observations, targets) if len(col)]
    years_seen += [int(col.year.max()) for col in (observations, targets) if len(col)]
    first, last = min(years_seen), max(years_seen)
    shape = (len(indicators), len(scopes), last - first + 1)
    places = _Places([spec.code for spec in indicators], scopes, first, shape)
    values = places.place(observations, "value")
    areas = {area.code for area in inp.areas}  # their targets are judged by planwatch.core.evaluation.areas
    own = targets.of_scopes(set(targets.scopes) - areas)
    aims = places.place(own, "target")
    qualifiers = np.zeros(shape, dtype=np.int8)
    qualifiers.reshape(-1)[places.cells(own)] = own.qualifier
    return panel_from_arrays(
        inp.period,
        indicators,
        localities,
        tuple(range(first, last + 1)),
        values[:, :-1, :],
        aims,
        region_reported=values[:, -1, :],
        qualifiers=qualifiers,
        validated=True,
    )


def _columns(items: Sequence[Any] | Columns, kind: type[Columns]) -> Any:
    return items if isinstance(items, kind) else kind.of(items)


class _Places:
    """Places columns in arrays (indicator × scope × year) at once, refusing what `place` refused
    one by one: the first row (in the columns' order) of an unknown code, a value that is not
    finite, or a cell given twice is named."""

    def __init__(self, indicators: Sequence[str], scopes: Sequence[str], first: int, shape: tuple[int, ...]):
        self.ind_index = {code: i for i, code in enumerate(indicators)}
        self.scope_index = {code: s for s, code in enumerate(scopes)}
        self.first, self.shape = first, shape

    def _indices(self, cols: Columns) -> tuple[np.ndarray, np.ndarray]:
        ii = np.array([self.ind_index.get(code, -1) for code in cols.indicators], dtype=np.int64)
        ss = np.array([self.scope_index.get(code, -1) for code in cols.scopes], dtype=np.int64)
        return ii[cols.indicator], ss[cols.scope]

    def cells(self, cols: Columns) -> np.ndarray:
        """Each row's flat index in the arrays (its codes known)."""
        i, s = self._indices(cols)
        _, n_s, n_y = self.shape
        cells: np.ndarray = (i * n_s + s) * n_y + (cols.year - self.first)
        return cells

    def place(self, cols: Columns, what: str) -> np.ndarray:
        array = np.full(self.shape, np.nan)
        i, s = self._indices(cols)
        unknown = (i < 0) | (s < 0)
        finite = np.isfinite(cols.value)
        _, n_s, n_y = self.shape
        cells = np.where(unknown, -1, (i * n_s + s) * n_y + (cols.year - self.first))
        order = np.argsort(cells, kind="stable")
        ordered = cells[order]
        again = order[1:][(ordered[1:] == ordered[:-1]) & (ordered[1:] >= 0)]  # a cell's later rows
        bad = np.flatnonzero(unknown | ~finite)
        firsts = [int(k.min()) for k in (bad, again) if len(k)]
        if firsts:
            self._refuse(cols, min(firsts), what, bool(unknown[min(firsts)]), bool(finite[min(firsts)]))
        array.reshape(-1)[cells] = cols.value
        return array

    def _refuse(self, cols: Columns, k: int, what: str, unknown: bool, finite: bool) -> None:
        indicator, scope = cols.indicators[cols.indicator[k]], cols.scopes[cols.scope[k]]
        year = int(cols.year[k])
        if unknown:
            name = indicator if indicator not in self.ind_index else scope
            raise InvalidParameters(
                f"{what}：未知指标或地区 {name!r}。", f"{what} for unknown indicator or locality {name!r}"
            )
        if not finite:
            raise InvalidParameters(
                f"{indicator}/{scope}/{year} 不是有限数值。",
                f"{what} {indicator}/{scope}/{year} is not a finite number",
            )
        raise InvalidParameters(
            f"{indicator}/{scope}/{year} 重复给出。", f"{what} {indicator}/{scope}/{year} is given twice"
        )


def panel_from_arrays(
    period: PlanPeriod,
    indicators: Sequence[IndicatorSpec],
    localities: Sequence[LocalitySpec],
    years: Sequence[int],
    values: np.ndarray,
    targets: np.ndarray,
    region_reported: np.ndarray | None = None,
    *,
    qualifiers: np.ndarray | None = None,
    validated: bool = False,
) -> Panel:
    """The panel from arrays: values (I, L, Y) of the localities, targets (I, L + 1, Y) with the
    region's last, optionally values reported for the region itself (I, Y) and the targets'
    qualifiers (indices in QUALIFIERS, shaped like targets; exact where not given). NaN means none.

    Years must be consecutive and include the plan's base and end years and every indicator's base
    year. The region row is aggregated here.
    """
    indicators, localities, years = tuple(indicators), tuple(localities), tuple(years)
    if not validated:
        _validate(period, indicators, localities)
    n_i, n_l, n_y = len(indicators), len(localities), len(years)
    if list(years) != list(range(years[0], years[0] + n_y)):
        raise InvalidParameters("年份应连续。", "years must be consecutive")
    needed = {period.base_year, period.end_year, *(pace_base_year(s, period) for s in indicators)}
    if not all(years[0] <= year <= years[-1] for year in needed):
        raise InvalidParameters(
            "年份范围应覆盖方案基期、终止年和各指标基期。",
            "the years must cover the plan's base and end years and every indicator's base year",
        )
    values = np.asarray(values, dtype=np.float64)
    targets = np.array(targets, dtype=np.float64)  # a copy: the panel is read-only
    if values.shape != (n_i, n_l, n_y) or targets.shape != (n_i, n_l + 1, n_y):
        raise InvalidParameters(
            "数组维度不匹配。", "array shapes do not fit the indicators, localities and years"
        )
    reported = (
        np.full((n_i, n_y), np.nan)
        if region_reported is None
        else np.asarray(region_reported, dtype=np.float64)
    )
    full = np.empty((n_i, n_l + 1, n_y))
    full[:, :n_l, :] = values
    full[:, n_l, :] = np.nan
    base_years = np.array([pace_base_year(spec, period) for spec in indicators], dtype=np.int64)
    region = _Region(indicators, localities, years, full, reported, base_years)
    for i in range(n_i):
        region.aggregate(i)

    base_values = np.full((n_i, n_l + 1), np.nan)
    for i, spec in enumerate(indicators):
        b = int(base_years[i]) - years[0]
        base_values[i] = full[i, :, b]
        if spec.base_value is not None and math.isnan(base_values[i, n_l]):
            base_values[i, n_l] = float(spec.base_value)
        for s, loc in enumerate(localities):  # the plan's stated base, where none is reported
            stated = spec.locality_bases.get(loc.code)
            if stated is not None and math.isnan(base_values[i, s]):
                base_values[i, s] = stated
    worded = (
        np.zeros(targets.shape, dtype=np.int8) if qualifiers is None else np.array(qualifiers, dtype=np.int8)
    )
    if worded.shape != targets.shape:
        raise InvalidParameters(
            "数组维度不匹配。", "array shapes do not fit the indicators, localities and years"
        )
    full.setflags(write=False)
    targets.setflags(write=False)
    worded.setflags(write=False)
    return Panel(
        period=period,
        indicators=indicators,
        localities=localities,
        years=years,
        values=full,
        targets=targets,
        qualifiers=worded,
        base_years=base_years,
        base_values=base_values,
        region_missing=region.missing,
        region_invalid_base=region.invalid,
        region_reported=region.is_reported,
    )


def sub_panel(
    panel: Panel,
    codes: Collection[str],
    *,
    indicators: Sequence[IndicatorSpec] | None = None,
    region_targets: np.ndarray | None = None,
    region_qualifiers: np.ndarray | None = None,
) -> Panel:
    """The panel made again of some of its localities alone (`codes`): their values and targets, the
    region row aggregated from them by each indicator's rule, with `region_targets` (I, Y; none by
    default) and their qualifiers as its region's targets. A locality not counted in the region
    total (inside another whose figures include it) is not counted here either."""
    keep = [s for s, loc in enumerate(panel.localities) if loc.code in codes]
    n = len(keep)
    shape = (len(panel.indicators), n + 1, len(panel.years))
    targets = np.full(shape, np.nan)
    qualifiers = np.zeros(shape, dtype=np.int8)
    targets[:, :n, :] = panel.targets[:, keep, :]
    qualifiers[:, :n, :] = panel.qualifiers[:, keep, :]
    if region_targets is not None:
        targets[:, n, :] = region_targets
    if region_qualifiers is not None:
        qualifiers[:, n, :] = region_qualifiers
    return panel_from_arrays(
        panel.period,
        panel.indicators if indicators is None else indicators,
        [panel.localities[s] for s in keep],
        panel.years,
        panel.values[:, keep, :],
        targets,
        qualifiers=qualifiers,
        validated=True,
    )


def area_values(panel: Panel, codes: Collection[str]) -> tuple[RegionValue, ...]:
    """The values of an area made of some of the panel's localities (a city of its counties), by
    each indicator's region rule exactly as the region's are made (`sub_panel`); those missing are
    named. Its values only: an area's targets are judged by planwatch.core.evaluation.areas."""
    return sub_panel(panel, codes).region_values()


class _Region:
    """Makes the region row of `full` (its last scope), indicator by indicator, by each one's rule;
    a recomputed indicator's components first."""

    def __init__(
        self,
        indicators: tuple[IndicatorSpec, ...],
        localities: tuple[LocalitySpec, ...],
        years: tuple[int, ...],
        full: np.ndarray,
        reported: np.ndarray,
        base_years: np.ndarray,
    ) -> None:
        self.indicators, self.years, self.full = indicators, years, full
        self.reported, self.base_years = reported, base_years
        self.n_l, n_y = len(localities), len(years)
        self.missing: dict[tuple[int, int], tuple[str, ...]] = {}
        self.invalid = np.zeros((len(indicators), n_y), dtype=bool)
        self.is_reported = np.zeros((len(indicators), n_y), dtype=bool)
        self.counted = np.array([loc.counted_in_region_total for loc in localities], dtype=bool)
        self.counted_codes = np.array([loc.code for loc in localities], dtype=object)[self.counted]
        self.index = {spec.code: i for i, spec in enumerate(indicators)}
        self.order = {loc.code: k for k, loc in enumerate(localities)}
        self.done: set[int] = set()

    def aggregate(self, i: int, stack: tuple[int, ...] = ()) -> None:
        if i in self.done:
            return
        spec = self.indicators[i]
        if i in stack:
            raise InvalidParameters(
                f"指标 {spec.code} 的构成项循环引用。",
                f"indicator {spec.code}: its components form a cycle",
            )
        if spec.aggregation == Aggregation.SUM:
            self._sum(i)
        elif spec.aggregation == Aggregation.RECOMPUTE:
            self._recompute(i, stack)
        else:  # none: only a figure reported for the region itself
            self.full[i, self.n_l, :] = self.reported[i]
            self.is_reported[i] = ~np.isnan(self.reported[i])
        if spec.aggregation != Aggregation.NONE and (~np.isnan(self.reported[i])).any():
            raise InvalidParameters(
                f"指标 {spec.code} 的全区域数值由各地汇总，不应直接填报。",
                f"indicator {spec.code}: a region value is reported, but the region's value is "
                f"aggregated ({spec.aggregation.value}); report region values only for aggregation none",
            )
        self.done.add(i)

    def _sum(self, i: int) -> None:
        """The sum over the localities counted in region totals; those missing are named."""
        n_l = self.n_l
        block = self.full[i, :n_l, :][self.counted]
        self.full[i, n_l, :] = block.sum(axis=0) if block.shape[0] else np.nan
        gaps = np.isnan(self.full[i, :n_l, :][self.counted])  # (L_counted, Y)
        for y in np.flatnonzero(gaps.any(axis=0)).tolist():
            self.missing[(i, y)] = tuple(str(c) for c in self.counted_codes[gaps[:, y]])

    def _recompute(self, i: int, stack: tuple[int, ...]) -> None:
        """From the components' region values, by the kind's formula; the localities missing from
        a component are missing here too."""
        spec = self.indicators[i]
        parts = {role: self.index[code] for role, code in spec.components.items()}
        for part in parts.values():
            self.aggregate(part, (*stack, i))
        measure = measure_of(spec.kind)
        sources: list[tuple[int, int | None]]
        if measure.recompute == Recompute.RATIO:
            self._ratio(i, parts["numerator"], parts["denominator"])
            sources = [(parts["numerator"], None), (parts["denominator"], None)]
        else:
            b = self._rate_of_level(i, parts["level"], measure.scale)
            sources = [(parts["level"], b)]
        for y in range(len(self.years)):
            names: set[str] = set()
            for part, at in sources:
                names.update(self.missing.get((part, y), ()))
                if at is not None:
                    names.update(self.missing.get((part, at), ()))
            if names:
                self.missing[(i, y)] = tuple(sorted(names, key=self.order.__getitem__))

    def _ratio(self, i: int, numerator: int, denominator: int) -> None:
        """numerator ÷ denominator × 100; invalid where the denominator is not positive."""
        n_l = self.n_l
        num, den = self.full[numerator, n_l, :], self.full[denominator, n_l, :]
        bad = den <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            self.full[i, n_l, :] = np.where(bad, np.nan, num / den * 100.0)
        self.invalid[i] = bad

    def _rate_of_level(self, i: int, level_index: int, scale: Scale) -> int:
        """The rate of the component level over the base year; returns the base year's index."""
        years = self.years
        level = self.full[level_index, self.n_l, :]
        b = int(self.base_years[i]) - years[0]
        base = level[b]
        ys = np.array(years, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = level / base
            if scale == Scale.ANNUAL_GROWTH:
                span = ys - years[b]
                rate = np.where(
                    span > 0, (ratio ** (1.0 / np.where(span > 0, span, 1.0)) - 1.0) * 100, np.nan
                )
            elif scale == Scale.GROWTH:
                rate = (ratio - 1.0) * 100.0
            else:  # a decrease: the level should fall
                rate = (1.0 - ratio) * 100.0
        if not math.isnan(base) and base <= 0:
            self.invalid[i] = True
            rate = np.full(len(years), np.nan)
        self.full[i, self.n_l, :] = rate
        return b
