"""How stable the ranks are when the weights move.

Each draw multiplies every indicator's weight by its own uniform factor in [1 − spread, 1 + spread]
(numpy's PCG64 generator from a fixed seed), renormalizes the weights to add up to 1 and ranks the
localities again on the same normalized matrix. Same input and seed, same draws, same numbers.
"""

from __future__ import annotations

import numpy as np

from planwatch.core.evaluation.composite import DecisionMatrix, prepare, rank, rank_rows, scores_for_weights
from planwatch.core.evaluation.types import (
    CompositeParameters,
    RankStability,
    SensitivityParameters,
    SensitivityResult,
)

__all__ = ["perturbed_weights", "sensitivity_analysis"]

CHUNK_CELLS = 4_000_000  # draws are scored in chunks of at most this many (draw × locality) cells


def perturbed_weights(weights: np.ndarray, sens: SensitivityParameters) -> np.ndarray:
    """(draws, I): the weights, each times a uniform factor in [1 − spread, 1 + spread], renormalized."""
    w = np.asarray(weights, dtype=np.float64)
    rng = np.random.default_rng(sens.seed)
    factors = rng.uniform(1.0 - sens.spread, 1.0 + sens.spread, size=(sens.draws, w.size))
    drawn = w[None, :] * factors
    return np.asarray(drawn / drawn.sum(axis=1, keepdims=True), dtype=np.float64)


def sensitivity_analysis(
    matrix: DecisionMatrix,
    params: CompositeParameters | None = None,
    sens: SensitivityParameters | None = None,
) -> SensitivityResult:
    """Each locality's rank range, how often it keeps its base rank, and its rank distribution."""
    params = params or CompositeParameters()
    sens = sens or SensitivityParameters()
    prep = prepare(matrix, params)
    codes = prep.localities
    x = prep.normalized
    base = scores_for_weights(x, prep.weights, params.method)
    base_ranks, _ = rank(base, codes)
    drawn = perturbed_weights(prep.weights, sens)
    n_l = len(codes)
    step = max(1, CHUNK_CELLS // max(1, n_l))
    ranks = np.empty((sens.draws, n_l), dtype=np.int64)
    for start in range(0, sens.draws, step):
        block = drawn[start : start + step]
        ranks[start : start + step] = rank_rows(scores_for_weights(x, block, params.method), codes)
    lowest, highest = ranks.min(axis=0), ranks.max(axis=0)
    mean = ranks.mean(axis=0)
    held = (ranks == base_ranks[None, :]).mean(axis=0)
    ordered = np.sort(ranks, axis=0)
    stability = []
    for r, code in enumerate(codes):
        values, counts = np.unique(ordered[:, r], return_counts=True)
        stability.append(
            RankStability(
                locality=code,
                base_rank=int(base_ranks[r]),
                min_rank=int(lowest[r]),
                max_rank=int(highest[r]),
                mean_rank=float(mean[r]),
                held_share=float(held[r]),
                distribution=tuple((int(v), int(c)) for v, c in zip(values, counts, strict=True)),
            )
        )
    stability.sort(key=lambda row: row.base_rank)
    return SensitivityResult(
        draws=sens.draws,
        spread=sens.spread,
        seed=sens.seed,
        method=params.method,
        stability=tuple(stability),
    )
