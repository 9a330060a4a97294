"""The composite index: normalization, weighting, weighted sum and TOPSIS, ranks and ties, rank
changes, missing values; agreement with pymcdm; properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymcdm import weights as pymcdm_weights
from pymcdm.methods import TOPSIS

from planwatch.core import numbers
from planwatch.core.evaluation import (
    CompositeMethod,
    CompositeParameters,
    DecisionMatrix,
    InvalidParameters,
    MissingPolicy,
    Normalization,
    PairwiseMatrix,
    WeightMethod,
    WeightScheme,
    composite_index,
    entropy_weights,
    minmax_normalize,
    rank,
    shown,
    target_normalize,
    to_jsonable,
    topsis_scores,
)
from planwatch.core.evaluation.composite import rank_rows
from planwatch.core.kinds import Direction

HI, LO = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def matrix(values, targets=None, *, dims=None, directions=None, localities=None, weights=None, year=2018):
    values = np.array(values, dtype=float)
    n_l, n_i = values.shape
    dims = dims or ["d"] * n_i
    return DecisionMatrix(
        localities=tuple(localities or [f"L{k}" for k in range(n_l)]),
        indicators=tuple(f"I{j}" for j in range(n_i)),
        dimensions=tuple(dims),
        directions=tuple(directions or [HI] * n_i),
        values=values,
        targets=np.full(values.shape, np.nan) if targets is None else np.array(targets, dtype=float),
        dimension_weights=weights or {d: 1.0 for d in dict.fromkeys(dims)},
        year=year,
    )


MINMAX_WS = CompositeParameters(normalization=Normalization.MIN_MAX)
MINMAX_TOPSIS = CompositeParameters(normalization=Normalization.MIN_MAX, method=CompositeMethod.TOPSIS)


def scores(result):
    return {s.locality: s.score for s in result.scores}


def ranks(result):
    return {s.locality: s.rank for s in result.scores}


# --- normalization ------------------------------------------------------------------------------


def test_minmax_normalization_is_direction_aware():
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 30.0]])
    out = minmax_normalize(x, [True, False])
    assert out[:, 0].tolist() == [0.0, 0.5, 1.0]
    assert out[:, 1].tolist() == [1.0, 0.5, 0.0]
    assert minmax_normalize(np.array([[2.0], [2.0]]), [True]).tolist() == [[1.0], [1.0]]


def test_target_normalization_caps_and_is_direction_aware():
    x = np.array([[50.0, 0.9, 5.0], [120.0, 0.8, -1.0], [np.nan, 1.2, 0.0]])
    t = np.array([[100.0, 0.85, 0.0], [100.0, 0.85, 0.0], [100.0, 0.85, 0.0]])
    out = target_normalize(x, t, [True, False, True])
    assert out[0, :2].tolist() == [0.5, pytest.approx(0.85 / 0.9)]
    assert out[1, :2].tolist() == [1.0, 1.0]
    assert np.isnan(out[2, 0]) and out[2, 1] == pytest.approx(0.85 / 1.2)
    # A target of 0 is no scale: no target score (the indicator falls back to min-max), met or not.
    assert np.isnan(out[:, 2]).all()
    assert np.isnan(target_normalize(np.array([[3.0]]), np.array([[-2.0]]), [True])).all()


def test_a_zero_target_does_not_give_full_marks():
    # I1's target is 0 for every locality: 5 and 1 "meet" it, but min-max decides: 5 → 1, 1 → 0.
    # Before, both scored 1 (target met). I0 is by target: 5/10 = .5 and 10/10 = 1.
    m = matrix([[5, 5], [10, 1]], targets=[[10, 0], [10, 0]])
    result = composite_index(m)
    used = {w.indicator: w.normalization for w in result.weights}
    assert used == {"I0": Normalization.TARGET, "I1": Normalization.MIN_MAX}
    assert any(note.startswith("I1: min_max") for note in result.notes)
    assert scores(result) == {
        "L0": pytest.approx(0.5 * 0.5 + 0.5 * 1.0),
        "L1": pytest.approx(0.5 * 1.0 + 0.0),
    }
    assert ranks(result) == {"L0": 1, "L1": 2}


def test_target_normalization_falls_back_to_minmax_for_an_indicator_without_every_target():
    m = matrix([[5, 50], [10, 100]], targets=[[10, 100], [10, np.nan]])
    result = composite_index(m)
    used = {w.indicator: w.normalization for w in result.weights}
    assert used == {"I0": Normalization.TARGET, "I1": Normalization.MIN_MAX}
    assert any("I1" in note for note in result.notes)
    assert scores(result) == {"L0": pytest.approx(0.5 * 0.5 + 0.5 * 0.0), "L1": pytest.approx(1.0)}


# --- aggregation and ranks ----------------------------------------------------------------------


def test_weighted_sum_by_hand_with_dimensions_and_plan_weights():
    m = matrix(
        [[10, 1, 5], [20, 3, 5], [30, 2, 7]],
        dims=["innovation", "innovation", "quality"],
        weights={"innovation": 0.6, "quality": 0.4},
    )
    result = composite_index(m, MINMAX_WS)
    # min-max: I0 → 0, .5, 1; I1 → 0, 1, .5; I2 → 0, 0, 1. Innovation: equal halves.
    innovation = [0.0, 0.75, 0.75]
    quality = [0.0, 0.0, 1.0]
    expected = {f"L{k}": 0.6 * innovation[k] + 0.4 * quality[k] for k in range(3)}
    assert scores(result) == pytest.approx(expected)
    assert ranks(result) == {"L2": 1, "L1": 2, "L0": 3}
    assert [w.weight for w in result.weights] == pytest.approx([0.3, 0.3, 0.4])
    by_dim = {s.locality: {d.dimension: (d.score, d.rank) for d in s.dimensions} for s in result.scores}
    assert by_dim["L1"]["innovation"] == (pytest.approx(0.75), 1)  # tied with L2: both first
    assert by_dim["L2"]["innovation"] == (pytest.approx(0.75), 1)
    assert by_dim["L0"]["innovation"] == (pytest.approx(0.0), 3)
    assert [s.locality for s in result.scores] == ["L2", "L1", "L0"]


def test_ties_share_a_rank_listed_by_locality_code_and_flagged():
    m = matrix([[1], [2], [1]], localities=["ZS", "FS", "JM"])
    result = composite_index(m, MINMAX_WS)
    assert ranks(result) == {"FS": 1, "JM": 2, "ZS": 2}
    assert [s.locality for s in result.scores] == ["FS", "JM", "ZS"]
    assert {s.locality: s.tied for s in result.scores} == {"FS": False, "JM": True, "ZS": True}
    assert rank([0.5, 0.5, 0.5])[0].tolist() == [1, 1, 1]
    assert rank([0.9, 0.5, 0.5, 0.1])[0].tolist() == [1, 2, 2, 4]  # competition ranking


def test_scores_equal_as_shown_share_a_rank():
    # Shown with three decimals (numbers.score): 0.8477 and 0.8476 both read 0.848, and tie; 0.8474
    # reads 0.847 and ranks after them, third (competition ranking: 1, 1, 3).
    assert numbers.SCORE_DECIMALS == 3 and numbers.score(0.8477) == numbers.score(0.8476) == "0.848"
    ranks_, tied = rank([0.8477, 0.8476, 0.8474])
    assert ranks_.tolist() == [1, 1, 3] and tied.tolist() == [True, True, False]
    # The case in a composite index: a single indicator, by target, values 84.77 and 84.76
    # of 100 → scores 0.8477 and 0.8476, ranked 6th and 7th before, now sharing a rank.
    result = composite_index(matrix([[84.77], [84.76], [90.0]], targets=[[100.0]] * 3))
    assert [(s.locality, s.rank, s.tied) for s in result.scores] == [
        ("L2", 1, False),
        ("L0", 2, True),
        ("L1", 2, True),
    ]
    assert result.rank_decimals == 3


@pytest.mark.parametrize(
    "value, expected",
    [(0.8475, "0.848"), (0.0005, "0.001"), (0.0015, "0.002"), (0.1235, "0.123"), (1.0, "1.000")],
)
def test_ranks_compare_the_very_number_shown(value, expected):
    # numpy's round scales by 1000 first and can land on the other side of a half; the rank key is
    # the number the formatter shows, whatever the float.
    assert numbers.score(value) == expected
    assert shown([value])[0] == float(expected)


def test_rank_tiers_put_every_locality_of_a_later_tier_below():
    ranks_, tied = rank([0.9, 0.5, 0.5, 0.1], tiers=[1, 0, 0, 0])
    assert ranks_.tolist() == [4, 1, 1, 3] and tied.tolist() == [False, True, True, False]
    assert rank_rows(np.array([[0.9, 0.5, 0.5, 0.1], [0.1, 0.2, 0.3, 0.4]]), [1, 0, 0, 0]).tolist() == [
        [4, 1, 1, 3],
        [4, 3, 2, 1],
    ]


def stable_competition_ranks(key, tiers):
    """rank_rows as counted before (PlanWatch ≤ 3ff579c): a stable sort of each row, column by tier."""
    ranks = np.empty(key.shape, dtype=np.int64)
    before = 0
    for t in np.unique(tiers):
        cols = np.flatnonzero(tiers == t)
        part = key[:, cols]
        order = np.argsort(-part, axis=1, kind="stable")
        ordered = np.take_along_axis(part, order, axis=1)
        starts = np.ones(ordered.shape, dtype=bool)
        starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        first = np.maximum.accumulate(np.where(starts, np.arange(cols.size)[None, :], 0), axis=1)
        got = np.empty(part.shape, dtype=np.int64)
        np.put_along_axis(got, order, first + 1, axis=1)
        ranks[:, cols] = got + before
        before += cols.size
    return ranks


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("tiered", [False, True])
@pytest.mark.parametrize(("rows", "cols", "levels"), [(1, 1, 1), (1, 7, 3), (50, 40, 5), (300, 500, 60)])
def test_rank_rows_are_the_stable_sorts_ranks(rows, cols, levels, tiered, nan):
    """The rows are ranked with numpy's faster, unstable sort when no score is NaN: the same ranks."""
    rng = np.random.default_rng(rows * cols + levels)
    scores = rng.integers(0, levels, size=(rows, cols)) / levels  # many ties
    if nan:
        scores[rng.random(scores.shape) < 0.1] = np.nan
    tiers = (rng.random(cols) < 0.3).astype(np.int64) if tiered else np.zeros(cols, dtype=np.int64)
    expected = stable_competition_ranks(shown(scores), tiers)
    assert np.array_equal(rank_rows(scores, tiers), expected)
    if not tiered:
        assert np.array_equal(rank_rows(scores), expected)


