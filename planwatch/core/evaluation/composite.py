"""The composite index: indicators grouped in the plan's dimensions, normalized, weighted and
aggregated (weighted sum or TOPSIS) into a score per dimension and overall, with each locality's
rank and its change from the previous year.

Ranking: higher score first, compared at the precision the scores are shown with
(`planwatch.core.numbers.SCORE_DECIMALS`): scores shown alike share a rank, and the next rank skips
(competition ranking 1, 2, 2, 4). Rows of equal rank are listed by locality code (Unicode order), so
the same input gives the same ranks in the same order. `LocalityScore.tied` says a rank is shared.
Binding (约束性) indicators are kept out of the dimensions; a locality failing one is marked, ranked
below the others or left out, as `CompositeParameters.binding` says.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from planwatch.core.errors import InvalidParameters
from planwatch.core.evaluation.binding import failures
from planwatch.core.evaluation.indicator import PanelEvaluation
from planwatch.core.evaluation.types import (
    AhpResult,
    BindingCheck,
    BindingConsequence,
    CompositeMethod,
    CompositeParameters,
    CompositeResult,
    DimensionScore,
    DimensionSpec,
    DimensionWeight,
    DominantIndicator,
    DroppedIndicator,
    ExcludedLocality,
    ExclusionReason,
    IncludedLocality,
    IndicatorWeight,
    LocalityScore,
    MissingPolicy,
    Normalization,
    PairwiseMatrix,
    WeightMethod,
    WeightScheme,
)
from planwatch.core.evaluation.weights import ahp_weights, entropy_weights, equal_weights, expert_weights
from planwatch.core.kinds import Direction
from planwatch.core.numbers import SCORE_DECIMALS

__all__ = [
    "DecisionMatrix",
    "Prepared",
    "composite_index",
    "decision_matrix",
    "dominant_indicators",
    "minmax_normalize",
    "prepare",
    "rank",
    "rank_rows",
    "rank_tiers",
    "scores_for_weights",
    "shown",
    "target_normalize",
    "topsis_scores",
    "weighted_sum_scores",
]


@dataclass(frozen=True, eq=False)
class DecisionMatrix:
    """Localities × indicators: values and each locality's target (NaN: none), the dimension and
    direction of each indicator, and the dimensions' weights (their order is the dimensions').

    binding_failed: locality → the binding indicators it fails in the year (they are not columns:
    binding indicators are kept out of the dimensions, and listed in binding_indicators);
    included_in: locality → the locality whose figures include its own (顺德区 → 佛山市)."""

    localities: tuple[str, ...]
    indicators: tuple[str, ...]
    dimensions: tuple[str, ...]  # one per indicator
    directions: tuple[Direction, ...]  # one per indicator
    values: np.ndarray  # (L, I)
    targets: np.ndarray  # (L, I)
    dimension_weights: Mapping[str, float]
    year: int | None = None
    binding_failed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    binding_indicators: tuple[str, ...] = ()
    included_in: Mapping[str, str] = field(default_factory=dict)
    # One per indicator: computed from PlanWatch's records rather than reported (IndicatorSpec.derived);
    # empty: none is.
    derived: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        n_l, n_i = len(self.localities), len(self.indicators)
        if len(set(self.localities)) != n_l or len(set(self.indicators)) != n_i:
            raise InvalidParameters("地区或指标代码重复。", "duplicate locality or indicator codes")
        if len(self.dimensions) != n_i or len(self.directions) != n_i or len(self.derived) not in (0, n_i):
            raise InvalidParameters(
                "每个指标应有一个维度和方向。", "one dimension and one direction per indicator"
            )
        if np.shape(self.values) != (n_l, n_i) or np.shape(self.targets) != (n_l, n_i):
            raise InvalidParameters(
                "数值和目标应为地区 × 指标。", "values and targets must be localities × indicators"
            )
        unknown = sorted(set(self.dimensions) - set(self.dimension_weights))
        if unknown:
            raise InvalidParameters(
                f"指标所属维度未定义：{', '.join(unknown)}。",
                f"indicators in unknown dimensions: {', '.join(unknown)}",
            )
        if n_l < 1 or n_i < 1:
            raise InvalidParameters(
                "综合指数需要地区和指标。", "the composite index needs localities and indicators"
            )


def decision_matrix(
    ev: PanelEvaluation,
    year: int,
    dimensions: Sequence[DimensionSpec],
    indicators: Iterable[str] | None = None,
    binding: Iterable[BindingCheck] = (),
) -> DecisionMatrix:
    """The localities' values and the targets `year` is judged against (its own; the final one from
    the final year on) for the expected (预期性) indicators that have a dimension (or those named),
    from a panel evaluation; the binding ones are set apart, and `binding` (the year's checks,
    planwatch.core.evaluation.binding) says who fails them."""
    panel = ev.panel
    y = panel.year_index(year)
    wanted = None if indicators is None else set(indicators)
    known = {dim.code for dim in dimensions}
    in_dimension = [
        i
        for i, spec in enumerate(panel.indicators)
        if spec.dimension is not None and spec.dimension in known and (wanted is None or spec.code in wanted)
    ]
    chosen = [i for i in in_dimension if not panel.indicators[i].binding]
    codes = [loc.code for loc in panel.localities]
    n_l = len(panel.localities)
    return DecisionMatrix(
        localities=tuple(codes),
        indicators=tuple(panel.indicators[i].code for i in chosen),
        dimensions=tuple(str(panel.indicators[i].dimension) for i in chosen),
        directions=tuple(panel.indicators[i].direction for i in chosen),
        values=np.ascontiguousarray(panel.values[chosen, :n_l, y].T),
        targets=np.ascontiguousarray(ev.year_target[chosen, :n_l, y].T),
        dimension_weights={dim.code: float(dim.weight) for dim in dimensions},
        year=year,
        binding_failed=failures(c for c in binding if c.year == year),
        binding_indicators=tuple(
            panel.indicators[i].code for i in in_dimension if panel.indicators[i].binding
        ),
        included_in={
            loc.code: loc.parent
            for loc in panel.localities
            if not loc.counted_in_region_total and loc.parent is not None and loc.parent in codes
        },
        derived=tuple(panel.indicators[i].derived for i in chosen),
    )


# --- normalization ------------------------------------------------------------------------------


# Two values closer than this, relative to their size, are one value in double precision's rounding.
EQUAL_RELATIVE = 64 * float(np.finfo(np.float64).eps)


def minmax_normalize(values: np.ndarray, higher: Sequence[bool] | np.ndarray) -> np.ndarray:
    """Per column: (x − min) / (max − min), or (max − x) / (max − min) where lower is better; a
    column whose values are all equal gives 1. NaN stays NaN.

    "All equal" includes a range that double precision cannot tell from rounding: one below
    EQUAL_RELATIVE of the values' size, or below the smallest normal double (5e-324 and its kin lose
    their digits when scaled, so a range of them would score differently in other units)."""
    x = np.asarray(values, dtype=np.float64)
    hi = np.asarray(higher, dtype=bool)[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        lo, up = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    span = up - lo
    size = np.maximum(np.abs(lo), np.abs(up))
    distinct = (span >= np.finfo(np.float64).tiny) & (span > EQUAL_RELATIVE * size)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(hi, (x - lo) / span, (up - x) / span)
    out = np.where(distinct[None, :], out, 1.0)
    return np.where(np.isnan(x), np.nan, out)


def target_normalize(
    values: np.ndarray, targets: np.ndarray, higher: Sequence[bool] | np.ndarray
) -> np.ndarray:
    """value / target capped to [0, 1]; where lower is better, target / value capped to [0, 1]
    (1 when the value is at or below the target). NaN where the value is missing or the target is
    missing or not positive: a target of zero or less gives no scale to measure the value on (with
    a target of 0, any value would score full or nothing), so such an indicator falls back to
    min-max normalization (see `_normalized`)."""
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    hi = np.asarray(higher, dtype=bool)[None, :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        up = np.clip(x / t, 0.0, 1.0)
        down = np.where(x <= t, 1.0, np.clip(t / x, 0.0, 1.0))
    usable = np.isfinite(x) & np.isfinite(t) & (t > 0)
    return np.where(usable, np.where(hi, up, down), np.nan)


# --- aggregation --------------------------------------------------------------------------------


def weighted_sum_scores(normalized: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_j w_j x_ij for one weight vector (I,) → (L,), or many (N, I) → (N, L)."""
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(normalized @ w) if w.ndim == 1 else np.asarray(w @ normalized.T)


