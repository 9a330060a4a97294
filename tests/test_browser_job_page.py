"""A job's page in real Chromium where its starter meets it: a rejected workbook of a plan with
sample data says what to do instead of 重试, under the plan's 示例数据 banner."""

from __future__ import annotations

import pytest

from planwatch.demo.sample import load_sample
from planwatch.ledgers import services
from tests.browser import log_in, screenshot
from tests.test_ledger_excel import workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rejected_workbook_is_corrected_not_retried(page, live_server, plan, cast, tmp_path):  # type: ignore[no-untyped-def]
    load_sample(plan)
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(ledger, [{"locality": "XX", "name": "项目丁", "investment": "abc"}]))
    log_in(page, live_server, "zoe")
    page.goto(f"{live_server.url}/plans/{plan.code}/ledgers/{ledger.code}/")
    page.set_input_files("input[name=file]", str(path))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#job-problems")
    assert page.locator(".sample-banner").is_visible() and "示例数据" in page.inner_text(".sample-banner")
    assert page.locator("#job-retry").count() == 0
    assert page.locator("#job-correct").is_visible()
    screenshot(page, "job-rejected")
    page.click("#job-back")
    page.wait_for_url(f"**/plans/{plan.code}/ledgers/{ledger.code}/")
    assert page.locator("input[name=file]").is_visible()
    assert page.console_errors == []
