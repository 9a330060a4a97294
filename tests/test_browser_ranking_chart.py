"""The composite ranking's bars in real Chromium, of a plan of many pilot units: every bar is as thick
as any other and the chart as tall as its bars — the best and the worst, a page of the whole ranking,
and a search's one hit (one ordinary bar, not one block filling the chart)."""

from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.test_browser_reporting import log_in
from tests.test_national_size import YEAR, synth

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BARS = """() => {
  const el = document.getElementById('ranking-chart');
  const data = echarts.getInstanceByDom(el).getModel().getSeriesByIndex(0).getData();
  const thick = [];
  for (let i = 0; i < data.count(); i++) { const box = data.getItemLayout(i); if (box) thick.push(Math.round(box.height)); }
  return {height: el.clientHeight, rows: data.count(), thick: [...new Set(thick)]};
}"""


def test_ranking_bars_keep_their_thickness_and_the_chart_follows_them(page, live_server, tmp_path, bob):
    plan = synth(tmp_path, 80)
    unit = plan.localities.filter(pilot=True).order_by("code")[41]
    log_in(page, live_server, "bob")
    base = f"{live_server.url}/plans/{plan.code}/dashboard/?year={YEAR}"
    seen = {}
    for name, query in (("ends", ""), ("page", "&ranking=all"), ("one", f"&ranking=all&q={unit.name_zh}")):
        page.goto(base + query)
        page.wait_for_selector("#ranking-chart[data-drawn]")
        seen[name] = page.evaluate(BARS)
        page.locator("#ranking-card").screenshot(path=str(screenshot(page, f"ranking-{name}")))
    assert seen["one"]["rows"] == 1 and seen["page"]["rows"] == 80 and seen["ends"]["rows"] == 31  # 15, …, 15
    assert all(s["thick"] == [12] for s in seen.values()), seen
    # As tall as its rows: a row of 20 px each, and the axis.
    assert [seen[n]["height"] for n in ("one", "ends", "page")] == [56, 31 * 20 + 36, 80 * 20 + 36], seen
    assert page.console_errors == []
