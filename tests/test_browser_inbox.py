"""The inbox (待办) in real Chromium: 珠海's reporter submits a flagged value; its approver lands on
the inbox, sees it with the badge in the top bar, and returns it; the reporter then lands on hers."""

from __future__ import annotations

import pytest

from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.browser import log_in, log_out, screenshot
from tests.test_web_reporting import bring_to, fill_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_approver_lands_on_the_inbox_with_a_badge(page, live_server, plan, cast):  # type: ignore[no-untyped-def]
    zh = plan.localities.get(code="ZH")
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    bring_to("accepted", plan, cast, zh, p2017)
    fill_all(plan, cast.zoe, zh, p2018, I11="40")  # 10 → 40: a 300 % jump, flagged
    flagged = ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="I11")
    wf.add_comment(cast.zoe, flagged, "新建一批省级智能制造示范基地")
    wf.submit(cast.zoe, zh, p2018)
    required = wf.required_indicators(p2018).count()

    log_in(page, live_server, "zack")
    page.wait_for_url("**/inbox/")
    badge = page.locator(".topbar a.inbox-link [data-inbox-badge]")
    badge.wait_for(state="visible")
    assert badge.inner_text() == str(required)
    assert page.locator("h1").inner_text().startswith("待办")
    item = page.locator("#values_to_approve li a").first
    assert f"珠海市 2018：{required} 项数值待审核" in item.inner_text()
    assert "zoe 提交了" in page.locator("#notifications").inner_text()
    screenshot(page, "inbox-approver")
    # at phone width the inbox does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "inbox-approver-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    item.click()  # to the reviewer's workbench: the flagged value highlighted, its comment beside it
    page.wait_for_url(f"**/review/ZH/{p2018.code}/")
    row = page.locator("tr#item-I11")
    assert "has-warning" in (row.get_attribute("class") or "")
    assert "新建一批省级智能制造示范基地" in row.inner_text()
    screenshot(page, "inbox-to-workbench")
    log_out(page)

    wf.return_values(cast.zack, zh, p2018, "请补充示范基地名单", codes=["I11"])
    log_in(page, live_server, "zoe")
    page.wait_for_url("**/inbox/")
    page.locator(".topbar a.inbox-link [data-inbox-badge]").wait_for(state="visible")
    assert "退回" in page.locator("#values_returned").inner_text()
    notes = page.locator("#notifications").inner_text()
    assert "zack 退回了 1 个数值" in notes and "请补充示范基地名单" in notes
    screenshot(page, "inbox-reporter")
    assert not page.console_errors, page.console_errors
