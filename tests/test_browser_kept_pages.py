"""Kept pages in real Chromium (planwatch.web.kept, docs/deployment.md "Kept pages"): Zoe's entry
form, answered again from the cache, still saves — in the browser she opened it in and in a second
browser of hers, each with its own session and CSRF cookie — and after each save the form shows the
value saved, not the page kept before it."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def saved(plan, code: str):  # type: ignore[no-untyped-def]
    row = ReportedValue.objects.filter(
        indicator__plan=plan, locality__code="ZH", period__code="2018", indicator__code=code
    ).first()
    return row.value if row is not None else None


def save_one(page, code: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.fill(f"#value-{code}", value)
    page.click("button[name=action][value=save].secondary")
    page.wait_for_selector(".messages")


def test_a_kept_entry_form_saves_in_each_browser_of_its_user(
    page, chromium, live_server, plan, cast, settings, monkeypatch
):
    settings.PLANWATCH_CACHE_SECONDS = 300  # as in production (the test settings keep nothing)
    caches["pages"].clear()
    hits: list[str] = []
    get = LocMemCache.get

    def counted(self, key, default=None, version=None):  # type: ignore[no-untyped-def]
        found = get(self, key, default, version)
        if key.startswith("planwatch:page:") and found is not None:
            hits.append(key)
        return found

    monkeypatch.setattr(LocMemCache, "get", counted)  # the live server's thread too
    yearly_period(plan, 2018)  # 珠海 has reported nothing of 2018 yet
    form = f"{live_server.url}/plans/{plan.code}/report/ZH/2018/"

    log_in(page, live_server, "zoe")
    page.goto(form)
    page.reload()  # answered from the cache: the same form
    assert len(hits) == 1
    save_one(page, "I07", "10")
    assert saved(plan, "I07") == 10
    page.goto(form)
    assert page.input_value("#value-I07") == "10"  # made again after the save, not the kept page

    other = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    try:
        second = other.new_page()
        log_in(second, live_server, "zoe")
        second.goto(form)
        second.reload()
        assert len(hits) == 3  # her second browser: kept for her, from its first view
        assert second.input_value("#value-I07") == "10"
        save_one(second, "I08", "1")
        assert saved(plan, "I08") == 1
        assert "403" not in second.title()
    finally:
        other.close()
    assert page.console_errors == []
