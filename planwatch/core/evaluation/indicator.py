"""Per indicator, scope and year: completion, share of the way, pace (时序进度), Open SDG's growth
ratio, a forecast for the target year, and an explicit outcome.

Everything is computed at once on the panel's arrays (indicator × scope × year) with numpy; the
results for the years asked for are then turned into `IndicatorResult`s. The formulas, their
sources and the defaults are in docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planwatch.core import gcpause
from planwatch.core.evaluation.aggregate import QUALIFIERS, Panel
from planwatch.core.evaluation.formulas import Measure, Scale, measure_of
from planwatch.core.evaluation.types import (
    AnnualVerdict,
    ForecastMethod,
    IndicatorParameters,
    IndicatorResult,
    IndicatorSpec,
    Note,
    Outcome,
    PaceStatus,
    ResultColumns,
)
from planwatch.core.kinds import Aggregation, Direction, Reach

__all__ = ["PanelEvaluation", "evaluate_panel", "indicator_results"]

OUTCOMES = list(Outcome)
ANNUALS = list(AnnualVerdict)
PACES = list(PaceStatus)
METHODS = [ForecastMethod.LINEAR, ForecastMethod.COMPOUND]
NOTES = list(Note)
_BIT = {note: np.uint32(1 << k) for k, note in enumerate(NOTES)}
_STRICT = [k for k, q in enumerate(QUALIFIERS) if q.reach == Reach.STRICT]
_TOLERANT = [k for k, q in enumerate(QUALIFIERS) if q.reach == Reach.TOLERANT]

DECIMALS = 12  # status boundaries are compared after rounding to this many decimals
RELATIVE_TOLERANCE = 1e-9  # "target met": value ≥ target − 1e-9 × max(1, |target|)


@dataclass(frozen=True, eq=False)
class PanelEvaluation:
    """Every measure over (indicator, scope, year). NaN / −1 mean "none"; notes is a bit set."""

    panel: Panel
    year_target: (
        np.ndarray
    )  # the target the year is judged against (its own; the final one from the final year)
    year_qualifier: np.ndarray  # int8 index into QUALIFIERS
    met: np.ndarray  # int8: 1 met, 0 not met, −1 unknown
    completion: np.ndarray
    annual: np.ndarray  # int8 index into AnnualVerdict, −1 none
    target: np.ndarray  # the final target
    target_year: np.ndarray  # its year (NaN: none)
    progress: np.ndarray
    elapsed: np.ndarray
    pace_gap: np.ndarray
    pace: np.ndarray  # int8 index into PaceStatus, −1 none
    sdg_ratio: np.ndarray
    forecast: np.ndarray
    forecast_method: np.ndarray  # int8 index into (linear, compound), −1 none
    likely_met: np.ndarray  # int8
    outcome: np.ndarray  # int8 index into Outcome
    notes: np.ndarray  # uint32 bit set over Note


def _meets(
    value: np.ndarray, target: np.ndarray, higher: np.ndarray, qualifier: np.ndarray, about: float
) -> np.ndarray:
    """int8: 1 when value reaches target in the indicator's direction by the target's qualifier
    (超: beyond it; 左右 / 约 / 基本实现: within `about` of it; otherwise at or beyond it), 0 when not,
    −1 when unknown. A relative 1e-9 absorbs rounding."""
    with np.errstate(invalid="ignore"):
        diff = np.where(higher, value - target, target - value)
        eps = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(target))
        strict = np.isin(qualifier, _STRICT)
        tolerant = np.isin(qualifier, _TOLERANT)
        ok = np.where(
            strict, diff > eps, np.where(tolerant, diff >= -(about * np.abs(target) + eps), diff >= -eps)
        )
    known = np.isfinite(value) & np.isfinite(target)
    return np.where(known, ok.astype(np.int8), np.int8(-1)).astype(np.int8)


def _completion(value: np.ndarray, target: np.ndarray, higher: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of the target reached, and where it is undefined for want of a positive target."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(higher, value / target, target / value)
        ok = np.where(higher, target > 0, (target >= 0) & (value > 0))
    known = np.isfinite(value) & np.isfinite(target)
    bad_target = known & np.where(higher, target <= 0, target < 0)
    return np.where(known & ok, ratio, np.nan), bad_target


def _final_targets(panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each scope's final target (规划目标), shape (I, S, 1): its target for the plan's end year, else
    its first target after it; never one of an earlier year. With its year and qualifier."""
    tg = panel.targets
    n_i, n_s, _ = tg.shape
    end = panel.period.end_year - panel.years[0]
    later = ~np.isnan(tg[:, :, end:])
    found = later.any(axis=2)
    j = end + np.argmax(later, axis=2)
    rows, cols = np.arange(n_i)[:, None], np.arange(n_s)[None, :]
    target = np.where(found, tg[rows, cols, j], np.nan)[:, :, None]
    year = np.where(found, panel.years[0] + j, np.nan).astype(np.float64)[:, :, None]
    qualifier = np.where(found, panel.qualifiers[rows, cols, j], 0).astype(np.int8)[:, :, None]
    return target, year, qualifier


