"""Per indicator, scope and year: completion, share of the way, pace (时序进度), Open SDG's growth
ratio, a forecast for the target year, and an explicit outcome.

Everything is computed at once on the panel's arrays (indicator × scope × year) with numpy; the
results for the years asked for are then turned into `IndicatorResult`s. The formulas, their
sources and the defaults are in docs/methodology.md.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planwatch.core.evaluation.aggregate import Panel
from planwatch.core.evaluation.types import (
    ForecastMethod,
    IndicatorParameters,
    IndicatorResult,
    Note,
    Outcome,
    PaceStatus,
    ProgressStatus,
    ProgressThresholds,
)
from planwatch.core.planfile import Aggregation, Direction, IndicatorKind

__all__ = ["PanelEvaluation", "evaluate_panel", "indicator_results"]

KINDS = list(IndicatorKind)
COUNT, LEVEL, AVG, GROWTH, SHARE, DECREASE = (
    KINDS.index(k)
    for k in (
        IndicatorKind.CUMULATIVE_COUNT,
        IndicatorKind.LEVEL,
        IndicatorKind.AVG_ANNUAL_GROWTH,
        IndicatorKind.GROWTH_OVER_BASE,
        IndicatorKind.SHARE,
        IndicatorKind.CUMULATIVE_DECREASE,
    )
)
OUTCOMES = list(Outcome)
PACES = list(PaceStatus)
PROGRESSES = list(ProgressStatus)
METHODS = [ForecastMethod.LINEAR, ForecastMethod.COMPOUND]
NOTES = list(Note)
_BIT = {note: np.uint32(1 << k) for k, note in enumerate(NOTES)}

DECIMALS = 12  # status boundaries are compared after rounding to this many decimals
RELATIVE_TOLERANCE = 1e-9  # "target met": value ≥ target − 1e-9 × max(1, |target|)


@dataclass(frozen=True, eq=False)
class PanelEvaluation:
    """Every measure over (indicator, scope, year). NaN / −1 mean "none"; notes is a bit set."""

    panel: Panel
    target: np.ndarray  # governing target
    target_year: np.ndarray  # its year (NaN: none)
    met: np.ndarray  # int8: 1 met, 0 not met, −1 unknown
    completion: np.ndarray
    progress: np.ndarray
    elapsed: np.ndarray
    pace_gap: np.ndarray
    pace: np.ndarray  # int8 index into PaceStatus, −1 none
    sdg_ratio: np.ndarray
    sdg_status: np.ndarray  # int8 index into ProgressStatus, −1 none
    forecast: np.ndarray
    forecast_method: np.ndarray  # int8 index into (linear, compound), −1 none
    likely_met: np.ndarray  # int8
    year_completion: np.ndarray
    year_met: np.ndarray  # int8
    outcome: np.ndarray  # int8 index into Outcome
    notes: np.ndarray  # uint32 bit set over Note


def _meets(value: np.ndarray, target: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """int8: 1 when value reaches target in the indicator's direction, 0 when not, −1 when unknown."""
    with np.errstate(invalid="ignore"):
        diff = np.where(higher, value - target, target - value)
        ok = diff >= -RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(target))
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


