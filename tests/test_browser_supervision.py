"""Supervision in real Chromium: 珠海's reporter adds a milestone and posts an update; the province
finds it on the overdue list."""

from __future__ import annotations

import pytest

from planwatch.supervision.models import Milestone
from tests.browser import screenshot
from tests.test_browser_reporting import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_locality_adds_milestone_and_province_finds_it_overdue(page, live_server, plan, cast):
    task = plan.tasks.order_by("order").first()
    base = f"{live_server.url}/plans/{plan.code}/supervision"

    log_in(page, live_server, "zoe")
    page.goto(f"{base}/ZH/2018/")
    form = page.locator("form.milestone-form")
    form.locator("select[name=task]").select_option(task.code)
    form.locator("input[name=title]").fill("建成智能制造示范车间")
    form.locator("select[name=owner_unit]").select_option("DST")
    form.locator("input[name=owner_person]").fill("张三")
    form.locator("input[name=starts_on]").fill("2018-01-01")
    form.locator("input[name=due_on]").fill("2018-03-31")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".gantt .bar")
    milestone = Milestone.objects.get()
    # the bar (January to March) lines up with the month columns of the header
    months = page.locator(".gantt .months span")
    bar = page.locator(".gantt .bar").bounding_box()
    january, march = months.nth(0).bounding_box(), months.nth(2).bounding_box()
    assert bar is not None and january is not None and march is not None
    assert abs(bar["x"] - january["x"]) < 3
    assert abs(bar["x"] + bar["width"] - (march["x"] + march["width"])) < 6
    screenshot(page, "supervision-action-plan")

    page.click(f"#milestone-{milestone.pk} .label a")
    update = page.locator("form.milestone-form")
    update.locator("select[name=status]").select_option("in_progress")
    update.locator("input[name=percent]").fill("30")
    update.locator("textarea[name=narrative]").fill("设备已采购")
    update.locator("button[type=submit]").click()
    page.wait_for_selector("article.update")
    assert "设备已采购" in page.content()
    milestone.refresh_from_db()
    assert (milestone.status, milestone.percent) == ("in_progress", 30)
    log_out(page)

    log_in(page, live_server, "pat")
    page.goto(f"{base}/?as_of=2018-04-10")
    row = page.locator(f"tr#milestone-{milestone.pk}")
    assert row.count() == 1
    assert "建成智能制造示范车间" in row.inner_text() and "10" in row.inner_text()
    assert row.locator(".flag.overdue").count() == 1
    screenshot(page, "supervision-overdue-list")
    assert not page.console_errors
