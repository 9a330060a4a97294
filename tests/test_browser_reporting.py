"""The reporting workflow in real Chromium: 珠海's reporter fills in, saves and submits; the approver
approves; the province accepts; the values then show as accepted and locked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.core.kinds import UNITS
from planwatch.demo.sample import load_sample
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Evidence, ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.browser import ARTIFACTS, log_in, log_out, screenshot
from tests.fed import save_reported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What zoe types herself (2017: 7, 1, 2); I01–I03 and the other indicators a ledger feeds are
# counted from the ledger, never typed (settings.PLANWATCH_LEDGER_DERIVED_ONLY).
TYPED = {"I07": 10, "I08": 1, "I09": 2}


def view(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """What an official sees on a 1366×768 screen, besides the whole page."""
    screenshot(page, name)
    page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))


def prefill_drafts(plan, zoe, zh, p2017, p2018) -> None:  # type: ignore[no-untyped-def]
    """Drafts for every indicator but the three zoe types, a little above 2017 (no warnings); those a
    ledger feeds written by the ledger."""
    before = {
        v.indicator.code: v.value
        for v in ReportedValue.objects.filter(locality=zh, period=p2017).select_related("indicator")
    }
    values: dict[str, Decimal] = {}
    for indicator in wf.required_indicators(p2018):
        previous = before[indicator.code]
        quantity = UNITS[indicator.unit][0]
        if quantity == "count":  # whole numbers
            values[indicator.code] = previous + int(previous * Decimal("0.2"))
        elif quantity == "persons":  # whole, and slowly: their growth rates must not jump 10 points
            values[indicator.code] = (previous * Decimal("1.03")).quantize(
                Decimal("1") if UNITS[indicator.unit][1] == 1 else Decimal("0.01")
            )
        elif quantity == "percent":
            values[indicator.code] = (previous * Decimal("1.05")).quantize(Decimal("0.01"))
        else:
            values[indicator.code] = (previous * Decimal("1.08")).quantize(Decimal("0.01"))
    values["I25"] = (values["I24"] / values["I22"] * 100).quantize(Decimal("0.01"))
    # growth rates as their levels give them against 2016 (checked on saving)
    base = {
        v.indicator.code: v.value
        for v in ReportedValue.objects.filter(locality=zh, period__code="2016").select_related("indicator")
    }
    for growth, level, yearly in (
        ("I04", "C01", True),
        ("I05", "C02", True),
        ("I06", "C03", True),
        ("I23", "I22", False),
        ("I27", "C04", False),
    ):
        ratio = float(values[level]) / float(base[level])
        rate = (ratio**0.5 - 1) * 100 if yearly else (ratio - 1) * 100  # 2018 is two years after 2016
        values[growth] = Decimal(str(round(rate, 2)))
    values["I28"] = (values["C06"] / values["C05"] * 100).quantize(Decimal("0.01"))
    entries = [
        wf.Entry(plan.indicators.get(code=code), value, expected_version=0)
        for code, value in values.items()
        if code not in TYPED
    ]
    save_reported(zoe, zh, p2018, entries)  # I01, I10…: as the ledger writes them


def test_fill_in_save_submit_approve_accept(page, live_server, plan, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_sample(plan)
    zh = plan.localities.get(code="ZH")
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    ReportedValue.objects.filter(locality=zh, period=p2018).delete()  # 珠海 has not reported 2018 yet
    prefill_drafts(plan, cast.zoe, zh, p2017, p2018)
    required = wf.required_indicators(p2018).count()

    # 珠海's reporter: the reporting home, her own locality first, then its form
    log_in(page, live_server, "zoe")
    page.click("nav.sections a[href$='/report/']")
    page.click(".period-tabs a[href='?period=2018']")
    first = page.locator("table.progress-table tbody tr").first
    assert first.get_attribute("id") == "locality-ZH"
    assert "late" in (first.get_attribute("class") or "")
    view(page, "reporting-home")
    first.locator("a.button-link").click()
    assert page.locator("h1").inner_text().startswith("珠海市")
    assert page.locator("tr.status-draft").count() == required - len(TYPED)

    # the browser checks as she types: a count cannot be negative; a save goes to the server, which
    # lists every problem of the form on top (each linked to its field) and beside the field
    page.fill("#value-I07", "-3")
    page.locator("#value-I07").blur()
    assert page.locator("#msg-I07 .field-error").is_visible()
    page.click("button[name=action][value=save].secondary")
    page.wait_for_selector("#form-problems")
    # both of I07's problems, the one this page's script cannot see (the running total) as well
    assert page.locator("#form-problems a[href='#value-I07']").count() == 2
    assert page.locator("#msg-I07 .field-error").all_inner_texts() == [
        "计数不能为负数",
        "累计数不能小于上期的 7",
    ]
    assert page.input_value("#value-I07") == "-3"  # what she typed is still there
    assert not ReportedValue.objects.filter(locality=zh, period=p2018, indicator__code="I07").exists()

    # persons counted one by one (人) are whole, as the server says; 万人 may have decimals
    for code, fraction, error in (("C04", "580.5", True), ("I22", "16.55", False)):
        before = page.input_value(f"#value-{code}")
        page.fill(f"#value-{code}", fraction)
        page.locator(f"#value-{code}").blur()
        assert page.locator(f"#msg-{code} .field-error").count() == int(error), code
        page.fill(f"#value-{code}", before)
        page.locator(f"#value-{code}").blur()

    for code, value in TYPED.items():
        page.fill(f"#value-{code}", str(value))
    page.locator("#value-I09").blur()
    assert page.locator("#msg-I07 .field-error").count() == 0
    assert page.locator("#change-I07").inner_text().startswith("+3")
    assert "3" in page.locator("#change-count").inner_text()
    page.locator("#row-I07 details summary").click()
    page.fill("textarea[name=comment-I07]", "含2018年新引进军民两用技术成果3项，见附件清单")
    view(page, "reporting-form-filled")
    page.click("button[name=action][value=save].secondary")
    page.wait_for_selector(".message.success")
    assert page.locator("tr.status-draft").count() == required
    assert ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="I07").value == TYPED["I07"]

    # a file in support of a value
    evidence = tmp_path / "项目清单.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% list of projects\n")
    page.locator("#row-I07 details summary").click()
    page.set_input_files("#row-I07 input[type=file]", str(evidence))
    page.click("#row-I07 .upload button")
    page.wait_for_selector(".message.success")
    assert Evidence.objects.get().original_name == "项目清单.pdf"
    assert "项目清单.pdf" in page.locator("#row-I07").inner_text()

    page.click("button[name=action][value=submit]")
    page.wait_for_selector(".message.success")
    assert page.locator("tr.status-submitted").count() == required
    assert page.locator("input.value-input:not([disabled])").count() == 0
    view(page, "reporting-form-submitted")
    log_out(page)

    # the approver signs off
    form = f"{live_server.url}/plans/{plan.code}/report/ZH/2018/"
    log_in(page, live_server, "zack")
    page.goto(form)
    page.click("button[name=action][value=approve]")
    page.wait_for_selector(".message.success")
    assert page.locator("tr.status-approved").count() == required
    view(page, "reporting-form-approved")
    log_out(page)

    # the province accepts: the values are locked
    log_in(page, live_server, "pat")
    page.goto(form)
    assert page.locator("input[name=select]").count() == required
    page.click("button[name=action][value=accept_all]")
    page.wait_for_selector(".message.success")
    assert page.locator("tr.status-accepted").count() == required
    inputs = page.locator("input.value-input")
    assert inputs.count() == required
    assert page.locator("input.value-input:not([disabled])").count() == 0
    assert page.locator("#value-I07").input_value() == str(TYPED["I07"])
    assert page.locator("button[name=action][value=submit]").count() == 0
    view(page, "reporting-form-accepted")
    statuses = set(ReportedValue.objects.filter(locality=zh, period=p2018).values_list("status", flat=True))
    assert statuses == {ReportedValue.Status.ACCEPTED}

    # the history tells the story of a value
    page.click("#row-I07 .history-link a")
    history = page.locator("table.history-table").inner_text()
    for who in ["zoe", "zack", "pat"]:
        assert who in history
    assert "项目清单.pdf" in page.content()
    view(page, "reporting-history")

    # and the home shows 珠海 done
    page.click("nav.sections a[href$='/report/']")
    page.click(".period-tabs a[href='?period=2018']")
    row = page.locator("#locality-ZH")
    assert row.locator("[data-count=accepted]").inner_text() == str(required)
    assert row.locator(".done-tag").count() == 1
    assert page.console_errors == []
