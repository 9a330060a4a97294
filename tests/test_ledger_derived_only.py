"""Indicators counted from a ledger are never typed by hand (setting PLANWATCH_LEDGER_DERIVED_ONLY, on
by default): the entry form shows them read-only with a link to the rows; save_values, the Excel value
import and the API data value sets refuse a typed value naming the indicator; the ledger's own writes
pass, and move through submit → approve → accept with the locality's other values; the funnel's
"write" button says when there is nothing to write, and its refusals come in the page's language."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from planwatch.core import workbook as wbk
from planwatch.core.errors import WorkbookRejected
from planwatch.ledgers import services
from planwatch.reporting import excel
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from tests.test_ledger_derive import accept_all, add

D = dt.date


def test_the_rule_is_on_by_default_and_read_from_the_environment(monkeypatch):
    from django.conf import settings

    from planwatch.config import env_bool

    assert settings.PLANWATCH_LEDGER_DERIVED_ONLY is True  # the test settings do not switch it off
    monkeypatch.setenv("PLANWATCH_LEDGER_DERIVED_ONLY", "0")
    assert env_bool("PLANWATCH_LEDGER_DERIVED_ONLY", True) is False


def test_switched_off_they_are_typed_like_any_value(plan, cast, period, settings):
    settings.PLANWATCH_LEDGER_DERIVED_ONLY = False
    zh = plan.localities.get(code="ZH")
    wf.save_values(cast.zoe, zh, period, [_entry(plan, "I01", 5)])
    assert ReportedValue.objects.get().source == ReportedValue.Source.WEB


def _entry(plan, code, value, version=None):  # type: ignore[no-untyped-def]
    return wf.Entry(plan.indicators.get(code=code), Decimal(value), version)


def test_save_values_refuses_a_typed_value_naming_the_indicator(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    with pytest.raises(wf.NotAllowed, match="I01, I16: counted from the ledger, not typed by hand") as caught:
        wf.save_values(
            cast.zoe, zh, period, [_entry(plan, "I01", 5), _entry(plan, "I16", 3), _entry(plan, "I07", 2)]
        )
    # Each in its place names its own indicator (a workbook's row, a form's field), not every one.
    assert [(i.indicator, i.zh) for i in caught.value.issues] == [
        ("I01", "I01 由台账计算得出，不能手工填报：请在台账中录入条目"),
        ("I16", "I16 由台账计算得出，不能手工填报：请在台账中录入条目"),
    ]
    assert not ReportedValue.objects.exists()  # all or nothing
    wf.save_values(cast.zoe, zh, period, [_entry(plan, "I07", 2)])  # not a ledger's: typed as ever
    assert ReportedValue.objects.get().indicator.code == "I07"


def test_the_ledger_writes_them_and_an_unchanged_value_passes(plan, cast, period):
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    accept_all(cast, add(cast.zoe, ledger, "ZH", "示例项目 01", signed=D(2018, 3, 1)))
    services.derive_values(plan, 2018, cast.zoe)
    value = ReportedValue.objects.get(indicator__code="I01", locality__code="ZH")
    assert value.value == 1 and value.source == ReportedValue.Source.LEDGER
    zh = plan.localities.get(code="ZH")
    wf.save_values(cast.zoe, zh, period, [_entry(plan, "I01", 1, value.version)])  # the same number
    with pytest.raises(wf.NotAllowed, match="I01"):
        wf.save_values(cast.zoe, zh, period, [_entry(plan, "I01", 7, value.version)])


def test_entry_form_shows_them_read_only_with_the_rows(client, plan, cast, period):
    client.force_login(cast.zoe)
    url = reverse("reporting:entry", args=[plan.code, "ZH", period.code])
    page = client.get(url)
    rows = {r.code: r for r in page.context["page"].rows} if "page" in page.context else None
    html = page.content.decode()
    assert 'name="value-I01"' not in html and 'name="value-I07"' in html
    link = reverse("ledgers:count", args=[plan.code, "investment_projects", "ZH", 2018, "I01", "cumulative"])
    assert f'href="{link}?accepted=1"' in html
    if rows is not None:
        assert not rows["I10"].editable and rows["I07"].editable
    # A crafted post is refused on the server, and nothing is saved.
    form = {"value-I01": "9", "orig-I01": "", "version-I01": "0", "action": "save"}
    assert client.post(url, form).status_code == 403
    assert not ReportedValue.objects.filter(indicator__code="I01").exists()


def test_excel_value_import_refuses_them_in_their_cell(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    template = excel.export_template(plan, zh, period, cast.zoe)
    book = openpyxl.load_workbook(io.BytesIO(template))
    ws = book[wbk.VALUES_SHEET]
    rows = {ws.cell(row=r, column=1).value: r for r in range(wbk.FIRST_ROW, ws.max_row + 1)}
    ws.cell(row=rows["I01"], column=wbk.VALUE_COL).value = 12
    ws.cell(row=rows["I07"], column=wbk.VALUE_COL).value = 3
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_values(out.getvalue(), "zh.xlsx", cast.zoe)
    text = caught.value.describe()
    assert "I01: counted from the ledger" in text
    assert f"{wbk.VALUES_SHEET}!" in text and f"{rows['I01']}" in text
    assert not ReportedValue.objects.exists()


def test_api_data_value_sets_refuse_them(client, plan, cast, period):
    client.force_login(cast.zoe)
    body = {
        "import_id": "zh-2018-ledger",
        "period": "2018",
        "locality": "ZH",
        "values": [{"indicator": "I07", "value": 2}, {"indicator": "I26", "value": 40}],
    }
    response = client.post(
        f"/api/v1/plans/{plan.code}/datavaluesets", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code >= 400
    messages = " ".join(e["message_en"] for e in response.json()["errors"])
    assert "I26: counted from the ledger, not typed by hand" in messages
    assert not ReportedValue.objects.exists()


def _typed_entries(plan, period):  # type: ignore[no-untyped-def]
    """Every indicator of the period no ledger feeds, with values that pass the plan's checks."""
    fed = wf.ledger_derived(wf.required_indicators(period))
    values = {i.code: Decimal(10) for i in wf.required_indicators(period) if i.pk not in fed}
    values.update({"I22": Decimal(20), "I24": Decimal(7), "I25": Decimal(35)})
    values.update({"C05": Decimal(8), "C06": Decimal(6), "I28": Decimal(75)})
    return [wf.Entry(plan.indicators.get(code=c), v, expected_version=0) for c, v in values.items()]