def test_rank_change_from_the_previous_year():
    last = composite_index(matrix([[3], [2], [1]], year=2017), MINMAX_WS)
    now = composite_index(matrix([[1], [2], [3]]), MINMAX_WS, previous=last)
    by = {s.locality: (s.previous_rank, s.rank, s.rank_change) for s in now.scores}
    assert by == {"L0": (1, 3, -2), "L1": (2, 2, 0), "L2": (3, 1, 2)}
    assert composite_index(matrix([[1], [2]])).scores[0].rank_change is None


def test_missing_values_count_as_worst_or_exclude_the_locality():
    m = matrix([[10, 5], [np.nan, 10], [30, 1]], targets=[[20, 10]] * 3)
    worst = composite_index(m)
    by = {s.locality: s for s in worst.scores}
    assert by["L1"].missing_indicators == ("I0",)
    assert by["L1"].score == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    excluded = composite_index(m, CompositeParameters(missing=MissingPolicy.EXCLUDE))
    assert [s.locality for s in excluded.scores] == ["L2", "L0"]  # 0.55 and 0.5
    assert [(e.locality, e.missing_indicators) for e in excluded.excluded] == [("L1", ("I0",))]


@pytest.mark.parametrize("policy", list(MissingPolicy))
def test_a_locality_without_any_value_is_not_ranked(policy):
    """Not reported yet is not the worst score: it is left out of the ranking under either policy."""
    m = matrix([[10, 5], [np.nan, np.nan], [30, 1]], targets=[[20, 10]] * 3)
    result = composite_index(m, CompositeParameters(missing=policy))
    assert [s.locality for s in result.scores] == ["L2", "L0"]
    assert [s.rank for s in result.scores] == [1, 2]
    assert [(e.locality, e.missing_indicators) for e in result.excluded] == [("L1", ("I0", "I1"))]


