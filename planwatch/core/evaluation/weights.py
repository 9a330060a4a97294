"""Weights: equal, expert (given), AHP (Saaty's principal eigenvector with the consistency ratio)
and entropy (Shannon). Each returns weights that add up to 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from planwatch.core.errors import InconsistentJudgements, InvalidParameters
from planwatch.core.evaluation.types import AhpResult, PairwiseMatrix

__all__ = [
    "CR_LIMIT",
    "RANDOM_INDEX",
    "ahp_weights",
    "entropy_weights",
    "equal_weights",
    "expert_weights",
]

# Saaty's random consistency index by matrix order n (The Analytic Hierarchy Process, 1980, with
# the orders 11–15 of the same table).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
CR_LIMIT = 0.1  # Saaty: a consistency ratio of 0.1 or more calls for revised judgements
RECIPROCAL_TOLERANCE = 1e-6


def equal_weights(n: int) -> np.ndarray:
    if n < 1:
        raise InvalidParameters("没有需要赋权的指标。", "no criteria to weigh")
    return np.full(n, 1.0 / n)


def expert_weights(codes: Sequence[str], given: Mapping[str, float], what: str = "indicator") -> np.ndarray:
    """The given weights of `codes`, in their order, scaled to add up to 1."""
    missing = [code for code in codes if code not in given]
    if missing:
        raise InvalidParameters(
            f"专家权重缺少：{', '.join(missing)}。",
            f"expert weights: no weight for {what} {', '.join(missing)}",
        )
    w = np.array([float(given[code]) for code in codes])
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InvalidParameters(
            "专家权重应为有限非负数且不全为零。",
            "expert weights must be finite, non-negative and not all zero",
        )
    return np.asarray(w / w.sum(), dtype=np.float64)


def entropy_weights(matrix: np.ndarray) -> np.ndarray:
    """Shannon entropy weights of the columns of a non-negative matrix (rows: localities).

    p_ij = x_ij / Σ_i x_ij; e_j = −Σ_i p_ij ln p_ij / ln m (with 0 · ln 0 = 0); d_j = 1 − e_j;
    w_j = d_j / Σ_j d_j. A column without information (all zero, or all equal) has d_j = 0; when no
    column has any, the weights are equal.
    """
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise InvalidParameters(
            "熵权法需要至少一列数据。", "entropy weights need a matrix with at least one column"
        )
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise InvalidParameters(
            "熵权法要求数据为有限非负数。", "entropy weights need finite, non-negative values"
        )
    m, n = x.shape
    if m < 2:
        return equal_weights(n)
    totals = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(totals > 0, x / totals, 0.0)
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = np.where(totals > 0, -plogp.sum(axis=0) / np.log(m), 1.0)
    divergence = np.clip(1.0 - entropy, 0.0, None)
    if divergence.sum() <= 0:
        return equal_weights(n)
    return np.asarray(divergence / divergence.sum(), dtype=np.float64)


def ahp_weights(
    pairwise: PairwiseMatrix | np.ndarray, *, what: str = "", limit: float = CR_LIMIT
) -> AhpResult:
    """Saaty's AHP: the principal eigenvector of the pairwise comparison matrix, normalized to add
    up to 1, with λmax, CI = (λmax − n)/(n − 1), RI (Saaty's table) and CR = CI / RI.

    Refuses a matrix that is not square, positive and reciprocal with ones on the diagonal
    (InvalidParameters), and one with CR ≥ `limit` (InconsistentJudgements).
    """
    if isinstance(pairwise, PairwiseMatrix):
        codes = pairwise.codes
        a = np.array(pairwise.values, dtype=np.float64)
    else:
        a = np.asarray(pairwise, dtype=np.float64)
        codes = tuple(str(k + 1) for k in range(a.shape[0])) if a.ndim == 2 else ()
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or n < 1 or len(codes) != n:
        raise InvalidParameters(
            "判断矩阵应为方阵，每个代码一行。",
            "a pairwise comparison matrix must be square, one row per code",
        )
    if n not in RANDOM_INDEX:
        raise InvalidParameters(
            f"层次分析法最多比较 {max(RANDOM_INDEX)} 个因素。",
            f"AHP: at most {max(RANDOM_INDEX)} criteria can be compared (no random index for {n})",
        )
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise InvalidParameters("判断矩阵元素应为正数。", "pairwise comparisons must be positive numbers")
    if not np.allclose(np.diag(a), 1.0, rtol=0, atol=RECIPROCAL_TOLERANCE) or not np.allclose(
        a * a.T, 1.0, rtol=0, atol=RECIPROCAL_TOLERANCE
    ):
        raise InvalidParameters(
            "判断矩阵对角线应为1，且 a_ji = 1 / a_ij。",
            "a pairwise comparison matrix must have ones on the diagonal and a_ji = 1 / a_ij",
        )
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = np.abs(eigenvectors[:, k].real)
    weights = vector / vector.sum()
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    if ci < 1e-12:  # a consistent matrix: λmax = n up to rounding
        ci = 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    if cr >= limit:
        raise InconsistentJudgements(cr, limit, what)
    return AhpResult(
        codes=tuple(codes),
        weights=tuple(float(w) for w in weights),
        lambda_max=lambda_max,
        ci=float(ci),
        ri=ri,
        cr=float(cr),
    )
