"""Logins in real Chromium: the lockout page, the password page reached from the top bar, and pages
that still work under the Content-Security-Policy (the year picker, Swagger UI, the Django admin)."""

from __future__ import annotations

import pytest

from planwatch.demo.sample import load_sample
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_user_reads_why(page, live_server, cast, settings):  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "zoe")
        page.fill("input[name=password]", "not-zoes-password")
        page.click("button[type=submit].primary")
    assert "登录失败次数过多" in page.locator("h1").inner_text()
    log_in(page, live_server, "zoe")  # the right password, refused
    assert "登录失败次数过多" in page.locator("h1").inner_text()
    screenshot(page, "login-locked-out")
    page.console_errors[:] = [e for e in page.console_errors if "429" not in e]
    assert not page.console_errors, page.console_errors


def test_changing_ones_password_from_the_top_bar(page, live_server, cast):  # type: ignore[no-untyped-def]
    log_in(page, live_server, "zoe")
    page.click(".topbar a.who")
    page.fill("input[name=old_password]", "zoe-password")
    page.fill("input[name=new_password1]", "zoe-new-password-2027")
    page.fill("input[name=new_password2]", "zoe-new-password-2027")
    page.click("main button[type=submit].primary")
    page.wait_for_selector(".message.success")
    screenshot(page, "password-changed")
    cast.zoe.refresh_from_db()
    assert cast.zoe.check_password("zoe-new-password-2027")
    assert not page.console_errors, page.console_errors


def test_pages_work_under_the_content_security_policy(page, live_server, plan, cast):  # type: ignore[no-untyped-def]
    load_sample(plan)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/plans/{plan.code}/dashboard/")
    page.wait_for_selector("#map[data-drawn='1']", timeout=15000)
    years = page.locator(".dash-picker select[name=year] option").all_inner_texts()
    with page.expect_navigation():
        page.select_option(".dash-picker select[name=year]", years[0])
    assert f"year={years[0]}" in page.url
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector("#swagger-ui .info", timeout=15000)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#content")
    assert not page.console_errors, page.console_errors