def _governing_targets(panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """For each year: the first target at or after max(year, the plan's end year); after the last
    target's year, the last target."""
    tg = panel.targets
    n_i, n_s, n_y = tg.shape
    has = ~np.isnan(tg)
    nxt = np.full(tg.shape, -1, dtype=np.int64)
    following = np.full((n_i, n_s), -1, dtype=np.int64)
    for j in range(n_y - 1, -1, -1):
        following = np.where(has[:, :, j], j, following)
        nxt[:, :, j] = following
    last = np.where(has.any(axis=2), n_y - 1 - np.argmax(has[:, :, ::-1], axis=2), -1)
    years = panel.years
    target = np.full(tg.shape, np.nan)
    target_year = np.full(tg.shape, np.nan)
    rows = np.arange(n_i)[:, None]
    cols = np.arange(n_s)[None, :]
    for k, year in enumerate(years):
        j0 = min(max(year, panel.period.end_year), years[-1]) - years[0]
        gov = np.where(nxt[:, :, j0] >= 0, nxt[:, :, j0], last)
        safe = np.maximum(gov, 0)
        target[:, :, k] = np.where(gov >= 0, tg[rows, cols, safe], np.nan)
        target_year[:, :, k] = np.where(gov >= 0, years[0] + safe, np.nan)
    return target, target_year


def _status(value: np.ndarray, bounds: Iterable[float]) -> np.ndarray:
    """int8 index of the first bound the (rounded) value reaches; len(bounds) below all; −1 for NaN."""
    bounds = list(bounds)
    rounded = np.round(value, DECIMALS)
    out = np.full(value.shape, len(bounds), dtype=np.int8)
    for k in range(len(bounds) - 1, -1, -1):
        with np.errstate(invalid="ignore"):
            out = np.where(rounded >= round(bounds[k], DECIMALS), np.int8(k), out)
    return np.where(np.isnan(value), np.int8(-1), out).astype(np.int8)


def evaluate_panel(panel: Panel, params: IndicatorParameters | None = None) -> PanelEvaluation:
    """Every measure for every indicator, scope and year of the panel."""
    params = params or IndicatorParameters()
    f = _Frame.of(panel)
    notes = _Notes(f.a.shape)
    met = _meets(f.a, f.target, f.higher)
    completion, bad_target = _completion(f.a, f.target, f.higher)
    notes.add(bad_target, Note.TARGET_NOT_POSITIVE)
    progress = _progress(f, notes)
    elapsed, pace_gap = _pace_gap(f, progress, notes)
    th = params.pace
    sdg_ratio = _sdg_ratio(panel, f, notes)
    forecast, forecast_method = _forecast(panel, f, notes)
    year_completion, _ = _completion(f.a, panel.targets, f.higher)
    return PanelEvaluation(
        panel=panel,
        target=f.target,
        target_year=f.target_year,
        met=met,
        completion=completion,
        progress=progress,
        elapsed=elapsed,
        pace_gap=pace_gap,
        pace=_status(pace_gap, (th.ahead, th.on_pace, th.lagging)),
        sdg_ratio=sdg_ratio,
        sdg_status=_sdg_status(sdg_ratio, f.both & (met == 1), params.progress),
        forecast=forecast,
        forecast_method=forecast_method,
        likely_met=_meets(forecast, f.target, f.higher),
        year_completion=year_completion,
        year_met=_meets(f.a, panel.targets, f.higher),
        outcome=_outcome(panel, f, met, notes),
        notes=notes.bits,
    )


@dataclass(frozen=True, eq=False)
class _Frame:
    """The panel's arrays as the formulas read them, broadcast over (indicator, scope, year)."""

    a: np.ndarray  # the values (I, S, Y)
    yr: np.ndarray  # the years (1, 1, Y), float
    kind: np.ndarray  # (I, 1, 1) index into KINDS
    higher: np.ndarray  # (I, 1, 1) higher is better
    sign: np.ndarray  # (I, 1, 1) 1 where higher is better, −1 where lower is
    b: np.ndarray  # (I, 1, 1) the base years, float
    bv: np.ndarray  # (I, S, 1) the base values
    target: np.ndarray  # the governing target (I, S, Y)
    target_year: np.ndarray  # its year (NaN: none)
    has_a: np.ndarray  # a value
    has_t: np.ndarray  # a target
    both: np.ndarray  # a value and a target
    is_avg: np.ndarray  # (I, 1, 1) an average annual growth rate
    level_like: np.ndarray  # (I, 1, 1) counts, levels and shares: measured as they are

    @classmethod
    def of(cls, panel: Panel) -> _Frame:
        specs = panel.indicators
        a = panel.values
        kind = np.array([KINDS.index(spec.kind) for spec in specs])[:, None, None]
        higher = np.array([spec.direction == Direction.HIGHER_IS_BETTER for spec in specs])[:, None, None]
        target, target_year = _governing_targets(panel)
        has_a, has_t = np.isfinite(a), np.isfinite(target)
        return cls(
            a=a,
            yr=np.array(panel.years, dtype=np.float64)[None, None, :],
            kind=kind,
            higher=higher,
            sign=np.where(higher, 1.0, -1.0),
            b=panel.base_years.astype(np.float64)[:, None, None],
            bv=panel.base_values[:, :, None],
            target=target,
            target_year=target_year,
            has_a=has_a,
            has_t=has_t,
            both=has_a & has_t,
            is_avg=kind == AVG,
            level_like=(kind == COUNT) | (kind == LEVEL) | (kind == SHARE),
        )


class _Notes:
    """The notes, a bit set over Note for each (indicator, scope, year)."""

    def __init__(self, shape: tuple[int, ...]):
        self.bits = np.zeros(shape, dtype=np.uint32)

    def add(self, where: np.ndarray, what: Note) -> None:
        self.bits = self.bits | np.where(where, _BIT[what], np.uint32(0)).astype(np.uint32)


def _progress(f: _Frame, notes: _Notes) -> np.ndarray:
    """The share of the way from the base to the target (目标进程)."""
    a, target, target_year, b, both, is_avg = f.a, f.target, f.target_year, f.b, f.both, f.is_avg
    zero_based = (f.kind == COUNT) | (f.kind == GROWTH) | (f.kind == DECREASE)
    base0 = np.where(zero_based, 0.0, f.bv)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = (a - base0) / (target - base0)
        ga, gt = 1.0 + a / 100.0, 1.0 + target / 100.0
        compound = (f.yr - b) * np.log(ga) / ((target_year - b) * np.log(gt))
    no_base = both & ~is_avg & np.isnan(base0)
    notes.add(no_base, Note.NO_BASE)
    same = both & ~is_avg & (target == base0)
    bad_growth = both & is_avg & ((ga <= 0) | (gt <= 0))
    notes.add(same | (both & is_avg & (gt == 1.0)), Note.TARGET_EQUALS_BASE)
    notes.add(bad_growth, Note.UNDEFINED_GROWTH)
    progress_ok = both & np.where(
        is_avg, (ga > 0) & (gt > 0) & (gt != 1.0) & (target_year > b), ~no_base & ~same
    )
    return np.where(progress_ok, np.where(is_avg, compound, linear), np.nan)


def _pace_gap(f: _Frame, progress: np.ndarray, notes: _Notes) -> tuple[np.ndarray, np.ndarray]:
    """The share of the period elapsed (时序进度), and the pace gap: progress − elapsed."""
    span = f.target_year - f.b
    with np.errstate(divide="ignore", invalid="ignore"):
        elapsed = np.where(f.has_t & (span > 0), np.clip((f.yr - f.b) / span, 0.0, 1.0), np.nan)
    started = elapsed > 0
    notes.add(f.both & (elapsed == 0), Note.BEFORE_BASE_YEAR)
    pace_gap = np.where(started & np.isfinite(progress), progress - np.where(started, elapsed, 0.0), np.nan)
    return elapsed, pace_gap


def _sdg_ratio(panel: Panel, f: _Frame, notes: _Notes) -> np.ndarray:
    """Open SDG: the ratio of observed to required compound growth."""
    a, kind, target, both, is_avg, level_like = f.a, f.kind, f.target, f.both, f.is_avg, f.level_like
    valid_after = f.has_a & (f.yr > f.b)
    first = np.argmax(valid_after, axis=2)  # (I, S): first reported year after the base year
    any_after = np.asarray(valid_after.any(axis=2), dtype=bool)
    first_value = np.take_along_axis(a, first[:, :, None], axis=2)
    first_year = panel.years[0] + first[:, :, None].astype(np.float64)
    first_value = np.where(any_after[:, :, None], first_value, np.nan)
    use_first = level_like & ((kind == COUNT) | np.isnan(f.bv))
    u0 = np.where(level_like, np.where(use_first, first_value, f.bv), 1.0)
    t0 = np.where(use_first, first_year, f.b)
    notes.add(both & use_first & np.isfinite(u0) & (f.yr > t0), Note.SDG_BASE_SHIFTED)
    ut = np.where(level_like, a, np.where(kind == DECREASE, 1.0 - a / 100.0, 1.0 + a / 100.0))
    uT = np.where(level_like, target, np.where(kind == DECREASE, 1.0 - target / 100.0, 1.0 + target / 100.0))
    d = np.where(kind == DECREASE, -f.sign, f.sign)
    n_obs, n_req = f.yr - t0, f.target_year - t0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cagr_o = np.where(is_avg, a / 100.0, (ut / u0) ** (1.0 / n_obs) - 1.0)
        cagr_r = np.where(is_avg, target / 100.0, (uT / u0) ** (1.0 / n_req) - 1.0)
        ratio = d * cagr_o / np.abs(cagr_r)
    history_ok = (n_obs >= 1) & (n_req >= 1)
    base_ok = is_avg | (u0 > 0)
    growth_ok = is_avg | ((ut >= 0) & (uT >= 0))
    notes.add(both & ~is_avg & np.isfinite(u0) & (u0 <= 0), Note.INVALID_BASE)
    notes.add(both & ~is_avg & base_ok & ~growth_ok, Note.UNDEFINED_GROWTH)
    notes.add(both & np.isfinite(u0) & ~history_ok, Note.INSUFFICIENT_HISTORY)
    notes.add(both & history_ok & base_ok & growth_ok & (cagr_r == 0), Note.TARGET_EQUALS_BASE)
    sdg_ok = both & history_ok & base_ok & growth_ok & np.isfinite(ratio)
    return np.where(sdg_ok, ratio, np.nan)


def _sdg_status(sdg_ratio: np.ndarray, met: np.ndarray, pt: ProgressThresholds) -> np.ndarray:
    """int8 index into ProgressStatus (−1 none): target achieved where met, else by the ratio."""
    status = _status(sdg_ratio, (pt.on_track, pt.needs_acceleration, pt.limited)) + np.int8(1)
    status = np.where(np.isnan(sdg_ratio), np.int8(-1), status)
    return np.where(met, np.int8(0), status).astype(np.int8)


def _trend_series(panel: Panel, f: _Frame) -> np.ndarray:
    """What the trend is fitted to: the values of counts, levels and shares (from the base year's,
    or the base itself), the log of the level index of rates; NaN before the base year."""
    a, kind, yr, b, level_like = f.a, f.kind, f.yr, f.b, f.level_like
    series = a.copy()
    rows = np.arange(a.shape[0])
    b_idx = panel.base_years - panel.years[0]
    at_base = series[rows, :, b_idx]  # (I, S)
    base_point = np.where(
        (kind[:, :, 0] == COUNT), 0.0, np.where(level_like[:, :, 0], panel.base_values, np.nan)
    )
    series[rows, :, b_idx] = np.where(np.isnan(at_base), base_point, at_base)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_index = np.where(
            kind == AVG,
            (yr - b) * np.log(1.0 + a / 100.0),
            np.where(kind == DECREASE, np.log(1.0 - a / 100.0), np.log(1.0 + a / 100.0)),
        )
    log_index = np.where(yr == b, np.where(np.isnan(a) | ~np.isfinite(log_index), 0.0, log_index), log_index)
    series = np.where(level_like, series, log_index)
    return np.where(yr >= b, series, np.nan)


def _forecast(panel: Panel, f: _Frame, notes: _Notes) -> tuple[np.ndarray, np.ndarray]:
    """The value for the target year by least squares on the series so far, and the method (int8
    index into (linear, compound), −1 none)."""
    a, kind, yr, b, target_year, level_like = f.a, f.kind, f.yr, f.b, f.target_year, f.level_like
    series = _trend_series(panel, f)
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
        xt = target_year - b
        fitted = intercept + slope * xt
        back = np.where(
            kind == AVG,
            (np.exp(fitted / xt) - 1.0) * 100.0,
            np.where(kind == DECREASE, (1.0 - np.exp(fitted)) * 100.0, (np.exp(fitted) - 1.0) * 100.0),
        )
    value = np.where(level_like, fitted, back)
    value = np.where(kind == SHARE, np.clip(value, 0.0, 100.0), value)
    value = np.where(kind == COUNT, np.maximum(value, 0.0), value)
    future = f.has_t & (target_year > yr)
    fc_ok = future & f.has_a & (n >= 2) & (denom > 0) & np.isfinite(value)
    notes.add(f.both & ~future, Note.TARGET_YEAR_REACHED)
    notes.add(f.both & future & (n < 2), Note.INSUFFICIENT_HISTORY)
    method = np.where(fc_ok, np.where(level_like, np.int8(0), np.int8(1)), np.int8(-1)).astype(np.int8)
    return np.where(fc_ok, value, np.nan), method


def _outcome(panel: Panel, f: _Frame, met: np.ndarray, notes: _Notes) -> np.ndarray:
    """int8 index into Outcome: the first rule that applies."""
    specs = panel.indicators
    has_a = f.has_a
    region = f.a.shape[1] - 1
    is_region = np.zeros((1, f.a.shape[1], 1), dtype=bool)
    is_region[0, region, 0] = True
    region_target = np.array([spec.region_target for spec in specs])[:, None, None]
    binding = np.array([spec.binding for spec in specs])[:, None, None]
    not_additive = np.array([spec.aggregation == Aggregation.NONE for spec in specs])[:, None, None]
    no_target = ~f.has_t
    notes.add(no_target & is_region & ~region_target, Note.NO_REGION_TARGET)
    notes.add(no_target & ~(is_region & ~region_target), Note.NO_TARGET)
    region_none = is_region & not_additive & ~has_a
    notes.add(region_none, Note.NOT_ADDITIVE)
    invalid_region = np.zeros(f.a.shape, dtype=bool)
    invalid_region[:, region, :] = panel.region_invalid_base
    notes.add(invalid_region, Note.INVALID_BASE)
    missing_region = np.zeros(f.a.shape, dtype=bool)
    for i, y in panel.region_missing:
        missing_region[i, region, y] = True
    notes.add(missing_region & ~has_a, Note.MISSING_LOCALITIES)
    return np.select(
        [
            no_target | region_none,
            invalid_region & ~has_a,
            ~has_a,
            (met == 1) & binding,
            met == 1,
            binding,
        ],
        [
            OUTCOMES.index(Outcome.NOT_APPLICABLE),
            OUTCOMES.index(Outcome.INVALID_BASE),
            OUTCOMES.index(Outcome.MISSING_DATA),
            OUTCOMES.index(Outcome.BINDING_MET),
            OUTCOMES.index(Outcome.TARGET_MET),
            OUTCOMES.index(Outcome.BINDING_NOT_MET),
        ],
        OUTCOMES.index(Outcome.EVALUATED),
    ).astype(np.int8)


_FIELDS = (
    "target",
    "target_year",
    "met",
    "completion",
    "progress",
    "elapsed",
    "pace_gap",
    "pace",
    "sdg_ratio",
    "sdg_status",
    "forecast",
    "forecast_method",
    "likely_met",
    "year_completion",
    "year_met",
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
) -> tuple[IndicatorResult, ...]:
    """Results by indicator (panel order), scope (localities in order, then REGION) and year."""
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
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _results(ev, ii, ss, ys)
    finally:
        if collecting:
            gc.enable()


def _results(ev: PanelEvaluation, ii: list[int], ss: list[int], ys: list[int]) -> tuple[IndicatorResult, ...]:
    panel = ev.panel
    pick = np.ix_(ii, ss, ys)
    # Plain Python lists, [indicator][scope][year] (NaN becomes None in _fill).
    columns: dict[str, Any] = {name: getattr(ev, name)[pick].tolist() for name in _FIELDS}
    values = panel.values[pick].tolist()
    year_targets = panel.targets[pick].tolist()
    base_values = panel.base_values[np.ix_(ii, ss)].tolist()
    out: list[IndicatorResult] = []
    _fill(out, ev, ii, ss, ys, columns, values, year_targets, base_values)
    return tuple(out)


def _fill(  # noqa: PLR0913 - the columns of indicator_results
    out: list[IndicatorResult],
    ev: PanelEvaluation,
    ii: list[int],
    ss: list[int],
    ys: list[int],
    c: dict[str, Any],
    values: Any,
    year_targets: Any,
    base_values: Any,
) -> None:
    panel = ev.panel
    scope_codes = panel.scopes
    region = len(scope_codes) - 1
    for a, i in enumerate(ii):
        code = panel.indicators[i].code
        base_year = int(panel.base_years[i])
        for b, s in enumerate(ss):
            scope = scope_codes[s]
            for k, y in enumerate(ys):
                target_year = c["target_year"][a][b][k]
                pace, sdg, method = (
                    c["pace"][a][b][k],
                    c["sdg_status"][a][b][k],
                    c["forecast_method"][a][b][k],
                )
                met, likely, year_met = c["met"][a][b][k], c["likely_met"][a][b][k], c["year_met"][a][b][k]
                out.append(
                    IndicatorResult(
                        indicator=code,
                        scope=scope,
                        year=panel.years[y],
                        outcome=OUTCOMES[c["outcome"][a][b][k]],
                        value=_none(values[a][b][k]),
                        target=_none(c["target"][a][b][k]),
                        target_year=None if target_year != target_year else int(target_year),
                        base_year=base_year,
                        base_value=_none(base_values[a][b]),
                        met=None if met < 0 else met == 1,
                        completion=_none(c["completion"][a][b][k]),
                        progress=_none(c["progress"][a][b][k]),
                        elapsed=_none(c["elapsed"][a][b][k]),
                        pace_gap=_none(c["pace_gap"][a][b][k]),
                        pace=None if pace < 0 else PACES[pace],
                        sdg_ratio=_none(c["sdg_ratio"][a][b][k]),
                        sdg_status=None if sdg < 0 else PROGRESSES[sdg],
                        forecast=_none(c["forecast"][a][b][k]),
                        forecast_method=None if method < 0 else METHODS[method],
                        likely_met=None if likely < 0 else likely == 1,
                        year_target=_none(year_targets[a][b][k]),
                        year_completion=_none(c["year_completion"][a][b][k]),
                        year_met=None if year_met < 0 else year_met == 1,
                        missing_localities=panel.region_missing.get((i, y), ()) if s == region else (),
                        notes=_notes(c["notes"][a][b][k]),
                    )
                )