def test_no_rank_change_against_a_ranking_of_other_localities():
    full = composite_index(matrix([[10, 5], [20, 10], [30, 1]], targets=[[20, 10]] * 3))
    partial = composite_index(
        matrix([[10, 5], [np.nan, np.nan], [30, 1]], targets=[[20, 10]] * 3), previous=full
    )
    assert [(s.locality, s.previous_rank, s.rank_change) for s in partial.scores] == [
        ("L2", None, None),
        ("L0", None, None),
    ]
    again = composite_index(matrix([[10, 5], [20, 10], [30, 1]], targets=[[20, 10]] * 3), previous=full)
    assert all(s.rank_change == 0 for s in again.scores)


def test_an_indicator_without_any_value_is_dropped_and_its_weight_shared():
    m = matrix([[1, np.nan], [2, np.nan]], dims=["a", "b"])
    result = composite_index(m, MINMAX_WS)
    assert [(d.indicator, d.reason) for d in result.dropped] == [("I1", "no_values")]
    assert [(w.dimension, w.weight) for w in result.dimension_weights] == [("a", 1.0)]


def test_expert_ahp_and_entropy_weighting():
    m = matrix([[1, 5, 2], [2, 4, 2], [4, 1, 3]], dims=["a", "a", "b"], weights={"a": 0.5, "b": 0.5})
    expert = composite_index(
        m,
        CompositeParameters(
            normalization=Normalization.MIN_MAX,
            weights=WeightScheme(
                indicators=WeightMethod.EXPERT,
                expert={"I0": 3, "I1": 1, "I2": 1},
                dimensions=WeightMethod.EXPERT,
                dimension_expert={"a": 1, "b": 3},
            ),
        ),
    )
    assert [w.weight for w in expert.weights] == pytest.approx([0.25 * 0.75, 0.25 * 0.25, 0.75])
    ahp = composite_index(
        m,
        CompositeParameters(
            normalization=Normalization.MIN_MAX,
            weights=WeightScheme(
                indicators=WeightMethod.AHP,
                ahp={
                    "a": PairwiseMatrix(("I1", "I0"), ((1, 1 / 3), (3, 1))),
                    "b": PairwiseMatrix(("I2",), ((1,),)),
                },
                dimensions=WeightMethod.AHP,
                dimension_ahp=PairwiseMatrix(("a", "b"), ((1, 1), (1, 1))),
            ),
        ),
    )
    assert [w.within_dimension for w in ahp.weights] == pytest.approx([0.75, 0.25, 1.0])
    assert len(ahp.ahp) == 3 and ahp.ahp[0].codes == ("a", "b")
    entropy = composite_index(
        m,
        CompositeParameters(
            normalization=Normalization.MIN_MAX, weights=WeightScheme(indicators=WeightMethod.ENTROPY)
        ),
    )
    x = minmax_normalize(np.array([[1, 5], [2, 4], [4, 1]], dtype=float), [True, True])
    assert [w.within_dimension for w in entropy.weights][:2] == pytest.approx(entropy_weights(x).tolist())


