"""Evaluation runs through the API: who may make and read them, the run's shape, refusals, reuse.

The cast (tests/conftest.py): Alice (province admin) and Pat (province reviewer) may make runs; Zoe
(珠海 reporter), Zack (珠海 approver), Lena (lead unit), Vic (viewer) may only read them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from planwatch.accounts.models import ApiToken
from planwatch.evaluation.models import EvaluationRun
from planwatch.reporting.models import ReportedValue
from tests.api_errors import message_en

API = "/api/v1"
PLAN = "prw-mic2025"
RUNS = f"{API}/plans/{PLAN}/evaluations"
PILOTS = {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
QUICK = {"year": 2018, "sensitivity": False}
RUN_FIELDS = {
    "id",
    "plan",
    "year",
    "created_at",
    "created_by",
    "label",
    "notes",
    "includes_unaccepted",
    "sample",
    "caveats",
    "statuses",
    "parameters",
    "parameters_summary",
    "data_version",
    "input_hash",
    "results_hash",
    "engine_version",
    "reused",
    "derived_indicators",
}


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, body: Any, url: str = RUNS) -> Any:
    return client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json")


def answer(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def errors(response: Any, status: int) -> list[dict[str, Any]]:
    body = answer(response, status)
    assert set(body) == {"errors"}
    for error in body["errors"]:
        assert error["message_zh"] and error["message_en"]
    return body["errors"]


def test_the_province_makes_a_run(sampled, cast):
    body = answer(post(as_user(cast.alice), {"year": 2018, "label": "2018年度通报"}), 201)
    assert set(body) == RUN_FIELDS | {"results", "explanations"}
    why = {(e["indicator"], e["scope"]): e for e in body["explanations"]}
    assert why[("I01", "region")]["zh"].startswith("未设2018年目标；规划目标 800个（2019年）")
    run = EvaluationRun.objects.get()
    assert body["id"] == run.pk and body["year"] == 2018 and body["plan"] == PLAN
    assert body["created_by"] == "alice" and body["label"] == "2018年度通报" and body["reused"] is False
    assert body["includes_unaccepted"] is False and body["sample"] is True
    assert body["statuses"] == ["accepted"]
    assert body["data_version"] == run.data_version and body["data_version"]["sha256"] == run.data_hash
    assert body["parameters"] == run.parameters
    assert body["parameters"]["composite"]["method"] == "weighted_sum"
    assert body["results"] == run.results
    assert {s["locality"] for s in body["results"]["composite"]["scores"]} == PILOTS
    assert body["created_at"].endswith("+08:00")
    # PlanWatch's own measures among the results, marked as not the text's
    derived = {d["code"]: d for d in body["derived_indicators"]}
    assert list(derived) == ["PW01", "PW02", "PW03"]
    assert derived["PW03"] == {
        "code": "PW03",
        "metric": "returns_per_submission",
        "name_zh": "数据退回率（退回次数 ÷ 报送次数）",
        "name_en": "Returns per submission",
        "mark_zh": "PlanWatch 口径，非方案原文",
        "mark_en": "PlanWatch's measure, not the plan text's",
        "unit": "%",
        "direction": "lower_is_better",
        "dimension": "coordination",
        "target": 10.0,
    }
    energy = next(
        r for r in body["results"]["indicators"] if r["indicator"] == "I29" and r["scope"] == "region"
    )
    assert energy["outcome"] == "not_applicable"


def test_the_province_reviewer_may_make_runs_with_parameters(sampled, cast):
    body = answer(
        post(
            as_user(cast.pat),
            {
                "year": 2018,
                "method": "topsis",
                "normalization": "minmax",
                "weights": "entropy",
                "sensitivity": False,
            },
        ),
        201,
    )
    composite = body["parameters"]["composite"]
    assert composite["method"] == "topsis" and composite["normalization"] == "min_max"
    assert composite["weights"]["indicators"] == "entropy"
    assert body["parameters"]["sensitivity"] is None and body["results"]["sensitivity"] is None
    assert body["created_by"] == "pat"


@pytest.mark.parametrize("who", ["zoe", "zack", "lena", "vic"])
def test_others_may_not_make_runs_but_may_read_them(sampled, cast, who):
    made = answer(post(as_user(cast.alice), QUICK), 201)
    client = as_user(getattr(cast, who))
    refused = errors(post(client, QUICK), 403)
    assert refused[0]["kind"] == "forbidden" and "省级" in refused[0]["message_zh"]
    assert EvaluationRun.objects.count() == 1
    listed = answer(client.get(RUNS), 200)
    assert [r["id"] for r in listed] == [made["id"]]
    detail = answer(client.get(f"{API}/evaluations/{made['id']}"), 200)
    assert detail["results"] == made["results"]


def test_a_user_without_a_profile_reads_but_does_not_make_runs(sampled, cast, bob):
    answer(post(as_user(cast.alice), QUICK), 201)
    client = as_user(bob)
    errors(post(client, QUICK), 403)
    assert len(answer(client.get(RUNS), 200)) == 1


def test_without_signing_in_nothing(sampled):
    client = Client()
    assert post(client, QUICK).status_code == 401
    assert client.get(RUNS).status_code == 401
    assert client.get(f"{API}/evaluations/1").status_code == 401


def test_a_token_works_like_a_session(sampled, cast):
    _, raw = ApiToken.issue(cast.pat, "bulletin script")
    response = Client().post(
        RUNS, data=json.dumps(QUICK), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert answer(response, 201)["created_by"] == "pat"


def test_inconsistent_ahp_is_a_400_in_both_languages(sampled, cast):
    codes = ["innovation", "quality", "policy", "coordination", "resources"]
    matrix: list[list[Any]] = [[1] * 5 for _ in codes]
    matrix[0][1], matrix[1][0] = 9, "1/9"
    matrix[1][2], matrix[2][1] = 9, "1/9"
    matrix[2][0], matrix[0][2] = 9, "1/9"
    body = {**QUICK, "weights": "ahp", "ahp": {"dimensions": {"codes": codes, "matrix": matrix}}}
    [error] = errors(post(as_user(cast.alice), body), 400)
    assert error["path"] == "ahp" and error["kind"] == "invalid"
    assert "CR = " in error["message_en"] and "一致性检验" in error["message_zh"]
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "path", "text"),
    [
        ({"weights": "ahp"}, "ahp", "pairwise"),
        ({"weights": "expert"}, "expert", "expert weights"),
        ({"weights": "equal", "ahp": {"dimensions": {}}}, "ahp", "AHP judgements were given"),
        ({"ahp": {"dimensions": {"codes": ["a"], "matrix": [[1, 2]]}}}, "ahp.dimensions.matrix", "1 rows"),
        ({"year": 2030}, "year", "outside the plan's years"),
        (
            {"ahp": {"dimensions": {"codes": ["innovation", "quality"], "matrix": [[1, 2], [0.5, 1]]}}},
            None,
            "exactly",
        ),
    ],
)
def test_bad_parameters_are_400_with_the_parameter_at_fault(sampled, cast, body, path, text):
    [error] = errors(post(as_user(cast.alice), {**QUICK, **body}), 400)
    assert error["path"] == path and text in error["message_en"]


def test_a_year_without_accepted_values_is_400(plan, cast):
    [error] = errors(post(as_user(cast.alice), QUICK), 400)
    assert error["path"] == "year" and "no accepted values for 2018" in error["message_en"]


def test_bodies_outside_the_schema_are_422(sampled, cast):
    client = as_user(cast.alice)
    assert post(client, {"year": 2018, "method": "vikor"}).status_code == 422
    assert post(client, {"method": "topsis"}).status_code == 422


def test_include_submitted_marks_the_run(sampled, cast):
    ReportedValue.objects.filter(indicator__code="I01", locality__code="ZH", period__code="2018").update(
        status=ReportedValue.Status.SUBMITTED
    )
    body = answer(post(as_user(cast.alice), {**QUICK, "include_submitted": True}), 201)
    assert body["includes_unaccepted"] is True
    assert body["statuses"] == ["accepted", "submitted", "approved"]
    assert [c["code"] for c in body["caveats"]] == ["includes_unaccepted", "sample"]
    assert "未确认" in body["caveats"][0]["message_zh"]
    listed = answer(as_user(cast.vic).get(RUNS), 200)
    assert (
        listed[0]["includes_unaccepted"] is True and listed[0]["caveats"][0]["code"] == "includes_unaccepted"
    )


def test_an_identical_run_is_answered_200_and_not_stored_again(sampled, cast):
    client = as_user(cast.alice)
    first = answer(post(client, QUICK), 201)
    again = answer(post(as_user(cast.pat), QUICK), 200)
    assert again["id"] == first["id"] and again["reused"] is True and again["created_by"] == "alice"
    assert again["results"] == first["results"]
    fresh = answer(post(client, {**QUICK, "reuse": False}), 201)
    assert fresh["id"] != first["id"] and fresh["results"] == first["results"]
    assert fresh["data_version"] == first["data_version"]
    assert EvaluationRun.objects.count() == 2


def test_the_list_is_newest_first_without_results_and_filters_by_year(sampled, cast):
    client = as_user(cast.alice)
    older = answer(post(client, QUICK), 201)
    newer = answer(post(client, {"year": 2017, "sensitivity": False}), 201)
    listed = answer(client.get(RUNS), 200)
    assert [r["id"] for r in listed] == [newer["id"], older["id"]]
    assert all(set(r) == RUN_FIELDS for r in listed)
    assert [r["id"] for r in answer(client.get(RUNS, {"year": 2017}), 200)] == [newer["id"]]


def test_unknown_plans_and_runs_are_404(sampled, cast):
    client = as_user(cast.alice)
    assert client.get(f"{API}/plans/nope/evaluations").status_code == 404
    assert post(client, QUICK, url=f"{API}/plans/nope/evaluations").status_code == 404
    assert message_en(answer(client.get(f"{API}/evaluations/999"), 404)) == "No evaluation run 999."


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert set(paths[f"{API}/plans/{{plan_code}}/evaluations"]) == {"get", "post"}
    assert "get" in paths[f"{API}/evaluations/{{run_id}}"]


def test_the_binding_consequence_is_a_parameter_and_the_results_carry_the_checks(sampled, cast):
    body = answer(post(as_user(cast.alice), {"year": 2019, "binding": "exclude", "sensitivity": False}), 201)
    assert body["parameters"]["composite"]["binding"] == "exclude"
    failing = {c["locality"] for c in body["results"]["binding"] if c["status"] == "fail"}
    composite = body["results"]["composite"]
    assert failing and {s["locality"] for s in composite["scores"]} == PILOTS - failing
    assert {e["locality"] for e in composite["excluded"] if e["reason"] == "binding_failed"} == failing
    assert composite["binding_indicators"] == ["I29"] and composite["rank_decimals"] == 3
    assert post(as_user(cast.alice), {"year": 2019, "binding": "drop"}).status_code == 422
