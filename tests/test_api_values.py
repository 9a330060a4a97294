"""Reported values through the API: reading, data value sets (JSON and CSV), transitions, revisions,
history and the audit log; every error kind; idempotency; and the role × action × locality matrix.

The cast (tests/conftest.py): Zoe and Zack report and approve for 珠海 (ZH), Fred and Fay for 佛山
(FS), Lena is the lead unit 省科技厅 (DST, leading I22–I28 and C04), Pat the province reviewer, Alice
the province administrator, Vic a viewer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from planwatch.accounts.models import ApiToken
from planwatch.kernel import audit
from planwatch.ledgers import services
from planwatch.plans.models import Plan
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import (
    ImportBatch,
    PeriodException,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)
from planwatch.reporting.sample import yearly_period
from tests.api_errors import message_en
from tests.audit import backdate, events
from tests.fed import FED

S = ReportedValue.Status
API = "/api/v1"
PLAN = "prw-mic2025"
PLAN_URL = f"{API}/plans/{PLAN}"
VALUES = f"{PLAN_URL}/values"
DVS = f"{PLAN_URL}/datavaluesets"
TRANSITION = f"{PLAN_URL}/values/transition"
AUDIT = f"{PLAN_URL}/audit"
LED_BY_LENA = {"I22", "I23", "I24", "I25", "I26", "C04", "I27", "C05", "C06", "I28"}
CAST = ["alice", "pat", "lena", "zoe", "zack", "fred", "fay", "vic"]


# --- helpers ------------------------------------------------------------------------------------


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json")


def post_csv(client: Client, url: str, text: str) -> Any:
    return client.post(url, data=text.encode("utf-8"), content_type="text/csv")


def answer(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def errors(response: Any, status: int) -> list[dict[str, Any]]:
    body = answer(response, status)
    assert set(body) == {"errors"}
    for error in body["errors"]:
        assert set(error) == {"path", "row", "column", "indicator", "kind", "message_zh", "message_en"}
        assert error["message_zh"] and error["message_en"]
    return body["errors"]


def value_set(
    import_id: str = "zh-2018-01", locality: str = "ZH", period: str = "2018", **values: Any
) -> dict:
    return {
        "import_id": import_id,
        "period": period,
        "locality": locality,
        "values": [{"indicator": code, "value": value} for code, value in values.items()],
    }


def stored(locality: str = "ZH", period: str = "2018") -> dict[str, Decimal | None]:
    return dict(
        ReportedValue.objects.filter(locality__code=locality, period__code=period).values_list(
            "indicator__code", "value"
        )
    )


def csv_rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff"), "a byte order mark, for Excel"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def put_values(plan: Plan, locality: str, period: Any, status: str, codes: Any = None, **fixed: Any) -> None:
    """Every indicator of the period (or `codes`) straight into the database in one status."""
    loc = plan.localities.get(code=locality)
    indicators = wf.required_indicators(period) if codes is None else plan.indicators.filter(code__in=codes)
    values = {"I22": 20, "I24": 7, "I25": 35, "C05": 8, "C06": 6, "I28": 75}
    ReportedValue.objects.bulk_create(
        ReportedValue(
            indicator=ind,
            locality=loc,
            period=period,
            value=Decimal(fixed.get(ind.code, values.get(ind.code, 10))),
            status=status,
        )
        for ind in indicators
    )


def statuses(locality: str, period: Any) -> dict[str, str]:
    return dict(
        ReportedValue.objects.filter(locality__code=locality, period=period).values_list(
            "indicator__code", "status"
        )
    )


@pytest.fixture
def zoe(cast: Any) -> Client:
    return as_user(cast.zoe)


# --- reading values -----------------------------------------------------------------------------


def test_values_are_listed_with_codes_numbers_status_and_source(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set(I07=52, I25=35.5, I22=20, I24=7)), 200)
    rows = answer(zoe.get(VALUES), 200)
    assert [r["indicator"] for r in rows] == ["I07", "I22", "I24", "I25"]
    i01 = rows[0]
    assert set(i01) == {
        "indicator",
        "locality",
        "period",
        "value",
        "status",
        "is_sample",
        "source",
        "source_detail",
        "version",
        "updated_at",
        "updated_by",
    }
    assert i01 | {"updated_at": None} == {
        "indicator": "I07",
        "locality": "ZH",
        "period": "2018",
        "value": 52,
        "status": "draft",
        "is_sample": False,
        "source": "api",
        "source_detail": "zh-2018-01",
        "version": 1,
        "updated_at": None,
        "updated_by": "zoe",
    }
    assert rows[3]["value"] == 35.5
    assert dt.datetime.fromisoformat(i01["updated_at"]).utcoffset() == dt.timedelta(hours=8)


def test_values_filters(plan: Plan, cast: Any, period: Any) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I07", "I08"])
    put_values(plan, "FS", period, S.SUBMITTED, codes=["I07"])
    put_values(plan, "ZH", yearly_period(plan, 2017), S.ACCEPTED, codes=["I07"])
    client = as_user(cast.vic)

    def keys(query: str) -> list[tuple[str, str, str]]:
        return [(r["indicator"], r["locality"], r["period"]) for r in answer(client.get(VALUES + query), 200)]

    assert keys("?locality=ZH&period=2018") == [("I07", "ZH", "2018"), ("I08", "ZH", "2018")]
    assert keys("?indicator=I07&period=2018") == [("I07", "FS", "2018"), ("I07", "ZH", "2018")]
    assert keys("?status=submitted") == [("I07", "FS", "2018")]
    assert keys("?period=2017") == [("I07", "ZH", "2017")]
    assert keys("?locality=XX") == []
    assert client.get(VALUES + "?status=guess").status_code == 422
    assert message_en(answer(client.get(f"{API}/plans/nope/values"), 404)) == "No plan with code 'nope'."


def test_values_csv_is_the_same_list_with_a_bom(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set(I07=52, I25=35.5, I22=20, I24=7)), 200)
    put_values(plan, "FS", period, S.ACCEPTED, codes=["I07"])
    response = zoe.get(VALUES + ".csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="prw-mic2025-values.csv"' in response["Content-Disposition"]
    rows = csv_rows(response.content)
    listed = answer(zoe.get(VALUES), 200)
    assert [r["indicator"] + r["locality"] for r in rows] == [r["indicator"] + r["locality"] for r in listed]
    zh_i01 = next(r for r in rows if (r["indicator"], r["locality"]) == ("I07", "ZH"))
    assert (zh_i01["value"], zh_i01["is_sample"], zh_i01["status"]) == ("52", "false", "draft")
    assert {r["value"] for r in rows if r["indicator"] == "I25"} == {"35.5"}
    assert list(rows[0]) == [
        "indicator",
        "locality",
        "period",
        "value",
        "status",
        "is_sample",
        "source",
        "source_detail",
        "version",
        "updated_at",
        "updated_by",
    ]
    # filters work the same way; another locality's drafts are never in it
    assert [
        r["locality"] for r in csv_rows(as_user(cast.fred).get(VALUES + ".csv?indicator=I07").content)
    ] == ["FS"]


@pytest.mark.usefixtures("sampled")
def test_sample_values_are_flagged(plan: Plan, cast: Any) -> None:
    rows = answer(as_user(cast.vic).get(VALUES + "?locality=ZH&period=2018&indicator=I07"), 200)
    assert rows[0]["is_sample"] is True
    assert rows[0]["source"] == "sample"
    assert rows[0]["status"] == "accepted"


@pytest.mark.usefixtures("sampled")
@pytest.mark.parametrize("url", ["", ".csv"])
def test_listing_values_costs_a_few_queries_whatever_their_number(
    plan: Plan, cast: Any, url: str, client: Client, django_assert_max_num_queries: Any
) -> None:
    assert ReportedValue.objects.count() > 700
    _, raw = ApiToken.issue(cast.zoe, "script")
    # 2 for the token, 1 for the plan, 1 for the profile, 1 for the values
    with django_assert_max_num_queries(6):
        response = client.get(VALUES + url, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_reading_values_needs_credentials(client: Client, plan: Plan) -> None:
    for url in [VALUES, VALUES + ".csv", AUDIT, f"{VALUES}/I07/ZH/2018/history"]:
        assert message_en(answer(client.get(url), 401)) == "Unauthorized"
    assert message_en(answer(post_json(client, DVS, value_set(I07=1)), 401)) == "Unauthorized"


# --- data value sets: the good paths ----------------------------------------------------------------


def test_a_json_value_set_is_saved_as_drafts_with_its_audit(cast: Any, period: Any, zoe: Client) -> None:
    body = value_set(I07=52, I08=31)
    body["values"][1]["comment"] = "含两家新认定企业"
    result = answer(post_json(zoe, DVS, body), 200)
    assert result | {"imported_at": None} == {
        "status": "imported",
        "import_id": "zh-2018-01",
        "value_count": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "imported_at": None,
        "imported_by": "zoe",
        "warnings": [],
    }
    assert stored() == {"I07": 52, "I08": 31}
    assert set(statuses("ZH", period).values()) == {S.DRAFT}
    audit = events(kind="value")
    assert [(a.indicator_code, a.verb, a.source, a.source_detail, a.actor) for a in audit] == [
        ("I07", "save", "api", "zh-2018-01", cast.zoe),
        ("I08", "save", "api", "zh-2018-01", cast.zoe),
        ("I08", "comment", "api", "zh-2018-01", cast.zoe),
    ]
    assert ValueComment.objects.get().text == "含两家新认定企业"
    batch = ImportBatch.objects.get()
    assert (batch.import_id, batch.user, batch.source, batch.value_count) == (
        "zh-2018-01",
        cast.zoe,
        "api",
        2,
    )


def test_a_csv_value_set_may_hold_several_periods(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    yearly_period(plan, 2017)
    text = (
        "import_id,period,locality,indicator,value,version,comment\r\n"
        "zh-csv-1,2018,ZH,I07,52,,\r\n"
        'zh-csv-1,2018,ZH,I25,35.5,,"口径：规上企业, 含顺德"\r\n'
        "zh-csv-1,2018,ZH,I22,20,,\r\n"
        "zh-csv-1,2018,ZH,I24,7,,\r\n"
        "zh-csv-1,2017,ZH,I07,40,,\r\n"
        "\r\n"
    )
    result = answer(post_csv(zoe, DVS, "\ufeff" + text), 200)
    assert (result["status"], result["value_count"], result["created"]) == ("imported", 5, 5)
    assert stored() == {"I07": 52, "I25": Decimal("35.5"), "I22": 20, "I24": 7}
    assert stored(period="2017") == {"I07": 40}
    assert ValueComment.objects.get().text == "口径：规上企业, 含顺德"


def test_a_csv_value_set_may_leave_out_version_and_comment(cast: Any, period: Any, zoe: Client) -> None:
    answer(
        post_csv(zoe, DVS, "locality,period,indicator,value,import_id\nZH,2018,I07,5,a\nZH,2018,I08,,a\n"),
        200,
    )
    assert stored() == {"I07": 5, "I08": None}


def test_a_csv_file_may_be_uploaded_as_a_form_field(cast: Any, period: Any, zoe: Client) -> None:
    upload = SimpleUploadedFile(
        "zh.csv", b"import_id,period,locality,indicator,value\nup-1,2018,ZH,I07,5\n", content_type="text/csv"
    )
    answer(zoe.post(DVS, {"file": upload}), 200)
    assert stored() == {"I07": 5}
    assert errors(zoe.post(DVS, {"other": "x"}), 400)[0]["path"] == "file"


def test_a_token_writes_like_a_session(cast: Any, period: Any, client: Client) -> None:
    _, raw = ApiToken.issue(cast.zoe, "nightly")
    response = client.post(
        DVS,
        data=json.dumps(value_set(I07=5)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    answer(response, 200)
    assert ReportedValue.objects.get().updated_by == cast.zoe


def test_a_session_must_send_the_csrf_token(cast: Any, period: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.zoe)
    assert post_json(client, DVS, value_set(I07=5)).status_code == 403
    assert not ReportedValue.objects.exists()


def test_a_null_value_clears_a_draft(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5)), 200)
    answer(post_json(zoe, DVS, value_set("b", I07=None)), 200)
    assert stored() == {"I07": None}


def test_outliers_are_saved_with_a_warning(plan: Plan, cast: Any, zoe: Client) -> None:
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    put_values(plan, "ZH", p2017, S.ACCEPTED, codes=["I11"])
    result = answer(post_json(zoe, DVS, value_set(I11=40)), 200)  # 10 → 40: a 300 % jump
    assert [w["indicator"] for w in result["warnings"]] == ["I11"]
    assert result["warnings"][0]["message_zh"] and result["warnings"][0]["message_en"]
    assert stored(period=p2018.code) == {"I11": 40}


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_import_id_twice_is_one_import(cast: Any, period: Any, zoe: Client) -> None:
    first = answer(post_json(zoe, DVS, value_set(I07=52, I08=31)), 200)
    again = answer(post_json(zoe, DVS, value_set(I07=52, I08=31)), 200)
    assert again["status"] == "already imported"
    assert again["import_id"] == "zh-2018-01"
    assert again["value_count"] == 2
    assert again["imported_at"] == first["imported_at"]
    assert ImportBatch.objects.count() == 1
    assert events().count() == 2
    assert ReportedValue.objects.get(indicator__code="I07").version == 1


def test_a_repeated_import_id_with_other_values_is_refused(cast: Any, period: Any, zoe: Client) -> None:
    """A retry of the same upload is a no-op, in JSON or CSV; the same id with other values is an
    error the caller sees, never silently skipped."""
    answer(post_json(zoe, DVS, value_set(I07=52)), 200)
    assert answer(post_json(zoe, DVS, value_set(I07=52.0)), 200)["status"] == "already imported"
    same = "import_id,period,locality,indicator,value\nzh-2018-01,2018,ZH,I07,52\n"
    assert answer(post_csv(zoe, DVS, same), 200)["status"] == "already imported"
    (problem,) = errors(post_json(zoe, DVS, value_set(I07=99, I08=1)), 409)
    assert problem["kind"] == "conflict" and problem["path"] == "import_id"
    assert "zh-2018-01" in problem["message_en"] and "other values" in problem["message_en"]
    other = "import_id,period,locality,indicator,value\nzh-2018-01,2018,ZH,I07,77\n"
    errors(post_csv(zoe, DVS, other), 409)
    assert stored() == {"I07": 52}
    assert events().count() == 1


def test_a_rejected_set_may_be_sent_again_under_the_same_id(cast: Any, period: Any, zoe: Client) -> None:
    errors(post_json(zoe, DVS, value_set(I07=-5)), 400)
    assert not ImportBatch.objects.exists()
    assert answer(post_json(zoe, DVS, value_set(I07=5)), 200)["status"] == "imported"


def test_another_users_import_id_is_a_conflict(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set(I07=5)), 200)
    problems = errors(post_json(as_user(cast.zack), DVS, value_set(I07=6)), 409)
    assert problems[0]["path"] == "import_id"
    assert "another user" in problems[0]["message_en"]
    assert stored() == {"I07": 5}


# --- data value sets: every kind of error -------------------------------------------------------


def assert_nothing_written() -> None:
    assert not ReportedValue.objects.exists()
    assert not events().exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("body", "path", "indicator", "kind", "says"),
    [
        (value_set(period="2031", I07=5), "period", None, "unknown", "no period '2031'"),
        (value_set(locality="XX", I07=5), "locality", None, "unknown", "no locality 'XX'"),
        (value_set(locality="GD", I07=5), "locality", None, "invalid", "not a pilot unit"),
        (value_set(I99=5), "values[0].indicator", "I99", "unknown", "no indicator 'I99'"),
        (value_set(I07="5"), "values[0].value", "I07", "invalid", "expected a JSON number"),
        (value_set(I07="abc"), "values[0].value", "I07", "invalid", "not a number"),
        (value_set(I07=True), "values[0].value", "I07", "invalid", "not a number"),
        (value_set(I07=[5]), "values[0].value", "I07", "invalid", "not a number"),
        (value_set(I25=35.1234567), "values[0].value", "I25", "invalid", "more than 6 decimal places"),
        (value_set(I07=10**18), "values[0].value", "I07", "invalid", "too large"),
        (value_set(I07=-5), "values[0].value", "I07", "validation", "negative"),
        (value_set(I25=130), "values[0].value", "I25", "validation", "100"),
        (value_set(I13=2.5), "values[0].value", "I13", "validation", "whole number"),
        (value_set(I22=20, I24=25), "values[1].value", "I24", "validation", ""),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": []}, "values", None, "invalid", ""),
        ({"import_id": "x", "period": "2018", "locality": "ZH"}, "values", None, "invalid", "non-empty list"),
        ({"period": "2018", "locality": "ZH", "values": [{"indicator": "I07", "value": 1}]}, "import_id", None,
         "invalid", "import_id is missing"),
        (value_set("x" * 101, I07=1), "import_id", None, "invalid", "longer than 100"),
        ({"import_id": 7, "period": "2018", "locality": "ZH", "values": [{"indicator": "I07", "value": 1}]},
         "import_id", None, "invalid", "must be a string"),
        (value_set(I07=1) | {"dataSet": "x"}, "dataSet", None, "invalid", "unknown field 'dataSet'"),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": [{"indicator": "I07"}]},
         "values[0].value", "I07", "invalid", "value is missing"),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": [{"value": 1}]},
         "values[0].indicator", None, "invalid", "indicator is missing"),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": [{"indicator": "I07", "value": 1,
          "version": "one"}]}, "values[0].version", "I07", "invalid", "non-negative integer"),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": [{"indicator": "I07", "value": 1,
          "comment": 5}]}, "values[0].comment", "I07", "invalid", "comment must be a string"),
        ({"import_id": "x", "period": "2018", "locality": "ZH", "values": ["I07"]}, "values[0]", None,
         "invalid", "expected a JSON object"),
        ([1, 2], None, None, "invalid", "expected a JSON object"),
    ],
)  # fmt: skip
def test_a_bad_json_set_is_refused_whole(
    cast: Any, period: Any, zoe: Client, body: Any, path: str, indicator: str | None, kind: str, says: str
) -> None:
    if isinstance(body, dict) and body.get("values"):
        # a good value alongside, to show that nothing at all is written
        body = body | {"values": [*body["values"], {"indicator": "I08", "value": 3}]}
    problems = errors(post_json(zoe, DVS, body), 400)
    first = problems[0]
    assert (first["path"], first["indicator"], first["kind"]) == (path, indicator, kind)
    assert says in first["message_en"]
    assert_nothing_written()


def test_malformed_json_and_an_unsupported_type(cast: Any, period: Any, zoe: Client) -> None:
    problems = errors(zoe.post(DVS, data=b"{not json", content_type="application/json"), 400)
    assert "not valid JSON" in problems[0]["message_en"]
    problems = errors(zoe.post(DVS, data=b"", content_type="application/json"), 400)  # no body at all
    assert "not valid JSON" in problems[0]["message_en"]
    problems = errors(zoe.post(DVS, data=b"\xff\xfe", content_type="application/json"), 400)
    assert problems[0]["kind"] == "invalid"
    problems = errors(zoe.post(DVS, data=b"<xml/>", content_type="application/xml"), 415)
    assert "application/xml" in problems[0]["message_en"]
    assert_nothing_written()


def test_nan_and_infinity_are_not_numbers(cast: Any, period: Any, zoe: Client) -> None:
    body = '{"import_id": "x", "period": "2018", "locality": "ZH", "values": [{"indicator": "I07", "value": NaN}]}'
    problems = errors(zoe.post(DVS, data=body, content_type="application/json"), 400)
    assert problems[0]["path"] == "values[0].value"
    assert_nothing_written()


def test_every_problem_is_listed_at_once(cast: Any, period: Any, zoe: Client) -> None:
    body = value_set(I07=-1, I99=3, I08="x", I25=130)
    body["values"].append({"indicator": "I07", "value": 4})
    problems = errors(post_json(zoe, DVS, body), 400)
    assert [(p["path"], p["indicator"], p["kind"]) for p in problems] == [
        ("values[0].value", "I07", "validation"),  # negative
        ("values[1].indicator", "I99", "unknown"),
        ("values[2].value", "I08", "invalid"),  # not a number
        ("values[3].value", "I25", "validation"),  # over 100 %
        ("values[4]", "I07", "invalid"),  # I07 twice
    ]
    assert_nothing_written()


def test_csv_problems_are_listed_in_row_order(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I09"])
    text = (
        "import_id,period,locality,indicator,value\n"
        "x,2018,ZH,I07,5\n"
        "x,2018,FS,I07,5\n"
        "x,2018,ZH,I08,五\n"
        "x,2018,ZH,I09,4\n"
        "x,2018,ZH,I25,130\n"
    )
    problems = errors(post_csv(zoe, DVS, text), 403)
    assert [(p["row"], p["column"], p["kind"]) for p in problems] == [
        (3, None, "forbidden"),
        (4, "value", "invalid"),
        (5, None, "locked"),
        (6, "value", "validation"),
    ]
    assert stored() == {"I09": 10}


def test_duplicates_name_the_first_place(cast: Any, period: Any, zoe: Client) -> None:
    text = "import_id,period,locality,indicator,value\nd,2018,ZH,I07,1\nd,2018,ZH,I08,1\nd,2018,ZH,I07,2\n"
    problems = errors(post_csv(zoe, DVS, text), 400)
    assert [(p["row"], p["indicator"]) for p in problems] == [(4, "I07")]
    assert "row 2" in problems[0]["message_en"]
    assert "第 2 行" in problems[0]["message_zh"]


@pytest.mark.parametrize(
    ("text", "row", "column", "says"),
    [
        ("import_id,period,locality,indicator\nx,2018,ZH,I07\n", 1, "value", "column 'value' is missing"),
        ("import_id,period,locality,indicator,value,unit\nx,2018,ZH,I07,1,个\n", 1, "unit", "unknown column"),
        ("import_id,period,locality,indicator,value,value\nx,2018,ZH,I07,1,1\n", 1, None, "twice"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,I07,abc\n", 2, "value", "'abc' is not a number"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,I07,1,2\n", 2, None, "the row has 6 cells"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,,1\n", 2, "indicator", "indicator is empty"),
        ("import_id,period,locality,indicator,value\n,2018,ZH,I07,1\n", 2, "import_id", "import_id is empty"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,I07,1\ny,2018,ZH,I08,1\n", 3, "import_id",
         "one import id per file"),
        ("import_id,period,locality,indicator,value,version\nx,2018,ZH,I07,1,v2\n", 2, "version",
         "non-negative integer"),
        ("import_id,period,locality,indicator,value\nx,2031,ZH,I07,1\n", 2, "period", "no period '2031'"),
        ("import_id,period,locality,indicator,value\nx,2018,QQ,I07,1\n", 2, "locality", "no locality 'QQ'"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,I77,1\n", 2, "indicator", "no indicator 'I77'"),
        ("import_id,period,locality,indicator,value\nx,2018,ZH,I07,-3\n", 2, "value", "negative"),
        ("import_id,period,locality,indicator,value\n", None, None, "no value rows"),
        ("\n", 1, "import_id", "column 'import_id' is missing"),
    ],
)  # fmt: skip
def test_a_bad_csv_set_is_refused_whole_with_its_row(
    cast: Any, period: Any, zoe: Client, text: str, row: int | None, column: str | None, says: str
) -> None:
    problems = errors(post_csv(zoe, DVS, text), 400)
    assert (problems[0]["row"], problems[0]["column"]) == (row, column)
    assert says in problems[0]["message_en"]
    assert_nothing_written()


def test_a_csv_file_that_is_not_utf8(cast: Any, period: Any, zoe: Client) -> None:
    body = "import_id,period,locality,indicator,value,comment\nx,2018,ZH,I07,1,珠海\n".encode("gb18030")
    problems = errors(zoe.post(DVS, data=body, content_type="text/csv"), 400)
    assert "UTF-8" in problems[0]["message_en"]


def test_a_closed_period(cast: Any, period: Any, zoe: Client) -> None:
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    problems = errors(post_json(zoe, DVS, value_set(I07=5)), 400)
    assert [(p["path"], p["kind"]) for p in problems] == [("period", "closed")]
    assert "closed" in problems[0]["message_en"]
    assert_nothing_written()
    PeriodException.objects.create(
        period=period,
        locality=cast.zoe.profile.locality,
        open_until=timezone.localdate() + dt.timedelta(days=1),
        reason="系统故障",
    )
    answer(post_json(zoe, DVS, value_set(I07=5)), 200)


@pytest.mark.parametrize(
    ("status", "hint"), [(S.SUBMITTED, "returned first"), (S.ACCEPTED, "request a revision")]
)
def test_values_past_draft_are_locked(
    plan: Plan, cast: Any, period: Any, zoe: Client, status: str, hint: str
) -> None:
    put_values(plan, "ZH", period, status, codes=["I07"])
    problems = errors(post_json(zoe, DVS, value_set(I07=6, I08=3)), 409)
    assert [(p["path"], p["kind"], p["indicator"]) for p in problems] == [("values[0]", "locked", "I07")]
    assert hint in problems[0]["message_en"]
    assert stored() == {"I07": 10}


def test_a_stale_version_is_a_conflict_naming_the_current_value(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5)), 200)
    answer(
        post_json(
            as_user(cast.zack),
            DVS,
            value_set("b", I07=6) | {"values": [{"indicator": "I07", "value": 6, "version": 1}]},
        ),
        200,
    )
    body = value_set("c") | {"values": [{"indicator": "I07", "value": 7, "version": 1}]}
    problems = errors(post_json(zoe, DVS, body), 409)
    assert [(p["path"], p["kind"], p["indicator"]) for p in problems] == [
        ("values[0].version", "conflict", "I07")
    ]
    assert "changed by zack to 6" in problems[0]["message_en"]
    assert "current version 2" in problems[0]["message_en"]
    assert "zack" in problems[0]["message_zh"] and "6" in problems[0]["message_zh"]
    assert stored() == {"I07": 6}
    # with the current version it goes through
    body = value_set("d") | {"values": [{"indicator": "I07", "value": 7, "version": 2}]}
    assert answer(post_json(zoe, DVS, body), 200)["updated"] == 1
    assert ReportedValue.objects.get().version == 3


def test_a_version_for_a_value_not_yet_saved_is_a_conflict(cast: Any, period: Any, zoe: Client) -> None:
    body = value_set() | {"values": [{"indicator": "I07", "value": 7, "version": 3}]}
    problems = errors(post_json(zoe, DVS, body), 409)
    assert "no value yet" in problems[0]["message_en"]
    body = value_set() | {"values": [{"indicator": "I07", "value": 7, "version": 0}]}
    answer(post_json(zoe, DVS, body), 200)


def test_without_versions_the_senders_own_values_are_overwritten(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5, I08=1)), 200)
    result = answer(post_json(zoe, DVS, value_set("c", I07=7, I08=1, I09=2)), 200)
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 1)
    assert stored() == {"I07": 7, "I08": 1, "I09": 2}
    assert ReportedValue.objects.get(indicator__code="I07").version == 2


def test_without_a_version_another_writers_value_is_a_conflict(cast: Any, period: Any, zoe: Client) -> None:
    """Two writers: the second, sending no version, is refused, the entry named; nothing written."""
    answer(post_json(zoe, DVS, value_set("a", I07=5, I08=1)), 200)
    problems = errors(post_json(as_user(cast.zack), DVS, value_set("b", I09=3, I08=1, I07=6)), 409)
    assert [(p["path"], p["kind"], p["indicator"]) for p in problems] == [
        ("values[2].version", "conflict", "I07")
    ]
    assert "last changed by zoe to 5 (current version 1)" in problems[0]["message_en"]
    assert "zoe" in problems[0]["message_zh"] and "未附版本号" in problems[0]["message_zh"]
    assert stored() == {"I07": 5, "I08": 1}
    # the same value again is no change, and sending the version read overwrites
    body = value_set("c") | {"values": [{"indicator": "I07", "value": 6, "version": 1}]}
    assert answer(post_json(as_user(cast.zack), DVS, body), 200)["updated"] == 1
    assert answer(post_json(as_user(cast.zack), DVS, value_set("d", I07=6, I08=1)), 200)["unchanged"] == 2
    # now zoe, without a version, is the one refused
    assert errors(post_json(zoe, DVS, value_set("e", I07=7)), 409)[0]["indicator"] == "I07"


def test_a_repeated_set_without_versions_is_idempotent(cast: Any, period: Any, zoe: Client) -> None:
    """The same user sending the same values again, under a new import id, changes nothing."""
    answer(post_json(zoe, DVS, value_set("a", I07=5, I08=1)), 200)
    result = answer(post_json(zoe, DVS, value_set("b", I07=5, I08=1)), 200)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2)
    assert ReportedValue.objects.get(indicator__code="I07").version == 1


def test_out_of_scope_wins_over_other_problems(cast: Any, period: Any, zoe: Client) -> None:
    problems = errors(post_json(zoe, DVS, value_set(locality="FS", I07=5, I08=-1, I99=1)), 403)
    assert sorted((p["path"], p["kind"]) for p in problems) == [
        ("values[0]", "forbidden"),
        ("values[1]", "forbidden"),
        ("values[2].indicator", "unknown"),
    ]
    assert "Foshan" in problems[0]["message_en"]
    assert_nothing_written()


def test_conflicts_are_not_revealed_out_of_scope(plan: Plan, cast: Any, period: Any) -> None:
    """Fred may not write 珠海: he is told so, never what 珠海's draft holds."""
    put_values(plan, "ZH", period, S.DRAFT, codes=["I07"], I07=123)
    body = value_set(I07=7) | {"values": [{"indicator": "I07", "value": 7, "version": 9}]}
    problems = errors(post_json(as_user(cast.fred), DVS, body), 403)
    assert [p["kind"] for p in problems] == ["forbidden"]
    assert "123" not in json.dumps(problems)


