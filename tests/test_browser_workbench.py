"""The reviewer's workbench in real Chromium, in Chinese: 珠海's approver finds the flagged value
highlighted with the reporter's explanation, approves a selection after confirming, returns one with
a comment — which tells the reporter in the app, by e-mail (a real local SMTP server) and through the
group robot (a local stub); at phone width (390 px) nothing scrolls sideways."""

from __future__ import annotations

import pytest

from planwatch.notifications.models import Notification
from planwatch.reporting.models import ReportedValue
from tests.browser import ARTIFACTS, screenshot
from tests.test_browser_reporting import log_in
from tests.test_workbench import EXPLANATION, submitted_with_a_jump

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ReportedValue.Status
NO_SIDEWAYS = "document.documentElement.scrollWidth <= 390"


def test_the_approver_reviews_on_the_workbench(page, live_server, plan, cast, smtp, robot):
    zh, p2018 = submitted_with_a_jump(plan, cast)
    log_in(page, live_server, "zack")
    page.goto(f"{live_server.url}/plans/{plan.code}/report/?period=2018")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.locator("#locality-ZH a.button-link").click()  # 审核数值: the workbench, not the form
    page.wait_for_selector("table.wb-table")
    assert f"/plans/{plan.code}/review/ZH/2018/" in page.url
    assert "审核工作台" in page.locator("h1").inner_text()

    # the flagged value stands out, its warning and the reporter's explanation in plain sight
    i07 = page.locator("#item-I07")
    assert "has-warning" in (i07.get_attribute("class") or "")
    assert i07.locator(".wb-warning").is_visible()
    assert "本期新增比上期变化 1014%" in i07.locator(".wb-warning").inner_text()
    assert (
        i07.locator(".wb-comments").is_visible() and EXPLANATION in i07.locator(".wb-comments").inner_text()
    )
    assert i07.locator("td.current").inner_text().startswith("85")
    assert i07.locator("td[data-label='2017']").inner_text() == "7"
    background = i07.locator("td.what").evaluate("td => getComputedStyle(td).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background
    screenshot(page, "workbench-approver")
    page.screenshot(path=str(ARTIFACTS / "workbench-approver-screen.png"))

    # a selection, approved after a confirmation that names the count
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.check("#item-I07 input[name=select]")
    page.check("#item-I08 input[name=select]")
    assert page.locator("#wb-count").inner_text() == "已选 2 项"
    page.click("#wb-bulk button[value=approve]")
    page.wait_for_selector(".message.success")
    assert asked == ["审核通过所选的 2 项数值？其中 1 项有预警。"]
    assert "已审核通过 2 项数值：I07、I08" in page.locator(".message.success").inner_text()
    statuses = dict(
        ReportedValue.objects.filter(
            locality=zh, period=p2018, indicator__code__in=["I07", "I08", "I09"]
        ).values_list("indicator__code", "status")
    )
    assert statuses == {"I07": S.APPROVED, "I08": S.APPROVED, "I09": S.SUBMITTED}

    # one returned on its own row, with a comment: no confirmation needed
    page.fill("#item-I09 .wb-return input", "请核对I09的统计口径")
    page.click("#item-I09 .wb-return button")
    page.wait_for_selector(".message.success")
    assert ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="I09").status == S.RETURNED
    # the reporter is told: in the app, by e-mail and in the group
    told = Notification.objects.filter(user=cast.zoe, text_zh__contains="请核对I09的统计口径")
    assert told.count() == 1 and told.get().delivery == {"email": "sent", "webhook": "sent"}
    assert [rcpt for rcpt, body in smtp.messages if "I09" in body] == [["zoe@example.org"]]
    assert [c for c in robot if "请核对I09的统计口径" in c["json"]["text"]["content"]]

    # a phone: each value a card, nothing scrolls sideways, the warning still in sight
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/{plan.code}/review/ZH/2018/?show=all")
    assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
    assert page.locator("#item-I07 .wb-warning").is_visible()
    assert page.locator("#item-I07 .wb-comments").is_visible()
    screenshot(page, "workbench-390")
    page.goto(f"{live_server.url}/plans/{plan.code}/review/ZH/2018/validation/")
    assert page.locator("tr[data-indicator=I07]").is_visible()
    assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "workbench-validation-390")
    assert not page.console_errors, page.console_errors