def _status(value: np.ndarray, bounds: Iterable[float]) -> np.ndarray:
    """int8 index of the first bound the (rounded) value reaches; len(bounds) below all; −1 for NaN."""
    bounds = list(bounds)
    rounded = np.round(value, DECIMALS)
    out = np.full(value.shape, len(bounds), dtype=np.int8)
    for k in range(len(bounds) - 1, -1, -1):
        with np.errstate(invalid="ignore"):
            out = np.where(rounded >= round(bounds[k], DECIMALS), np.int8(k), out)
    return np.where(np.isnan(value), np.int8(-1), out).astype(np.int8)


@dataclass(frozen=True, eq=False)
class _Traits:
    """Each indicator's formula (planwatch.core.evaluation.formulas) as arrays of shape (I, 1, 1)."""

    measures: tuple[Measure, ...]
    higher: np.ndarray  # higher is better
    annual: np.ndarray  # an average annual growth rate: compounded
    from_zero: np.ndarray  # the way to the target starts at 0
    level_like: np.ndarray  # compared as a level
    decrease: np.ndarray  # a decrease: the level index is 1 − value / 100

    @classmethod
    def of(cls, specs: tuple[IndicatorSpec, ...]) -> _Traits:
        measures = tuple(measure_of(spec.kind) for spec in specs)

        def column(values: Iterable[bool]) -> np.ndarray:
            return np.array(list(values))[:, None, None]

        return cls(
            measures=measures,
            higher=column(spec.direction == Direction.HIGHER_IS_BETTER for spec in specs),
            annual=column(m.scale == Scale.ANNUAL_GROWTH for m in measures),
            from_zero=column(m.from_zero for m in measures),
            level_like=column(m.scale == Scale.LEVEL for m in measures),
            decrease=column(m.scale == Scale.DECREASE for m in measures),
        )