def test_lead_unit_writes_its_indicators_and_nothing_else(cast: Any, period: Any) -> None:
    lena = as_user(cast.lena)
    problems = errors(post_json(lena, DVS, value_set(I28=12, I07=3)), 403)
    assert [(p["indicator"], p["kind"]) for p in problems] == [("I07", "forbidden")]
    assert_nothing_written()
    answer(post_json(lena, DVS, value_set(I28=12, locality="FS")), 200)
    assert stored("FS") == {"I28": 12}


# --- transitions --------------------------------------------------------------------------------


def transition(client: Client, action: str, locality: str = "ZH", **extra: Any) -> Any:
    return post_json(client, TRANSITION, {"action": action, "period": "2018", "locality": locality, **extra})


def test_the_whole_way_through_the_api(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    codes = [i.code for i in wf.required_indicators(period)]
    fed = {code for _, code, _ in services.derive_values(plan, period.year, cast.zoe).written}
    assert fed == FED  # the ledger writes I01, I10… (no rows yet: 0); zoe sends the rest
    values = {c: 10 for c in codes if c not in fed} | {"I22": 20, "I24": 7, "I25": 35}
    values |= {"C05": 8, "C06": 6, "I28": 75}
    answer(post_json(zoe, DVS, value_set(**values)), 200)
    moved = answer(transition(zoe, "submit"), 200)
    assert (moved["action"], moved["status"], len(moved["values"])) == ("submit", "submitted", len(codes))
    assert {v["status"] for v in moved["values"]} == {"submitted"}
    assert answer(transition(as_user(cast.zack), "approve"), 200)["status"] == "approved"
    accepted = answer(transition(as_user(cast.lena), "accept"), 200)
    assert {v["indicator"] for v in accepted["values"]} == LED_BY_LENA
    assert answer(transition(as_user(cast.pat), "accept"), 200)["status"] == "accepted"
    assert set(statuses("ZH", period).values()) == {S.ACCEPTED}
    i07 = ReportedValue.objects.get(indicator__code="I07", locality__code="ZH")
    assert [(e.verb, e.actor_name, e.source) for e in events(i07)] == [
        ("save", "zoe", "api"),
        ("submit", "zoe", "api"),
        ("approve", "zack", "api"),
        ("accept", "pat", "api"),
    ]
    i01 = ReportedValue.objects.get(indicator__code="I01", locality__code="ZH")  # the ledger's
    assert [(e.verb, e.actor_name, e.source) for e in events(i01)] == [
        ("save", "zoe", "ledger"),
        ("submit", "zoe", "api"),
        ("approve", "zack", "api"),
        ("accept", "pat", "api"),
    ]


def test_return_needs_a_comment_and_takes_indicators(plan: Plan, cast: Any, period: Any) -> None:
    put_values(plan, "ZH", period, S.SUBMITTED)
    zack = as_user(cast.zack)
    problems = errors(transition(zack, "return"), 400)
    assert "comment" in problems[0]["message_en"] and problems[0]["kind"] == "invalid"
    moved = answer(transition(zack, "return", indicators=["I07", "I08"], comment="与台账不符"), 200)
    assert {v["indicator"] for v in moved["values"]} == {"I07", "I08"}
    assert moved["status"] == "returned"
    assert statuses("ZH", period)["I07"] == S.RETURNED
    assert statuses("ZH", period)["I09"] == S.SUBMITTED
    assert ValueComment.objects.filter(text="与台账不符").count() == 2


def test_a_comment_with_another_transition_is_kept(plan: Plan, cast: Any, period: Any) -> None:
    put_values(plan, "ZH", period, S.APPROVED, codes=["I07"])
    answer(transition(as_user(cast.pat), "accept", indicators=["I07"], comment="核对无误"), 200)
    value = ReportedValue.objects.get()
    assert [c.text for c in value.comments.all()] == ["核对无误"]
    assert events(value, verb="comment", actor=cast.pat).exists()


def test_transition_errors(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    # nothing entered yet: what the report lacks, rather than "no draft"
    problems = errors(transition(zoe, "submit"), 409)
    assert problems[0]["kind"] == "workflow" and "not reported yet" in problems[0]["message_en"]
    # a submit limited to some indicators with nothing in draft
    problems = errors(transition(zoe, "submit", indicators=["I07"]), 409)
    assert "no draft" in problems[0]["message_en"]
    answer(post_json(zoe, DVS, value_set(I07=5)), 200)
    problems = errors(transition(zoe, "submit"), 409)
    assert "not reported yet" in problems[0]["message_en"]
    assert "尚有" in problems[0]["message_zh"]
    assert errors(transition(zoe, "approve"), 403)[0]["kind"] == "forbidden"
    problems = errors(
        post_json(zoe, TRANSITION, {"action": "submit", "period": "2031", "locality": "ZH"}), 400
    )
    assert (problems[0]["path"], problems[0]["kind"]) == ("period", "unknown")
    problems = errors(
        post_json(zoe, TRANSITION, {"action": "submit", "period": "2018", "locality": "XX"}), 400
    )
    assert (problems[0]["path"], problems[0]["kind"]) == ("locality", "unknown")
    problems = errors(transition(zoe, "submit", indicators=["I07", "I99"]), 400)
    assert (problems[0]["path"], problems[0]["indicator"]) == ("indicators[1]", "I99")
    assert errors(transition(zoe, "submit", indicators=[]), 400)[0]["path"] == "indicators"
    problems = errors(transition(as_user(cast.zack), "approve", indicators=["I07"]), 400)
    assert problems[0]["path"] == "indicators"
    assert transition(zoe, "publish").status_code == 422
    assert post_json(zoe, TRANSITION, {"action": "submit"}).status_code == 422


def test_a_closed_period_refuses_submission(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    put_values(plan, "ZH", period, S.DRAFT)
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    problems = errors(transition(zoe, "submit"), 400)
    assert problems[0]["kind"] == "closed"


def test_a_warning_needs_a_comment_before_submitting(plan: Plan, cast: Any, zoe: Client) -> None:
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    put_values(plan, "ZH", p2017, S.ACCEPTED)
    put_values(plan, "ZH", p2018, S.DRAFT, I11=40)
    problems = errors(transition(zoe, "submit"), 400)
    assert "I11" in problems[0]["message_en"]
    # a value set may carry the explanation
    body = value_set(I11=40)
    body["values"][0]["comment"] = "新认定一批省级平台"
    answer(post_json(zoe, DVS, body), 200)
    answer(transition(zoe, "submit"), 200)


# --- revisions ----------------------------------------------------------------------------------


def revision_url(indicator: str = "I07", locality: str = "ZH", period: str = "2018") -> str:
    return f"{VALUES}/{indicator}/{locality}/{period}/revision-requests"


def test_revision_requested_then_accepted(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I07"])
    created = answer(post_json(zoe, revision_url(), {"new_value": 12, "reason": "统计口径更正"}), 201)
    assert created | {"id": 0, "requested_at": None} == {
        "id": 0,
        "indicator": "I07",
        "locality": "ZH",
        "period": "2018",
        "current_value": 10,
        "new_value": 12,
        "reason": "统计口径更正",
        "status": "pending",
        "requested_by": "zoe",
        "requested_at": None,
        "decided_by": None,
        "decided_at": None,
        "decision_comment": "",
    }
    listed = answer(as_user(cast.pat).get(f"{PLAN_URL}/revision-requests?status=pending"), 200)
    assert [r["id"] for r in listed] == [created["id"]]
    decision = f"{API}/revision-requests/{created['id']}/decision"
    assert errors(post_json(as_user(cast.zack), decision, {"approve": True}), 403)[0]["kind"] == "forbidden"
    decided = answer(post_json(as_user(cast.alice), decision, {"approve": True, "comment": "同意"}), 200)
    assert (decided["status"], decided["current_value"], decided["decided_by"]) == ("accepted", 12, "alice")
    value = ReportedValue.objects.get()
    assert (value.value, value.status, value.version) == (12, S.ACCEPTED, 2)
    assert errors(post_json(as_user(cast.alice), decision, {"approve": True}), 409)[0]["kind"] == "workflow"
    history = answer(zoe.get(f"{VALUES}/I07/ZH/2018/history"), 200)
    assert [(h["action"], h["user"], h["old_value"], h["new_value"]) for h in history] == [
        ("revise", "alice", 10, 12),
        ("request_revision", "zoe", 10, 10),
    ]


def test_revision_rejected(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I07"])
    created = answer(post_json(zoe, revision_url(), {"new_value": 12, "reason": "更正"}), 201)
    decided = answer(
        post_json(
            as_user(cast.pat),
            f"{API}/revision-requests/{created['id']}/decision",
            {"approve": False, "comment": "依据不足"},
        ),
        200,
    )
    assert (decided["status"], decided["decision_comment"], decided["current_value"]) == (
        "rejected",
        "依据不足",
        10,
    )
    assert RevisionRequest.objects.get().status == RevisionRequest.Status.REJECTED


def test_revision_errors(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I07"])
    put_values(plan, "ZH", period, S.SUBMITTED, codes=["I08"])
    put_values(plan, "FS", period, S.DRAFT, codes=["I07"])
    assert (
        errors(post_json(zoe, revision_url(), {"new_value": 12, "reason": " "}), 400)[0]["kind"] == "invalid"
    )
    assert (
        errors(post_json(zoe, revision_url(), {"new_value": -1, "reason": "x"}), 400)[0]["indicator"] == "I07"
    )
    assert (
        errors(post_json(zoe, revision_url("I08"), {"new_value": 1, "reason": "x"}), 409)[0]["kind"]
        == "workflow"
    )
    assert errors(post_json(as_user(cast.fred), revision_url(), {"new_value": 1, "reason": "x"}), 403)
    assert errors(post_json(as_user(cast.vic), revision_url(), {"new_value": 1, "reason": "x"}), 403)
    # Fred's draft is hidden from Zoe: as if it did not exist
    assert zoe.post(revision_url(locality="FS"), data="{}", content_type="application/json").status_code in (
        404,
        422,
    )
    response = post_json(zoe, revision_url(locality="FS"), {"new_value": 1, "reason": "x"})
    assert message_en(answer(response, 404)) == "No value of I07 for FS in 2018 in plan 'prw-mic2025'."
    assert post_json(zoe, revision_url(), {"new_value": "x", "reason": "x"}).status_code == 422
    assert answer(
        post_json(as_user(cast.pat), f"{API}/revision-requests/999/decision", {"approve": True}), 404
    )
    created = answer(post_json(zoe, revision_url(), {"new_value": 12, "reason": "更正"}), 201)
    assert errors(post_json(zoe, revision_url(), {"new_value": 13, "reason": "again"}), 409)
    assert RevisionRequest.objects.get().pk == created["id"]


# --- history and the audit log ------------------------------------------------------------------


def test_history_lists_who_when_what_and_through_what(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5)), 200)
    answer(post_json(zoe, DVS, value_set("b", I07=6)), 200)
    history = answer(zoe.get(f"{VALUES}/I07/ZH/2018/history"), 200)
    assert [(h["action"], h["old_value"], h["new_value"], h["source_detail"]) for h in history] == [
        ("save", 5, 6, "b"),
        ("save", None, 5, "a"),
    ]
    assert set(history[0]) == {
        "at",
        "user",
        "event",
        "subject",
        "action",
        "indicator",
        "locality",
        "period",
        "old_value",
        "new_value",
        "old_status",
        "new_status",
        "comment",
        "source",
        "source_detail",
    }
    assert (history[0]["user"], history[0]["old_status"], history[0]["new_status"]) == (
        "zoe",
        "draft",
        "draft",
    )


def test_history_of_a_hidden_or_missing_value_is_404(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set(I07=5)), 200)
    fred = as_user(cast.fred)
    assert message_en(answer(fred.get(f"{VALUES}/I07/ZH/2018/history"), 404)).startswith("No value of I07")
    assert answer(zoe.get(f"{VALUES}/I08/ZH/2018/history"), 404)
    assert answer(zoe.get(f"{API}/plans/nope/values/I07/ZH/2018/history"), 404)
    ReportedValue.objects.update(status=S.SUBMITTED)
    assert len(answer(fred.get(f"{VALUES}/I07/ZH/2018/history"), 200)) == 1


def of_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit log's rows about values (the plan's own load, by the fixtures, is in it too)."""
    return [r for r in rows if r["event"].startswith("value.")]


def test_the_audit_log_for_the_province(plan: Plan, cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5)), 200)
    answer(post_json(as_user(cast.fred), DVS, value_set("b", locality="FS", I07=7)), 200)
    rows = of_values(answer(as_user(cast.alice).get(AUDIT), 200))
    assert [(r["user"], r["locality"], r["new_value"], r["source"], r["source_detail"]) for r in rows] == [
        ("zoe", "ZH", 5, "api", "a"),
        ("fred", "FS", 7, "api", "b"),
    ]
    assert rows[0]["event"] == "value.save" and rows[0]["subject"] == "I07 珠海市 2018"
    # Drafts are their locality's own business, in the audit log as everywhere: the province
    # reviewer sees their events once they are submitted.
    assert of_values(answer(as_user(cast.pat).get(AUDIT), 200)) == []
    answer(transition(zoe, "submit", indicators=["I07"]), 200)
    seen = of_values(answer(as_user(cast.pat).get(AUDIT), 200))
    assert [(r["user"], r["action"], r["old_status"], r["new_status"]) for r in seen] == [
        ("zoe", "submit", "draft", "submitted")
    ]
    response = as_user(cast.alice).get(AUDIT + "?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    parsed = of_values(csv_rows(response.content))
    assert [(r["user"], r["action"], r["new_value"], r["old_value"]) for r in parsed] == [
        ("zoe", "save", "5", ""),
        ("fred", "save", "7", ""),
        ("zoe", "submit", "5", "5"),
    ]


def test_the_audit_log_since_and_until(cast: Any, period: Any, zoe: Client) -> None:
    answer(post_json(zoe, DVS, value_set("a", I07=5)), 200)
    answer(post_json(zoe, DVS, value_set("b", I07=6)), 200)
    first, second = events()
    backdate(events(pk=first.pk), timezone.make_aware(dt.datetime(2019, 3, 1, 9)))
    backdate(events(pk=second.pk), timezone.make_aware(dt.datetime(2019, 3, 2, 23, 30)))
    pat = as_user(cast.alice)  # the administrator: the events are of drafts

    def details(query: str) -> list[str]:
        return [r["source_detail"] for r in of_values(answer(pat.get(AUDIT + query), 200))]

    assert details("") == ["a", "b"]
    assert details("?since=2019-03-02") == ["b"]
    assert details("?until=2019-03-01") == ["a"]
    assert details("?until=2019-03-02") == ["a", "b"]  # a date includes its whole day
    assert details("?since=2019-03-01T10:00") == ["b"]
    assert details("?since=2019-03-02T15:00:00%2B00:00") == ["b"]  # 23:00 in Beijing
    assert details("?since=2019-03-02T16:00:00%2B00:00") == []
    assert errors(pat.get(AUDIT + "?since=yesterday"), 400)[0]["path"] == "since"
    assert pat.get(AUDIT + "?format=xml").status_code == 422
    # Beyond the calendar once in UTC (the database's): refused at its place, never a 500.
    for query in ["?until=9999-12-31", "?since=9999-12-31T23:59:59-23:59", "?since=0001-01-01T00:00%2B14:00"]:
        assert errors(pat.get(AUDIT + query), 400)[0]["path"] == query[1:6].rstrip("=")


def test_the_audit_log_costs_a_few_queries(
    plan: Plan, cast: Any, period: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    put_values(plan, "ZH", period, S.DRAFT)
    for value in ReportedValue.objects.select_related("indicator", "locality", "period__plan"):
        audit.record(
            "value.save", cast.zoe, value.audit_subject(), new={"value": value.value, "state": "draft"}
        )
    _, raw = ApiToken.issue(cast.pat, "script")
    for url in [AUDIT, AUDIT + "?format=csv", f"{PLAN_URL}/revision-requests"]:
        with django_assert_max_num_queries(6):
            assert client.get(url, headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    _, raw = ApiToken.issue(cast.zoe, "script")
    with django_assert_max_num_queries(7):
        client.get(f"{VALUES}/I07/ZH/2018/history", headers={"Authorization": f"Bearer {raw}"})


# --- the role × action × own/other locality matrix ------------------------------------------------
#
# For each person, ZH (珠海) and FS (佛山), and the two indicators I07 (nobody leads it among the cast)
# and I28 (led by Lena's unit): who may do what. The workflow decides; the API must answer the same.

WRITE = {
    "alice": {"ZH", "FS"},
    "pat": set(),
    "lena": set(),  # I07: not hers
    "zoe": {"ZH"},
    "zack": {"ZH"},
    "fred": {"FS"},
    "fay": {"FS"},
    "vic": set(),
}


@pytest.mark.parametrize("locality", ["ZH", "FS"])
@pytest.mark.parametrize("indicator", ["I07", "I28"])
@pytest.mark.parametrize("who", CAST)
def test_matrix_writing_values(cast: Any, period: Any, who: str, locality: str, indicator: str) -> None:
    may = locality in WRITE[who] or (who == "lena" and indicator == "I28")
    response = post_json(as_user(getattr(cast, who)), DVS, value_set(locality=locality, **{indicator: 5}))
    if may:
        answer(response, 200)
        assert stored(locality) == {indicator: 5}
    else:
        assert [p["kind"] for p in errors(response, 403)] == ["forbidden"]
        assert_nothing_written()


# Which state each action starts from, and who may take it (by locality; "lead" = Lena, for her own
# indicators only).
TRANSITIONS = {
    "submit": (
        S.DRAFT,
        {"alice": "both", "lena": "lead", "zoe": "ZH", "zack": "ZH", "fred": "FS", "fay": "FS"},
    ),
    "approve": (S.SUBMITTED, {"alice": "both", "zack": "ZH", "fay": "FS"}),
    "accept": (S.APPROVED, {"alice": "both", "pat": "both", "lena": "lead"}),
    "return submitted": (S.SUBMITTED, {"alice": "both", "zack": "ZH", "fay": "FS"}),
    "return approved": (S.APPROVED, {"alice": "both", "pat": "both", "lena": "lead"}),
}
NEXT = {"submit": S.SUBMITTED, "approve": S.APPROVED, "accept": S.ACCEPTED}


@pytest.mark.parametrize("locality", ["ZH", "FS"])
@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("who", CAST)
def test_matrix_transitions(plan: Plan, cast: Any, period: Any, who: str, action: str, locality: str) -> None:
    start, allowed = TRANSITIONS[action]
    put_values(plan, locality, period, start)
    before = statuses(locality, period)
    extra = {"comment": "请核对"} if action.startswith("return") else {}
    response = transition(as_user(getattr(cast, who)), action.split()[0], locality, **extra)
    scope = allowed.get(who)
    if scope in ("both", locality):
        answer(response, 200)
        assert set(statuses(locality, period).values()) == {NEXT.get(action, S.RETURNED)}
    elif scope == "lead":
        moved = answer(response, 200)
        assert {v["indicator"] for v in moved["values"]} == LED_BY_LENA
        after = statuses(locality, period)
        assert {c for c, s in after.items() if s != start} == LED_BY_LENA
    else:
        assert [p["kind"] for p in errors(response, 403)] == ["forbidden"]
        assert statuses(locality, period) == before


SEES_DRAFTS = {
    "alice": {("I07", "ZH"), ("I28", "ZH"), ("I07", "FS"), ("I28", "FS")},
    "pat": set(),
    "lena": {("I28", "ZH"), ("I28", "FS")},
    "zoe": {("I07", "ZH"), ("I28", "ZH")},
    "zack": {("I07", "ZH"), ("I28", "ZH")},
    "fred": {("I07", "FS"), ("I28", "FS")},
    "fay": {("I07", "FS"), ("I28", "FS")},
    "vic": set(),
}


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED])
@pytest.mark.parametrize("who", CAST)
def test_matrix_reading_drafts(plan: Plan, cast: Any, period: Any, who: str, status: str) -> None:
    for locality in ("ZH", "FS"):
        put_values(plan, locality, period, status, codes=["I07", "I28"])
    put_values(plan, "ZS", period, S.SUBMITTED, codes=["I07"])  # shared with everyone
    client = as_user(getattr(cast, who))
    listed = {(r["indicator"], r["locality"]) for r in answer(client.get(VALUES), 200)}
    assert listed == SEES_DRAFTS[who] | {("I07", "ZS")}
    in_csv = {(r["indicator"], r["locality"]) for r in csv_rows(client.get(VALUES + ".csv").content)}
    assert in_csv == listed
    for indicator in ("I07", "I28"):
        for locality in ("ZH", "FS"):
            response = client.get(f"{VALUES}/{indicator}/{locality}/2018/history")
            assert response.status_code == (200 if (indicator, locality) in SEES_DRAFTS[who] else 404)


@pytest.mark.parametrize("who", CAST)
def test_matrix_reading_the_audit_log(plan: Plan, cast: Any, period: Any, who: str) -> None:
    put_values(plan, "ZH", period, S.DRAFT, codes=["I07"])
    client = as_user(getattr(cast, who))
    for url in [AUDIT, AUDIT + "?format=csv"]:
        response = client.get(url)
        if who in ("alice", "pat"):
            assert response.status_code == 200
        else:
            problems = errors(response, 403)
            assert problems[0]["kind"] == "forbidden"
            assert "province" in problems[0]["message_en"]


def test_the_openapi_document_describes_the_value_endpoints(client: Client) -> None:
    document = client.get(f"{API}/openapi.json").json()
    paths = document["paths"]
    assert set(paths[f"{API}/plans/{{plan_code}}/datavaluesets"]) == {"post"}
    body = paths[f"{API}/plans/{{plan_code}}/datavaluesets"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv"} <= set(body)
    assert set(paths[f"{API}/revision-requests/{{request_id}}/decision"]) == {"post"}


def test_a_simultaneous_repeat_is_still_one_import(
    cast: Any, period: Any, zoe: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two uploads of one id at the same moment: the second one's check finds nothing yet, its
    insert of the batch then fails on the unique import id, and it answers "already imported"."""
    from planwatch.reporting import datavaluesets

    answer(post_json(zoe, DVS, value_set(I07=52)), 200)
    real = datavaluesets.previous_import
    calls: list[str] = []

    def not_yet_the_first_time(import_id: str) -> Any:
        calls.append(import_id)
        return None if len(calls) == 1 else real(import_id)

    monkeypatch.setattr(datavaluesets, "previous_import", not_yet_the_first_time)
    assert answer(post_json(zoe, DVS, value_set(I07=52)), 200)["status"] == "already imported"
    assert calls == ["zh-2018-01", "zh-2018-01"]
    assert stored() == {"I07": 52}
    assert ImportBatch.objects.count() == 1
    assert events().count() == 1


# --- pages --------------------------------------------------------------------------------------


def test_values_and_the_audit_log_come_in_pages(plan: Plan, cast: Any, period: Any) -> None:
    put_values(plan, "ZH", period, S.ACCEPTED, codes=["I07", "I08", "I09", "I04", "I05"])
    pat = as_user(cast.pat)
    whole = pat.get(VALUES)
    assert whole["X-Total-Count"] == "5" and "Link" not in whole and len(whole.json()) == 5
    first = pat.get(VALUES, {"locality": "ZH", "limit": 2})
    assert [v["indicator"] for v in first.json()] == [v["indicator"] for v in whole.json()][:2]
    assert first["X-Total-Count"] == "5"
    assert (
        first["Link"].endswith('; rel="next"')
        and "offset=2" in first["Link"]
        and "locality=ZH" in first["Link"]
    )
    last = pat.get(VALUES, {"limit": 2, "offset": 4})
    assert len(last.json()) == 1 and "Link" not in last
    assert pat.get(VALUES, {"limit": 0}).status_code == 422
    assert pat.get(VALUES, {"offset": -1}).status_code == 422
    post_json(as_user(cast.zoe), DVS, value_set(import_id="p", I06=1, I11=2, I13=3))
    audit = as_user(cast.alice).get(AUDIT, {"limit": 2})  # drafts' events: the administrator's to read
    # three values saved, and the plan's own load
    assert audit["X-Total-Count"] == "4" and len(audit.json()) == 2 and "offset=2" in audit["Link"]
