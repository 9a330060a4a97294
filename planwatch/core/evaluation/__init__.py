"""The evaluation engine: per-indicator completion, pace, Open SDG growth ratio and forecast;
aggregation to the region; the five-dimension composite index with its ranks; the sensitivity of
the ranks to the weights. Django-free: plain frozen dataclasses in, plain dataclasses out.

Typical use (the Django layer does the same with values read from the database):

    inp = evaluation_input_from_plan(doc, observations, entered_targets)
    result = evaluate(inp, 2018, EvaluationParameters(sensitivity=SensitivityParameters()))
    json.dumps(to_jsonable(result), ensure_ascii=False)

The formulas, their sources and the defaults are in docs/methodology.md.
"""

from planwatch.core.errors import EvaluationError, InconsistentJudgements, InvalidParameters
from planwatch.core.evaluation.aggregate import Panel, area_values, build_panel, panel_from_arrays
from planwatch.core.evaluation.binding import binding_checks, binding_status, failures
from planwatch.core.evaluation.composite import (
    DecisionMatrix,
    composite_index,
    decision_matrix,
    minmax_normalize,
    rank,
    shown,
    target_normalize,
    topsis_scores,
    weighted_sum_scores,
)
from planwatch.core.evaluation.engine import Evaluation, EvaluationParameters, evaluate
from planwatch.core.evaluation.explain import Explanation, PlaceName, explain
from planwatch.core.evaluation.indicator import PanelEvaluation, evaluate_panel, indicator_results
from planwatch.core.evaluation.planinput import (
    areas_of,
    dimensions_from_plan,
    evaluation_input,
    evaluation_input_from_plan,
    indicator_spec,
    indicators_from_plan,
    localities_from_plan,
    period_from_plan,
    pilot_units,
    targets_from_plan,
)
from planwatch.core.evaluation.sensitivity import (
    compare_methods,
    kendall_tau,
    perturbed_weights,
    sensitivity_analysis,
)
from planwatch.core.evaluation.types import *  # noqa: F403 - the vocabulary, listed in types.__all__
from planwatch.core.evaluation.types import __all__ as _types_all
from planwatch.core.evaluation.weights import (
    CR_LIMIT,
    RANDOM_INDEX,
    ahp_weights,
    entropy_weights,
    equal_weights,
    expert_weights,
)

__all__ = [
    *_types_all,
    "CR_LIMIT",
    "RANDOM_INDEX",
    "DecisionMatrix",
    "Evaluation",
    "Explanation",
    "EvaluationError",
    "EvaluationParameters",
    "InconsistentJudgements",
    "InvalidParameters",
    "Panel",
    "PanelEvaluation",
    "ahp_weights",
    "area_values",
    "binding_checks",
    "binding_status",
    "build_panel",
    "compare_methods",
    "composite_index",
    "decision_matrix",
    "dimensions_from_plan",
    "entropy_weights",
    "equal_weights",
    "evaluate",
    "evaluate_panel",
    "explain",
    "areas_of",
    "PlaceName",
    "evaluation_input",
    "evaluation_input_from_plan",
    "expert_weights",
    "failures",
    "indicator_results",
    "indicator_spec",
    "indicators_from_plan",
    "kendall_tau",
    "localities_from_plan",
    "minmax_normalize",
    "panel_from_arrays",
    "period_from_plan",
    "perturbed_weights",
    "pilot_units",
    "rank",
    "sensitivity_analysis",
    "shown",
    "target_normalize",
    "targets_from_plan",
    "topsis_scores",
    "weighted_sum_scores",
]