def topsis_scores(normalized: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """TOPSIS (Hwang & Yoon) on a normalized benefit matrix: v_ij = w_j x_ij; the ideal and
    anti-ideal are the column maxima and minima of v; closeness D⁻ / (D⁺ + D⁻), 0.5 where every
    locality is alike. One weight vector (I,) → (L,); many (N, I) → (N, L)."""
    x = np.asarray(normalized, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    many = w.ndim == 2
    w2 = np.atleast_2d(w) ** 2
    best = (x - x.max(axis=0)) ** 2
    worst = (x - x.min(axis=0)) ** 2
    d_plus = np.sqrt(np.maximum(w2 @ best.T, 0.0))
    d_minus = np.sqrt(np.maximum(w2 @ worst.T, 0.0))
    total = d_plus + d_minus
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = np.where(total > 0, d_minus / total, 0.5)
    return closeness if many else closeness[0]


def scores_for_weights(normalized: np.ndarray, weights: np.ndarray, method: CompositeMethod) -> np.ndarray:
    if method == CompositeMethod.TOPSIS:
        return topsis_scores(normalized, weights)
    return weighted_sum_scores(normalized, weights)


# --- ranking ------------------------------------------------------------------------------------


def shown(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """The scores rounded as they are shown (`numbers.score`: SCORE_DECIMALS decimals, rounded
    half to even on the binary value, as Python formats). numpy's rounding scales first and can
    differ within rounding of a half: those few values are rounded one by one as Python does."""
    x = np.array(scores, dtype=np.float64)
    out = np.round(x, SCORE_DECIMALS)
    with np.errstate(invalid="ignore"):
        scaled = x * 10.0**SCORE_DECIMALS
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in zip(*np.nonzero(near_half), strict=True):
        out[index] = round(float(x[index]), SCORE_DECIMALS)
    return out


def _competition(key: np.ndarray) -> np.ndarray:
    """Per row of (N, m) keys (higher is better): 1 + the number of strictly higher keys.

    Equal keys take their run's first place whatever their order, so the sort need not be stable
    (numpy's default sort is several times faster on a large matrix); a NaN key is unequal to all and
    takes its own place, in the order of the columns: with a NaN, the stable sort."""
    n, m = key.shape
    order = np.argsort(-key, axis=1, kind="stable" if np.isnan(key).any() else None)
    flat = (order + (np.arange(n) * m)[:, None]).ravel()  # each item's index in key.ravel()
    ordered = key.ravel()[flat].reshape(n, m)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(m)[None, :], 0), axis=1)
    ranks = np.empty(key.size, dtype=np.int64)
    ranks[flat] = first.ravel() + 1
    return ranks.reshape(n, m)


def rank_rows(scores: np.ndarray, tiers: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Competition ranks (1, 2, 2, 4) for each row of an (N, L) score matrix, on the scores as shown.
    With `tiers` (one per locality, 0 first), every locality of a tier ranks below every locality of
    the tiers before it (the binding consequence cap)."""
    key = shown(np.atleast_2d(np.asarray(scores, dtype=np.float64)))
    n_l = key.shape[1]
    tier = np.zeros(n_l, dtype=np.int64) if tiers is None else np.asarray(tiers, dtype=np.int64)
    present = np.unique(tier)
    if present.size <= 1:  # one tier: every locality ranked together, no columns picked out
        return _competition(key)
    ranks = np.empty(key.shape, dtype=np.int64)
    before = 0
    for t in present:
        cols = np.flatnonzero(tier == t)
        ranks[:, cols] = _competition(key[:, cols]) + before
        before += cols.size
    return ranks


def rank(
    scores: Sequence[float] | np.ndarray, tiers: Sequence[int] | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Competition ranks (best first, scores equal as shown share a rank) and whether each rank is
    shared."""
    ranks = rank_rows(np.asarray(scores, dtype=np.float64)[None, :], tiers)[0]
    _, inverse, counts = np.unique(ranks, return_inverse=True, return_counts=True)
    return ranks, counts[inverse] > 1


def rank_tiers(localities: Sequence[str], matrix: DecisionMatrix, params: CompositeParameters) -> np.ndarray:
    """Per locality: 1 when the consequence is cap and it fails a binding indicator, else 0."""
    capped = params.binding == BindingConsequence.CAP
    return np.array([int(capped and code in matrix.binding_failed) for code in localities], dtype=np.int64)


# --- preparing the matrix and the weights --------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Prepared:
    """The normalized matrix and the weights the index (and its sensitivity) uses."""

    localities: tuple[str, ...]
    indicators: tuple[str, ...]
    dimensions: tuple[str, ...]  # per indicator
    dimension_codes: tuple[str, ...]  # the dimensions kept, in order
    normalized: np.ndarray  # (L, I), missing values already replaced or excluded
    normalization: tuple[Normalization, ...]  # per indicator, as applied
    within: np.ndarray  # (I,) weight within its dimension
    dimension_weights: np.ndarray  # (D,)
    weights: np.ndarray  # (I,) overall
    missing: tuple[tuple[str, ...], ...]  # per locality: indicators counted as worst
    excluded: tuple[ExcludedLocality, ...]
    dropped: tuple[DroppedIndicator, ...]
    ahp: tuple[AhpResult, ...]
    notes: tuple[str, ...]


def prepare(matrix: DecisionMatrix, params: CompositeParameters | None = None) -> Prepared:
    """The matrix normalized (indicators without any value dropped, localities without any value
    left out) and the weights, within each dimension and of the dimensions."""
    params = params or CompositeParameters()
    notes: list[str] = []
    kept = _Columns.of(matrix)
    normalized, used = _normalized(kept, params.normalization, notes)
    rows = _Rows.of(matrix, kept, normalized, used, params)
    dims = kept.dimensions
    # Dimensions kept, in the plan's order.
    dimension_codes = tuple(code for code in matrix.dimension_weights if code in set(dims))
    lost = [code for code in matrix.dimension_weights if code not in set(dims)]
    if lost:
        notes.append(f"dimensions without indicators: {', '.join(lost)} (their weight is shared out)")
    ahp: list[AhpResult] = []
    within = _within_weights(matrix, kept, rows.normalized, dimension_codes, params.weights, ahp)
    dw = _dimension_weights(matrix, dimension_codes, params.weights, ahp)
    dim_of = {code: k for k, code in enumerate(dimension_codes)}
    weights = np.array([dw[dim_of[d]] for d in dims]) * within
    return Prepared(
        localities=rows.localities,
        indicators=kept.indicators,
        dimensions=dims,
        dimension_codes=dimension_codes,
        normalized=rows.normalized,
        normalization=tuple(used),
        within=within,
        dimension_weights=dw,
        weights=weights,
        missing=rows.missing,
        excluded=rows.excluded,
        dropped=kept.dropped,
        ahp=tuple(ahp),
        notes=tuple(notes),
    )


@dataclass(frozen=True, eq=False)
class _Columns:
    """The indicators with a value somewhere (the others dropped): their values and targets."""

    indicators: tuple[str, ...]
    dimensions: tuple[str, ...]
    values: np.ndarray  # (L, I)
    targets: np.ndarray  # (L, I)
    higher: np.ndarray  # (I,) bool
    present: np.ndarray  # (L, I) bool
    dropped: tuple[DroppedIndicator, ...]
    derived: np.ndarray  # (I,) bool: computed, not reported

    @classmethod
    def of(cls, matrix: DecisionMatrix) -> _Columns:
        values = np.asarray(matrix.values, dtype=np.float64)
        targets = np.asarray(matrix.targets, dtype=np.float64)
        higher = np.array([d == Direction.HIGHER_IS_BETTER for d in matrix.directions], dtype=bool)
        present = ~np.isnan(values)
        keep = np.asarray(present.any(axis=0), dtype=bool)
        kept: list[bool] = keep.tolist()
        dropped = tuple(
            DroppedIndicator(code, "no_values")
            for code, k in zip(matrix.indicators, kept, strict=True)
            if not k
        )
        cols = np.flatnonzero(keep)
        if cols.size == 0:
            raise InvalidParameters("没有任何指标有数值。", "no indicator has any value")
        return cls(
            indicators=tuple(matrix.indicators[j] for j in cols),
            dimensions=tuple(matrix.dimensions[j] for j in cols),
            values=values[:, cols],
            targets=targets[:, cols],
            higher=higher[cols],
            present=present[:, cols],
            dropped=dropped,
            derived=np.asarray(matrix.derived or (False,) * len(matrix.indicators), dtype=bool)[cols],
        )


def _normalized(
    kept: _Columns, normalization: Normalization, notes: list[str]
) -> tuple[np.ndarray, list[Normalization]]:
    """The values normalized, and how each indicator was: by its targets where asked and every
    locality with a value has a usable (positive) target, else min-max."""
    normalized = minmax_normalize(kept.values, kept.higher)
    used = [Normalization.MIN_MAX] * len(kept.indicators)
    if normalization == Normalization.TARGET:
        by_target = target_normalize(kept.values, kept.targets, kept.higher)
        for j in range(len(kept.indicators)):
            if np.array_equal(np.isnan(by_target[:, j]), ~kept.present[:, j]):
                normalized[:, j] = by_target[:, j]
                used[j] = Normalization.TARGET
            else:
                notes.append(
                    f"{kept.indicators[j]}: min_max (a locality with a value has no target, or one of zero or less)"
                )
    return normalized, used


@dataclass(frozen=True, eq=False)
class _Rows:
    """The localities ranked, their normalized values (a missing one as 0, the worst) and the
    indicators each misses; the localities left out."""

    localities: tuple[str, ...]
    normalized: np.ndarray
    missing: tuple[tuple[str, ...], ...]
    excluded: tuple[ExcludedLocality, ...]

    @classmethod
    def of(
        cls,
        matrix: DecisionMatrix,
        kept: _Columns,
        normalized: np.ndarray,
        used: list[Normalization],
        params: CompositeParameters,
    ) -> _Rows:
        """Left out, in this order: a locality without a single value (it has not reported the year
        yet: nothing to score it on, under any policy, rather than ranked last on zeros); one failing
        a binding indicator, under the consequence exclude; one missing a value, under the missing
        policy exclude. Min-max is relative: it is normalized again among those ranked."""
        localities, indicators = matrix.localities, kept.indicators
        missing_cols = np.isnan(normalized)
        # A locality without a single value (it has not reported the year yet) has nothing to be
        # scored on; the rates PlanWatch derives from its records (late reporting …) are no report.
        reported_cols = ~kept.derived if not kept.derived.all() else np.ones_like(kept.derived)
        keep = ~missing_cols[:, reported_cols].all(axis=1)
        excluded = [
            ExcludedLocality(code, indicators, ExclusionReason.NO_VALUES)
            for code, k in zip(localities, keep.tolist(), strict=True)
            if not k
        ]
        reported = keep.copy()

        def missed(r: int) -> tuple[str, ...]:
            return tuple(indicators[j] for j in np.flatnonzero(missing_cols[r]))

        if params.binding == BindingConsequence.EXCLUDE:
            for r, code in enumerate(localities):
                if keep[r] and code in matrix.binding_failed:
                    keep[r] = False
                    excluded.append(
                        ExcludedLocality(
                            code, missed(r), ExclusionReason.BINDING_FAILED, matrix.binding_failed[code]
                        )
                    )
        if params.missing == MissingPolicy.EXCLUDE:
            for r, code in enumerate(localities):
                if keep[r] and missing_cols[r].any():
                    keep[r] = False
                    excluded.append(ExcludedLocality(code, missed(r), ExclusionReason.MISSING_VALUES))
        if not keep.any():
            raise InvalidParameters(
                "没有可以排名的地区（均缺少数值、有缺失数据或未通过约束性指标）。",
                "no locality can be ranked: each lacks values, misses some value (missing policy "
                "exclude) or fails a binding indicator (consequence exclude)",
            )
        normalized, missing_cols = normalized[keep].copy(), missing_cols[keep]
        if not np.array_equal(keep, reported) and Normalization.MIN_MAX in used:
            again = minmax_normalize(kept.values[keep], kept.higher)
            for j, how in enumerate(used):
                if how == Normalization.MIN_MAX:
                    normalized[:, j] = again[:, j]
        ranked = tuple(code for code, k in zip(localities, keep.tolist(), strict=True) if k)
        gaps = missing_cols.any(axis=1).tolist()
        missing = tuple(
            tuple(indicators[j] for j in np.flatnonzero(missing_cols[r])) if gaps[r] else ()
            for r in range(len(ranked))
        )
        return cls(ranked, np.where(missing_cols, 0.0, normalized), missing, tuple(excluded))


def _within_weights(
    matrix: DecisionMatrix,
    kept: _Columns,
    normalized: np.ndarray,
    dimension_codes: tuple[str, ...],
    scheme: WeightScheme,
    ahp: list[AhpResult],
) -> np.ndarray:
    """Each indicator's weight within its dimension; an AHP matrix's result is added to `ahp`."""
    indicators, dims = kept.indicators, kept.dimensions
    within = np.zeros(len(indicators))
    method = scheme.indicators
    for code in dimension_codes:
        idx = [j for j, d in enumerate(dims) if d == code]
        if method == WeightMethod.EQUAL:
            w = equal_weights(len(idx))
        elif method == WeightMethod.EXPERT:
            w = expert_weights([indicators[j] for j in idx], scheme.expert)
        elif method == WeightMethod.ENTROPY:
            w = entropy_weights(normalized[:, idx])
        elif method == WeightMethod.AHP:
            w, result = _ahp_for(code, scheme.ahp.get(code), [indicators[j] for j in idx], matrix, dims)
            ahp.append(result)
        else:
            raise InvalidParameters(
                f"指标权重方法 {method.value!r} 不适用。", f"indicator weights cannot be {method.value!r}"
            )
        within[idx] = w
    return within


def _dimension_weights(
    matrix: DecisionMatrix, dimension_codes: tuple[str, ...], scheme: WeightScheme, ahp: list[AhpResult]
) -> np.ndarray:
    """The weights of the dimensions kept, summing to 1; an AHP matrix's result goes first in `ahp`."""
    dmethod = scheme.dimensions
    if dmethod == WeightMethod.PLAN:
        dw = np.array([float(matrix.dimension_weights[c]) for c in dimension_codes])
        if not np.all(np.isfinite(dw)) or np.any(dw < 0) or dw.sum() <= 0:
            raise InvalidParameters("方案的维度权重不可用。", "the plan's dimension weights are not usable")
        return np.asarray(dw / dw.sum(), dtype=np.float64)
    if dmethod == WeightMethod.EQUAL:
        return equal_weights(len(dimension_codes))
    if dmethod == WeightMethod.EXPERT:
        return expert_weights(dimension_codes, scheme.dimension_expert, "dimension")
    if dmethod == WeightMethod.AHP:
        if scheme.dimension_ahp is None:
            raise InvalidParameters(
                "维度层次分析法需要判断矩阵。", "AHP dimension weights need a pairwise matrix"
            )
        if set(scheme.dimension_ahp.codes) != set(matrix.dimension_weights):
            raise InvalidParameters(
                "维度判断矩阵应恰好比较方案的各维度。",
                "the dimensions' pairwise matrix must compare exactly the plan's dimensions",
            )
        result = ahp_weights(scheme.dimension_ahp, what="dimensions")
        ahp.insert(0, result)
        by_code = dict(zip(result.codes, result.weights, strict=True))
        dw = np.array([by_code[c] for c in dimension_codes])
        return np.asarray(dw / dw.sum(), dtype=np.float64)
    raise InvalidParameters(
        f"维度权重方法 {dmethod.value!r} 不适用。", f"dimension weights cannot be {dmethod.value!r}"
    )


def _ahp_for(
    dimension: str,
    pairwise: PairwiseMatrix | None,
    kept: list[str],
    matrix: DecisionMatrix,
    dims: tuple[str, ...],
) -> tuple[np.ndarray, AhpResult]:
    if not isinstance(pairwise, PairwiseMatrix):
        raise InvalidParameters(
            f"维度 {dimension} 缺少判断矩阵。", f"AHP weights: no pairwise matrix for dimension {dimension}"
        )
    all_codes = [code for code, d in zip(matrix.indicators, matrix.dimensions, strict=True) if d == dimension]
    if set(pairwise.codes) != set(all_codes):
        raise InvalidParameters(
            f"维度 {dimension} 的判断矩阵应恰好比较其指标。",
            f"the pairwise matrix of dimension {dimension} must compare exactly its indicators "
            f"({', '.join(all_codes)})",
        )
    result = ahp_weights(pairwise, what=dimension)
    by_code = dict(zip(result.codes, result.weights, strict=True))
    w = np.array([by_code[code] for code in kept])
    return w / w.sum(), result


# --- the index ----------------------------------------------------------------------------------


def dominant_indicators(prep: Prepared, threshold: float) -> tuple[DominantIndicator, ...]:
    """The indicators taking more than `threshold` of their dimension's weight, in a dimension of two
    indicators or more (one alone has all of it whatever the weighting)."""
    out = []
    for code in prep.dimension_codes:
        idx = [j for j, d in enumerate(prep.dimensions) if d == code]
        if len(idx) < 2:
            continue
        out += [
            DominantIndicator(code, prep.indicators[j], float(prep.within[j]))
            for j in idx
            if round(float(prep.within[j]), 12) > threshold
        ]
    return tuple(out)


def composite_index(
    matrix: DecisionMatrix,
    params: CompositeParameters | None = None,
    previous: CompositeResult | None = None,
) -> CompositeResult:
    """Scores per dimension and overall, ranks, and rank changes from `previous` (last year's)."""
    params = params or CompositeParameters()
    prep = prepare(matrix, params)
    x, codes = prep.normalized, prep.localities
    overall = scores_for_weights(x, prep.weights, params.method)
    ranks, tied = rank(overall, rank_tiers(codes, matrix, params))
    dim_scores: list[np.ndarray] = []
    dim_ranks: list[np.ndarray] = []
    for code in prep.dimension_codes:
        idx = [j for j, d in enumerate(prep.dimensions) if d == code]
        s = scores_for_weights(x[:, idx], prep.within[idx], params.method)
        dim_scores.append(s)
        dim_ranks.append(rank(s)[0])
    before = {s.locality: s.rank for s in previous.scores} if previous is not None else {}
    if set(before) != set(codes):
        # Ranks among other localities do not compare: first of one is not "up 5" from sixth of seven.
        before = {}
    flagged = params.binding in (BindingConsequence.MARK, BindingConsequence.CAP)
    # Python numbers read from the arrays once (not a numpy scalar per locality and dimension).
    scores, places = [float(v) for v in overall.tolist()], [int(v) for v in ranks.tolist()]
    shared = [bool(v) for v in tied.tolist()]
    per_dimension = [
        list(zip(dim_scores[k].tolist(), dim_ranks[k].tolist(), strict=True))
        for k in range(len(prep.dimension_codes))
    ]
    rows = []
    for r, code in enumerate(codes):
        prev = before.get(code)
        rows.append(
            LocalityScore(
                locality=code,
                score=scores[r],
                rank=places[r],
                tied=shared[r],
                previous_rank=prev,
                rank_change=None if prev is None else prev - places[r],
                dimensions=tuple(
                    DimensionScore(dim, float(per_dimension[k][r][0]), int(per_dimension[k][r][1]))
                    for k, dim in enumerate(prep.dimension_codes)
                ),
                missing_indicators=prep.missing[r],
                binding_failed=matrix.binding_failed.get(code, ()) if flagged else (),
            )
        )
    rows.sort(key=lambda row: (row.rank, row.locality))  # equal ranks by code, in Unicode order
    return CompositeResult(
        year=matrix.year,
        normalization=params.normalization,
        method=params.method,
        missing=params.missing,
        indicator_weighting=params.weights.indicators,
        dimension_weighting=params.weights.dimensions,
        dimension_weights=tuple(
            DimensionWeight(code, float(w))
            for code, w in zip(prep.dimension_codes, prep.dimension_weights, strict=True)
        ),
        weights=tuple(
            IndicatorWeight(code, dim, how, float(within), float(weight))
            for code, dim, how, within, weight in zip(
                prep.indicators, prep.dimensions, prep.normalization, prep.within, prep.weights, strict=True
            )
        ),
        scores=tuple(rows),
        excluded=prep.excluded,
        dropped=prep.dropped,
        ahp=prep.ahp,
        notes=prep.notes,
        binding=params.binding,
        binding_indicators=matrix.binding_indicators,
        rank_decimals=SCORE_DECIMALS,
        included=tuple(
            IncludedLocality(code, within)
            for code, within in matrix.included_in.items()
            if code in codes and within in codes
        ),
        dominant=dominant_indicators(prep, params.dominance),
    )
