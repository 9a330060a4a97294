"""The read-only REST API at /api/v1/: authentication, every endpoint on the seed plan, and its cost."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext

from planwatch.accounts.models import ApiToken
from planwatch.core import planfile
from planwatch.plans.loader import load_plan_document
from planwatch.plans.models import Locality, Plan, Target
from tests.api_errors import message_en

SEED_PLAN = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"

API = "/api/v1"
PLAN = "prw-mic2025"
PLAN_URL = f"{API}/plans/{PLAN}"
I01_QUOTE_START = "到2019年，共新引进投资超1亿元装备制造业项目800个"


@pytest.fixture
def api(client: Client, plan: Plan, bob: Any) -> Client:
    """A client signed in by session as Bob, an ordinary user, with the seed plan loaded."""
    client.force_login(bob)
    return client


def get_json(client: Client, url: str, status: int = 200, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def by_code(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in items}


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def load_with_i01_target(value: str, user: Any) -> None:
    """Load the seed plan again with I01's 2019 region target changed, as a new plan version would."""
    data = planfile.read_plan_file(SEED_PLAN).model_dump()
    i01 = next(ind for ind in data["indicators"] if ind["code"] == "I01")
    i01["targets"][0]["value"] = Decimal(value)
    changed = planfile.PlanDocument.model_validate(data)
    load_plan_document(changed, file_name="pearl_river_west_2017.v2.yaml", user=user)


# --- authentication -----------------------------------------------------------------------------

ALL_URLS = [
    f"{API}/plans",
    PLAN_URL,
    f"{PLAN_URL}/localities",
    f"{PLAN_URL}/units",
    f"{PLAN_URL}/key-fields",
    f"{PLAN_URL}/tasks",
    f"{PLAN_URL}/tasks/T1.1",
    f"{PLAN_URL}/indicators",
    f"{PLAN_URL}/indicators/I01",
    f"{PLAN_URL}/targets",
    f"{PLAN_URL}/targets/I01/region/2019/revisions",
]


@pytest.mark.parametrize("url", ALL_URLS)
def test_every_endpoint_answers_401_without_credentials(client: Client, plan: Plan, url: str) -> None:
    assert message_en(get_json(client, url, 401)) == "Unauthorized"


@pytest.mark.parametrize("url", ALL_URLS)
def test_every_endpoint_answers_a_signed_in_session(api: Client, url: str) -> None:
    get_json(api, url)


def test_a_valid_bearer_token_is_accepted(client: Client, plan: Plan, bob: Any) -> None:
    token, raw = ApiToken.issue(bob, "script")
    assert raw.startswith("pw_")
    assert [p["code"] for p in get_json(client, f"{API}/plans", **bearer(raw))] == [PLAN]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_last_use_the_database_cannot_take_leaves_the_call_answered(
    client: Client, plan: Plan, bob: Any, monkeypatch: Any, caplog: Any
) -> None:
    """A long job holding SQLite's write lock made the token's last-use write fail and the call
    answer 500: the write is at best, the call answers."""
    _, raw = ApiToken.issue(bob, "script")

    def locked(self: Any, **fields: Any) -> int:
        raise OperationalError("database is locked")

    monkeypatch.setattr(QuerySet, "update", locked)
    assert [p["code"] for p in get_json(client, f"{API}/plans", **bearer(raw))] == [PLAN]
    assert "last use not written: database is locked" in caplog.text


def test_the_bearer_scheme_is_case_insensitive(client: Client, plan: Plan, bob: Any) -> None:
    _, raw = ApiToken.issue(bob, "script")
    get_json(client, f"{API}/plans", Authorization=f"bearer {raw}")


@pytest.mark.parametrize(
    "header",
    ["Bearer pw_not-a-token", "Bearer ", "Token {raw}", "Basic {raw}", "{raw}"],
)
def test_a_wrong_token_or_scheme_is_refused(client: Client, plan: Plan, bob: Any, header: str) -> None:
    _, raw = ApiToken.issue(bob, "script")
    get_json(client, f"{API}/plans", 401, Authorization=header.format(raw=raw))


def test_a_revoked_token_is_refused(client: Client, plan: Plan, bob: Any) -> None:
    token, raw = ApiToken.issue(bob, "script")
    token.revoked = True
    token.save()
    get_json(client, f"{API}/plans", 401, **bearer(raw))


