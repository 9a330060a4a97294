"""Deterministic sample data (示例数据): locality targets and actual values for demonstrations.

None of these numbers is an official figure. They are drawn from a seeded random generator so that
every run gives the same data, and they respect the plan's structure: locality targets of additive
indicators add up to the region's target (without counting a district inside its city twice),
counts are whole numbers, cumulative counts never fall, shares and growth rates are computed from
their components, and a numerator with no target of its own never exceeds its denominator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from planwatch.core.kinds import KINDS, UNITS, YEARLY, Aggregation, Formula, IndicatorKind


@dataclass(frozen=True)
class SampleLocality:
    code: str
    counted_in_region_total: bool
    parent: str | None = None


@dataclass(frozen=True)
class SampleIndicator:
    code: str
    kind: IndicatorKind
    aggregation: Aggregation
    integer: bool  # counts are whole numbers
    region_target: Decimal | None  # the region's target for the plan's end year, if any
    target_year: int
    base_year: int | None = None
    base_value: Decimal | None = None
    components: dict[str, str] = field(default_factory=dict)
    fixed_targets: dict[str, Decimal] = field(default_factory=dict)  # locality targets from the text
    unit: str = ""


@dataclass
class SampleData:
    # (indicator, locality, year) → value
    targets: dict[tuple[str, str, int], Decimal] = field(default_factory=dict)
    actuals: dict[tuple[str, str, int], Decimal] = field(default_factory=dict)


def canonical_running(value: Decimal) -> Decimal:
    """A running total as stored: to 6 decimals, the most the database keeps."""
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _round(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _split(total: float, weights: dict[str, float], integer: bool) -> dict[str, float]:
    """Split `total` by weights; for whole numbers, by largest remainder so the parts add up."""
    raw = {code: total * w / sum(weights.values()) for code, w in weights.items()}
    if not integer:
        return raw
    floors = {code: int(v) for code, v in raw.items()}
    short = round(total) - sum(floors.values())
    for code in sorted(raw, key=lambda c: raw[c] - floors[c], reverse=True)[:short]:
        floors[code] += 1
    return {code: float(v) for code, v in floors.items()}


def generate(
    indicators: list[SampleIndicator],
    localities: list[SampleLocality],
    years: range,
    start_year: int,
    seed: str,
) -> SampleData:
    """Targets and values for every indicator, locality and year, the same for the same seed."""
    sampler = _Sampler(indicators, localities, years, start_year, random.Random(seed))
    # Additive indicators first: growth rates and shares are computed from them afterwards.
    for ind in sorted(indicators, key=lambda i: i.aggregation != Aggregation.SUM):
        if ind.aggregation != Aggregation.SUM or ind.code in sampler.parts:
            continue
        if _formula(ind) == Formula.COUNT:
            sampler.count(ind)
        else:
            sampler.level(ind)
    for numerator, (denominator, share) in sampler.parts.items():
        sampler.part(numerator, denominator, share)
    for ind in indicators:
        if ind.aggregation != Aggregation.SUM:
            sampler.derived(ind)
    for ind in indicators:
        if YEARLY in ind.components:
            sampler.running_total(ind, sampler.by_code[ind.components[YEARLY]])
    return sampler.data


def _formula(ind: SampleIndicator) -> Formula:
    return KINDS[ind.kind].formula


class _Sampler:
    """The random draws and the levels drawn so far, shared by the steps of `generate`."""

    def __init__(
        self,
        indicators: list[SampleIndicator],
        localities: list[SampleLocality],
        years: range,
        start_year: int,
        rng: random.Random,
    ) -> None:
        self.years, self.start_year, self.rng = years, start_year, rng
        self.data = SampleData()
        self.counted = [loc.code for loc in localities if loc.counted_in_region_total]
        # Districts inside a counted city: a share of their city's figures.
        self.inner = {
            loc.code: loc.parent for loc in localities if not loc.counted_in_region_total and loc.parent
        }
        self.inner_share = {code: rng.uniform(0.3, 0.45) for code in self.inner}
        self.size = {code: rng.uniform(0.5, 2.0) for code in self.counted}  # a locality's economic weight
        # How well each locality performs.
        self.pace = {code: rng.uniform(0.78, 1.12) for code in [*self.counted, *self.inner]}
        self.every = [*self.counted, *self.inner]
        self.levels: dict[tuple[str, str, int], float] = {}
        self.by_code = {ind.code: ind for ind in indicators}
        # A numerator without a target of its own (C06 of I28) is drawn as a part of its denominator,
        # so that it never exceeds it: numerator → (denominator, the share indicator).
        self.parts = {
            ind.components["numerator"]: (ind.components["denominator"], ind)
            for ind in indicators
            if _formula(ind) == Formula.SHARE
            and ind.aggregation == Aggregation.RECOMPUTE
            and _additive_level(self.by_code.get(ind.components.get("numerator", "")))
            and _additive_level(self.by_code.get(ind.components.get("denominator", "")))
            and self.by_code[ind.components["numerator"]].region_target is None
        }

    def put(
        self,
        store: dict[tuple[str, str, int], Decimal],
        key: tuple[str, str, int],
        value: float,
        integer: bool,
    ) -> None:
        store[key] = Decimal(round(value)) if integer else _round(value, 2)

    def with_inner(self, values: dict[str, float], integer: bool) -> dict[str, float]:
        out = dict(values)
        for code, parent in self.inner.items():
            share = values[parent] * self.inner_share[code]
            out[code] = float(round(share)) if integer else share
        return out

    def keep_cities_ahead(self, ind: SampleIndicator, span: range) -> None:
        """A city's figures include its districts': what a district adds in a year, its city adds
        at least as much, so that the city's own ledger rows (the city's count less the district's)
        never have to fall."""
        levels = self.levels
        for child, parent in self.inner.items():
            for year in span:
                gained = levels[(ind.code, child, year)] - levels.get((ind.code, child, year - 1), 0.0)
                floor = levels.get((ind.code, parent, year - 1), 0.0) + gained
                if levels[(ind.code, parent, year)] < floor:
                    levels[(ind.code, parent, year)] = floor
                    self.put(self.data.actuals, (ind.code, parent, year), floor, ind.integer)

    def count(self, ind: SampleIndicator) -> None:
        """A count from the plan's start: targets rising to the final one, values that never fall."""
        assert ind.region_target is not None, ind.code
        final = _final_targets(ind, float(ind.region_target), self.size, self.every, self.with_inner)
        start, last = self.start_year, self.years[-1]
        for code in self.every:
            final_target = final[code]
            span = ind.target_year - start + 1
            for year in range(start, last + 1):
                done = min(year - start + 1, span) / span
                self.put(self.data.targets, (ind.code, code, year), final_target * done, ind.integer)
                reached = final_target * done * self.pace[code] * self.rng.uniform(0.95, 1.05)
                previous = self.levels.get((ind.code, code, year - 1), 0.0)
                value = max(previous, round(reached) if ind.integer else reached)
                self.levels[(ind.code, code, year)] = value
                self.put(self.data.actuals, (ind.code, code, year), value, ind.integer)
        self.keep_cities_ahead(ind, range(start, last + 1))

    def running_total(self, ind: SampleIndicator, yearly: SampleIndicator) -> None:
        """A cumulative sum's values are the running sums of its yearly figures' from the plan's start,
        in its own unit (so that they keep validation.check_running_total)."""
        ratio = UNITS[yearly.unit].scale / UNITS[ind.unit].scale
        for code in self.every:
            running = Decimal(0)
            for year in range(self.start_year, self.years[-1] + 1):
                figure = self.data.actuals.get((yearly.code, code, year))
                if figure is None:
                    break
                running += figure
                self.data.actuals[(ind.code, code, year)] = canonical_running(running * ratio)

    def level(self, ind: SampleIndicator) -> None:
        """A level: a base below the target, then a path towards it."""
        rng, years, counted = self.rng, self.years, self.counted
        first, last = years[0], years[-1]
        target = float(ind.region_target) if ind.region_target is not None else None
        if target is None:
            start = _split(rng.uniform(400, 3000), self.size, False)
            growth = {code: rng.uniform(0.06, 0.2) for code in counted}
            path = {
                code: [start[code] * (1 + growth[code]) ** (y - first) for y in years] for code in counted
            }
        else:
            # Where the text implies a base (1.08 million is +20 % over 2016), start from it.
            ratio = float(ind.base_value) / target if ind.base_value else rng.uniform(0.65, 0.85)
            final = _final_targets(ind, target, self.size, self.every, self.with_inner)
            span = ind.target_year - first
            noise = {code: rng.uniform(0.94, 1.04) for code in counted}
            path = {
                code: [
                    final[code]
                    * (ratio + (1 - ratio) * self.pace[code] * (y - first) / span)
                    * noise[code] ** (y - first)
                    for y in years
                ]
                for code in counted
            }
            for code in self.every:
                for year in range(self.start_year, last + 1):
                    goal = final[code] * (ratio + (1 - ratio) * (year - first) / span)
                    self.put(self.data.targets, (ind.code, code, year), goal, ind.integer)
        for i, year in enumerate(years):
            values = self.with_inner({code: path[code][i] for code in counted}, ind.integer)
            for code, value in values.items():
                value = round(value) if ind.integer else value
                self.levels[(ind.code, code, year)] = value
                self.put(self.data.actuals, (ind.code, code, year), value, ind.integer)
        if ind.integer:  # things counted one by one, which a ledger may list
            self.keep_cities_ahead(ind, years)

    def part(self, numerator: str, denominator: str, share: SampleIndicator) -> None:
        """A numerator drawn as a part of its denominator."""
        rng, years, counted, levels = self.rng, self.years, self.counted, self.levels
        first = years[0]
        integer = self.by_code[numerator].integer
        # The share rises from about two thirds of its goal towards the goal (the share's own
        # target, else a draw), at each locality's pace, never above 100 %.
        goal = float(share.region_target) / 100 if share.region_target is not None else rng.uniform(0.7, 0.95)
        span = max(share.target_year - first, 1)
        begin = {code: goal * rng.uniform(0.55, 0.8) for code in counted}
        for year in years:
            attained = {
                code: min(1.0, begin[code] + (goal - begin[code]) * self.pace[code] * (year - first) / span)
                for code in counted
            }
            whole = {code: levels[(denominator, code, year)] for code in counted}
            part = {code: whole[code] * attained[code] for code in counted}
            # Rounding is monotone: a district's part (a share of its city's) stays within its whole.
            for code, value in self.with_inner(part, integer).items():
                value = min(round(value) if integer else value, levels[(denominator, code, year)])
                levels[(numerator, code, year)] = value
                self.put(self.data.actuals, (numerator, code, year), value, integer)

    def derived(self, ind: SampleIndicator) -> None:
        """A rate or a share computed from its components (or drawn), and its targets."""
        first, last = self.years[0], self.years[-1]
        for code in self.every:
            for year in self.years:
                derived = _derived(ind, code, year, self.levels, self.rng)
                if derived is not None:
                    self.put(self.data.actuals, (ind.code, code, year), derived, False)
            if ind.region_target is not None:
                for year in range(self.start_year, last + 1):
                    self.put(self.data.targets, (ind.code, code, year), float(ind.region_target), False)
            elif _formula(ind) == Formula.DECREASE:
                for year in range(self.start_year, last + 1):
                    goal = self.rng.uniform(3.5, 4.5) * (year - (ind.base_year or first))
                    self.put(self.data.targets, (ind.code, code, year), goal, False)


