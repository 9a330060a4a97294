"""Weights: AHP (Saaty), entropy (Shannon), equal and expert — and agreement with pymcdm on its
published reference cases."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm import weights as pymcdm_weights
from pymcdm.weights.subjective import AHP

from planwatch.core.errors import PlanWatchError
from planwatch.core.evaluation import (
    RANDOM_INDEX,
    EvaluationError,
    InconsistentJudgements,
    InvalidParameters,
    PairwiseMatrix,
    ahp_weights,
    entropy_weights,
    equal_weights,
    expert_weights,
)

# Saaty (1980), The Analytic Hierarchy Process, §2: relative wealth of nations (Saaty & Khouja 1976):
# US, USSR, China, France, UK, Japan, West Germany. Published priorities .427 .230 .021 .052 .052
# .123 .094, λmax = 7.61, CR = 0.08.
WEALTH = [
    [1, 4, 9, 6, 6, 5, 5],
    [1 / 4, 1, 7, 5, 5, 3, 4],
    [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
    [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
]

# pymcdm's entropy reference: Dawood & Karthikeyan, "Evaluating alternatives through the application
# of TOPSIS method with entropy weight", IJETT 46(2), 2017 (pymcdm's tests, TestEntropyWeights).
DAWOOD = np.array(
    [
        [7, 312, 1891, 6613, 163],
        [72, 88, 728, 941804, 1078],
        [10, 252, 2594, 3466, 117471],
        [10, 145, 980, 2371, 86329],
        [65, 54, 350, 501, 29897],
        [29, 48, 380, 912, 34051],
        [7, 476, 3300, 78470, 2212],
        [70, 87, 650, 733, 819000],
        [4, 86, 591, 3015, 103],
        [12, 79, 579, 3240, 96098],
        [21, 45, 261, 1253, 453],
        [1, 72, 530, 4333, 0.104800],
    ]
)


def test_saatys_wealth_of_nations_example():
    result = ahp_weights(np.array(WEALTH))
    assert [round(w, 3) for w in result.weights] == [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094]
    assert round(result.lambda_max, 2) == 7.61
    assert result.ri == 1.32
    assert round(result.cr, 2) == 0.08
    assert result.ci == pytest.approx((result.lambda_max - 7) / 6)


def test_a_consistent_matrix_has_cr_zero():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    result = ahp_weights(PairwiseMatrix(("a", "b", "c", "d"), tuple(map(tuple, w[:, None] / w[None, :]))))
    assert result.cr == 0.0 and result.ci == 0.0
    assert result.lambda_max == pytest.approx(4.0)
    assert result.weights == pytest.approx(tuple(w), abs=1e-12)
    assert result.codes == ("a", "b", "c", "d")


def test_inconsistent_judgements_are_refused_in_english_and_chinese():
    cyclic = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # a > b > c > a
    with pytest.raises(InconsistentJudgements) as caught:
        ahp_weights(np.array(cyclic), what="innovation")
    error = caught.value
    assert isinstance(error, EvaluationError) and isinstance(error, PlanWatchError)
    assert error.cr >= 0.1
    assert f"CR = {error.cr:.4f}" in error.en and "innovation" in error.en
    assert "一致性" in error.zh and f"{error.cr:.4f}" in error.zh


def test_cr_at_the_limit_is_refused():
    # Scale the limit to the matrix's own CR: "≥ 0.1" refuses a CR equal to the limit.
    cr = ahp_weights(np.array(WEALTH)).cr
    with pytest.raises(InconsistentJudgements):
        ahp_weights(np.array(WEALTH), limit=cr)
    assert ahp_weights(np.array(WEALTH), limit=cr * 1.0001).cr == cr


@pytest.mark.parametrize(
    "matrix",
    [
        [[1, 2], [0.4, 1]],  # not reciprocal
        [[2, 1], [1, 2]],  # diagonal not 1
        [[1, -1], [-1, 1]],  # not positive
        [[1, 2, 3], [0.5, 1, 2]],  # not square
    ],
)
def test_malformed_pairwise_matrices_are_refused(matrix):
    with pytest.raises(InvalidParameters):
        ahp_weights(np.array(matrix))


def test_random_index_is_saatys():
    assert [RANDOM_INDEX[n] for n in range(3, 11)] == [0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]


def test_ahp_agrees_with_pymcdm_on_its_published_case():
    # pymcdm's documented example: AHP(ranking=[1, 2, 4, 3]) → [0.48144852 0.21998235 0.13073309 0.16783605]
    reference = AHP(ranking=[1, 2, 4, 3])
    expected = reference()
    ours = ahp_weights(reference.matrix)
    assert np.allclose(ours.weights, expected, rtol=0, atol=1e-9)
    assert np.allclose(ours.weights, [0.48144852, 0.21998235, 0.13073309, 0.16783605], rtol=0, atol=1e-8)
    # pymcdm divides by Tummala & Ling's random index; the consistency index itself agrees.
    assert ours.ci == pytest.approx(reference.get_cr() * AHP.RI_M[3], rel=0, abs=1e-9)


def test_ahp_agrees_with_pymcdm_on_saatys_example():
    reference = AHP(matrix=np.array(WEALTH))
    assert np.allclose(ahp_weights(np.array(WEALTH)).weights, reference(), rtol=0, atol=1e-9)


def test_entropy_agrees_with_pymcdm_on_its_published_case():
    expected = pymcdm_weights.entropy_weights(DAWOOD)
    ours = entropy_weights(DAWOOD)
    assert np.allclose(ours, expected, rtol=0, atol=1e-9)
    assert [round(w, 6) for w in ours] == [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]


def test_entropy_by_hand():
    x = np.array([[1.0, 2.0], [1.0, 0.0], [2.0, 2.0]])
    # Column 1: p = 1/4, 1/4, 1/2; column 2: p = 1/2, 0, 1/2 (0 · ln 0 = 0).
    e1 = -(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)) / np.log(3)
    e2 = -(2 * 0.5 * np.log(0.5)) / np.log(3)
    d = np.array([1 - e1, 1 - e2])
    assert np.allclose(entropy_weights(x), d / d.sum(), rtol=0, atol=1e-15)


def test_entropy_of_columns_without_information():
    assert entropy_weights(np.array([[1.0, 5.0], [1.0, 5.0]])).tolist() == [0.5, 0.5]
    assert entropy_weights(np.array([[1.0, 0.0], [2.0, 0.0]])).tolist() == [1.0, 0.0]
    with pytest.raises(InvalidParameters):
        entropy_weights(np.array([[1.0, -1.0], [2.0, 0.0]]))


def test_equal_and_expert_weights():
    assert equal_weights(4).tolist() == [0.25] * 4
    assert expert_weights(["a", "b"], {"b": 3, "a": 1}).tolist() == [0.25, 0.75]
    with pytest.raises(InvalidParameters):
        expert_weights(["a", "c"], {"a": 1})
    with pytest.raises(InvalidParameters):
        expert_weights(["a"], {"a": -1})