def test_the_token_of_an_inactive_user_is_refused(client: Client, plan: Plan, bob: Any) -> None:
    _, raw = ApiToken.issue(bob, "script")
    bob.is_active = False
    bob.save()
    get_json(client, f"{API}/plans", 401, **bearer(raw))


def test_a_wrong_token_does_not_lock_out_a_signed_in_session(api: Client) -> None:
    get_json(api, f"{API}/plans", **bearer("pw_not-a-token"))


# --- the create_token command -------------------------------------------------------------------


def run_create_token(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_token_prints_a_working_token_once(client: Client, plan: Plan, bob: Any) -> None:
    raw, notice = run_create_token("--user", "bob", "--name", "nightly export")
    assert raw.startswith("pw_") and "\n" not in raw
    assert "not shown again" in notice
    token = ApiToken.objects.get(user=bob)
    assert token.name == "nightly export"
    assert raw not in token.token_hash and token.prefix == raw[:10]
    get_json(client, f"{API}/plans", **bearer(raw))


def test_create_token_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="no such user: nobody"):
        run_create_token("--user", "nobody")


def test_create_token_needs_a_user_or_a_prefix(db: None) -> None:
    with pytest.raises(CommandError, match="--user"):
        run_create_token()


def test_create_token_revokes_by_prefix(client: Client, plan: Plan, bob: Any) -> None:
    token, raw = ApiToken.issue(bob, "script")
    out, _ = run_create_token("--revoke", token.prefix)
    assert "revoked" in out
    get_json(client, f"{API}/plans", 401, **bearer(raw))


def test_create_token_revokes_a_whole_token(bob: Any) -> None:
    token, raw = ApiToken.issue(bob, "script")
    run_create_token("--revoke", raw)
    token.refresh_from_db()
    assert token.revoked


def test_create_token_refuses_an_ambiguous_or_unknown_prefix(bob: Any, alice: Any) -> None:
    ApiToken.issue(bob, "one")
    ApiToken.issue(alice, "two")
    with pytest.raises(CommandError, match="2 tokens"):
        run_create_token("--revoke", "pw_")
    with pytest.raises(CommandError, match="no active token"):
        run_create_token("--revoke", "pw_nothing")
    run_create_token("--revoke", "pw_", "--user", "alice")
    assert ApiToken.objects.get(user=alice).revoked
    assert not ApiToken.objects.get(user=bob).revoked


# --- plans --------------------------------------------------------------------------------------


def test_plans_lists_the_seed_plan(api: Client) -> None:
    [plan] = get_json(api, f"{API}/plans")
    assert plan["code"] == PLAN
    assert plan["title_zh"].startswith("珠江西岸六市一区创建")
    assert plan["title_en"].startswith("Implementation Plan")
    assert plan["issuer_zh"] == "广东省人民政府办公厅"
    assert plan["issued_on"] == "2017-04-21"
    assert plan["document_number"] == ""
    assert plan["version"] == 1
    assert plan["period"] == {"base_year": 2016, "start_year": 2017, "end_year": 2019, "horizon_year": 2025}
    assert "id" not in plan and "source_text" not in plan


def test_plan_detail_has_goals_rules_dimensions_and_versions(api: Client) -> None:
    plan = get_json(api, PLAN_URL)
    assert {goal["year"] for goal in plan["goals"]} >= {2019, 2025}
    assert all(goal["clause"] and goal["quote"] for goal in plan["goals"])
    assert plan["rules"], "the seed plan has notes governing indicators"
    assert all(rule["text_zh"] and rule["text_en"] for rule in plan["rules"])
    assert all(isinstance(code, str) for rule in plan["rules"] for code in rule["indicators"])
    assert {"resources"} <= set(by_code(plan["dimensions"]))
    [version] = plan["versions"]
    assert version["number"] == 1
    assert version["file_name"] == "pearl_river_west_2017.yaml"
    assert re.fullmatch(r"[0-9a-f]{64}", version["content_hash"])
    assert version["loaded_at"]