def _additive_level(ind: SampleIndicator | None) -> bool:
    return ind is not None and ind.aggregation == Aggregation.SUM and _formula(ind) == Formula.LEVEL


def _final_targets(
    ind: SampleIndicator,
    target: float,
    size: dict[str, float],
    every: list[str],
    with_inner: Callable[[dict[str, float], bool], dict[str, float]],
) -> dict[str, float]:
    """Each locality's target for the end year: the text's own where it names them, else a split.
    Where the text names some localities only, what their targets leave of the region's is split
    among the counted localities it does not name (none where they cover it: the others get 0)."""
    if ind.fixed_targets:
        fixed = {code: float(ind.fixed_targets[code]) for code in every if code in ind.fixed_targets}
        rest = {code: weight for code, weight in size.items() if code not in fixed}
        left = target - sum(value for code, value in fixed.items() if code in size)
        shares = _split(left, rest, ind.integer) if rest and left > 0 else {}
        return {code: fixed.get(code, shares.get(code, 0.0)) for code in every}
    return with_inner(_split(target, size, ind.integer), ind.integer)


def _derived(
    ind: SampleIndicator, code: str, year: int, levels: dict[tuple[str, str, int], float], rng: random.Random
) -> float | None:
    """A growth rate or a share, computed from the component levels; or a standalone percentage."""
    base_year = ind.base_year
    formula = _formula(ind)
    if formula in (Formula.ANNUAL_GROWTH, Formula.GROWTH_OVER_BASE) and base_year:
        level = ind.components.get("level")
        now, base = levels.get((level or "", code, year)), levels.get((level or "", code, base_year))
        if now is None or not base or year <= base_year:
            return None
        if formula == Formula.GROWTH_OVER_BASE:
            return (now / base - 1) * 100
        annual: float = ((now / base) ** (1 / (year - base_year)) - 1) * 100
        return annual
    if formula == Formula.SHARE:
        if ind.components:
            part = levels.get((ind.components["numerator"], code, year))
            whole = levels.get((ind.components["denominator"], code, year))
            return part / whole * 100 if part is not None and whole else None
        return min(100.0, rng.uniform(70, 90) + 4 * (year - 2016))
    if formula == Formula.DECREASE:
        since = year - (base_year or 2015)
        return max(0.0, rng.uniform(3.0, 4.6) * since)
    return None
