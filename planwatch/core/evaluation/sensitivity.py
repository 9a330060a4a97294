"""How stable the ranks are when the weights move, and when the method changes.

Each draw multiplies every indicator's weight by its own uniform factor in [1 − spread, 1 + spread]
(numpy's PCG64 generator from a fixed seed), renormalizes the weights to add up to 1 and ranks the
localities again on the same normalized matrix. Same input and seed, same draws, same numbers.

The methods compared: the indicators weighted equally, by entropy, and by AHP where the run has
pairwise matrices, each aggregated by weighted sum and by TOPSIS; each ranking against the run's own
by Kendall's τ-b, with the localities that move and the leaders.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from planwatch.core.errors import EvaluationError
from planwatch.core.evaluation.composite import (
    DecisionMatrix,
    dominant_indicators,
    prepare,
    rank,
    rank_rows,
    rank_tiers,
    scores_for_weights,
)
from planwatch.core.evaluation.types import (
    CompositeMethod,
    CompositeParameters,
    MethodRanking,
    RankStability,
    SensitivityParameters,
    SensitivityResult,
    WeightMethod,
)

__all__ = ["compare_methods", "kendall_tau", "perturbed_weights", "sensitivity_analysis"]

CHUNK_CELLS = 4_000_000  # draws are scored in chunks of at most this many (draw × locality) cells
COMPARED_WEIGHTINGS = (WeightMethod.EQUAL, WeightMethod.ENTROPY, WeightMethod.AHP)
COMPARED_METHODS = (CompositeMethod.WEIGHTED_SUM, CompositeMethod.TOPSIS)


def perturbed_weights(weights: np.ndarray, sens: SensitivityParameters) -> np.ndarray:
    """(draws, I): the weights, each times a uniform factor in [1 − spread, 1 + spread], renormalized."""
    w = np.asarray(weights, dtype=np.float64)
    rng = np.random.default_rng(sens.seed)
    factors = rng.uniform(1.0 - sens.spread, 1.0 + sens.spread, size=(sens.draws, w.size))
    drawn = w[None, :] * factors
    return np.asarray(drawn / drawn.sum(axis=1, keepdims=True), dtype=np.float64)


def _tied_pairs(starts: np.ndarray) -> int:
    """Σ t(t − 1)/2 over the runs of equal items, from where each run starts (items sorted)."""
    runs = np.diff(np.append(np.flatnonzero(starts), starts.size))
    return int((runs * (runs - 1) // 2).sum())


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts (values sorted)."""
    return np.concatenate(([True], values[1:] != values[:-1]))


def _inversions(codes: np.ndarray) -> int:
    """The pairs i < j with codes[i] > codes[j], for codes in [0, n), counted a bit at a time from
    the highest (as an MSD radix sort goes): two codes first differ at one bit, and among the items
    whose bits above it agree, kept in their order, a pair with that bit 1 before 0 is an inversion.
    Each bit then partitions every such group stably (its 0s, then its 1s): O(n log n) in all."""
    n = codes.size
    seq = np.asarray(codes, dtype=np.int64)  # grouped by the bits above `shift`, in order within a group
    position = np.arange(n)
    count = 0
    for shift in range(int(seq.max()).bit_length() - 1, -1, -1):
        bit = (seq >> shift) & 1
        starts = _run_starts(seq >> (shift + 1))
        group = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        at = first[group]  # the position of the item's group's first
        ones_before = np.cumsum(bit) - bit
        ones_ahead = ones_before - ones_before[at]  # the 1s before the item in its group
        count += int(ones_ahead[bit == 0].sum())
        zeros = (np.diff(np.append(first, n)) - np.add.reduceat(bit, first))[group]  # the 0s in its group
        target = at + np.where(bit == 1, zeros + ones_ahead, position - at - ones_ahead)
        partitioned = np.empty_like(seq)
        partitioned[target] = seq
        seq = partitioned
    return count


