"""Sensitivity of the ranks to the weights: seeded, reproducible, bounded."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planwatch.core.evaluation import (
    CompositeMethod,
    CompositeParameters,
    DecisionMatrix,
    InvalidParameters,
    Normalization,
    SensitivityParameters,
    composite_index,
    kendall_tau,
    perturbed_weights,
    sensitivity_analysis,
    to_jsonable,
)
from planwatch.core.evaluation.sensitivity import _distributions
from planwatch.core.kinds import Direction

VALUES = np.array([[9.0, 9.0, 9.0, 9.0], [5.0, 6.0, 2.0, 7.0], [6.0, 5.0, 7.0, 2.0], [1.0, 2.0, 1.0, 1.0]])


def matrix() -> DecisionMatrix:
    return DecisionMatrix(
        localities=("A", "B", "C", "D"),
        indicators=("I1", "I2", "I3", "I4"),
        dimensions=("x", "x", "y", "y"),
        directions=(Direction.HIGHER_IS_BETTER,) * 4,
        values=VALUES,
        targets=np.full(VALUES.shape, np.nan),
        dimension_weights={"x": 0.5, "y": 0.5},
    )


PARAMS = CompositeParameters(normalization=Normalization.MIN_MAX)


@pytest.mark.parametrize("method", list(CompositeMethod))
def test_ranges_hold_the_base_rank_and_the_counts_add_up(method):
    params = CompositeParameters(normalization=Normalization.MIN_MAX, method=method)
    result = sensitivity_analysis(matrix(), params)
    base = {s.locality: s.rank for s in composite_index(matrix(), params).scores}
    assert result.draws == 1000 and result.spread == 0.2 and result.method == method
    assert [s.base_rank for s in result.stability] == sorted(base.values())
    for s in result.stability:
        assert s.base_rank == base[s.locality]
        assert s.min_rank <= s.base_rank <= s.max_rank
        assert sum(count for _, count in s.distribution) == 1000
        held = dict(s.distribution).get(s.base_rank, 0)
        assert s.held_share == held / 1000
    by = {s.locality: s for s in result.stability}
    # A is best and D worst on every indicator: no weighting moves them.
    assert (by["A"].min_rank, by["A"].max_rank, by["A"].held_share) == (1, 1, 1.0)
    assert (by["D"].min_rank, by["D"].max_rank, by["D"].held_share) == (4, 4, 1.0)
    # B and C trade places when the weights move.
    assert {by["B"].min_rank, by["B"].max_rank} == {2, 3}
    assert 0 < by["B"].held_share < 1


def test_same_seed_same_numbers_other_seed_other_draws():
    first = to_jsonable(sensitivity_analysis(matrix(), PARAMS))
    assert to_jsonable(sensitivity_analysis(matrix(), PARAMS)) == first
    other = sensitivity_analysis(matrix(), PARAMS, SensitivityParameters(seed=7))
    assert to_jsonable(other) != first
    assert other.seed == 7


def test_no_spread_no_change():
    result = sensitivity_analysis(matrix(), PARAMS, SensitivityParameters(draws=50, spread=0.0))
    assert all(s.held_share == 1.0 and s.min_rank == s.max_rank == s.base_rank for s in result.stability)


def test_perturbed_weights_stay_within_the_spread_and_add_up_to_one():
    base = np.array([0.1, 0.2, 0.3, 0.4])
    drawn = perturbed_weights(base, SensitivityParameters(draws=2000, spread=0.2, seed=1))
    assert drawn.shape == (2000, 4)
    assert np.allclose(drawn.sum(axis=1), 1.0)
    ratios = (drawn / base) / (drawn / base).min(axis=1, keepdims=True)
    assert ratios.max() <= 1.2 / 0.8 + 1e-12
    assert np.array_equal(
        drawn, perturbed_weights(base, SensitivityParameters(draws=2000, spread=0.2, seed=1))
    )


@pytest.mark.parametrize("bad", [{"draws": 0}, {"spread": -0.1}, {"spread": 1.0}])
def test_bad_parameters_are_refused(bad):
    with pytest.raises(InvalidParameters):
        SensitivityParameters(**bad)


# --- Kendall's τ-b counted in O(n log n), against every pair counted ---------------------------------


def pairwise_kendall_tau(a, b):
    """The τ-b `kendall_tau` counted before (PlanWatch ≤ 3ff579c), over all n(n − 1)/2 pairs."""
    x, y = np.asarray(a), np.asarray(b)
    n = x.size
    if n < 2:
        return None
    i, j = np.triu_indices(n, k=1)
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    concordant_minus_discordant = int((sx * sy).sum())
    pairs = n * (n - 1) // 2
    untied_a, untied_b = pairs - int((sx == 0).sum()), pairs - int((sy == 0).sum())
    if untied_a == 0 or untied_b == 0:
        return None
    return concordant_minus_discordant / math.sqrt(untied_a * untied_b)


def same_tau(got, expected):
    """Both None, or the same float to the last bit."""
    return (got is None and expected is None) or (
        got is not None and expected is not None and got.hex() == expected.hex()
    )


rankings = st.integers(0, 60).flatmap(
    lambda n: st.integers(1, max(1, n)).flatmap(  # ranks drawn from 1..top: the smaller top, the more ties
        lambda top: st.tuples(
            st.lists(st.integers(1, top), min_size=n, max_size=n),
            st.lists(st.integers(1, top), min_size=n, max_size=n),
        )
    )
)


@settings(max_examples=500, deadline=None)
@given(rankings)
def test_kendall_tau_is_the_pairwise_count_to_the_bit(pair):
    a, b = pair
    assert same_tau(kendall_tau(a, b), pairwise_kendall_tau(a, b))
    assert same_tau(kendall_tau(np.array(a, dtype=np.int64), b), pairwise_kendall_tau(a, b))


@pytest.mark.parametrize("top", [3000, 40, 2])
def test_kendall_tau_at_3000_items(top):
    rng = np.random.default_rng(top)
    a = rng.integers(1, top + 1, size=3000)
    b = np.where(rng.random(3000) < 0.5, a, rng.integers(1, top + 1, size=3000))  # related, with ties
    assert same_tau(kendall_tau(a, b), pairwise_kendall_tau(a, b))
    assert same_tau(kendall_tau(a, a[::-1]), pairwise_kendall_tau(a, a[::-1]))
    assert kendall_tau(a, a) == 1.0


def test_kendall_tau_none_cases():
    assert kendall_tau([], []) is None
    assert kendall_tau([3], [1]) is None
    assert kendall_tau([2, 2], [1, 2]) is None
    assert kendall_tau([1, 2, 3], [5, 5, 5]) is None


# --- the rank distributions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("draws", "localities", "top"), [(1, 1, 1), (1, 5, 5), (40, 1, 3), (200, 30, 30)])
def test_distributions_are_each_columns_unique_counts(draws, localities, top):
    ranks = np.random.default_rng(draws + localities).integers(1, top + 1, size=(draws, localities))
    got = _distributions(ranks)
    assert len(got) == localities
    for r in range(localities):
        values, counts = np.unique(ranks[:, r], return_counts=True)
        assert got[r] == tuple(zip(values.tolist(), counts.tolist(), strict=True))
        assert all(type(v) is int and type(c) is int for v, c in got[r])
