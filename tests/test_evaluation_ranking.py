"""Honest rankings (issue 14, parts 5 and 7), by hand: binding (约束性) indicators apart with their
pass / fail list and the consequences none, mark, cap and exclude; the method comparison with
Kendall's τ-b and the leader; an indicator dominating its dimension; a ranked district inside a
ranked city; older stored results still read.

Ties at the shown precision and zero targets are in tests/test_evaluation_composite.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planwatch.core.evaluation import (
    BindingCheck,
    BindingConsequence,
    BindingStatus,
    CompositeParameters,
    CompositeResult,
    DecisionMatrix,
    DimensionSpec,
    DominantIndicator,
    Evaluation,
    EvaluationInput,
    EvaluationParameters,
    ExcludedLocality,
    ExclusionReason,
    IncludedLocality,
    IndicatorSpec,
    InvalidParameters,
    LocalitySpec,
    Normalization,
    Observation,
    PairwiseMatrix,
    PlanPeriod,
    SensitivityParameters,
    SensitivityResult,
    TargetSpec,
    WeightMethod,
    WeightScheme,
    composite_index,
    evaluate,
    from_jsonable,
    kendall_tau,
    sensitivity_analysis,
    to_jsonable,
)
from planwatch.core.evaluation.sensitivity import compare_methods
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind

HI = Direction.HIGHER_IS_BETTER


def matrix(values, *, failed=None, localities=("A", "B", "C"), target=10.0, included=None):
    v = np.array(values, dtype=float)
    n_i = v.shape[1]
    return DecisionMatrix(
        localities=tuple(localities),
        indicators=tuple(f"I{j}" for j in range(n_i)),
        dimensions=("d",) * n_i,
        directions=(HI,) * n_i,
        values=v,
        targets=np.full(v.shape, target),
        dimension_weights={"d": 1.0},
        binding_failed=failed or {},
        binding_indicators=("X",) if failed is not None else (),
        included_in=included or {},
    )


def ranked(result):
    return [(s.locality, s.rank, s.binding_failed) for s in result.scores]


# --- binding consequences -------------------------------------------------------------------------

# One expected indicator by target (10): A 9 → .9, B 6 → .6, C 3 → .3. B fails the binding X.
THREE = matrix([[9], [6], [3]], failed={"B": ("X",)})


def test_consequence_none_ranks_by_score_and_flags_nobody():
    result = composite_index(THREE, CompositeParameters(binding=BindingConsequence.NONE))
    assert ranked(result) == [("A", 1, ()), ("B", 2, ()), ("C", 3, ())]
    assert result.binding == BindingConsequence.NONE and result.binding_indicators == ("X",)


def test_consequence_mark_is_the_default_ranks_by_score_and_flags():
    assert CompositeParameters().binding == BindingConsequence.MARK
    result = composite_index(THREE)
    assert ranked(result) == [("A", 1, ()), ("B", 2, ("X",)), ("C", 3, ())]
    assert result.binding == BindingConsequence.MARK


def test_consequence_cap_ranks_a_failing_locality_below_every_passing_one():
    result = composite_index(THREE, CompositeParameters(binding=BindingConsequence.CAP))
    # B's .6 beats C's .3, but B fails X: below every locality that fails none.
    assert ranked(result) == [("A", 1, ()), ("C", 2, ()), ("B", 3, ("X",))]
    assert [s.score for s in result.scores] == pytest.approx([0.9, 0.3, 0.6])
    # Two failing localities rank among themselves by score, after the passing ones.
    two = matrix([[9], [6], [3], [1]], failed={"A": ("X",), "B": ("X",)}, localities="ABCD")
    result = composite_index(two, CompositeParameters(binding=BindingConsequence.CAP))
    assert [(s.locality, s.rank) for s in result.scores] == [("C", 1), ("D", 2), ("A", 3), ("B", 4)]


def test_consequence_exclude_lists_the_locality_with_the_reason():
    result = composite_index(THREE, CompositeParameters(binding=BindingConsequence.EXCLUDE))
    assert ranked(result) == [("A", 1, ()), ("C", 2, ())]
    assert result.excluded == (ExcludedLocality("B", (), ExclusionReason.BINDING_FAILED, ("X",)),)


def test_exclude_normalizes_min_max_again_among_those_ranked():
    # min-max over A 9, B 6, C 3 gives C 0; without B the range is the same: 9 → 1, 3 → 0. A second
    # indicator where B is the top: 1, 10, 4 → among A and C: 1 → 0, 4 → 1.
    m = matrix([[9, 1], [6, 10], [3, 4]], failed={"B": ("X",)})
    params = CompositeParameters(normalization=Normalization.MIN_MAX, binding=BindingConsequence.EXCLUDE)
    result = composite_index(m, params)
    assert {s.locality: s.score for s in result.scores} == {"A": pytest.approx(0.5), "C": pytest.approx(0.5)}
    assert [(s.locality, s.rank, s.tied) for s in result.scores] == [("A", 1, True), ("C", 1, True)]


def test_exclude_refuses_when_nobody_is_left():
    m = matrix([[9], [6]], failed={"A": ("X",), "B": ("X",)}, localities="AB")
    with pytest.raises(InvalidParameters):
        composite_index(m, CompositeParameters(binding=BindingConsequence.EXCLUDE))


def test_the_consequence_holds_in_every_sensitivity_draw():
    params = CompositeParameters(binding=BindingConsequence.CAP)
    result = sensitivity_analysis(THREE, params, SensitivityParameters(draws=50))
    by = {s.locality: s for s in result.stability}
    assert (by["B"].min_rank, by["B"].max_rank) == (3, 3)
    assert all(dict(m.ranks)["B"] == 3 for m in result.methods)


# --- binding indicators in a whole evaluation -----------------------------------------------------


def plan_input(localities=None):
    """E: expected, by target 10 in 2019 (A 9, B 6, C 3, D 5). X: binding (约束性) with locality
    targets only, in the same dimension: A 12 of 10 (pass), B 8 of 10 (fail), C no value
    (未报送), D 7 and no target (无目标)."""
    period = PlanPeriod(base_year=2016, start_year=2017, end_year=2019)
    e = IndicatorSpec("E", IndicatorKind.LEVEL, Aggregation.SUM, dimension="d")
    x = IndicatorSpec(
        "X",
        IndicatorKind.CUMULATIVE_DECREASE,
        Aggregation.NONE,
        binding=True,
        region_target=False,
        base_year=2015,
        dimension="d",
    )
    locs = localities or tuple(LocalitySpec(c) for c in "ABCD")
    values = {"A": (9, 12), "B": (6, 8), "C": (3, None), "D": (5, 7)}
    observations = [Observation("E", c, 2019, v[0]) for c, v in values.items()]
    observations += [Observation("X", c, 2019, v[1]) for c, v in values.items() if v[1] is not None]
    targets = [TargetSpec("E", c, 2019, 10.0) for c in "ABCD"]
    targets += [TargetSpec("X", c, 2019, 10.0) for c in "ABC"]
    return EvaluationInput(
        period=period,
        indicators=(e, x),
        localities=locs,
        targets=tuple(targets),
        observations=tuple(observations),
        dimensions=(DimensionSpec("d", 1.0),),
    )


def test_each_locality_passes_fails_or_neither_by_met():
    run = evaluate(plan_input(), 2019)
    assert [(c.indicator, c.locality, c.status) for c in run.binding] == [
        ("X", "A", BindingStatus.PASS),
        ("X", "B", BindingStatus.FAIL),
        ("X", "C", BindingStatus.NOT_REPORTED),
        ("X", "D", BindingStatus.NO_TARGET),
    ]
    met = {r.scope: r.met for r in run.indicators if r.indicator == "X" and r.scope in "ABCD"}
    assert met == {"A": True, "B": False, "C": None, "D": None}  # the checks read `met`, nothing else
    assert run.binding[0] == BindingCheck("X", "A", 2019, BindingStatus.PASS, 12.0, 10.0)


def test_binding_indicators_are_not_averaged_into_their_dimension():
    run = evaluate(plan_input(), 2019)
    composite = run.composite
    assert [w.indicator for w in composite.weights] == ["E"]
    assert composite.binding_indicators == ("X",)
    # Scores are E's alone: .9, .6, .5, .3; only B fails X (C and D are neither): marked.
    assert [(s.locality, s.score, s.rank, s.binding_failed) for s in composite.scores] == [
        ("A", pytest.approx(0.9), 1, ()),
        ("B", pytest.approx(0.6), 2, ("X",)),
        ("D", pytest.approx(0.5), 3, ()),
        ("C", pytest.approx(0.3), 4, ()),
    ]
    capped = evaluate(
        plan_input(),
        2019,
        EvaluationParameters(composite=CompositeParameters(binding=BindingConsequence.CAP)),
    )
    assert [s.locality for s in capped.composite.scores] == ["A", "D", "C", "B"]


# --- a district ranked beside its city ------------------------------------------------------------


def test_a_ranked_district_inside_a_ranked_city_is_noted_from_the_hierarchy():
    locs = (
        LocalitySpec("A"),
        LocalitySpec("B", counted_in_region_total=True),
        LocalitySpec("C", counted_in_region_total=False, parent="B"),
        LocalitySpec("D"),
    )
    run = evaluate(plan_input(locs), 2019)
    assert run.composite.included == (IncludedLocality("C", "B"),)
    # Nothing to say when the city is not ranked (no values) or when the district counts on its own.
    alone = composite_index(matrix([[9], [6]], localities="AC", included={"C": "B"}))
    assert alone.included == ()
    assert evaluate(plan_input(), 2019).composite.included == ()


# --- Kendall's τ, by hand ---------------------------------------------------------------------------


def test_kendall_tau_by_hand():
    # One swapped pair of six: C = 5, D = 1 → (5 − 1) / 6.
    assert kendall_tau([1, 2, 3, 4], [2, 1, 3, 4]) == pytest.approx(2 / 3)
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # τ-b with a tie: a ties the pair (2, 3): C = 5, D = 0, T_a = 1, T_b = 0 → 5 / √(5 · 6).
    assert kendall_tau([1, 2, 2, 4], [1, 2, 3, 4]) == pytest.approx(5 / math.sqrt(30))
    assert kendall_tau([1], [1]) is None
    assert kendall_tau([1, 1, 1], [1, 2, 3]) is None  # one ranking all tied: no τ


def test_kendall_tau_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    a, b = [1, 2, 2, 4, 5, 5, 7], [2, 1, 3, 3, 6, 5, 7]
    assert kendall_tau(a, b) == pytest.approx(stats.kendalltau(a, b).statistic, abs=1e-12)


# --- methods compared -------------------------------------------------------------------------------

# Normalized by target 10: A (.1, .1), B (.1, 1), C (.7, .3), one dimension.
LEADER = matrix([[1, 1], [1, 10], [7, 3]])


def entropy_by_hand(column):
    p = np.array(column) / sum(column)
    e = -sum(x * math.log(x) for x in p if x > 0) / math.log(len(column))
    return 1 - e


def test_the_leader_depends_on_the_method_by_hand():
    methods, varies = compare_methods(LEADER)
    by = {(m.weighting, m.method.value): m for m in methods}
    assert methods[0].default and (methods[0].weighting, methods[0].method.value) == (
        WeightMethod.EQUAL,
        "weighted_sum",
    )
    # Equal weights: A .1, B .55, C .5 → B, C, A.
    assert methods[0].ranks == (("B", 1), ("C", 2), ("A", 3)) and methods[0].leaders == ("B",)
    # Entropy: d0 = 1 − e(.1, .1, .7), d1 = 1 − e(.1, 1, .3); w0 = d0 / (d0 + d1) ≈ .55.
    d0, d1 = entropy_by_hand([0.1, 0.1, 0.7]), entropy_by_hand([0.1, 1.0, 0.3])
    w0 = d0 / (d0 + d1)
    assert w0 == pytest.approx(0.5498, abs=1e-4)
    # B = .1 w0 + 1 (1 − w0) ≈ .505 < C = .7 w0 + .3 (1 − w0) ≈ .520: C leads.
    entropy = by[(WeightMethod.ENTROPY, "weighted_sum")]
    assert entropy.ranks == (("C", 1), ("B", 2), ("A", 3)) and entropy.leaders == ("C",)
    # One discordant pair (B, C) of three: τ = (2 − 1) / 3.
    assert entropy.kendall_tau == pytest.approx(1 / 3)
    assert entropy.moved == ("C", "B")
    assert by[(WeightMethod.EQUAL, "topsis")].kendall_tau == pytest.approx(1.0)
    assert by[(WeightMethod.EQUAL, "topsis")].moved == ()
    assert varies
    # Entropy gives I0 over half of dimension d: a warning; equal halves are not over half.
    assert entropy.dominant == (DominantIndicator("d", "I0", pytest.approx(w0)),)
    assert methods[0].dominant == ()
    # Without AHP matrices, no AHP ranking: 2 weightings × 2 aggregations.
    assert len(methods) == 4


def test_the_sensitivity_carries_the_comparison():
    result = sensitivity_analysis(LEADER, sens=SensitivityParameters(draws=20))
    assert result.leader_varies and result.methods[0].default
    steady = sensitivity_analysis(matrix([[9, 9], [5, 5], [1, 1]]), sens=SensitivityParameters(draws=20))
    assert not steady.leader_varies
    assert all(m.kendall_tau == pytest.approx(1.0) and m.moved == () for m in steady.methods)


def test_the_runs_own_weighting_comes_first_and_ahp_is_compared_where_given():
    ahp = WeightScheme(
        indicators=WeightMethod.AHP, ahp={"d": PairwiseMatrix(("I0", "I1"), ((1, 3), (1 / 3, 1)))}
    )
    methods, _ = compare_methods(LEADER, CompositeParameters(weights=ahp))
    assert [(m.weighting.value, m.method.value, m.default) for m in methods] == [
        ("ahp", "weighted_sum", True),
        ("equal", "weighted_sum", False),
        ("equal", "topsis", False),
        ("entropy", "weighted_sum", False),
        ("entropy", "topsis", False),
        ("ahp", "topsis", False),
    ]
    # AHP gives I0 three quarters of d: dominant.
    assert methods[0].dominant == (DominantIndicator("d", "I0", pytest.approx(0.75)),)


def test_the_run_reports_an_indicator_dominating_its_dimension():
    # Every locality meets I0 (1, 1, 1: no information), so entropy gives I1 all of dimension d.
    m = matrix([[10, 2], [10, 5], [10, 9]])
    result = composite_index(m, CompositeParameters(weights=WeightScheme(indicators=WeightMethod.ENTROPY)))
    assert result.dominant == (DominantIndicator("d", "I1", pytest.approx(1.0)),)
    assert composite_index(m).dominant == ()  # equal halves
    # The threshold is configurable: .5 by default, "over half".
    assert CompositeParameters().dominance == 0.5
    with pytest.raises(InvalidParameters):
        CompositeParameters(dominance=0)


# --- stored results -------------------------------------------------------------------------------


def test_results_stored_before_issue_14_still_read():
    stored = to_jsonable(composite_index(THREE))
    for key in ("binding", "binding_indicators", "rank_decimals", "included", "dominant"):
        del stored[key]
    for score in stored["scores"]:
        del score["binding_failed"]
    old = from_jsonable(CompositeResult, stored)
    assert old.binding == BindingConsequence.NONE and old.rank_decimals == 12
    assert all(s.binding_failed == () for s in old.scores)
    sens = to_jsonable(sensitivity_analysis(THREE, sens=SensitivityParameters(draws=5)))
    del sens["methods"], sens["leader_varies"]
    assert from_jsonable(SensitivityResult, sens).methods == ()
    params = to_jsonable(CompositeParameters())
    del params["binding"], params["dominance"]
    assert from_jsonable(CompositeParameters, params) == CompositeParameters()


def test_new_results_round_trip():
    run = evaluate(plan_input(), 2019, EvaluationParameters(sensitivity=SensitivityParameters(draws=10)))
    assert to_jsonable(from_jsonable(Evaluation, to_jsonable(run))) == to_jsonable(run)
