"""The value entry form on an official's 1366×768 screen, in both languages: the whole table fits
(long English names wrap, the history links stay on screen), and a period without a lock date says so
in a sentence that reads."""

from __future__ import annotations

import pytest

from planwatch.demo.sample import load_sample
from planwatch.reporting.sample import yearly_period
from tests.browser import ARTIFACTS, screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLE_FITS = """() => {
  const table = document.querySelector('table.entry-table');
  const main = document.querySelector('main');
  const box = table.getBoundingClientRect();
  const links = [...table.querySelectorAll('.history-link a')].map(a => a.getBoundingClientRect().right);
  return {width: Math.round(box.width), right: Math.round(box.right), main: Math.round(main.getBoundingClientRect().right),
          page: document.documentElement.scrollWidth, screen: window.innerWidth,
          links: links.length, furthest: Math.round(Math.max(0, ...links))};
}"""


def test_entry_table_fits_1366_in_both_languages(page, live_server, plan, cast):
    load_sample(plan)
    period = yearly_period(plan, 2018)
    period.locks_on = None
    period.save(update_fields=["locks_on"])
    log_in(page, live_server, "zoe")
    url = f"{live_server.url}/plans/{plan.code}/report/ZH/2018/"
    for lang in ("zh", "en"):
        if lang == "en":
            page.click(".lang-switch button[value=en]")
            page.wait_for_selector("html[lang=en]")
        page.goto(url)
        m = page.evaluate(TABLE_FITS)
        screenshot(page, f"entry-layout-{lang}")
        page.screenshot(path=str(ARTIFACTS / f"entry-layout-{lang}-screen.png"))
        assert m["page"] <= m["screen"], m  # no sideways scrolling
        assert m["right"] <= m["main"], m  # the table stays inside the page's column
        assert m["links"] > 20 and m["furthest"] <= m["screen"], m  # every history link on screen
        line = page.locator(".period-line").inner_text()
        if lang == "en":
            assert "No lock date: entry stays open" in line and "not locked" not in line, line
        assert "Entry locked after" not in line and "填报锁定日期" not in line, line


def test_entry_form_at_phone_width_has_no_sideways_scroll(page, live_server, plan, cast):
    """390 px (a phone): the page does not scroll sideways; each value's row reads as a card."""
    load_sample(plan)
    log_in(page, live_server, "zoe")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/{plan.code}/report/ZH/2018/")
    screenshot(page, "entry-phone")
    page.locator("#row-I07").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "entry-phone-screen.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    field = page.locator("#value-I07")
    box = field.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # reachable, on screen


HEADERS = """() => [...document.querySelectorAll('table.entry-table thead th')].map(th => {
  const shown = th.cloneNode(true);
  shown.querySelectorAll('.visually-hidden').forEach(e => e.remove());
  return shown.textContent.trim() || (th.querySelector('input') ? 'input' : '');
})"""


@pytest.mark.parametrize("sample", [False, True], ids=["no-values-yet", "sample"])
def test_entry_table_has_no_empty_column(page, live_server, plan, cast, sample):
    """Every column says what it holds (the fresh-clone review found an unnamed last column, empty on
    a form with no values yet: the history link, now under the value's status)."""
    if sample:
        load_sample(plan)
    else:
        yearly_period(plan, 2018)  # the period, open, and nothing entered yet
    log_in(page, live_server, "zoe")
    page.goto(f"{live_server.url}/plans/{plan.code}/report/ZH/2018/")
    headers = page.evaluate(HEADERS)
    assert len(headers) >= 8 and all(headers), headers
    cells = page.evaluate(
        "() => [...document.querySelectorAll('table.entry-table tbody tr')].map(r => r.children.length)"
    )
    assert cells and set(cells) == {len(headers)}, (headers, set(cells))
    history = page.locator("td.status-cell .history-link a")
    assert history.count() == (35 if sample else 0)
    if sample:
        history.first.click()
        page.wait_for_selector("table.history-table")