def test_ahp_matrix_must_compare_the_dimensions_indicators():
    m = matrix([[1, 2], [2, 1]])
    params = CompositeParameters(
        weights=WeightScheme(
            indicators=WeightMethod.AHP, ahp={"d": PairwiseMatrix(("I0", "X"), ((1, 2), (0.5, 1)))}
        )
    )
    with pytest.raises(InvalidParameters):
        composite_index(m, params)


def test_topsis_agrees_with_pymcdm_on_its_published_case():
    # pymcdm's TOPSIS test (Opricovic & Tzeng 2004): a cost and a benefit criterion, equal weights,
    # min-max normalization (pymcdm's default) → [0.500, 0.617, 0.500].
    raw = np.array([[1, 3000], [2, 3750], [5, 4500]], dtype=float)
    w = np.array([0.5, 0.5])
    expected = TOPSIS()(raw, w, np.array([-1, 1]))
    ours = topsis_scores(minmax_normalize(raw, [False, True]), w)
    assert np.allclose(ours, expected, rtol=0, atol=1e-9)
    assert np.round(ours, 3).tolist() == [0.5, 0.617, 0.5]
    index = composite_index(matrix(raw, directions=[LO, HI]), MINMAX_TOPSIS)
    assert np.allclose([scores(index)[f"L{k}"] for k in range(3)], expected, rtol=0, atol=1e-9)


