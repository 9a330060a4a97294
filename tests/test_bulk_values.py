"""Large data value sets: all or nothing at 100,000 values, the set-based write on PostgreSQL (the same
values and audit events as the value-by-value write, the chain verifiable), queries that do not grow
with the set, a large body on the job runner, a body over the limit answered in the API's shape,
and a token's last use written at most once a minute.

The cast (tests/conftest.py): Alice the province administrator, Zoe 珠海's reporter. The set's pilot
units are added here (B00001 …): each reports 珠海's sample values of 2017–2019, which pass every
check of their kinds and the plan's rules across indicators.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planwatch.accounts.models import ApiToken
from planwatch.core import validation
from planwatch.kernel import audit
from planwatch.kernel.models import AuditEvent, Job
from planwatch.plans.models import Indicator, Locality, Plan
from planwatch.reporting import datavaluesets as dvs
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ImportBatch, Period, ReportedValue
from tests.api_errors import message_en

pytestmark = pytest.mark.django_db

DVS = "/api/v1/plans/prw-mic2025/datavaluesets"
YEARS = ("2017", "2018", "2019")
POSTGRES_ONLY = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the set-based write is PostgreSQL's"
)


@pytest.fixture
def template(sampled: Plan) -> list[tuple[str, str, str]]:
    """(period, indicator, value) of 珠海's sample values typed by hand in 2017–2019, the periods open
    (the module's one load of the sample: tests/conftest.py)."""
    plan = sampled
    Period.objects.filter(plan=plan, code__in=YEARS).update(locks_on=None)
    fed = wf.ledger_derived(plan.indicators.all())
    return [
        (v.period.code, v.indicator.code, f"{v.value.normalize():f}")
        for v in ReportedValue.objects.filter(
            locality__code="ZH", period__code__in=YEARS, value__isnull=False
        )
        .exclude(indicator_id__in=fed)
        .select_related("period", "indicator")
        .order_by("period__code", "indicator__code")
    ]


def units(plan: Plan, first: int, count: int) -> list[str]:
    """`count` more pilot units of the plan, numbered from `first`; their codes."""
    province = Locality.objects.get(plan=plan, code="GD")
    codes = [f"B{k:05d}" for k in range(first, first + count)]
    Locality.objects.bulk_create(
        [
            Locality(
                plan=plan,
                code=c,
                name_zh=f"单位{c}",
                name_en=f"Unit {c}",
                level="city",
                parent=province,
                pilot=True,
            )
            for c in codes
        ],
        batch_size=2000,
    )
    return codes


def value_set(import_id: str, codes: list[str], template: list[tuple[str, str, str]], at_most: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["import_id", "period", "locality", "indicator", "value"])
    n = 0
    for code in codes:
        for period, indicator, value in template:
            if n == at_most:
                return out.getvalue()
            writer.writerow([import_id, period, code, indicator, value])
            n += 1
    return out.getvalue()


def enough_units(plan: Plan, template: list[Any], values: int, first: int = 1) -> list[str]:
    return units(plan, first, -(-values // len(template)))


def counts() -> tuple[int, int, int]:
    return ReportedValue.objects.count(), AuditEvent.objects.count(), ImportBatch.objects.count()


# --- all or nothing at 100,000 values ---------------------------------------------------------------


def never_negative(plan: Plan, template: list[tuple[str, str, str]]) -> str:
    """An indicator of the set that cannot be negative (a count)."""
    codes = {i for _p, i, _v in template}
    return next(
        ind.code
        for ind in Indicator.objects.filter(plan=plan, code__in=codes).order_by("code")
        if any(f.is_error for f in validation.check_value(wf.rules_of(ind), Decimal(-1)))
    )


def test_one_bad_value_among_100000_writes_nothing_and_is_named_at_its_row(plan, alice, template):
    codes = enough_units(plan, template, 100_000)
    lines = value_set("big", codes, template, 100_000).splitlines()
    count = never_negative(plan, template)
    # the spreadsheet row (the header is row 1) of that indicator nearest row 73,457
    row = next(n for n in range(73_457, len(lines) + 1) if lines[n - 1].split(",")[3] == count)
    lines[row - 1] = lines[row - 1].rsplit(",", 1)[0] + ",-1"
    before = counts()
    with pytest.raises(dvs.ValueSetRejected) as rejected:
        dvs.import_value_set(alice, plan, dvs.parse_csv("\n".join(lines)))
    (problem,) = rejected.value.problems
    assert (problem.row, problem.column, problem.indicator) == (row, "value", count)
    assert "negative" in problem.en
    assert counts() == before


def test_100000_values_are_written_with_their_audit_events(plan, alice, template):
    """On PostgreSQL by set-based statements; on SQLite value by value (a smaller set: the suite's
    time)."""
    size = 100_000 if connection.vendor == "postgresql" else 3_000
    codes = enough_units(plan, template, size)
    events = AuditEvent.objects.count()
    result = dvs.import_value_set(alice, plan, dvs.parse_csv(value_set("big", codes, template, size)))
    assert (result.created, result.updated, result.unchanged) == (size, 0, 0)
    assert ReportedValue.objects.filter(locality__code__in=codes, status="draft").count() == size
    assert AuditEvent.objects.count() - events == size
    walk = audit.verify()
    assert walk.broken is None and walk.count == AuditEvent.objects.count()


# --- the set-based write is the value-by-value one ---------------------------------------------------


def _events_of(codes: list[str]) -> list[tuple[Any, ...]]:
    """The events of these units' values, in order, with the unit's place in `codes` for its code."""
    place = {c: str(n) for n, c in enumerate(codes)}
    ids = dict(ReportedValue.objects.filter(locality__code__in=codes).values_list("pk", "locality__code"))
    return [
        (
            e.type,
            place[e.locality_code],
            place[ids[int(e.subject_id)]],
            e.indicator_code,
            e.period_code,
            e.subject_label.replace(f"单位{e.locality_code}", "单位"),
            e.old,
            e.new,
            e.comment,
            e.private,
            e.source,
            e.source_detail.rstrip("ab"),
            e.actor_name,
        )
        for e in AuditEvent.objects.filter(locality_code__in=codes).order_by("id")
    ]


@POSTGRES_ONLY
def test_the_set_based_write_writes_what_the_value_by_value_one_does(plan, alice, template, monkeypatch):
    row_by_row, set_based = units(plan, 1, 12), units(plan, 101, 12)
    for codes, threshold, suffix in ((row_by_row, 10**9, "a"), (set_based, 1, "b")):
        monkeypatch.setattr(wf, "SET_BASED_FROM", threshold)
        first = value_set(f"x{suffix}", codes, template, 10**9)
        dvs.import_value_set(alice, plan, dvs.parse_csv(first))
        # then the next year's values (consistent among themselves: the rules across indicators
        # hold), with a comment on each of the first unit's
        by_year = {(p, i): v for p, i, v in template}
        changed = io.StringIO()
        writer = csv.writer(changed, lineterminator="\n")
        writer.writerow(["import_id", "period", "locality", "indicator", "value", "comment"])
        for n, code in enumerate(codes):
            for period, indicator, value in template:
                later = by_year.get((YEARS[(YEARS.index(period) + 1) % 3], indicator), value)
                writer.writerow([f"y{suffix}", period, code, indicator, later, "说明" if n == 0 else ""])
        dvs.import_value_set(alice, plan, dvs.parse_csv(changed.getvalue()))
    by_row, by_set = _events_of(row_by_row), _events_of(set_based)
    assert by_row and by_row == by_set
    values = {
        codes[0]: list(
            ReportedValue.objects.filter(locality__code__in=codes)
            .order_by("locality__code", "period__code", "indicator__code")
            .values_list("period__code", "indicator__code", "value", "status", "version", "source")
        )
        for codes in (row_by_row, set_based)
    }
    assert values[row_by_row[0]] == values[set_based[0]]
    assert audit.verify().broken is None


# --- queries ------------------------------------------------------------------------------------------


def _queries(action: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_checking_a_set_costs_the_same_queries_whatever_its_size(plan, alice, template):
    """A set refused for one bad value: every value checked, nothing written."""
    codes = enough_units(plan, template, 3_000) + units(plan, 9999, 1)
    bad = never_negative(plan, template)

    def refused(size: int, import_id: str) -> None:
        text = value_set(import_id, codes, template, size) + f"{import_id},2018,B09999,{bad},-1\n"
        with pytest.raises(dvs.ValueSetRejected):
            dvs.import_value_set(alice, plan, dvs.parse_csv(text))

    refused(10, "w")  # what is read once per process (the user's profile …) read
    small, large = _queries(lambda: refused(300, "s")), _queries(lambda: refused(3_000, "l"))
    assert small == large, (small, large)


@POSTGRES_ONLY
def test_writing_a_set_costs_the_same_queries_whatever_its_size(plan, alice, template):
    codes = enough_units(plan, template, 6_000)
    warm = units(plan, 9000, 10)

    def imported(import_id: str, units: list[str], size: int) -> None:
        dvs.import_value_set(alice, plan, dvs.parse_csv(value_set(import_id, units, template, size)))

    imported("w", warm, 300)  # what is read once per process (the user's profile …) read
    half = len(codes) // 2
    small = _queries(lambda: imported("s", codes[:half], 300))
    large = _queries(lambda: imported("l", codes[half:], 3_000))
    assert small == large, (small, large)


# --- the API: a large body on the job runner, a body over the limit -------------------------------------


def test_a_set_above_the_threshold_is_imported_on_the_job_runner(plan, cast, template, settings):
    settings.PLANWATCH_VALUE_SET_JOB_BYTES = 1000
    client = Client()
    client.force_login(cast.alice)
    codes = units(plan, 1, 3)
    text = value_set("queued", codes, template, 10**9)
    response = client.post(DVS, data=text.encode(), content_type="text/csv")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["page_url"] == f"/jobs/{body['job']}/"
    job = Job.objects.get(pk=body["job"])  # the test settings run a job at once
    assert job.state == Job.State.DONE and job.kind == "value_set_import"
    state = client.get(body["job_url"]).json()
    assert (
        state["state"] == "done"
        and "values checked" in state["message_en"]
        and "saved as drafts" in state["message_en"]
    )
    assert ReportedValue.objects.filter(locality__code__in=codes).count() == len(text.splitlines()) - 1


def test_a_refused_set_on_the_job_runner_names_every_problem(plan, cast, template, settings):
    settings.PLANWATCH_VALUE_SET_JOB_BYTES = 100
    client = Client()
    client.force_login(cast.alice)
    codes = units(plan, 1, 2)
    text = (
        value_set("queued", codes, template, 10) + f"queued,2019,B00002,{never_negative(plan, template)},-1\n"
    )
    body = client.post(DVS, data=text.encode(), content_type="text/csv").json()
    state = client.get(body["job_url"]).json()
    assert state["state"] == "failed"
    assert state["message_en"].startswith("row 12: ") and "negative" in state["message_en"]
    assert not ReportedValue.objects.filter(locality__code__in=codes).exists()


def test_a_set_refused_for_many_rows_lists_them_row_by_row_on_the_jobs_page(plan, cast, template, settings):
    """Several problems: the job's message counts them, and each is a row of the page's table with
    its row, in the reader's language (not one paragraph of every message in both languages)."""
    settings.PLANWATCH_VALUE_SET_JOB_BYTES = 100
    client = Client()
    client.force_login(cast.alice)
    codes = units(plan, 1, 2)
    bad = never_negative(plan, template)
    text = value_set("many", codes, template, 10) + f"many,2019,B00002,{bad},-1\nmany,2019,B00001,{bad},-2\n"
    body = client.post(DVS, data=text.encode(), content_type="text/csv").json()
    state = client.get(body["job_url"]).json()
    assert state["state"] == "failed" and state["message_en"] == "2 problems: nothing was written."
    assert state["message_zh"] == "2 个问题，未写入任何内容。"
    assert [p["line"] for p in state["problems"]] == [12, 13]
    assert all(p["zh"] and p["en"] and " / " not in p["zh"] for p in state["problems"])
    page = client.get(reverse("web:job", args=[body["job"]]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'id="job-problems"' in html and "第 12 行" in html and "第 13 行" in html
    assert "negative" not in html  # the Chinese page says each problem in Chinese


def test_another_users_job_is_not_found(plan, cast, template, settings):
    settings.PLANWATCH_VALUE_SET_JOB_BYTES = 100
    alice, zoe = Client(), Client()
    alice.force_login(cast.alice)
    zoe.force_login(cast.zoe)
    body = alice.post(
        DVS, data=value_set("q", units(plan, 1, 1), template, 10).encode(), content_type="text/csv"
    )
    assert zoe.get(body.json()["job_url"]).status_code == 404
    # The province administrator follows the system's own (an evaluation nobody started).
    system = Job.objects.create(kind="evaluation_run", plan_code=plan.code)
    assert alice.get(reverse("web:job", args=[system.pk])).status_code == 200
    assert zoe.get(reverse("web:job", args=[system.pk])).status_code == 403  # the page says why


def test_a_body_over_the_limit_answers_413_in_the_apis_shape(plan, cast, settings):
    settings.PLANWATCH_VALUE_SET_MAX_BYTES = 1024 * 1024
    client = Client()
    client.force_login(cast.zoe)
    text = "import_id,period,locality,indicator,value\n" + "x,2018,ZH,I02,1\n" * 70_000  # 1.1 MiB
    response = client.post(DVS, data=text.encode(), content_type="text/csv")
    assert response.status_code == 413 and response["Content-Type"].startswith("application/json")
    assert "larger than 1 MB" in message_en(response.json())
    assert not ImportBatch.objects.exists()


def test_a_body_above_djangos_form_limit_is_taken(plan, cast, settings):
    """2.5 MiB is Django's limit for a form held in memory, not for a data value set."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(cast.zoe)
    text = "import_id,period,locality,indicator,value\n" + "x,2018,ZH,I02,1\n" * 100
    response = client.post(DVS, data=text.encode(), content_type="text/csv")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "appears twice" in response.json()["errors"][-1]["message_en"]


# --- a read request writes nothing -----------------------------------------------------------------------


def test_a_tokens_last_use_is_written_once_a_minute(client, plan, bob):
    token, raw = ApiToken.issue(bob, "script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get("/api/v1/plans", **auth)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/plans", **auth).status_code == 200
    assert not [q for q in captured if q["sql"].lstrip().upper().startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    client.get("/api/v1/plans", **auth)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_json_set_above_djangos_form_limit_is_taken(plan, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(cast.zoe)
    body = {
        "import_id": "j",
        "period": "2018",
        "locality": "ZH",
        "values": [{"indicator": "I02", "value": 1}] * 100,
    }
    response = client.post(DVS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "appears twice" in response.json()["errors"][-1]["message_en"]
    settings.PLANWATCH_VALUE_SET_MAX_BYTES = 1000
    response = client.post(DVS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 413 and "larger than" in message_en(response.json())
