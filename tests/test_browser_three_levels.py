"""Three levels in real Chromium (tests/fixtures/plans/three_levels_2020.yaml, 示例数据): 始兴县's
reporter submits, 韶关市's approver finds the county on the reporting home and approves on its
workbench, the province accepts, and 韶关市's dashboard page adds up its three counties."""

from __future__ import annotations

import pytest

from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.browser import screenshot
from tests.conftest import _person
from tests.test_browser_reporting import log_in, log_out
from tests.test_three_levels import RENHUA, SHAOGUAN, SHIXING, WENGYUAN, R, _accepted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ReportedValue.Status


def test_a_county_reports_its_city_approves_the_province_accepts_the_city_adds_up(
    page, live_server, three, people, django_user_model
):
    for code, i01, i02 in ((RENHUA, 2, 30), (WENGYUAN, 1, 20)):  # the city's other counties, done
        reporter = _person(django_user_model, three, f"r{code}", R.LOCALITY_REPORTER, locality=code)
        _accepted(three, people, reporter, code, 2018, I01=i01, I02=i02)
    period = yearly_period(three, 2018)
    shixing = three.localities.get(code=SHIXING)
    base = f"{live_server.url}/plans/{three.code}"

    # 始兴县's reporter fills in and submits
    log_in(page, live_server, "sid")
    page.goto(f"{base}/report/{SHIXING}/2018/")
    page.fill("#value-I01", "3")
    page.fill("#value-I02", "40")
    page.locator("#value-I02").blur()
    page.click("button[name=action][value=submit]")
    page.wait_for_selector(".message.success")
    assert set(
        ReportedValue.objects.filter(locality=shixing, period=period).values_list("status", flat=True)
    ) == {S.SUBMITTED}
    log_out(page)

    # 韶关市's approver: /review/ sends her to the reporting home, which links 始兴县's workbench
    log_in(page, live_server, "sha")
    page.goto(f"{base}/review/?period=2018")
    page.goto(f"{base}/report/?period=2018")
    page.locator(f"#locality-{SHIXING} a.button-link").click()
    page.wait_for_selector("table.wb-table")
    assert f"/review/{SHIXING}/2018/" in page.url
    page.once("dialog", lambda dialog: dialog.accept())
    page.check("#item-I01 input[name=select]")
    page.check("#item-I02 input[name=select]")
    page.click("#wb-bulk button[value=approve]")
    page.wait_for_selector(".message.success")
    assert set(
        ReportedValue.objects.filter(locality=shixing, period=period).values_list("status", flat=True)
    ) == {S.APPROVED}
    log_out(page)

    # the province accepts
    log_in(page, live_server, "pia")
    page.goto(f"{base}/report/{SHIXING}/2018/")
    page.click("button[name=action][value=accept_all]")
    page.wait_for_selector(".message.success")
    assert set(
        ReportedValue.objects.filter(locality=shixing, period=period).values_list("status", flat=True)
    ) == {S.ACCEPTED}

    # 韶关市's dashboard page: 3 + 2 + 1 and 40 + 30 + 20
    page.goto(f"{base}/dashboard/localities/{SHAOGUAN}/?year=2018")
    assert page.locator("#area-totals tr[data-indicator=I01] td.total").inner_text().startswith("6")
    assert page.locator("#area-totals tr[data-indicator=I02] td.total").inner_text().startswith("90")
    assert "始兴县" in page.locator("#area-totals thead").inner_text()
    screenshot(page, "three-levels-city-dashboard")
    page.click("#area-totals thead a:has-text('始兴县')")  # a county's page links back to its city
    page.click("#area-link")
    assert f"/dashboard/localities/{SHAOGUAN}/" in page.url

    # the overview's map draws the counties and their cities (a city opens its page when clicked)
    page.goto(f"{base}/dashboard/?year=2018")
    page.wait_for_selector("#map canvas")
    page.wait_for_timeout(500)
    screenshot(page, "three-levels-overview")
    assert not page.console_errors, page.console_errors