class _Notes:
    """The notes of every (indicator, scope, year), as a bit set over Note."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.bits = np.zeros(shape, dtype=np.uint32)

    def add(self, where: np.ndarray, what: Note) -> None:
        np.bitwise_or(self.bits, _BIT[what], out=self.bits, where=where)  # in place: one pass


@dataclass(frozen=True, eq=False)
class _Frame:
    """What every step of `evaluate_panel` reads: the values, the final targets, the base."""

    panel: Panel
    traits: _Traits
    a: np.ndarray  # values (I, S, Y)
    yr: np.ndarray  # years (1, 1, Y)
    b: np.ndarray  # base years (I, 1, 1)
    bv: np.ndarray  # base values (I, S, 1)
    target: np.ndarray  # final targets (I, S, 1)
    target_year: np.ndarray
    has_a: np.ndarray
    has_t: np.ndarray
    both: np.ndarray
    targeted: np.ndarray  # (I, 1, 1): the indicator has a target somewhere (a component has none)
    is_region: np.ndarray  # (1, S, 1): the region's scope, the last
    applies: np.ndarray  # (I, S, 1): judged (targeted, and not the region where the plan sets none)


def evaluate_panel(panel: Panel, params: IndicatorParameters | None = None) -> PanelEvaluation:
    """Every measure for every indicator, scope and year of the panel."""
    params = params or IndicatorParameters()
    a = panel.values
    traits = _Traits.of(panel.indicators)
    final, final_year, final_q = _final_targets(panel)
    target = np.broadcast_to(final, a.shape)
    target_year = np.broadcast_to(final_year, a.shape)
    has_a, has_t = np.isfinite(a), np.isfinite(target)
    region_target = np.array([spec.region_target for spec in panel.indicators])[:, None, None]
    is_region = (np.arange(a.shape[1]) == a.shape[1] - 1)[None, :, None]
    targeted = np.isfinite(panel.targets).any(axis=(1, 2))[:, None, None]  # a component has none
    f = _Frame(
        panel=panel,
        traits=traits,
        a=a,
        yr=np.array(panel.years, dtype=np.float64)[None, None, :],
        b=panel.base_years.astype(np.float64)[:, None, None],
        bv=panel.base_values[:, :, None],
        target=target,
        target_year=target_year,
        has_a=has_a,
        has_t=has_t,
        both=has_a & has_t,
        targeted=targeted,
        is_region=is_region,
        applies=targeted & ~(is_region & ~region_target),
    )
    notes = _Notes(a.shape)
    after_end = f.yr > panel.period.end_year
    year_target = np.where(after_end, target, panel.targets)
    year_q = np.where(after_end, final_q, panel.qualifiers).astype(np.int8)
    about = params.completion.about
    met = _meets(a, year_target, traits.higher, year_q, about)
    completion, bad_target = _completion(a, year_target, traits.higher)
    notes.add(bad_target, Note.TARGET_NOT_POSITIVE)
    annual = _annual(f, year_target, met, completion, params, notes)
    progress = _progress(f, notes)
    elapsed, pace_gap, pace = _pace(f, progress, params, notes)
    forecast, forecast_method = _forecast(f, notes)
    return PanelEvaluation(
        panel=panel,
        year_target=year_target,
        year_qualifier=year_q,
        met=met,
        completion=completion,
        annual=annual,
        target=target,
        target_year=target_year,
        progress=progress,
        elapsed=elapsed,
        pace_gap=pace_gap,
        pace=pace,
        sdg_ratio=_sdg(f, notes),
        forecast=forecast,
        forecast_method=forecast_method,
        likely_met=_meets(forecast, target, traits.higher, np.broadcast_to(final_q, a.shape), about),
        outcome=_outcome(f, notes),
        notes=notes.bits,
    )


def _annual(
    f: _Frame,
    year_target: np.ndarray,
    met: np.ndarray,
    completion: np.ndarray,
    params: IndicatorParameters,
    notes: _Notes,
) -> np.ndarray:
    """完成 / 基本完成 / 未完成 against the year's target; 无年度目标 where the scope has none."""
    judged = f.has_a & np.isfinite(year_target)
    missing = f.has_a & ~np.isfinite(year_target) & f.applies
    notes.add(missing, Note.NO_YEAR_TARGET)
    nearly = _status(completion, (params.completion.nearly_met,)) == 0
    verdict = np.select(
        [judged & (met == 1), judged & nearly, judged, missing],
        [ANNUALS.index(v) for v in (AnnualVerdict.MET, AnnualVerdict.NEARLY_MET, AnnualVerdict.NOT_MET)]
        + [ANNUALS.index(AnnualVerdict.NO_TARGET)],
        -1,
    )
    return verdict.astype(np.int8)


