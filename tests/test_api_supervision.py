"""Task supervision through the API: the list, action plans, milestones, updates and reviews, with
the same roles and scope as the web pages. The cast (tests/conftest.py): Zoe reports for 珠海 (ZH),
Fred for 佛山 (FS), Pat is the province reviewer, Alice the province administrator, Vic a viewer.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from planwatch.accounts.models import ApiToken
from planwatch.supervision import actions
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate
from tests.audit import events

PLAN = "/api/v1/plans/prw-mic2025"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: Any, method: str = "post") -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


@pytest.fixture
def body(plan: Any) -> dict[str, Any]:
    return {
        "task": plan.tasks.order_by("order").first().code,
        "title": "建成示范车间",
        "due_on": "2018-03-31",
        "owner_unit": "DST",
        "owner_person": "张三",
        "indicators": ["I01"],
    }


@pytest.fixture
def late(plan: Any, cast: Any) -> Milestone:
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    m = actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(), title="逾期事项", due_on=dt.date(2018, 3, 31)
        ),
    )
    actions.post_update(cast.zoe, m, "in_progress", 60, "进行中")
    return m


def test_a_locality_adds_a_milestone_and_reports_progress(cast: Any, body: dict[str, Any]) -> None:
    zoe = as_user(cast.zoe)
    response = post_json(zoe, f"{PLAN}/action-plans/ZH/2018/milestones", body)
    assert response.status_code == 201, response.content
    m = response.json()
    assert (m["locality"], m["year"], m["title"], m["owner_unit"], m["indicators"]) == (
        "ZH",
        2018,
        "建成示范车间",
        "DST",
        ["I01"],
    )
    assert m["status"] == "not_started" and m["updates"] == []
    update = post_json(
        zoe,
        f"{PLAN}/milestones/{m['id']}/updates",
        {"status": "in_progress", "percent": 30, "narrative": "开工"},
    )
    assert update.status_code == 201
    detail = zoe.get(f"{PLAN}/milestones/{m['id']}").json()
    assert (detail["status"], detail["percent"]) == ("in_progress", 30)
    assert detail["updates"][0]["narrative"] == "开工" and detail["updates"][0]["author"] == "zoe"
    assert set(events().values_list("source", flat=True)) == {"api"}


def test_a_token_writes_like_a_session(cast: Any, body: dict[str, Any]) -> None:
    _token, secret = ApiToken.issue(cast.zoe, "test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post_json(client, f"{PLAN}/action-plans/ZH/2018/milestones", body).status_code == 201


def test_another_locality_is_refused_and_nothing_is_written(cast: Any, body: dict[str, Any]) -> None:
    response = post_json(as_user(cast.fred), f"{PLAN}/action-plans/ZH/2018/milestones", body)
    assert response.status_code == 403
    assert response.json()["errors"][0]["kind"] == "forbidden"
    assert "珠海" in response.json()["errors"][0]["message_zh"]
    assert not ActionPlan.objects.exists() and not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"task": "T99"}, "task"),
        ({"owner_unit": "NOPE"}, "owner_unit"),
        ({"indicators": ["I01", "X9"]}, "indicators[1]"),
    ],
)
def test_unknown_codes_are_refused_with_their_path(
    cast: Any, body: dict[str, Any], change: dict[str, Any], path: str
) -> None:
    response = post_json(as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", {**body, **change})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path
    assert not ActionPlan.objects.exists()


def test_every_problem_of_a_milestone_is_said_at_once(cast: Any, body: dict[str, Any]) -> None:
    bad = {**body, "task": "T99", "title": " ", "starts_on": "2018-05-01", "indicators": ["X9"]}
    response = post_json(as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", bad)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == ["task", "indicators[0]", "title", "starts_on"]
    assert errors[3]["message_en"] == "“Starts on” is after “Due on”."
    assert errors[3]["message_zh"] == "“开始日期”晚于“截止日期”"


def test_a_refused_milestone_leaves_no_empty_action_plan(cast: Any, body: dict[str, Any]) -> None:
    response = post_json(
        as_user(cast.zoe), f"{PLAN}/action-plans/ZH/2018/milestones", {**body, "starts_on": "2018-05-01"}
    )
    assert response.status_code == 400  # starts after it is due
    assert not ActionPlan.objects.exists()


def test_edit_and_delete(cast: Any, body: dict[str, Any], late: Milestone) -> None:
    zoe = as_user(cast.zoe)
    created = post_json(zoe, f"{PLAN}/action-plans/ZH/2018/milestones", body).json()
    edited = post_json(zoe, f"{PLAN}/milestones/{created['id']}", {**body, "title": "改名"}, "put")
    assert edited.status_code == 200 and edited.json()["title"] == "改名"
    assert post_json(as_user(cast.fred), f"{PLAN}/milestones/{created['id']}", body, "put").status_code == 403
    assert as_user(cast.fred).delete(f"{PLAN}/milestones/{created['id']}").status_code == 403
    assert zoe.delete(f"{PLAN}/milestones/{created['id']}").status_code == 204
    assert not Milestone.objects.filter(pk=created["id"]).exists()
    # A milestone with progress updates stays: it is part of the record.
    refused = zoe.delete(f"{PLAN}/milestones/{late.pk}")
    assert refused.status_code == 409 and Milestone.objects.filter(pk=late.pk).exists()


def test_the_province_comments_and_returns_updates(cast: Any, late: Milestone) -> None:
    update = late.updates.get()
    url = f"{PLAN}/updates/{update.pk}/review"
    assert post_json(as_user(cast.zoe), url, {"action": "comment", "comment": "好"}).status_code == 403
    assert post_json(as_user(cast.vic), url, {"action": "return", "comment": "补材料"}).status_code == 403
    pat = as_user(cast.pat)
    assert post_json(pat, url, {"action": "return", "comment": ""}).status_code == 400
    answer = post_json(pat, url, {"action": "return", "comment": "补充验收材料"})
    assert answer.status_code == 200
    assert answer.json()["updates"][0]["returned"] is True
    assert answer.json()["updates"][0]["province_comment"] == "补充验收材料"
    assert post_json(pat, url, {"action": "return", "comment": "again"}).status_code == 409
    assert ProgressUpdate.objects.get().commented_by == cast.pat


def test_progress_rules_are_the_actions(cast: Any, late: Milestone) -> None:
    zoe = as_user(cast.zoe)
    bad = post_json(zoe, f"{PLAN}/milestones/{late.pk}/updates", {"status": "done", "percent": 50})
    assert bad.status_code == 409 and "100" in bad.json()["errors"][0]["message_en"]
    assert (
        post_json(
            as_user(cast.fred), f"{PLAN}/milestones/{late.pk}/updates", {"status": "done", "percent": 100}
        ).status_code
        == 403
    )
    assert late.updates.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("percent", False), ("percent", "50"), ("status", 1)],
)
def test_a_body_value_of_another_json_type_is_refused_at_its_place(
    cast: Any, late: Milestone, field: str, value: Any
) -> None:
    """The document says `percent` is an integer: `false` is not read as 0, nor "50" as 50."""
    body = {"status": "in_progress", "percent": 50, field: value}
    response = post_json(as_user(cast.zoe), f"{PLAN}/milestones/{late.pk}/updates", body)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == field
    assert late.updates.count() == 1


@pytest.mark.parametrize("as_of", ["0", "20180410", "2018-4-10"])
def test_a_day_is_written_as_the_document_says(cast: Any, late: Milestone, as_of: str) -> None:
    """`as_of=0` is not 1 January 1970: a day is YYYY-MM-DD, in a query as in a body."""
    response = as_user(cast.vic).get(f"{PLAN}/supervision", {"as_of": as_of})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "as_of"
    moved = post_json(as_user(cast.zoe), f"{PLAN}/milestones/{late.pk}", {"due_on": 0}, method="put")
    assert moved.status_code == 422 and "due_on" in [e["path"] for e in moved.json()["errors"]]


def test_the_supervision_list_with_a_controlled_day(cast: Any, late: Milestone) -> None:
    vic = as_user(cast.vic)  # every signed-in user reads supervision
    rows = vic.get(f"{PLAN}/supervision", {"as_of": "2018-04-10"}).json()
    assert [(r["milestone_id"], r["flag"], r["days_late"], r["locality"]) for r in rows] == [
        (late.pk, "overdue", 10, "ZH")
    ]
    assert "overdue" in rows[0]["reasons"]
    assert vic.get(f"{PLAN}/supervision", {"as_of": "2018-03-01"}).json() == []
    assert vic.get(f"{PLAN}/supervision", {"as_of": "2018-04-10", "locality": "FS"}).json() == []
    assert vic.get(f"{PLAN}/supervision", {"locality": "XX"}).status_code == 404
    plans = vic.get(f"{PLAN}/action-plans", {"year": 2018}).json()
    assert [(p["locality"], p["milestone_count"]) for p in plans] == [("ZH", 1)]
    # a real plan, not sample data, says so in every row
    assert rows[0]["sample"] is False and plans[0]["sample"] is False
    assert plans[0]["milestones"][0]["sample"] is False
    ActionPlan.objects.filter(pk=late.action_plan_id).update(is_sample=True)
    assert vic.get(f"{PLAN}/supervision", {"as_of": "2018-04-10"}).json()[0]["sample"] is True


def test_everything_needs_credentials(client: Client, late: Milestone) -> None:
    for url in (f"{PLAN}/supervision", f"{PLAN}/action-plans", f"{PLAN}/milestones/{late.pk}"):
        assert client.get(url).status_code == 401


def test_unknown_things_are_404(cast: Any) -> None:
    alice = as_user(cast.alice)
    assert alice.get(f"{PLAN}/milestones/99999").status_code == 404
    assert (
        post_json(alice, f"{PLAN}/updates/99999/review", {"action": "comment", "comment": "x"}).status_code
        == 404
    )
    assert alice.get("/api/v1/plans/nope/supervision").status_code == 404


def test_the_openapi_document_lists_the_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/plans/{plan_code}/supervision" in paths
    assert "/api/v1/plans/{plan_code}/milestones/{milestone_id}/updates" in paths
