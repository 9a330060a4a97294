"""The ledgers API: the declared ledgers, rows listed with filters and read within scope, created and
changed through the same functions as the web (same permissions, audit source "api"), the workflow
transitions role by role, and the rows behind a derived count."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from planwatch.accounts.models import ApiToken
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from tests.audit import events
from tests.test_ledger_derive import accept_all, add

D = dt.date
BASE = "/api/v1/plans/prw-mic2025/ledgers"
PROJECTS = f"{BASE}/investment_projects"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


PROJECT = {
    "locality": "ZH",
    "name": "示例项目 API-01",
    "investment": 20000,
    "dates": {"signed": "2017-03-01", "started": "2018-06-01", "producing": "2019-09-01"},
    "attributes": {"investor": "示例投资方"},
}


def test_ledgers_are_listed_as_declared(plan, cast):
    body = as_user(cast.vic).get(BASE).json()
    assert [lg["code"] for lg in body][:2] == ["investment_projects", "innovation_platforms"]
    projects = body[0]
    assert projects["threshold_wan_yuan"] == "10000" or float(projects["threshold_wan_yuan"]) == 10000
    assert [f["indicator"] for f in projects["feeds"]] == ["I01", "I02", "I03"]
    design = next(lg for lg in body if lg["code"] == "design_centres")
    assert design["feeds"][0]["where"] == {"level": "国家级"}
    assert Client().get(BASE).status_code == 401


def test_create_read_and_change_within_scope(plan, cast):
    zoe = as_user(cast.zoe)
    response = send(zoe, "post", f"{PROJECTS}/items", PROJECT)
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["dates"] == {"signed": "2017-03-01", "started": "2018-06-01", "producing": "2019-09-01"}
    assert item["review"] == "draft" and item["version"] == 1
    row = LedgerItem.objects.get(pk=item["id"])
    assert events(row).get().source == "api"

    # Another locality's user may not write 珠海's rows, nor see its draft.
    assert send(as_user(cast.fred), "post", f"{PROJECTS}/items", PROJECT).status_code == 403
    assert as_user(cast.fred).get(f"{PROJECTS}/items/{row.pk}").status_code == 404
    assert as_user(cast.vic).get(f"{PROJECTS}/items/{row.pk}").status_code == 404  # a draft
    assert send(as_user(cast.pat), "post", f"{PROJECTS}/items", PROJECT).status_code == 403

    changed = send(zoe, "put", f"{PROJECTS}/items/{row.pk}", {**PROJECT, "notes": "改", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = send(zoe, "put", f"{PROJECTS}/items/{row.pk}", {**PROJECT, "notes": "旧", "version": 1})
    assert stale.status_code == 409 and "changed by" in stale.json()["errors"][0]["message_en"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"locality": "XX"}, "locality"),
        ({"dates": {"opened": "2018-01-01"}}, "dates"),
        ({"attributes": {"colour": "red"}}, "attributes"),
        ({"key_field": "NOPE"}, "key_field"),
    ],
)
def test_bad_input_is_refused_naming_the_field(plan, cast, change, field):  # type: ignore[no-untyped-def]
    response = send(as_user(cast.zoe), "post", f"{PROJECTS}/items", {**PROJECT, **change})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == field
    assert not LedgerItem.objects.exists()


def test_rules_of_the_ledger_are_the_webs(plan, cast):
    bad = send(
        as_user(cast.zoe),
        "post",
        f"{PROJECTS}/items",
        {**PROJECT, "dates": {"signed": "2018-05-01", "started": "2018-04-01"}},
    )
    assert bad.status_code == 400 and "signed ≤ started ≤ producing" in bad.json()["errors"][0]["message_en"]
    design = send(
        as_user(cast.zoe),
        "post",
        f"{BASE}/design_centres/items",
        {"locality": "ZH", "name": "示例中心", "dates": {"recognized": "2018-01-01"}, "attributes": {}},
    )
    assert design.status_code == 400 and "Level is required" in design.json()["errors"][0]["message_en"]


# (action, user, allowed) on a 珠海 row that is at the step before.
STEPS = [
    ("submit", "fred", False),
    ("submit", "vic", False),
    ("submit", "zoe", True),
    ("approve", "zoe", False),
    ("approve", "fay", False),
    ("approve", "zack", True),
    ("accept", "zack", False),
    ("accept", "lena", False),
    ("accept", "pat", True),
]


def test_the_workflow_role_by_role(plan, cast):
    row = add(
        cast.zoe, services.get_ledger(plan, "investment_projects"), "ZH", "示例项目 02", signed=D(2018, 1, 1)
    )
    url = f"{PROJECTS}/items/{row.pk}/transition"
    for action, who, allowed in STEPS:
        response = send(as_user(getattr(cast, who)), "post", url, {"action": action})
        if allowed:
            assert response.status_code == 200, (action, who, response.content)
        else:
            assert response.status_code in (403, 404), (action, who, response.status_code)
    row.refresh_from_db()
    assert row.review == "accepted"
    assert [e.verb for e in events(row, source="api")] == ["submit", "approve", "accept"]
    no_comment = send(as_user(cast.pat), "post", url, {"action": "return"})
    assert no_comment.status_code == 400
    back = send(as_user(cast.pat), "post", url, {"action": "return", "comment": "合同缺页"})
    assert back.status_code == 200 and back.json()["review"] == "returned"


def test_a_token_works_like_the_session(plan, cast):
    _token, raw = ApiToken.issue(cast.zoe, "ledger")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = send(client, "post", f"{PROJECTS}/items", PROJECT)
    assert response.status_code == 201
    assert LedgerItem.objects.get().created_by == cast.zoe


def test_list_filters_and_the_rows_behind_a_count(plan, cast):
    ledger = services.get_ledger(plan, "investment_projects")
    a = add(cast.zoe, ledger, "ZH", "甲", signed=D(2017, 3, 1), started=D(2018, 6, 1))
    b = add(cast.zoe, ledger, "ZH", "乙", signed=D(2018, 2, 1))
    small = add(cast.zoe, ledger, "ZH", "小", investment=5000, signed=D(2018, 2, 1))
    accept_all(cast, a, b, small)
    zoe = as_user(cast.zoe)
    listed = zoe.get(f"{PROJECTS}/items", {"stage": "signed", "year": "2018"}).json()
    assert sorted(i["name"] for i in listed) == ["乙", "小"]
    count = zoe.get(f"{PROJECTS}/count/ZH/2018/signed", {"kind": "cumulative", "accepted": "true"}).json()
    assert count["count"] == 2 and sorted(i["id"] for i in count["items"]) == [a.pk, b.pk]
    by_indicator = zoe.get(f"{PROJECTS}/count/ZH/2018/I02", {"kind": "new"}).json()
    assert [i["id"] for i in by_indicator["items"]] == [a.pk]
    assert zoe.get(f"{PROJECTS}/count/ZH/2018/I99").status_code == 404
    # Another locality sees none of 珠海's rows behind the count.
    assert as_user(cast.fred).get(f"{PROJECTS}/count/ZH/2018/signed").json()["count"] == 0
    assert as_user(cast.vic).get(f"{PROJECTS}/count/ZH/2018/signed").json()["count"] == 2


def test_the_openapi_document_lists_the_ledger_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    p = "/api/v1/plans/{plan_code}/ledgers"
    assert {k: set(v) for k, v in paths.items() if k.startswith(p)} == {
        p: {"get"},
        f"{p}/{{ledger}}/items": {"get", "post"},
        f"{p}/{{ledger}}/items/{{item_id}}": {"get", "put", "delete"},
        f"{p}/{{ledger}}/transition": {"post"},
        f"{p}/{{ledger}}/items/{{item_id}}/transition": {"post"},
        f"{p}/{{ledger}}/count/{{locality}}/{{year}}/{{key}}": {"get"},
    }


def test_every_row_of_a_filtered_list_moves_at_once(plan, cast):
    ledger = services.get_ledger(plan, "investment_projects")
    mine = [add(cast.zoe, ledger, "ZH", f"示例项目 B{n}", signed=D(2018, 1, n + 1)) for n in range(3)]
    other = add(cast.fred, ledger, "FS", "示例项目 F1", signed=D(2018, 1, 1))
    url = f"{PROJECTS}/transition"

    # A viewer sees no drafts (they are the locality's own business): nothing to move.
    nothing = send(as_user(cast.vic), "post", url, {"action": "submit"})
    assert nothing.status_code == 200 and nothing.json() == {"moved": 0, "left_alone": 0}
    # 佛山's reporter sees only 佛山's rows: filtered to 珠海, nothing of his to move.
    assert send(as_user(cast.fred), "post", url + "?locality=ZH", {"action": "submit"}).json()["moved"] == 0
    done = send(as_user(cast.zoe), "post", url + "?locality=ZH", {"action": "submit"})
    assert done.status_code == 200 and done.json() == {"moved": 3, "left_alone": 0}
    assert {i.review for i in LedgerItem.objects.filter(pk__in=[m.pk for m in mine])} == {"submitted"}
    other.refresh_from_db()
    assert other.review == "draft"
    approved = send(as_user(cast.zack), "post", url, {"action": "approve"})
    assert approved.json()["moved"] == 3
    assert events(kind="ledger_row", verb="approve", source="api").count() == 3
    assert send(as_user(cast.zoe), "post", url, {"action": "return"}).status_code == 422


def test_a_draft_is_deleted_and_other_rows_are_refused(plan, cast):
    ledger = services.get_ledger(plan, "investment_projects")
    draft = add(cast.zoe, ledger, "ZH", "示例项目 D1", signed=D(2018, 1, 1))
    url = f"{PROJECTS}/items/{draft.pk}"
    assert as_user(cast.fred).delete(url).status_code in (403, 404)
    assert as_user(cast.vic).delete(url).status_code in (403, 404)
    services.submit_item(cast.zoe, draft)
    refused = as_user(cast.zoe).delete(url)
    assert refused.status_code == 409 and "只有从未提交的草稿可以删除" in refused.content.decode()
    services.return_item(cast.zack, draft, "重复录入")
    assert as_user(cast.zoe).delete(url).status_code == 409  # returned: it went into the workflow

    second = add(cast.zoe, ledger, "ZH", "示例项目 D2", signed=D(2018, 1, 1))
    deleted = as_user(cast.zoe).delete(f"{PROJECTS}/items/{second.pk}")
    assert deleted.status_code == 204
    assert not LedgerItem.objects.filter(pk=second.pk).exists()
    assert events(kind="ledger_row", verb="delete").get().source == "api"
