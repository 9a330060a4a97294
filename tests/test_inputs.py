"""Input that matches the database (issue 15, part 3): every input the columns cannot hold is refused
with a clear error at its place, never a server error. The cast (tests/conftest.py): Zoe reports for
珠海 (ZH), Zack approves for it, Vic views.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from planwatch.api.api import api
from planwatch.api.errors import ERRORS_REF
from planwatch.core import inputs
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.supervision.models import Milestone
from tests.api_errors import message_en

PLAN = "/api/v1/plans/prw-mic2025"
BIGINT = 2**63


def as_user(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def send(client: Client, url: str, body: Any, method: str = "post") -> Any:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return getattr(client, method)(url, data=data, content_type="application/json")


def error(response: Any, status: int) -> dict[str, Any]:
    """The one error of an answer, in the API's one shape, with the status expected."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    message_en(body)
    return dict(body["errors"][0])


@pytest.fixture
def milestone(plan: Any) -> dict[str, Any]:
    return {
        "task": plan.tasks.order_by("order").first().code,
        "title": "建成示范车间",
        "due_on": "2018-03-31",
    }


# --- integers and texts beyond their columns ------------------------------------------------------


@pytest.mark.parametrize("order", [2**31, BIGINT, -1])
def test_a_milestone_order_beyond_its_column_is_refused_at_its_place(cast, milestone, order) -> None:
    response = send(
        as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", {**milestone, "order": order}
    )
    assert error(response, 422)["path"] == "order"
    assert not Milestone.objects.exists()


def test_a_title_longer_than_its_column_is_refused(cast, milestone) -> None:
    response = send(
        as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", {**milestone, "title": "长" * 301}
    )
    assert error(response, 422)["path"] == "title"


@pytest.mark.parametrize(
    "url",
    [
        f"{PLAN}/milestones/{BIGINT}",
        f"{PLAN}/milestones/0",
        f"{PLAN}/ledgers/investment_projects/items/{BIGINT}",
        f"/api/v1/evaluations/{BIGINT}",
        f"{PLAN}/action-plans?year=40000",
        f"{PLAN}/targets?year={BIGINT}",
    ],
)
def test_ids_and_years_beyond_their_columns_answer_422(cast, url) -> None:
    assert error(as_user(cast.vic).get(url), 422)["kind"] == "invalid"


def test_an_action_plan_year_beyond_its_column_is_refused(cast, milestone) -> None:
    response = send(as_user(cast.zoe), f"{PLAN}/action-plans/ZH/40000/milestones", milestone)
    assert error(response, 422)["path"] == "year"


def test_the_web_form_refuses_a_milestone_order_beyond_its_column(client, plan, cast, milestone) -> None:
    client.force_login(cast.zoe)
    url = reverse("supervision:action_plan", args=[plan.code, "ZH", 2018])
    response = client.post(url, {**milestone, "order": str(2**40)})
    assert response.status_code == 200
    assert not Milestone.objects.exists()
    assert "2147483647" in response.content.decode()


# --- numbers that cannot be stored ------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1e30", "NaN", "Infinity", "-Infinity"])
def test_investments_that_cannot_be_stored_are_refused(plan, cast, raw) -> None:
    body = '{"locality": "ZH", "name": "示例项目 X", "investment": ' + raw + "}"
    response = send(as_user(cast.zoe), f"{PLAN}/ledgers/investment_projects/items", body)
    problem = error(response, 422)
    assert problem["path"] == "investment"
    assert (
        raw.lstrip("-").lower()[:3] in problem["message_en"].lower() or "too large" in problem["message_en"]
    )


def test_a_breakdown_target_of_1e30_is_refused(plan, cast) -> None:
    body = '{"targets": [{"locality": "ZH", "year": 2018, "value": 1e30}]}'
    response = send(as_user(cast.alice), f"{PLAN}/breakdowns/I22/targets", body, method="put")
    assert error(response, 422)["path"] == "targets[0].value"


# --- NUL characters -------------------------------------------------------------------------------