def test_a_locality_submits_without_typing_them_once_the_ledger_wrote_them(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    accept_all(cast, add(cast.zoe, ledger, "ZH", "示例项目 01", signed=D(2018, 3, 1), started=D(2018, 9, 1)))
    wf.save_values(cast.zoe, zh, period, _typed_entries(plan, period))
    # Submitting before the ledger wrote its counts: refused, naming them and where they come from.
    with pytest.raises(wf.IllegalTransition) as caught:
        wf.submit(cast.zoe, zh, period)
    assert (
        "I01, I02, I03, I10" in caught.value.en
        and "counted from the ledgers, not written yet" in caught.value.en
    )
    assert "not reported yet" not in caught.value.en  # everything typed is there
    assert "由台账计算" in caught.value.zh
    assert set(ReportedValue.objects.values_list("status", flat=True)) == {ReportedValue.Status.DRAFT}

    written = services.derive_values(plan, 2018, cast.zoe).written
    assert ("ZH", "I01", 1) in written and ("ZH", "I02", 1) in written and ("ZH", "I03", 0) in written
    moved = wf.submit(cast.zoe, zh, period)
    required = wf.required_indicators(period).count()
    assert len(moved) == required  # the ledger's values go with the typed ones
    wf.approve(cast.zack, zh, period)
    wf.accept(cast.pat, zh, period)
    i01 = ReportedValue.objects.get(indicator__code="I01", locality=zh, period=period)
    assert (i01.value, i01.status, i01.source) == (
        1,
        ReportedValue.Status.ACCEPTED,
        ReportedValue.Source.LEDGER,
    )
    assert ReportedValue.objects.filter(status=ReportedValue.Status.ACCEPTED).count() == required


def test_missing_typed_and_ledger_values_are_both_named(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    wf.save_values(cast.zoe, zh, period, [_entry(plan, "I07", 2)])
    with pytest.raises(wf.IllegalTransition) as caught:
        wf.submit(cast.zoe, zh, period)
    assert "20 indicator(s) not reported yet: C01, I04" in caught.value.en and "I08" in caught.value.en
    assert "I01, I02, I03, I10" in caught.value.en and "counted from the ledger" in caught.value.en


def test_the_excel_template_and_the_form_do_not_ask_for_them(client, plan, cast, period):
    zh = plan.localities.get(code="ZH")
    ws = openpyxl.load_workbook(io.BytesIO(excel.export_template(plan, zh, period, cast.zoe)))[
        wbk.VALUES_SHEET
    ]
    rows = {ws.cell(row=r, column=1).value: r for r in range(wbk.FIRST_ROW, ws.max_row + 1)}
    for code in ("I01", "I10", "I26"):
        assert ws.cell(row=rows[code], column=wbk.VALUE_COL).protection.locked, code
    assert not ws.cell(row=rows["I07"], column=wbk.VALUE_COL).protection.locked
    client.force_login(cast.zoe)
    html = client.get(reverse("reporting:entry", args=[plan.code, "ZH", period.code])).content.decode()
    assert 'name="value-I26"' not in html and 'name="value-I24"' in html


def _funnel(client, plan, year=2018):  # type: ignore[no-untyped-def]
    url = reverse("ledgers:funnel", args=[plan.code, services.INVESTMENT_PROJECTS])
    return client.get(url, {"year": year}).content.decode()


def test_the_funnel_button_says_when_there_is_nothing_to_write(client, plan, cast, period):
    zh = plan.localities.get(code="ZH")
    client.cookies["django_language"] = "en"
    client.force_login(cast.zoe)
    assert 'value="2018"><button type="submit" class="primary">' in _funnel(
        client, plan
    )  # something to write
    services.derive_values(plan, 2018, cast.zoe)
    ReportedValue.objects.filter(locality=zh).update(status=ReportedValue.Status.SUBMITTED)
    html = _funnel(client, plan)
    assert "disabled" in html and "is submitted or accepted: nothing to write" in html
    ReportedValue.objects.filter(locality=zh).update(status=ReportedValue.Status.ACCEPTED)
    html = _funnel(client, plan)
    assert "already accepted: nothing to write" in html and "request a revision" in html
    assert 'type="submit" class="primary" disabled' in html
    client.force_login(cast.vic)  # may write nothing: no button
    assert "Write these counts as reported values" not in _funnel(client, plan)


def test_a_refused_write_is_said_in_the_pages_language(client, plan, cast, period):
    zh = plan.localities.get(code="ZH")
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    services.derive_values(plan, 2018, cast.zoe)
    ReportedValue.objects.filter(locality=zh, indicator__code="I01").update(
        status=ReportedValue.Status.ACCEPTED
    )
    accept_all(cast, add(cast.zoe, ledger, "ZH", "示例项目 02", signed=D(2018, 3, 1), started=D(2018, 5, 1)))
    client.force_login(cast.zoe)
    url = reverse("ledgers:derive", args=[plan.code, ledger.code])
    page = client.post(url, {"year": "2018"}, follow=True).content.decode()
    assert "I01 已确认，不能修改；如需更改请提交修订申请" in page and "request a revision" not in page
    client.cookies["django_language"] = "en"
    page = client.post(url, {"year": "2018"}, follow=True).content.decode()
    assert "I01: accepted and cannot be changed; request a revision" in page and "已确认" not in page
    # the other values were written all the same: the row's start counts in I02
    assert ReportedValue.objects.get(locality=zh, indicator__code="I02").value == 1
    assert ReportedValue.objects.get(locality=zh, indicator__code="I01").value == 0  # accepted: kept
