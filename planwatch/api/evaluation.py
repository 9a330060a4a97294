"""Evaluation runs through the API: make one (the province), list and read them (anyone signed in).

- `POST /plans/{code}/evaluations` evaluates a year on the stored values and stores the run:
  201 with the run; 200 with the stored run when an identical one exists (same input, parameters and
  data; `reused: true`) unless `reuse` is false. Province roles only (403 otherwise). Bad parameters,
  an AHP matrix with CR ≥ 0.1, a year outside the plan or without values answer 400 with
  `{"errors": [{"path", "kind", "message_zh", "message_en", …}]}`, as the values API does.
- `GET /plans/{code}/evaluations` lists the plan's runs, newest first, without their results.
- `GET /evaluations/{id}` is one run with its results (the core's JSON, docs/methodology.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from planwatch.api.routes import NOT_FOUND, NotFound, get_plan
from planwatch.api.schemas import Flag, RowId, Year, YearQuery
from planwatch.api.values import ErrorsOut
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import check_may_run, parameters_from_options, run_evaluation, run_record

router = Router(tags=["evaluations"])  # under /plans
runs_router = Router(tags=["evaluations"])  # under /evaluations


class EvaluationIn(Schema):
    year: Year = Field(description="The year to evaluate, e.g. 2018.")
    method: Literal["weighted_sum", "topsis"] = "weighted_sum"
    normalization: Literal["target", "minmax", "min_max"] = "target"
    weights: Literal["equal", "entropy", "expert", "ahp"] | None = Field(
        None, description="Indicator weights within each dimension; default equal (ahp/expert when given)."
    )
    ahp: dict[str, Any] | None = Field(
        None,
        description='Pairwise matrices: {"dimensions": {"codes": [...], "matrix": [[...]]}, "indicators": '
        '{"<dimension>": {"codes": [...], "matrix": [[...]]}}}, either part; judgements may be "1/3".',
    )
    expert: dict[str, Any] | None = Field(
        None, description='Expert weights: {"dimensions": {"<code>": w}, "indicators": {"<code>": w}}.'
    )
    binding: Literal["none", "mark", "cap", "exclude"] = Field(
        "mark",
        description="What failing a binding (约束性) indicator does to a locality's rank: none, mark "
        "(flagged, the default), cap (ranked below every locality passing them) or exclude (not ranked).",
    )
    include_submitted: Flag = Field(
        False, description="Also read submitted and approved values; the run is marked includes_unaccepted."
    )
    sensitivity: Flag = Field(True, description="Rank stability under ±20 % weights, 1,000 draws.")
    label: str = Field("", max_length=200)
    notes: str = ""
    reuse: Flag = Field(True, description="Answer an identical stored run (200) rather than store another.")


class CaveatOut(Schema):
    code: str = Field(description="includes_unaccepted or sample.")
    message_zh: str
    message_en: str


class RunSummaryOut(Schema):
    id: int
    plan: str
    year: int
    created_at: dt.datetime
    created_by: str | None
    label: str
    notes: str
    includes_unaccepted: bool = Field(
        description="Submitted and approved values (not yet accepted) were read."
    )
    sample: bool = Field(description="示例数据: sample data was read; not official figures.")
    caveats: list[CaveatOut] = Field(description="What every display of the run must say.")
    statuses: list[str]
    parameters: dict[str, Any] = Field(description="The EvaluationParameters used, as JSON.")
    parameters_summary: str
    data_version: dict[str, Any] = Field(
        description="as_of, sha256 and count of the values read (indicator, locality, period, value, "
        "status, version); the targets' likewise."
    )
    input_hash: str
    results_hash: str
    engine_version: str
    reused: bool
    derived_indicators: list[dict[str, Any]] = Field(
        description="The derived indicators among the results: rates PlanWatch computes from its own "
        "records (code, metric, name_zh/en, mark_zh/en — PlanWatch 口径，非方案原文 —, unit, direction, "
        "dimension, target). Not indicators of the plan text."
    )


class ExplanationOut(Schema):
    indicator: str
    scope: str
    year: int
    zh: str
    en: str


class RunOut(RunSummaryOut):
    results: dict[str, Any] = Field(description="indicators, region, composite, sensitivity (to_jsonable).")
    explanations: list[ExplanationOut] = Field(
        description="Each indicator result's verdicts in one line with their numbers, as the dashboards "
        "and the bulletins give them (docs/methodology.md, “Verdicts”)."
    )


def runs() -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.select_related("plan", "created_by")


@router.post(
    "/{plan_code}/evaluations",
    response={201: RunOut, 200: RunOut, 400: ErrorsOut, 403: ErrorsOut, **NOT_FOUND},
    summary="Evaluate a year and store the run (the province)",
)
def create_run(request: HttpRequest, plan_code: str, payload: EvaluationIn) -> Status:
    """Evaluate `year` on the accepted values (with `include_submitted`, also submitted and approved
    ones) and store the run with its parameters, data version and results."""
    plan = get_plan(plan_code)
    check_may_run(request.user)
    params = parameters_from_options(
        method=payload.method,
        normalization=payload.normalization,
        weights=payload.weights,
        ahp=payload.ahp,
        expert=payload.expert,
        sensitivity=payload.sensitivity,
        binding=payload.binding,
    )
    run = run_evaluation(
        plan,
        payload.year,
        params=params,
        include_unaccepted=payload.include_submitted,
        user=request.user,
        label=payload.label,
        notes=payload.notes,
        reuse=payload.reuse,
    )
    stored = runs().get(pk=run.pk)
    stored.reused = run.reused
    return Status(200 if run.reused else 201, run_record(stored))


@router.get(
    "/{plan_code}/evaluations",
    response={200: list[RunSummaryOut], **NOT_FOUND},
    summary="The plan's evaluation runs",
)
def list_runs(request: HttpRequest, plan_code: str, year: YearQuery = None) -> list[dict[str, Any]]:
    """Newest first, without their results (read one run for those)."""
    plan = get_plan(plan_code)
    found = runs().filter(plan=plan).defer("summary")
    if year is not None:
        found = found.filter(year=year)
    return [run_record(run, results=False) for run in found]


@runs_router.get("/{run_id}", response={200: RunOut, **NOT_FOUND}, summary="One evaluation run")
def get_run(request: HttpRequest, run_id: RowId) -> dict[str, Any]:
    run = runs().filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"没有编号为 {run_id} 的评估", f"No evaluation run {run_id}.")
    return run_record(run)