def test_plan_detail_lists_versions_newest_first(api: Client, alice: Any) -> None:
    load_with_i01_target("850", alice)
    versions = get_json(api, PLAN_URL)["versions"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["file_name"] == "pearl_river_west_2017.v2.yaml"


@pytest.mark.parametrize(
    "url",
    [f"{API}/plans/nope", f"{API}/plans/nope/localities", f"{API}/plans/nope/targets"],
)
def test_an_unknown_plan_is_404(api: Client, url: str) -> None:
    assert message_en(get_json(api, url, 404)) == "No plan with code 'nope'."


# --- localities, units, key fields --------------------------------------------------------------


def test_localities_name_their_parents_and_pilots(api: Client) -> None:
    localities = by_code(get_json(api, f"{PLAN_URL}/localities"))
    pilots = {code for code, loc in localities.items() if loc["pilot"]}
    assert pilots == {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
    shunde = localities["SD"]
    assert shunde["name_zh"] == "顺德区" and shunde["name_en"] == "Shunde District"
    assert shunde["level"] == "district" and shunde["parent"] == "FS"
    # 佛山市's figures include 顺德区's: counting both would count Shunde twice.
    assert localities["FS"]["figures_include_children"] is True
    assert shunde["counted_in_region_total"] is False
    assert localities["FS"]["counted_in_region_total"] is True
    assert localities["GD"]["parent"] is None and localities["GD"]["counted_in_region_total"] is False


def test_chinese_is_sent_as_utf8_not_escaped(api: Client) -> None:
    response = api.get(f"{PLAN_URL}/localities")
    assert "顺德区" in response.content.decode("utf-8")
    assert "charset=utf-8" in response["Content-Type"]


def test_answers_do_not_depend_on_the_language_chosen(api: Client) -> None:
    in_english = api.get(f"{PLAN_URL}/tasks", headers={"Accept-Language": "en"}).json()
    in_chinese = api.get(f"{PLAN_URL}/tasks", headers={"Accept-Language": "zh-hans"}).json()
    assert in_english == in_chinese


def test_units(api: Client) -> None:
    units = by_code(get_json(api, f"{PLAN_URL}/units"))
    assert units["EIC"] == {
        "code": "EIC",
        "name_zh": "省经济和信息化委",
        "name_en": "Provincial Economic and Information Commission",
        "kind": "provincial_department",
    }
    assert {"LGOV", "JCM"} <= set(units)


def test_key_fields_carry_their_group_and_source(api: Client) -> None:
    fields = get_json(api, f"{PLAN_URL}/key-fields")
    assert len(fields) == 15
    first = by_code(fields)["KF01"]
    assert first["name_zh"] == "智能制造装备"
    assert first["clause"] == "二（一）1" and first["quote"].startswith("1．智能制造装备。")
    assert first["group"]["code"] == "KG1"
    assert first["group"]["name_zh"] == "优先发展先进装备制造业"


# --- tasks --------------------------------------------------------------------------------------


def test_tasks_name_their_units_and_indicators_by_code(api: Client) -> None:
    tasks = by_code(get_json(api, f"{PLAN_URL}/tasks"))
    task = tasks["T1.1"]
    assert task["title_zh"] == "加大招商引资力度"
    assert task["lead_unit"] == "EIC"
    assert task["participating_units"] == ["LGOV", "JCM"]
    assert "I01" in task["indicators"]
    assert task["group"]["code"] == "G1" and task["group"]["title_zh"]
    assert task["clause"] == "三（一）1"


def test_task_detail(api: Client) -> None:
    task = get_json(api, f"{PLAN_URL}/tasks/T1.1")
    assert task["code"] == "T1.1" and task["lead_unit"] == "EIC"
    assert task == by_code(get_json(api, f"{PLAN_URL}/tasks"))["T1.1"]


def test_an_unknown_task_is_404(api: Client) -> None:
    body = get_json(api, f"{PLAN_URL}/tasks/T9.9", 404)
    assert message_en(body) == f"No task with code 'T9.9' in plan '{PLAN}'."


# --- indicators ---------------------------------------------------------------------------------


def test_indicators_carry_all_their_metadata(api: Client) -> None:
    indicators = by_code(get_json(api, f"{PLAN_URL}/indicators"))
    i01 = indicators["I01"]
    assert i01["name_zh"] == "新引进投资超1亿元装备制造业项目数"
    assert i01["unit"] == "个"
    assert i01["kind"] == "cumulative_count"
    assert i01["direction"] == "higher_is_better"
    assert i01["aggregation"] == "sum"
    assert i01["components"] == {}
    assert i01["binding"] is False and i01["region_target"] is True
    assert i01["frequency"] == "yearly"
    assert i01["dimension"] == "resources"
    assert i01["lead_unit"] == "EIC"
    assert i01["tasks"] == ["T1.1"]
    assert i01["clause"] == "三（一）1" and i01["quote"].startswith(I01_QUOTE_START)
    assert "targets" not in i01


def test_recomputed_indicators_name_their_components_by_code(api: Client) -> None:
    indicators = get_json(api, f"{PLAN_URL}/indicators")
    recomputed = [ind for ind in indicators if ind["aggregation"] == "recompute"]
    assert recomputed
    codes = {ind["code"] for ind in indicators}
    for ind in recomputed:
        assert ind["components"] and set(ind["components"].values()) <= codes


def test_indicator_bases_are_numbers(api: Client) -> None:
    based = [ind for ind in get_json(api, f"{PLAN_URL}/indicators") if ind["base_year"] is not None]
    for ind in based:
        assert ind["base_value"] is None or isinstance(ind["base_value"], int | float)


def test_indicator_detail_embeds_its_targets(api: Client) -> None:
    i01 = get_json(api, f"{PLAN_URL}/indicators/I01")
    assert i01["code"] == "I01" and i01["lead_unit"] == "EIC"
    [target] = i01["targets"]
    assert target["scope"] == "region" and target["year"] == 2019 and target["value"] == 800


def test_an_unknown_indicator_is_404(api: Client) -> None:
    body = get_json(api, f"{PLAN_URL}/indicators/I999", 404)
    assert message_en(body) == f"No indicator with code 'I999' in plan '{PLAN}'."


# --- targets ------------------------------------------------------------------------------------


def test_targets_i01_region_2019(api: Client) -> None:
    [target] = get_json(api, f"{PLAN_URL}/targets?indicator=I01")
    assert target == {
        "indicator": "I01",
        "scope": "region",
        "year": 2019,
        "value": 800,
        "qualifier": "exact",
        "origin": "plan",
        "is_sample": False,
        "note_zh": "",
        "note_en": "",
        "clause": "三（一）1",
        "quote": target["quote"],
    }
    assert target["quote"].startswith(I01_QUOTE_START)


def test_target_values_are_json_numbers(api: Client) -> None:
    body = api.get(f"{PLAN_URL}/targets?indicator=I01").content.decode()
    assert '"value": 800' in body
    for target in get_json(api, f"{PLAN_URL}/targets"):
        assert isinstance(target["value"], int | float)


def add_target(plan: Plan, scope: str, year: int, value: str, origin: str) -> Target:
    indicator = plan.indicators.get(code="I01")
    locality = None if scope == planfile.REGION else Locality.objects.get(plan=plan, code=scope)
    return Target.objects.create(
        indicator=indicator, locality=locality, year=year, value=Decimal(value), origin=origin
    )


def test_targets_filter_by_scope_year_and_origin(api: Client, plan: Plan) -> None:
    add_target(plan, "SD", 2018, "12.5", Target.Origin.SAMPLE)
    add_target(plan, "FS", 2018, "40", Target.Origin.USER)

    def codes(query: str) -> list[tuple[str, str, int]]:
        targets = get_json(api, f"{PLAN_URL}/targets?{query}")
        return [(t["indicator"], t["scope"], t["year"]) for t in targets]

    assert codes("indicator=I01&scope=SD") == [("I01", "SD", 2018)]
    assert codes("indicator=I01&scope=region") == [("I01", "region", 2019)]
    assert sorted(codes("indicator=I01&year=2018")) == [("I01", "FS", 2018), ("I01", "SD", 2018)]
    assert codes("origin=user") == [("I01", "FS", 2018)]
    assert codes("origin=sample&scope=FS") == []
    [sample] = get_json(api, f"{PLAN_URL}/targets?origin=sample")
    assert sample["value"] == 12.5 and sample["is_sample"] is True
    assert all(t["origin"] == "plan" for t in get_json(api, f"{PLAN_URL}/targets?origin=plan"))
    assert codes("indicator=I999") == [] and codes("scope=XX") == []


def test_targets_refuse_an_unknown_origin(api: Client) -> None:
    get_json(api, f"{PLAN_URL}/targets?origin=guess", 422)


def test_target_revisions_record_old_new_reason_and_user(api: Client, alice: Any) -> None:
    assert get_json(api, f"{PLAN_URL}/targets/I01/region/2019/revisions") == []
    load_with_i01_target("850", alice)
    load_with_i01_target("900", None)

    revisions = get_json(api, f"{PLAN_URL}/targets/I01/region/2019/revisions")
    assert [(r["old_value"], r["new_value"]) for r in revisions] == [(850, 900), (800, 850)]
    newest, oldest = revisions
    assert oldest["changed_by"] == "alice" and newest["changed_by"] is None
    assert oldest["plan_version"] == 2 and newest["plan_version"] == 3
    assert "version 2" in oldest["reason"]
    assert oldest["indicator"] == "I01" and oldest["scope"] == "region" and oldest["year"] == 2019
    assert oldest["changed_at"]
    [target] = get_json(api, f"{PLAN_URL}/targets?indicator=I01&scope=region")
    assert target["value"] == 900


def test_target_revisions_of_a_locality_and_of_nothing(api: Client) -> None:
    assert get_json(api, f"{PLAN_URL}/targets/I01/SD/2019/revisions") == []
    assert get_json(api, f"{PLAN_URL}/targets/I01/region/2030/revisions") == []


def test_target_revisions_404_for_unknown_codes(api: Client) -> None:
    body = get_json(api, f"{PLAN_URL}/targets/I999/region/2019/revisions", 404)
    assert message_en(body) == f"No indicator with code 'I999' in plan '{PLAN}'."
    body = get_json(api, f"{PLAN_URL}/targets/I01/XX/2019/revisions", 404)
    assert "No scope 'XX'" in message_en(body)


# --- cost: a constant number of queries ---------------------------------------------------------

LIST_URLS = [
    f"{API}/plans",
    PLAN_URL,
    f"{PLAN_URL}/localities",
    f"{PLAN_URL}/units",
    f"{PLAN_URL}/key-fields",
    f"{PLAN_URL}/tasks",
    f"{PLAN_URL}/indicators",
    f"{PLAN_URL}/indicators/I01",
    f"{PLAN_URL}/targets",
    f"{PLAN_URL}/targets/I01/region/2019/revisions",
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_cost_a_few_queries_whatever_their_length(
    client: Client, plan: Plan, bob: Any, url: str, django_assert_max_num_queries: Any
) -> None:
    # A token, not a session: the session would add its own queries and hide nothing of ours.
    _, raw = ApiToken.issue(bob, "script")
    for year in range(2017, 2020):
        for scope in ("ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"):
            add_target(plan, scope, year, "1", Target.Origin.USER)
    # 2 for the token (find it, mark it used), 1 for the plan, the rest for the list and its prefetches.
    with django_assert_max_num_queries(8):
        get_json(client, url, **bearer(raw))


def test_the_number_of_queries_does_not_grow_with_the_rows(client: Client, plan: Plan, bob: Any) -> None:
    _, raw = ApiToken.issue(bob, "script")
    url = f"{PLAN_URL}/targets"
    get_json(client, url, **bearer(raw))  # the token's first use is written; then not for a minute
    counts = []
    for scope in ("ZH", "FS", "SD"):
        add_target(plan, scope, 2018, "1", Target.Origin.USER)
        with CaptureQueriesContext(connection) as queries:
            get_json(client, url, **bearer(raw))
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


# --- OpenAPI document and docs ------------------------------------------------------------------


def test_the_openapi_document_lists_every_path(client: Client) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "PlanWatch API"
    plan_paths = {
        f"{API}/plans",
        f"{API}/plans/{{plan_code}}",
        f"{API}/plans/{{plan_code}}/localities",
        f"{API}/plans/{{plan_code}}/units",
        f"{API}/plans/{{plan_code}}/key-fields",
        f"{API}/plans/{{plan_code}}/tasks",
        f"{API}/plans/{{plan_code}}/tasks/{{task_code}}",
        f"{API}/plans/{{plan_code}}/indicators",
        f"{API}/plans/{{plan_code}}/indicators/{{indicator_code}}",
        f"{API}/plans/{{plan_code}}/targets",
        f"{API}/plans/{{plan_code}}/targets/{{indicator_code}}/{{scope}}/{{year}}/revisions",
    }
    value = f"{API}/plans/{{plan_code}}/values/{{indicator_code}}/{{locality_code}}/{{period_code}}"
    value_paths = {
        f"{API}/plans/{{plan_code}}/values": {"get"},
        f"{API}/plans/{{plan_code}}/values.csv": {"get"},
        f"{API}/plans/{{plan_code}}/datavaluesets": {"post"},
        f"{API}/plans/{{plan_code}}/jobs/{{job_id}}": {"get"},  # a large set's import (test_bulk_values.py)
        f"{API}/plans/{{plan_code}}/values/transition": {"post"},
        f"{value}/revision-requests": {"post"},
        f"{value}/history": {"get"},
        f"{API}/plans/{{plan_code}}/revision-requests": {"get"},
        f"{API}/revision-requests/{{request_id}}/decision": {"post"},
        f"{API}/plans/{{plan_code}}/audit": {"get"},
    }
    evaluation_paths = {
        f"{API}/plans/{{plan_code}}/evaluations": {"get", "post"},
        f"{API}/evaluations/{{run_id}}": {"get"},
    }
    supervision_paths = {
        f"{API}/plans/{{plan_code}}/supervision": {"get"},
        f"{API}/plans/{{plan_code}}/action-plans": {"get"},
        f"{API}/plans/{{plan_code}}/action-plans/{{locality}}/{{year}}/milestones": {"post"},
        f"{API}/plans/{{plan_code}}/milestones/{{milestone_id}}": {"get", "put", "delete"},
        f"{API}/plans/{{plan_code}}/milestones/{{milestone_id}}/updates": {"post"},
        f"{API}/plans/{{plan_code}}/updates/{{update_id}}/review": {"post"},
    }
    breakdown = f"{API}/plans/{{plan_code}}/breakdowns"
    breakdown_paths = {  # tests/test_api_breakdown.py
        breakdown: {"get"},
        f"{breakdown}/{{indicator_code}}": {"get"},
        f"{breakdown}/{{indicator_code}}/targets": {"put"},
        f"{breakdown}/{{indicator_code}}/transition": {"post"},
    }
    ledger_paths = {p for p in document["paths"] if "/ledgers" in p}  # tests/test_api_ledgers.py
    assert set(document["paths"]) - ledger_paths == (
        plan_paths | set(value_paths) | set(evaluation_paths) | set(supervision_paths) | set(breakdown_paths)
    )
    assert {path: set(document["paths"][path]) for path in breakdown_paths} == breakdown_paths
    assert {path: set(document["paths"][path]) for path in supervision_paths} == supervision_paths
    # The plan itself is read-only: only values (and evaluation runs) are written.
    assert all(set(document["paths"][path]) == {"get"} for path in plan_paths)
    assert {path: set(document["paths"][path]) for path in value_paths} == value_paths
    assert {path: set(document["paths"][path]) for path in evaluation_paths} == evaluation_paths
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_the_docs_page_loads_nothing_from_another_host(client: Client) -> None:
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    referenced = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert referenced, "the page references its script and style sheet"
    assert [url for url in referenced if not url.startswith("/static/")] == []
    assert not re.search(r"(?:https?:)?//[^/\"'\s]", html.replace("http://www.w3.org", ""))
    # Swagger UI's validator badge would call validator.swagger.io: it is switched off.
    assert '"validatorUrl": null' in html


def test_the_openapi_document_has_no_duplicate_keys(client: Client) -> None:
    """Swagger UI refuses a document with a key twice (e.g. responses "200" and 200 both written as
    "200"): the interactive docs would not load."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return dict(pairs)

    document = json.loads(client.get(f"{API}/openapi.json").content, object_pairs_hook=no_duplicates)
    audit = document["paths"][f"{API}/plans/{{plan_code}}/audit"]["get"]["responses"]["200"]["content"]
    assert set(audit) == {"application/json", "text/csv"}
