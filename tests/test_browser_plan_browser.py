"""The plan browser in real Chromium, in Chinese and in English."""

from __future__ import annotations

import pytest

from planwatch.demo.sample import load_sample
from tests.browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_browser_in_chinese_then_english(page, live_server, plan, bob):
    load_sample(plan)
    log_in(page, live_server, "bob", "bob-password")
    page.wait_for_url("**/inbox/")  # everyone lands on their inbox (待办)
    page.click("nav.sections >> text=方案")

    # Chinese first, although this browser asks for English.
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").first.inner_text().startswith("珠江西岸六市一区创建")
    assert page.get_by_text("示例数据", exact=False).first.is_visible()
    screenshot(page, "plan-browser-zh")

    page.click("nav.sections >> text=主要任务")
    task = page.locator("#T1\\.1")
    assert "加大招商引资力度" in task.inner_text()
    assert "省经济和信息化委" in task.locator(".unit.lead").inner_text()
    assert "800" in task.locator("table").inner_text()
    task.locator("details.source summary").first.click()
    assert "共新引进投资超1亿元装备制造业项目800个" in task.locator("blockquote").first.inner_text()
    screenshot(page, "plan-browser-tasks-zh")

    page.click(".lang-switch button")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "Main tasks"
    assert "Step up investment attraction" in page.locator("#T1\\.1").inner_text()
    screenshot(page, "plan-browser-tasks-en")

    page.click("text=I22")
    assert "Skilled workers in manufacturing" in page.locator("h1").inner_text()
    assert "implied by the text" in page.content()
    screenshot(page, "plan-browser-indicator-en")
    assert page.console_errors == []


def test_wrong_password_is_refused_in_chinese(page, live_server, bob):
    log_in(page, live_server, "bob", "wrong")
    assert "用户名或密码不正确" in page.locator(".error").inner_text()