def test_a_nul_in_a_json_field_is_refused_naming_the_field(cast, milestone) -> None:
    body = {**milestone, "indicators": ["I01"], "deliverable": "报告\x00"}
    response = send(as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", body)
    problem = error(response, 400)
    assert problem["path"] == "deliverable" and "NUL" in problem["message_en"]
    assert not Milestone.objects.exists()


def test_a_nul_in_a_query_parameter_or_the_address_is_refused(cast) -> None:
    vic = as_user(cast.vic)
    assert error(vic.get(f"{PLAN}/values", {"indicator": "I\x0007"}), 400)["path"] == "indicator"
    assert error(vic.get(f"{PLAN}/tasks/T%001"), 400)["path"] == "path"


def test_a_nul_in_a_csv_value_set_is_refused_naming_its_row(plan, cast, period) -> None:
    text = "import_id,period,locality,indicator,value,comment\nzh-1,2018,ZH,I07,5,ok\nzh-1,2018,ZH,I08,5,坏\x00\n"
    response = as_user(cast.zoe).post(f"{PLAN}/datavaluesets", data=text, content_type="text/csv")
    assert error(response, 400)["row"] == 3
    assert not ReportedValue.objects.exists()


def test_a_nul_in_a_web_form_field_is_refused_naming_the_field(client, plan, cast, period) -> None:
    client.force_login(cast.zoe)
    url = reverse("reporting:entry", args=[plan.code, "ZH", period.code])
    response = client.post(
        url, {"action": "save", "value-I07": "5", "version-I07": "0", "comment-I07": "a\x00"}
    )
    assert response.status_code == 400
    assert "comment-I07" in response.content.decode()
    assert not ReportedValue.objects.exists()


# --- JSON nested too deep -------------------------------------------------------------------------


def test_json_nested_50000_deep_is_refused_before_it_is_parsed(cast) -> None:
    body = "[" * 50_000 + "]" * 50_000
    response = send(as_user(cast.zoe), f"{PLAN}/datavaluesets", body)
    assert "64" in error(response, 400)["message_en"]
    response = send(
        as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", '{"a":' * 50_000 + "1" + "}" * 50_000
    )
    assert error(response, 400)["kind"] == "invalid"


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert inputs.json_depth(b'{"a": ["[[[[", {"b": "\\"{{{"}]}') == 3


# --- one error shape on every /api/ path, declared -------------------------------------------------


def test_every_error_of_the_api_answers_in_one_shape(cast) -> None:
    vic = as_user(cast.vic)
    assert error(vic.get("/api/v1/nothing/here"), 404)["kind"] == "not_found"
    assert error(vic.get(f"{PLAN}/tasks/T9.9"), 404)["kind"] == "not_found"
    not_allowed = vic.delete(f"{PLAN}/tasks")
    assert error(not_allowed, 405)["message_zh"] and "GET" in not_allowed["Allow"]
    assert error(Client().get(f"{PLAN}/tasks"), 401)["kind"] == "unauthenticated"
    assert error(send(vic, f"{PLAN}/values/transition", "{not json"), 400)["kind"] == "invalid"
    assert (
        error(
            send(vic, f"{PLAN}/values/transition", {"action": "fly", "period": "2018", "locality": "ZH"}), 422
        )["path"]
        == "action"
    )


def test_a_server_error_under_the_api_answers_in_the_one_shape(cast, monkeypatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("planwatch.api.routes.plans", broken)
    response = as_user(cast.vic, raise_request_exception=False).get("/api/v1/plans")
    assert error(response, 500)["kind"] == "server_error"
    assert "boom" not in response.content.decode()


def test_the_openapi_document_declares_every_error_status_in_the_one_shape() -> None:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    for address, item in document["paths"].items():
        for method, operation in item.items():
            responses = {str(code): answer for code, answer in operation["responses"].items()}
            wanted = {"400", "401"} | ({"404"} if "{" in address else set())
            if operation.get("parameters") or operation.get("requestBody"):
                wanted.add("422")
            assert wanted <= set(responses), (method, address, sorted(responses))
            for code, answer in responses.items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == ERRORS_REF, (address, code)


# --- two first saves of the same value at once ------------------------------------------------------


def test_two_first_saves_of_a_value_at_once_end_in_a_conflict_not_a_500(
    client, plan, cast, period, monkeypatch
) -> None:
    zh = plan.localities.get(code="ZH")
    i07 = plan.indicators.get(code="I07")
    # Zack's first save commits while Zoe's is between reading (nothing there yet) and inserting.
    wf.save_values(cast.zack, zh, period, [wf.Entry(i07, Decimal(6), 0)])
    manager = ReportedValue.objects
    real = manager.select_for_update
    calls: list[int] = []

    def read_before_the_other_committed(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return manager.none() if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(manager, "select_for_update", read_before_the_other_committed)
    client.force_login(cast.zoe)
    url = reverse("reporting:entry", args=[plan.code, "ZH", period.code])
    response = client.post(url, {"action": "save", "value-I07": "7", "version-I07": "0", "orig-I07": ""})
    assert response.status_code == 200  # the form again, saying who changed it
    assert ReportedValue.objects.get(indicator=i07).value == 6  # never silently overwritten
    assert "zack" in response.content.decode()