def test_entropy_weighted_topsis_agrees_with_pymcdm():
    # The same normalization on both sides: min-max first, then pymcdm's entropy (on strictly
    # positive values: pymcdm sets a column's entropy to 0 when it holds a zero) and TOPSIS.
    raw = np.array(
        [[3.0, 40.0, 7.0], [5.0, 35.0, 2.0], [4.0, 60.0, 5.0], [9.0, 20.0, 6.0], [6.0, 45.0, 3.0]],
        dtype=float,
    )
    positive = raw / raw.max(axis=0)  # all in (0, 1]
    w_ref = pymcdm_weights.entropy_weights(positive)
    assert np.allclose(entropy_weights(positive), w_ref, rtol=0, atol=1e-9)
    expected = TOPSIS()(raw, w_ref, np.array([1, -1, 1]))
    ours = topsis_scores(minmax_normalize(raw, [True, False, True]), entropy_weights(positive))
    assert np.allclose(ours, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "column",
    [[0.0, 5e-324], [0.0, 2.2250738585072014e-308 / 2], [1.0, 1.0 + 2e-16], [1e4, 1e4 * (1 + 1e-15)]],
)
def test_a_range_lost_in_rounding_is_all_equal(column):
    # 5e-324 scaled by 1e-4 underflows to 0: in smaller units the same column would be all equal.
    assert minmax_normalize(np.array([column]).T, [True]).tolist() == [[1.0], [1.0]]
    assert minmax_normalize(np.array([column]).T * 1e-4, [True]).tolist() == [[1.0], [1.0]]


def test_a_small_but_real_range_is_normalized():
    assert minmax_normalize(np.array([[1e-6], [2e-6], [3e-6]]), [True]).ravel() == pytest.approx([0, 0.5, 1])


def test_results_are_json_ready_and_deterministic():
    m = matrix([[1, 5], [2, 4], [4, 1]], targets=[[3, 3]] * 3)
    a, b = to_jsonable(composite_index(m)), to_jsonable(composite_index(m))
    assert a == b
    assert a["scores"][0]["rank"] == 1 and a["normalization"] == "target"


# --- properties ---------------------------------------------------------------------------------

# Values as PlanWatch stores them: six decimal places (ReportedValue.value).
value = st.decimals(min_value=0, max_value=10_000, places=6, allow_nan=False, allow_infinity=False).map(float)
methods = st.sampled_from(
    [
        (Normalization.MIN_MAX, CompositeMethod.WEIGHTED_SUM),
        (Normalization.MIN_MAX, CompositeMethod.TOPSIS),
        (Normalization.TARGET, CompositeMethod.WEIGHTED_SUM),
        (Normalization.TARGET, CompositeMethod.TOPSIS),
    ]
)


