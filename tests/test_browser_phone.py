"""At phone width (390 px) no page scrolls sideways: the province's pages with the most columns — the
ledger list, a bulletin's page with its preview, the audit log, the dashboards — as the entry form,
the workbench and the inbox (tests/test_browser_entry_layout.py, test_browser_inbox.py) already do."""

from __future__ import annotations

import pytest

from planwatch.bulletins.services import build_bulletin
from planwatch.demo.sample import load_sample
from planwatch.evaluation.runs import parameters_from_options
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What sticks out past the screen's right edge, outside any box that scrolls on its own: the failure
# names it.
STICKING_OUT = """() => [...document.querySelectorAll('body *')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
  return true;
}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' +
  Math.round(e.getBoundingClientRect().right))"""


def test_the_province_pages_fit_a_phone(page, live_server, plan, cast, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    load_sample(plan)
    params = parameters_from_options(sensitivity=False)
    bulletin = build_bulletin(plan, "2019", formats=["xlsx"], user=cast.pat, params=params)
    log_in(page, live_server, "pat")
    page.set_viewport_size({"width": 390, "height": 844})
    base = f"{live_server.url}/plans/{plan.code}"
    wide = {}
    for name, path in {
        "ledger-list": "/ledgers/investment_projects/",
        "bulletin": f"/bulletins/{bulletin.pk}/",
        "bulletins": "/bulletins/",
        "audit": "/manage/audit/",
        "overview": "/dashboard/",
        "locality": "/dashboard/localities/ZH/",
        "reporting": "/report/",
        "supervision": "/supervision/",
        "action-plan": "/supervision/ZH/2020/",
    }.items():
        response = page.goto(base + path)
        assert response is not None and response.ok, (name, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, f"phone-{name}")
        if width > 390:
            wide[name] = (width, page.evaluate(STICKING_OUT))
    assert not wide, wide
