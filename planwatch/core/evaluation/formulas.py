"""The engine's formula for each kind of indicator, by the key its registry row names
(planwatch.core.kinds.Kind.formula).

A `Measure` says how the engine reads an indicator's values: as a level, or as a rate that stands
for a level index (1 + rate for a growth, 1 − rate for a decrease, compounded for an average annual
growth); where the way to the target starts (zero or the base value); what the Open SDG growth ratio
starts from; how forecasts are bounded; and how the region's value is recomputed from components.
indicator.py and aggregate.py compute with these traits, for every indicator at once.
The formulas themselves, with their sources, are in docs/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from planwatch.core.kinds import KINDS, Formula, IndicatorKind

__all__ = ["FORMULAS", "Measure", "Recompute", "Scale", "measure_of"]


class Scale(StrEnum):
    """What a value is on the way to the target."""

    LEVEL = "level"  # a level (a count, an amount, a share): compared as it is
    GROWTH = "growth"  # a growth rate in % over the base year: the level index is 1 + value / 100
    DECREASE = "decrease"  # a decrease in % from the base year: the level index is 1 − value / 100
    ANNUAL_GROWTH = "annual_growth"  # an average annual growth rate in %: compounded over the years


class Recompute(StrEnum):
    """How a recomputed region value is made from its components' region values."""

    RATIO = "ratio"  # numerator ÷ denominator × 100
    RATE_OF_LEVEL = "rate_of_level"  # the rate (by the scale) of the component level over the base year


@dataclass(frozen=True)
class Measure:
    scale: Scale
    from_zero: bool = False  # the way to the target starts at 0, not at the base value
    from_start: bool = False  # counted from the plan's start: measured from the year before it, and
    # the growth ratio from the first value reported
    floor: float | None = None  # forecasts are not below this
    ceiling: float | None = None  # nor above this
    recompute: Recompute | None = None  # None: cannot be recomputed


FORMULAS: dict[Formula, Measure] = {
    Formula.COUNT: Measure(Scale.LEVEL, from_zero=True, from_start=True, floor=0.0),
    Formula.LEVEL: Measure(Scale.LEVEL),
    Formula.SHARE: Measure(Scale.LEVEL, floor=0.0, ceiling=100.0, recompute=Recompute.RATIO),
    Formula.ANNUAL_GROWTH: Measure(Scale.ANNUAL_GROWTH, recompute=Recompute.RATE_OF_LEVEL),
    Formula.GROWTH_OVER_BASE: Measure(Scale.GROWTH, from_zero=True, recompute=Recompute.RATE_OF_LEVEL),
    Formula.DECREASE: Measure(Scale.DECREASE, from_zero=True, recompute=Recompute.RATE_OF_LEVEL),
}


def measure_of(kind: IndicatorKind) -> Measure:
    """The engine's formula for an indicator of this kind."""
    return FORMULAS[KINDS[kind].formula]