def kendall_tau(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float | None:
    """Kendall's τ-b of two rankings of the same items (ties allowed), counted exactly over the
    pairs: (C − D) / √((P − T_a)(P − T_b)), with C concordant and D discordant pairs, P all pairs,
    T_a and T_b the pairs tied in a and in b. None for fewer than two items or a ranking all tied.

    The pairs counted as Knight (1966) does, in O(n log n): with the items sorted by (a, b), D is the
    number of inversions of b, and C − D = P − T_a − T_b + T_ab − 2D (T_ab: tied in both)."""
    x, y = np.asarray(a), np.asarray(b)
    n = x.size
    if n < 2:
        return None
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    starts_a = _run_starts(xs)
    pairs = n * (n - 1) // 2
    tied_a, tied_b = _tied_pairs(starts_a), _tied_pairs(_run_starts(np.sort(y)))
    untied_a, untied_b = pairs - tied_a, pairs - tied_b
    if untied_a == 0 or untied_b == 0:
        return None
    tied_both = _tied_pairs(starts_a | _run_starts(ys))
    discordant = _inversions(np.unique(ys, return_inverse=True)[1])
    concordant_minus_discordant = pairs - tied_a - tied_b + tied_both - 2 * discordant
    return concordant_minus_discordant / math.sqrt(untied_a * untied_b)


def compare_methods(
    matrix: DecisionMatrix, params: CompositeParameters | None = None
) -> tuple[tuple[MethodRanking, ...], bool]:
    """The ranking under the run's own method first, then under each other combination of equal,
    entropy and (where the run has pairwise matrices) AHP indicator weights with weighted sum and
    TOPSIS; and whether the leaders differ between any two. A combination the data cannot make
    (an AHP matrix that does not fit) is left out."""
    params = params or CompositeParameters()
    own = (params.weights.indicators, params.method)
    weightings = [w for w in COMPARED_WEIGHTINGS if w != WeightMethod.AHP or params.weights.ahp]
    combos = [own, *((w, m) for w in weightings for m in COMPARED_METHODS if (w, m) != own)]
    out: list[MethodRanking] = []
    base: np.ndarray | None = None
    for weighting, method in combos:
        asked = dataclasses.replace(
            params, weights=dataclasses.replace(params.weights, indicators=weighting), method=method
        )
        try:
            prep = prepare(matrix, asked)
        except EvaluationError:
            if (weighting, method) == own:
                raise
            continue
        codes = prep.localities
        ranks = rank(
            scores_for_weights(prep.normalized, prep.weights, method), rank_tiers(codes, matrix, asked)
        )[0]
        base = ranks if base is None else base
        places, base_places = ranks.tolist(), base.tolist()  # Python ints, read once
        order = sorted(range(len(codes)), key=lambda r: (places[r], codes[r]))
        out.append(
            MethodRanking(
                weighting=weighting,
                method=method,
                default=(weighting, method) == own,
                ranks=tuple((codes[r], places[r]) for r in order),
                leaders=tuple(codes[r] for r in order if places[r] == 1),
                kendall_tau=kendall_tau(base, ranks),
                moved=tuple(codes[r] for r in order if places[r] != base_places[r]),
                dominant=dominant_indicators(prep, asked.dominance),
            )
        )
    leaders = {m.leaders for m in out}
    return tuple(out), len(leaders) > 1


def _distributions(ranks: np.ndarray) -> list[tuple[tuple[int, int], ...]]:
    """Each locality's (column's) ranks drawn and how often, by rank: `np.unique(…, return_counts)`
    of every column at once (the columns sorted, then the runs of equal ranks). The (rank, count)
    pairs are made in one `zip` over the runs of all localities, then cut at each locality's first."""
    ordered = np.sort(ranks.T, axis=1)  # (L, draws)
    n_l, n = ordered.shape
    if n == 0:
        return [() for _ in range(n_l)]
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    flat = np.flatnonzero(starts)  # row-major: by locality, then rank; each row's first is a start
    counts = np.diff(np.append(flat, ordered.size)).tolist()  # a row's last run ends at the next's first
    runs = list(zip(ordered.ravel()[flat].tolist(), counts, strict=True))
    bounds = np.concatenate(([0], np.cumsum(starts.sum(axis=1)))).tolist()
    return [tuple(runs[bounds[r] : bounds[r + 1]]) for r in range(n_l)]


def sensitivity_analysis(
    matrix: DecisionMatrix,
    params: CompositeParameters | None = None,
    sens: SensitivityParameters | None = None,
) -> SensitivityResult:
    """Each locality's rank range, how often it keeps its base rank, and its rank distribution; the
    rankings by the other methods (`compare_methods`)."""
    params = params or CompositeParameters()
    sens = sens or SensitivityParameters()
    prep = prepare(matrix, params)
    codes = prep.localities
    x = prep.normalized
    tiers = rank_tiers(codes, matrix, params)
    base = scores_for_weights(x, prep.weights, params.method)
    base_ranks, _ = rank(base, tiers)
    drawn = perturbed_weights(prep.weights, sens)
    n_l = len(codes)
    step = max(1, CHUNK_CELLS // max(1, n_l))
    ranks = np.empty((sens.draws, n_l), dtype=np.int64)
    for start in range(0, sens.draws, step):
        block = drawn[start : start + step]
        ranks[start : start + step] = rank_rows(scores_for_weights(x, block, params.method), tiers)
    lowest, highest = ranks.min(axis=0), ranks.max(axis=0)
    mean = ranks.mean(axis=0)
    held = (ranks == base_ranks[None, :]).mean(axis=0)
    stability = []
    distributions = _distributions(ranks)
    base_list, low, high = base_ranks.tolist(), lowest.tolist(), highest.tolist()
    means, helds = mean.tolist(), held.tolist()
    for r, code in enumerate(codes):
        stability.append(
            RankStability(
                locality=code,
                base_rank=int(base_list[r]),
                min_rank=int(low[r]),
                max_rank=int(high[r]),
                mean_rank=float(means[r]),
                held_share=float(helds[r]),
                distribution=distributions[r],
            )
        )
    stability.sort(key=lambda row: (row.base_rank, row.locality))
    methods, leader_varies = compare_methods(matrix, params)
    return SensitivityResult(
        draws=sens.draws,
        spread=sens.spread,
        seed=sens.seed,
        method=params.method,
        stability=tuple(stability),
        methods=methods,
        leader_varies=leader_varies,
    )
