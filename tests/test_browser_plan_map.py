"""A plan's map in real Chromium: a plan whose cities lie outside the seed plan's west bank (韶关 in
the north, 汕头 in the east, 仁化县 a county inside 韶关, 顺德区 inside 佛山) draws them all inside the
view, each labelled, and a click on each opens its page; screenshots under test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from planwatch.demo.sample import load_sample
from planwatch.evaluation.runs import run_evaluation
from planwatch.plans.loader import load_plan_file
from tests.test_browser_dashboard import drawn, view
from tests.test_browser_reporting import log_in
from tests.test_real_three_levels import REAL_THREE_LEVELS_PLAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODED = Path(__file__).resolve().parent / "plans" / "coded_cities.yaml"

# The names the map writes (its "names" series) and where each place's label is, in pixels.
LABELS = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById('map'));
  const names = chart.getOption().series.find(s => s.name === 'names').data;
  return names.map(n => ({code: n.code, text: n.label_name, at: chart.convertToPixel({geoIndex: 0}, n.value)}));
}"""


# Where a place's label is on the screen (viewport pixels), read with the map's box in one go.
ON_SCREEN = """(code) => {
  const el = document.getElementById('map');
  const chart = echarts.getInstanceByDom(el);
  const name = chart.getOption().series.find(s => s.name === 'names').data.find(n => n.code === code);
  const [x, y] = chart.convertToPixel({geoIndex: 0}, name.value);
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""


# What the map hears of the clicks on it (for a click that opens nothing).
HEARD = """() => {
  window.heardClicks = [];
  const chart = echarts.getInstanceByDom(document.getElementById('map'));
  chart.on('click', p => window.heardClicks.push([p.componentType, p.seriesName || null, p.name]));
  chart.getZr().on('click', e => window.heardClicks.push(['zr', e.offsetX, e.offsetY, !!e.target]));
}"""


def settled_place(page, code: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The label's place once the page has stopped moving (a chart resized after its first
    drawing, a late layout): the same twice, a frame apart."""
    last = None
    for _ in range(50):
        place = tuple(page.evaluate(ON_SCREEN, code))
        if place == last:
            return place  # type: ignore[return-value]
        last = place
        page.wait_for_timeout(100)
    raise AssertionError(f"the map kept moving: {code} at {last}")


def test_a_plan_outside_the_west_bank_fits_its_map(page, live_server, alice):
    plan = load_plan_file(CODED).plan
    load_sample(plan)
    run_evaluation(plan, 2020)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/plans/{plan.code}/dashboard/?year=2020")
    assert drawn(page, "#map") > 1000
    box = page.locator("#map").bounding_box()
    assert box is not None
    labels = {label["code"]: label for label in page.evaluate(LABELS)}
    assert set(labels) == {"440200", "440500", "440600", "440606", "440224"}  # every pilot unit labelled
    for code, label in labels.items():  # … inside the map's box
        x, y = label["at"]
        assert 0 < x < box["width"] and 0 < y < box["height"], (code, label)
    assert labels["440200"]["text"] == "韶关市" and labels["440224"]["text"] == "仁化县"
    view(page, "plan-map-coded")
    assert not page.console_errors, page.console_errors

    for code in ("440200", "440500", "440224", "440606"):  # a click on each opens its page
        page.goto(f"{live_server.url}/plans/{plan.code}/dashboard/?year=2020")
        drawn(page, "#map")
        page.locator("#map").scroll_into_view_if_needed()
        x, y = settled_place(page, code)
        page.evaluate(HEARD)
        try:
            with page.expect_navigation(timeout=10000):
                page.mouse.click(x, y + 8)  # just below the name, on the area
        except PlaywrightTimeout:
            heard = page.evaluate("window.heardClicks")
            raise AssertionError(
                f"{code}: a click at {(x, y + 8)} opened nothing; the map heard {heard}"
            ) from None
        assert f"/dashboard/localities/{code}/" in page.url
    assert not page.console_errors, page.console_errors


def test_a_district_the_map_data_lacks_is_named_under_the_map(page, live_server, alice):
    """深圳市's districts (a real plan of three levels): 光明区, made in 2018, has no boundary in the
    map package; the page names it under the map instead of leaving it out silently."""
    plan = load_plan_file(REAL_THREE_LEVELS_PLAN).plan
    load_sample(plan)
    run_evaluation(plan, 2015)
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/plans/{plan.code}/dashboard/?year=2015")
    assert drawn(page, "#map") > 1000
    assert page.locator("#map-unmapped").inner_text() == "未在地图上绘出（地图资料中无其边界）：光明区"
    labels = {label["code"] for label in page.evaluate(LABELS)}
    assert labels == {"440303", "440304", "440305", "440306", "440307", "440308", "440310"}
    view(page, "plan-map-shenzhen")
    assert not page.console_errors, page.console_errors