@st.composite
def problems(draw):
    n_l = draw(st.integers(2, 6))
    n_i = draw(st.integers(1, 4))
    values = draw(st.lists(st.lists(value, min_size=n_i, max_size=n_i), min_size=n_l, max_size=n_l))
    targets = draw(st.lists(st.floats(1.0, 1e4), min_size=n_i, max_size=n_i))
    dims = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n_i, max_size=n_i))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=n_i, max_size=n_i))
    return values, [targets] * n_l, dims, weights


def build(values, targets, dims, weights, norm, method, indicator_method=WeightMethod.EXPERT):
    m = matrix(values, targets, dims=dims, weights={"a": 0.5, "b": 0.5})
    scheme = WeightScheme(indicators=indicator_method, expert={f"I{j}": w for j, w in enumerate(weights)})
    return m, CompositeParameters(normalization=norm, method=method, weights=scheme)


@settings(max_examples=300, deadline=None)
@given(problems(), methods, st.data())
def test_raising_a_higher_is_better_value_never_lowers_score_or_rank(problem, how, data):
    values, targets, dims, weights = problem
    m, params = build(values, targets, dims, weights, *how)
    k = data.draw(st.integers(0, len(values) - 1))
    j = data.draw(st.integers(0, len(values[0]) - 1))
    raised = [row[:] for row in values]
    raised[k][j] += data.draw(st.floats(1e-3, 1e4))
    m2, _ = build(raised, targets, dims, weights, *how)
    before, after = composite_index(m, params), composite_index(m2, params)
    code = f"L{k}"
    assert scores(after)[code] >= scores(before)[code] - 1e-12
    assert ranks(after)[code] <= ranks(before)[code]


@settings(max_examples=300, deadline=None)
@given(
    problems(),
    methods,
    st.sampled_from([WeightMethod.EXPERT, WeightMethod.EQUAL, WeightMethod.ENTROPY]),
    st.sampled_from([1e-4, 0.01, 10.0, 1e4]),
    st.data(),
)
def test_rescaling_an_indicator_does_not_change_the_scores(problem, how, weighting, factor, data):
    values, targets, dims, weights = problem
    j = data.draw(st.integers(0, len(values[0]) - 1))
    scaled_values = [[v * factor if c == j else v for c, v in enumerate(row)] for row in values]
    scaled_targets = [[t * factor if c == j else t for c, t in enumerate(row)] for row in targets]
    m, params = build(values, targets, dims, weights, *how, indicator_method=weighting)
    m2, _ = build(scaled_values, scaled_targets, dims, weights, *how, indicator_method=weighting)
    before, after = scores(composite_index(m, params)), scores(composite_index(m2, params))
    assert after == pytest.approx(before, rel=1e-9, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.one_of(value, st.just(float("nan")), st.just(5.0)), min_size=n, max_size=n),
            st.lists(st.one_of(value, st.just(5.0)), min_size=n, max_size=n),
        )
    ),
    methods,
)
def test_ranks_are_competition_ranks_of_the_scores_as_shown(columns, how):
    """Each rank is 1 + the number of localities whose shown score is higher: ranks run from 1, a
    shared rank is followed by a gap (1, 2, 2, 4), and equal shown scores always share a rank."""
    first, second = columns
    values = [[a, b] for a, b in zip(first, second, strict=True)]
    m = matrix(values, [[5.0, 5.0]] * len(values))
    result = composite_index(m, CompositeParameters(normalization=how[0], method=how[1]))
    shown_score = {s.locality: numbers.score(s.score) for s in result.scores}
    for s in result.scores:
        assert s.rank == 1 + sum(
            float(shown_score[o.locality]) > float(shown_score[s.locality]) for o in result.scores
        )
        assert s.tied == any(o.rank == s.rank for o in result.scores if o is not s)
    assert min(s.rank for s in result.scores) == 1
    assert [s.rank for s in result.scores] == sorted(s.rank for s in result.scores)
    for dim in range(len(result.dimension_weights)):
        dim_shown = [float(numbers.score(s.dimensions[dim].score)) for s in result.scores]
        for s, own in zip(result.scores, dim_shown, strict=True):
            assert s.dimensions[dim].rank == 1 + sum(other > own for other in dim_shown)
