"""A ledger workbook imported through the web page in real Chromium; the funnel shows the new rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from planwatch.ledgers import services
from tests.browser import log_in, screenshot
from tests.test_ledger_excel import workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_through_the_page_updates_the_funnel(page, live_server, plan, cast, tmp_path):  # type: ignore[no-untyped-def]
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    rows = [
        {
            "locality": "ZH",
            "name": "项目甲",
            "investment": 20000,
            "signed_on": dt.date(2017, 3, 1),
            "started_on": dt.date(2018, 6, 1),
            "producing_on": dt.date(2019, 9, 1),
        },
        {"locality": "ZH", "name": "项目乙", "investment": 15000, "signed_on": dt.date(2018, 1, 5)},
    ]
    path = tmp_path / "zh-projects.xlsx"
    path.write_bytes(workbook(ledger, rows))

    log_in(page, live_server, "zoe")
    funnel_url = f"{live_server.url}/plans/{plan.code}/ledgers/{ledger.code}/funnel/?year=2019"
    page.goto(funnel_url)
    assert page.inner_text("#funnel-ZH a.count[data-stage=signed]") == "0"

    page.goto(f"{live_server.url}/plans/{plan.code}/ledgers/{ledger.code}/")
    page.set_input_files("input[name=file]", str(path))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#job-links")  # the import ran on the job runner; its page shows the way on
    assert "已导入 2 行" in page.inner_text("#job-message")
    page.click("#job-links a >> nth=0")
    page.wait_for_selector("tr.ledger-row")
    assert page.locator("tr.ledger-row").count() == 2
    screenshot(page, "ledger-list")

    page.goto(funnel_url)
    counts = [
        page.inner_text(f"#funnel-ZH a.count[data-stage={s}]") for s in ("signed", "started", "producing")
    ]
    assert counts == ["2", "1", "1"]
    # Imported rows are drafts: none is accepted yet, so the reported values would count none.
    assert page.inner_text("#funnel-ZH a.accepted[data-indicator=I01]") == "0"
    screenshot(page, "ledger-funnel")
    page.click("#funnel-ZH a.count[data-stage=signed]")
    page.wait_for_selector("tr.ledger-row")
    assert page.locator("tr.ledger-row").count() == 2


def test_the_job_page_follows_a_worker_to_the_end(page, live_server, plan, cast, tmp_path, settings):  # type: ignore[no-untyped-def]
    """On the production runner the upload waits for a worker; the page polls and shows the end."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    path = tmp_path / "zh-projects.xlsx"
    path.write_bytes(workbook(ledger, [{"locality": "ZH", "name": "项目丙", "investment": 12000}]))
    log_in(page, live_server, "zoe")
    page.goto(f"{live_server.url}/plans/{plan.code}/ledgers/{ledger.code}/")
    page.set_input_files("input[name=file]", str(path))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#job-progress")
    assert page.inner_text("#job-state") == "等待处理"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    page.wait_for_selector("#job-links", timeout=10_000)  # the page saw the end by itself
    assert "已导入 1 行" in page.inner_text("#job-message")
    assert page.console_errors == []