def _progress(f: _Frame, notes: _Notes) -> np.ndarray:
    """The share of the way from the base to the final target (compounded for an average annual rate)."""
    a, target, b, both, t = f.a, f.target, f.b, f.both, f.traits
    notes.add(f.has_a & ~f.has_t & f.applies, Note.NO_FINAL_TARGET)
    is_avg = t.annual
    base0 = np.where(t.from_zero, 0.0, f.bv)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = (a - base0) / (target - base0)
        ga, gt = 1.0 + a / 100.0, 1.0 + target / 100.0
        compound = (f.yr - b) * np.log(ga) / ((f.target_year - b) * np.log(gt))
    no_base = both & ~is_avg & np.isnan(base0)
    notes.add(no_base, Note.NO_BASE)
    same = both & ~is_avg & (target == base0)
    # A target on the wrong side of the base (below it where higher is better) leaves no way to
    # cover: a share of it would fall as the value rises.
    better = np.where(t.higher, 1.0, -1.0)
    with np.errstate(invalid="ignore"):
        behind = both & np.where(is_avg, (gt - 1.0) * better < 0, (target - base0) * better < 0)
    notes.add(behind, Note.TARGET_BEHIND_BASE)
    bad_growth = both & is_avg & ((ga <= 0) | (gt <= 0))
    notes.add(same | (both & is_avg & (gt == 1.0)), Note.TARGET_EQUALS_BASE)
    notes.add(bad_growth, Note.UNDEFINED_GROWTH)
    progress_ok = (
        both
        & np.where(is_avg, (ga > 0) & (gt > 0) & (gt != 1.0) & (f.target_year > b), ~no_base & ~same)
        & ~behind
    )
    return np.where(progress_ok, np.where(is_avg, compound, linear), np.nan)


