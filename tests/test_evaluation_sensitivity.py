"""Sensitivity of the ranks to the weights: seeded, reproducible, bounded."""

from __future__ import annotations

import numpy as np
import pytest

from planwatch.core.evaluation import (
    CompositeMethod,
    CompositeParameters,
    DecisionMatrix,
    InvalidParameters,
    Normalization,
    SensitivityParameters,
    composite_index,
    perturbed_weights,
    sensitivity_analysis,
    to_jsonable,
)
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
