"""The whole evaluation on the seed plan with the deterministic sample data (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planwatch.core import sample
from planwatch.core.evaluation import (
    REGION,
    CompositeParameters,
    EvaluationParameters,
    InconsistentJudgements,
    Observation,
    Outcome,
    PairwiseMatrix,
    SensitivityParameters,
    TargetSpec,
    WeightMethod,
    WeightScheme,
    evaluate,
    evaluation_input_from_plan,
    to_jsonable,
)
from planwatch.core.planfile import read_plan_file, whole_number_unit

SEED_PLAN = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"


@pytest.fixture(scope="module")
def seed_input():
    doc = read_plan_file(SEED_PLAN)
    bare = evaluation_input_from_plan(doc)
    plan_targets = {(t.indicator, t.scope, t.year): t.value for t in bare.targets}
    specs = [
        sample.SampleIndicator(
            code=ind.code,
            kind=ind.kind,
            aggregation=ind.aggregation,
            integer=whole_number_unit(ind.unit),
            region_target=plan_targets.get((ind.code, REGION, 2019)),
            target_year=2019,
            base_year=ind.base.year if ind.base else None,
            base_value=ind.base.value if ind.base else None,
            components=dict(ind.components),
            fixed_targets={s: v for (c, s, y), v in plan_targets.items() if c == ind.code and s != REGION},
        )
        for ind in doc.indicators
    ]
    localities = [
        sample.SampleLocality(loc.code, loc.counted_in_region_total, loc.parent) for loc in bare.localities
    ]
    data = sample.generate(specs, localities, range(2016, 2020), 2017, doc.plan.code)
    observations = [Observation(i, s, y, float(v)) for (i, s, y), v in sorted(data.actuals.items())]
    targets = [TargetSpec(i, s, y, float(v)) for (i, s, y), v in sorted(data.targets.items())]
    return evaluation_input_from_plan(doc, observations, targets)


def test_the_seed_plan_evaluates_with_every_result_explicit(seed_input):
    result = evaluate(seed_input, 2018, EvaluationParameters(sensitivity=SensitivityParameters(draws=200)))
    by = {(r.indicator, r.scope): r for r in result.indicators}
    assert len(result.indicators) == len(seed_input.indicators) * 8  # 7 pilot units and the region
    energy = by[("I29", REGION)]
    assert energy.outcome == Outcome.NOT_APPLICABLE and energy.completion is None
    assert by[("I29", "FS")].outcome in (Outcome.BINDING_MET, Outcome.BINDING_NOT_MET)
    counted = ["ZH", "FS", "ZS", "JM", "YJ", "ZQ"]  # not SD: Foshan's figures include Shunde's
    assert by[("I01", REGION)].value == pytest.approx(sum(by[("I01", code)].value for code in counted))
    components = by[("C01", REGION)]
    assert components.outcome == Outcome.NOT_APPLICABLE and components.value is not None
    assert {s.locality for s in result.composite.scores} == {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
    assert all(s.previous_rank is not None for s in result.composite.scores)  # from 2017, same input
    assert [d.dimension for d in result.composite.dimension_weights] == [
        "innovation",
        "quality",
        "policy",
        "coordination",
        "resources",
    ]
    assert len(result.sensitivity.stability) == 7


def test_the_same_input_gives_the_same_json_bit_for_bit(seed_input):
    params = EvaluationParameters(sensitivity=SensitivityParameters(draws=100))
    first = json.dumps(to_jsonable(evaluate(seed_input, 2019, params)), ensure_ascii=False)
    second = json.dumps(to_jsonable(evaluate(seed_input, 2019, params)), ensure_ascii=False)
    assert first == second
    data = json.loads(first)
    assert data["year"] == 2019 and data["parameters"]["composite"]["method"] == "weighted_sum"


def test_inconsistent_dimension_judgements_stop_the_evaluation(seed_input):
    codes = ("innovation", "quality", "policy", "coordination", "resources")
    values = [[1.0] * 5 for _ in codes]
    values[0][1], values[1][0] = 9.0, 1 / 9  # innovation ≫ quality
    values[1][2], values[2][1] = 9.0, 1 / 9  # quality ≫ policy
    values[2][0], values[0][2] = 9.0, 1 / 9  # policy ≫ innovation: a cycle
    scheme = WeightScheme(
        dimensions=WeightMethod.AHP, dimension_ahp=PairwiseMatrix(codes, tuple(map(tuple, values)))
    )
    with pytest.raises(InconsistentJudgements, match="CR = "):
        evaluate(seed_input, 2018, EvaluationParameters(composite=CompositeParameters(weights=scheme)))