def _pace(
    f: _Frame, progress: np.ndarray, params: IndicatorParameters, notes: _Notes
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The share of the way against the share of the period elapsed (时序进度): elapsed, gap, status.
    Before the final target's year only: from then on only the completion verdict applies."""
    span = f.target_year - f.b
    with np.errstate(divide="ignore", invalid="ignore"):
        elapsed = np.where(f.has_t & (span > 0), np.clip((f.yr - f.b) / span, 0.0, 1.0), np.nan)
    started = elapsed > 0
    before_final = f.yr < f.target_year
    notes.add(f.both & (elapsed == 0), Note.BEFORE_BASE_YEAR)
    notes.add(f.both & ~before_final, Note.FINAL_YEAR_REACHED)
    judged = started & before_final & np.isfinite(progress)
    pace_gap = np.where(judged, progress - np.where(started, elapsed, 0.0), np.nan)
    th = params.pace
    return elapsed, pace_gap, _status(pace_gap, (th.ahead, th.on_pace, th.lagging))


def _sdg(f: _Frame, notes: _Notes) -> np.ndarray:
    """Open SDG's ratio of observed to required compound growth, for growth kinds only (a level or
    a count does not compound): a supporting figure that sets no status."""
    a, target, yr, b, both, t = f.a, f.target, f.yr, f.b, f.both, f.traits
    growth = ~t.level_like
    is_avg, decrease = t.annual, t.decrease
    sign = np.where(t.higher, 1.0, -1.0)
    ut = np.where(decrease, 1.0 - a / 100.0, 1.0 + a / 100.0)
    uT = np.where(decrease, 1.0 - target / 100.0, 1.0 + target / 100.0)
    d = np.where(decrease, -sign, sign)
    n_obs, n_req = yr - b, f.target_year - b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cagr_o = np.where(is_avg, a / 100.0, ut ** (1.0 / n_obs) - 1.0)
        cagr_r = np.where(is_avg, target / 100.0, uT ** (1.0 / n_req) - 1.0)
        ratio = d * cagr_o / np.abs(cagr_r)
    history_ok = (n_obs >= 1) & (n_req >= 1)
    growth_ok = is_avg | ((ut >= 0) & (uT >= 0))
    judged = both & growth
    notes.add(judged & ~growth_ok, Note.UNDEFINED_GROWTH)
    notes.add(judged & ~history_ok, Note.INSUFFICIENT_HISTORY)
    notes.add(judged & history_ok & growth_ok & (cagr_r == 0), Note.TARGET_EQUALS_BASE)
    return np.where(judged & history_ok & growth_ok & np.isfinite(ratio), ratio, np.nan)


def _forecast(f: _Frame, notes: _Notes) -> tuple[np.ndarray, np.ndarray]:
    """A forecast for the target year: least squares on the values (or log level index) so far."""
    a, yr, b, t = f.a, f.yr, f.b, f.traits
    panel = f.panel
    level_like, decrease, is_avg = t.level_like, t.decrease, t.annual
    series = a.copy()
    rows = np.arange(a.shape[0])
    b_idx = panel.base_years - panel.years[0]
    at_base = series[rows, :, b_idx]  # (I, S)
    counted_from_zero = level_like[:, :, 0] & t.from_zero[:, :, 0]
    base_point = np.where(counted_from_zero, 0.0, np.where(level_like[:, :, 0], panel.base_values, np.nan))
    series[rows, :, b_idx] = np.where(np.isnan(at_base), base_point, at_base)
    # The log level index of the growth kinds, computed on their indicators' rows only (the
    # same numbers, element by element: a level's rows keep their values).
    growth = np.flatnonzero(~level_like[:, 0, 0])
    g_a, g_b, g_avg, g_decrease = a[growth], b[growth], is_avg[growth], decrease[growth]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_index = np.where(
            g_avg,
            (yr - g_b) * np.log(1.0 + g_a / 100.0),
            np.where(g_decrease, np.log(1.0 - g_a / 100.0), np.log(1.0 + g_a / 100.0)),
        )
    log_index = np.where(
        yr == g_b, np.where(np.isnan(g_a) | ~np.isfinite(log_index), 0.0, log_index), log_index
    )
    series[growth] = log_index
    series = np.where(yr >= b, series, np.nan)
    ok = np.isfinite(series)
    x = np.broadcast_to(yr - b, a.shape)
    n = np.cumsum(ok, axis=2).astype(np.float64)
    sx = np.cumsum(np.where(ok, x, 0.0), axis=2)
    sy = np.cumsum(np.where(ok, series, 0.0), axis=2)
    sxx = np.cumsum(np.where(ok, x * x, 0.0), axis=2)
    sxy = np.cumsum(np.where(ok, x * series, 0.0), axis=2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        denom = n * sxx - sx * sx
        slope = (n * sxy - sx * sy) / denom
        intercept = (sy - slope * sx) / n
        xt = f.target_year - b
        fitted = intercept + slope * xt
        g_fitted, g_xt = fitted[growth], xt[growth]
        back = np.where(
            g_avg,
            (np.exp(g_fitted / g_xt) - 1.0) * 100.0,
            np.where(g_decrease, (1.0 - np.exp(g_fitted)) * 100.0, (np.exp(g_fitted) - 1.0) * 100.0),
        )
    value = fitted.copy()
    value[growth] = back  # the growth kinds' back from the log level index, the levels' as fitted
    value = _bounded(value, t.measures)
    future = f.has_t & (f.target_year > yr)
    fc_ok = future & f.has_a & (n >= 2) & (denom > 0) & np.isfinite(value)
    notes.add(f.both & future & (n < 2), Note.INSUFFICIENT_HISTORY)
    forecast_method = np.where(fc_ok, np.where(level_like, np.int8(0), np.int8(1)), np.int8(-1))
    return np.where(fc_ok, value, np.nan), forecast_method.astype(np.int8)


def _bounded(value: np.ndarray, measures: tuple[Measure, ...]) -> np.ndarray:
    """Forecasts within their formula's floor and ceiling (a share within 0 to 100, a count ≥ 0)."""
    for measure in set(measures):
        low, high = measure.floor, measure.ceiling
        if low is not None and high is not None:
            limited = np.clip(value, low, high)
        elif low is not None:
            limited = np.maximum(value, low)
        elif high is not None:
            limited = np.minimum(value, high)
        else:
            continue
        rows = np.array([m == measure for m in measures])[:, None, None]
        value = np.where(rows, limited, value)
    return value


def _outcome(f: _Frame, notes: _Notes) -> np.ndarray:
    """Whether the result can be judged, first rule that applies."""
    panel, a, has_a = f.panel, f.a, f.has_a
    region = a.shape[1] - 1
    targeted, is_region = f.targeted, f.is_region
    not_additive = np.array([spec.aggregation == Aggregation.NONE for spec in panel.indicators])[
        :, None, None
    ]
    notes.add(np.broadcast_to(~targeted, a.shape), Note.NO_TARGETS)
    notes.add(np.broadcast_to(targeted & ~f.applies, a.shape), Note.NO_REGION_TARGET)
    region_none = is_region & not_additive & ~has_a
    notes.add(region_none, Note.NOT_ADDITIVE)
    invalid_region = np.zeros(a.shape, dtype=bool)
    invalid_region[:, region, :] = panel.region_invalid_base
    notes.add(invalid_region, Note.INVALID_BASE)
    missing_region = np.zeros(a.shape, dtype=bool)
    for i, y in panel.region_missing:
        missing_region[i, region, y] = True
    notes.add(missing_region & ~has_a, Note.MISSING_LOCALITIES)
    return np.select(
        [~f.applies | region_none, invalid_region & ~has_a, ~has_a],
        [OUTCOMES.index(o) for o in (Outcome.NOT_APPLICABLE, Outcome.INVALID_BASE, Outcome.MISSING_DATA)],
        OUTCOMES.index(Outcome.EVALUATED),
    ).astype(np.int8)


_FIELDS = (
    "year_target",
    "year_qualifier",
    "met",
    "completion",
    "annual",
    "target",
    "target_year",
    "progress",
    "elapsed",
    "pace_gap",
    "pace",
    "sdg_ratio",
    "forecast",
    "forecast_method",
    "likely_met",
    "outcome",
    "notes",
)
_NOTES_OF: dict[int, tuple[Note, ...]] = {}


def _none(x: float) -> float | None:
    return None if x != x else x  # NaN is the only value not equal to itself


def _notes(bits: int) -> tuple[Note, ...]:
    notes = _NOTES_OF.get(bits)
    if notes is None:
        notes = _NOTES_OF[bits] = tuple(note for k, note in enumerate(NOTES) if bits >> k & 1)
    return notes


def indicator_results(
    ev: PanelEvaluation,
    years: Iterable[int] | None = None,
    *,
    indicators: Iterable[str] | None = None,
    scopes: Iterable[str] | None = None,
) -> ResultColumns | tuple[IndicatorResult, ...]:
    """Results by indicator (panel order), scope (localities in order, then REGION) and year (a
    ResultColumns: it reads as the tuple of them; () when none is asked for)."""
    panel = ev.panel
    ys = (
        [panel.year_index(y) for y in sorted(set(years))]
        if years is not None
        else list(range(len(panel.years)))
    )
    wanted_i = None if indicators is None else set(indicators)
    wanted_s = None if scopes is None else set(scopes)
    scope_codes = panel.scopes
    ii = [i for i, spec in enumerate(panel.indicators) if wanted_i is None or spec.code in wanted_i]
    ss = [s for s, code in enumerate(scope_codes) if wanted_s is None or code in wanted_s]
    if not ii or not ss or not ys:
        return ()
    # Hundreds of thousands of small objects: the cyclic garbage collector would walk the big lists
    # made here again and again while they grow, for nothing (they hold no cycles).
    with gcpause.paused():
        return _results(ev, ii, ss, ys)


def _results(ev: PanelEvaluation, ii: list[int], ss: list[int], ys: list[int]) -> ResultColumns:
    """The results, each field made for all at once from the arrays (by indicator, scope, year), as
    columns: the objects are made when first read (types.ResultColumns)."""
    panel = ev.panel
    pick = np.ix_(ii, ss, ys)
    shape = (len(ii), len(ss), len(ys))

    def cells(array: np.ndarray) -> np.ndarray:
        return np.broadcast_to(array, panel.values.shape)[pick].reshape(-1)

    def per(items: list[Any], axis: int) -> np.ndarray:  # one item per indicator (0) or scope (1)
        return _spread(_objects(items), axis, shape)

    scope_codes = panel.scopes
    annual = cells(ev.annual)
    region = len(scope_codes) - 1
    owed = (annual == ANNUALS.index(AnnualVerdict.NO_TARGET)) & (per(ss, 1) != region)
    owed_by = np.full(len(annual), None, dtype=object)
    owed_by[owed] = per([panel.indicators[i].lead for i in ii], 0)[owed]
    columns = [
        per([panel.indicators[i].code for i in ii], 0),
        per([scope_codes[s] for s in ss], 1),
        np.tile(_objects([panel.years[y] for y in ys]), len(ii) * len(ss)),
        _OUTCOMES[cells(ev.outcome)],
        _floats(cells(panel.values)),
        _floats(cells(ev.year_target)),
        _QUALIFIERS[cells(ev.year_qualifier)],
        _truth(cells(ev.met)),
        _floats(cells(ev.completion)),
        _ANNUALS[annual + 1],
        _floats(cells(ev.target)),
        _whole(cells(ev.target_year)),
        per([int(panel.base_years[i]) for i in ii], 0),
        np.repeat(_floats(panel.base_values[np.ix_(ii, ss)].reshape(-1)), len(ys)),
        _floats(cells(ev.progress)),
        _floats(cells(ev.elapsed)),
        _floats(cells(ev.pace_gap)),
        _PACES[cells(ev.pace) + 1],
        _floats(cells(ev.sdg_ratio)),
        _floats(cells(ev.forecast)),
        _METHODS[cells(ev.forecast_method) + 1],
        _truth(cells(ev.likely_met)),
        owed_by,
        _missing(panel, ii, ss, ys),
        _notes_of(cells(ev.notes)),
    ]
    return ResultColumns([column.tolist() for column in columns])


def _objects(items: Iterable[Any]) -> np.ndarray:
    """A 1-d object array of the items as they are (tuples too)."""
    items = list(items)
    out = np.empty(len(items), dtype=object)
    out[:] = [None] * len(items)
    for k, item in enumerate(items):
        out[k] = item
    return out


def _spread(per_axis: np.ndarray, axis: int, shape: tuple[int, int, int]) -> np.ndarray:
    """Items per indicator (axis 0) or per scope (axis 1), one per cell of `shape`, flat."""
    n_i, n_s, n_y = shape
    if axis == 0:
        return np.repeat(per_axis, n_s * n_y)
    return np.tile(np.repeat(per_axis, n_y), n_i)


def _floats(values: np.ndarray) -> np.ndarray:
    """Python floats, None for NaN (as `_none`)."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out


def _whole(values: np.ndarray) -> np.ndarray:
    """Python ints, None for NaN."""
    out = np.full(len(values), None, dtype=object)
    known = ~np.isnan(values)
    out[known] = values[known].astype(np.int64).tolist()
    return out


def _truth(codes: np.ndarray) -> np.ndarray:
    """1 → True, −1 (or below) → None, anything else → False (as `met == 1` under `met < 0`)."""
    return _TRUTH[np.where(codes < 0, 0, np.where(codes == 1, 2, 1))]


def _missing(panel: Panel, ii: list[int], ss: list[int], ys: list[int]) -> np.ndarray:
    """The region's localities missing (its cells only; () elsewhere)."""
    out = np.full(len(ii) * len(ss) * len(ys), None, dtype=object)
    out[:] = [()] * len(out)
    region = len(panel.localities)
    for b, s in enumerate(ss):
        if s != region:
            continue
        for a, i in enumerate(ii):
            for k, y in enumerate(ys):
                missing = panel.region_missing.get((i, y))
                if missing:
                    out[(a * len(ss) + b) * len(ys) + k] = missing
    return out


def _notes_of(bits: np.ndarray) -> np.ndarray:
    kinds, where = np.unique(bits, return_inverse=True)
    return _objects(_notes(int(k)) for k in kinds.tolist())[where.reshape(-1)]


_OUTCOMES = _objects(OUTCOMES)
_QUALIFIERS = _objects(QUALIFIERS)
_ANNUALS = _objects([None, *ANNUALS])  # index + 1: −1 is none
_PACES = _objects([None, *PACES])
_METHODS = _objects([None, *METHODS])
_TRUTH = _objects([None, False, True])
