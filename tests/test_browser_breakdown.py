"""The breakdown (分解表) in real Chromium: a lead unit enters and submits an indicator's locality
targets and sees that their total falls short of the region's target; the province approves the
breakdown; the lead unit then adjusts a target with a reason (一 说明3), and the indicator's dashboard
page shows the adjusted target and why.

Lena leads 省科技厅 (I22 制造业技能人才, 万人, region target 108 in 2019); Pat reviews at the province.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.breakdown.models import Breakdown
from planwatch.plans.models import Target, TargetRevision
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.browser import screenshot
from tests.test_browser_reporting import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The six counted localities add up to 83 (顺德区's 12 is inside 佛山市's 30): 25 short of 108.
I22_2019 = {"ZH": "10", "FS": "30", "ZS": "15", "JM": "15", "YJ": "5", "ZQ": "8", "SD": "12"}
REASON = "根据2017年实际完成情况上调珠海目标"


def test_lead_unit_breaks_down_province_approves_lead_unit_adjusts(page, live_server, plan, cast):
    base = f"{live_server.url}/plans/{plan.code}"

    # The lead unit reaches the breakdown from the menu, enters 2019's targets and sees the shortfall.
    log_in(page, live_server, "lena")
    page.goto(f"{base}/")
    page.click("nav.sections >> text=目标分解")
    page.click("#breakdown-list tr[data-indicator=I22] a")
    for code, value in I22_2019.items():
        page.fill(f"input[name=t-{code}-2019]", value)
    page.click("#save")
    flag = page.locator("#totals td[data-year='2019'] .flag.shortfall")
    flag.wait_for()
    assert flag.inner_text() == "合计低于区域目标"
    assert (
        "合计 83 万人，区域目标 108 万人，相差 25 万人"
        in page.locator("#totals td[data-year='2019']").inner_text()
    )
    screenshot(page, "breakdown-shortfall")
    page.click("#submit")
    page.wait_for_selector("#breakdown-state.submitted")
    assert page.locator("input[name=t-ZH-2019]").count() == 0  # waits for the province: read only
    log_out(page)

    # The province sees what waits on it, and approves.
    log_in(page, live_server, "pat")
    page.goto(f"{base}/breakdown/")
    row = page.locator("#breakdown-list tr[data-indicator=I22]")
    assert row.get_attribute("data-state") == "submitted" and "已提交" in row.inner_text()
    row.locator("a").click()
    page.click("#approve")
    page.wait_for_selector("#breakdown-state.accepted")
    assert Breakdown.objects.get(indicator__code="I22").status == "accepted"
    log_out(page)

    # The lead unit adjusts 珠海's 2019 target after the 2017 results, with a reason.
    log_in(page, live_server, "lena")
    page.goto(f"{base}/breakdown/I22/")
    page.fill("input[name=t-ZH-2019]", "12")
    page.click("#save")  # without a reason the browser asks for one
    assert Target.objects.get(indicator__code="I22", locality__code="ZH", year=2019).value == 10
    page.fill("#reason", REASON)
    page.click("#save")
    page.wait_for_selector("#adjustments tr.adjustment")
    assert Target.objects.get(indicator__code="I22", locality__code="ZH", year=2019).value == 12
    assert TargetRevision.objects.filter(reason=REASON, changed_by=cast.lena).count() == 1

    # The indicator's dashboard shows the adjusted target and why.
    page.goto(f"{base}/dashboard/indicators/I22/")
    adjustment = page.locator("#target-adjustments tr.adjustment[data-locality=ZH][data-year='2019']")
    adjustment.wait_for()
    assert REASON in adjustment.inner_text() and "lena" in adjustment.inner_text()
    cell = page.locator("#indicator-table tr[data-locality=ZH] a.adjusted")
    assert cell.count() == 1 and cell.get_attribute("title") == REASON
    assert "12" in page.locator("#indicator-table tr[data-locality=ZH]").inner_text()
    screenshot(page, "breakdown-adjusted-on-dashboard")

    # In 2019, the final year, 珠海's accepted 11.5 is judged against its adjusted target of 12 (not
    # the 10 first entered): 95.8 %, 基本完成, with the numbers in one line beside the verdict.
    ReportedValue.objects.create(
        indicator=plan.indicators.get(code="I22"),
        locality=plan.localities.get(code="ZH"),
        period=yearly_period(plan, 2019),
        value=Decimal("11.5"),
        status=ReportedValue.Status.ACCEPTED,
    )
    page.goto(f"{base}/dashboard/localities/ZH/?year=2019")
    row = page.locator("#locality-table tr[data-indicator=I22]")
    row.wait_for()
    assert row.locator("td.annual .st").inner_text() == "基本完成"
    assert row.locator("td.pace").inner_text() == "—"  # in the final year, completion only
    assert "2019年规划目标 12万人，实际 11.5万人，完成 95.8%" in row.locator(".why").inner_text()
    screenshot(page, "breakdown-verdict-on-locality-dashboard")

    assert not page.console_errors
