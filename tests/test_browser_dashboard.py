"""The dashboards in real Chromium, with the sample data: the overview, a locality and an indicator
page in Chinese and in English; the map and charts draw (non-empty canvases), the numbers shown are
the evaluation run's, nothing scrolls sideways on a 1366×768 screen, no console errors; screenshots
under test-artifacts/."""

from __future__ import annotations

import pytest

from planwatch.dashboards import data
from planwatch.demo.sample import load_sample
from planwatch.evaluation.runs import run_evaluation
from tests.browser import ARTIFACTS, screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whether a chart's canvas has drawn pixels: some pixel with a non-zero alpha.
CANVAS_DRAWN = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
  return drawn;
}"""


def drawn(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"{selector}[data-drawn='1']", timeout=15000)
    pixels: int = page.evaluate(CANVAS_DRAWN, selector)
    return pixels


def fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def view(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, name)
    page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))


def test_dashboards_in_both_languages(page, live_server, plan, cast):
    load_sample(plan)
    run = run_evaluation(plan, 2019)
    region = {r.indicator: r for r in run.evaluation.indicators if r.scope == "region"}
    scores = run.results["composite"]["scores"]
    base = f"{live_server.url}/plans/{plan.code}/dashboard"

    log_in(page, live_server, "alice")
    for lang in ("zh", "en"):
        if lang == "en":
            page.click(".lang-switch button[value=en]")
            page.wait_for_selector("html[lang=en]")
        # --- the overview: the stored run's numbers, the map and the ranking drawn
        page.goto(f"{base}/")
        assert page.get_attribute("#run", "data-run") == str(run.pk)
        assert drawn(page, "#map") > 1000
        assert drawn(page, "#ranking-chart") > 100
        # the binding indicators first, above the counts and the map; the leader's dependence on
        # the method said beside the ranking
        binding_box, counts_box = (
            page.locator("#binding-card").bounding_box(),
            page.locator(".status-counts").bounding_box(),
        )
        assert binding_box is not None and counts_box is not None and binding_box["y"] < counts_box["y"]
        assert page.locator("#binding tr[data-indicator=I29] .bd").count() == 7
        leader = page.locator("#ranking-notes li[data-note=leader_varies]").inner_text()
        assert leader.startswith("第一名随方法变化" if lang == "zh" else "The leader depends on the method")
        for s in scores:
            row = page.locator(f"#ranking tr[data-locality={s['locality']}]")
            assert row.locator(".score").inner_text() == data.score(s["score"])
        i01 = page.locator("#region-table tr[data-indicator=I01]")
        assert i01.locator(".completion").inner_text() == data.percent(region["I01"].completion)
        assert i01.locator(".value").inner_text().startswith(data.number(region["I01"].value))
        lagging = sum(1 for r in region.values() if data.status_key(r) == "lagging")
        assert page.locator(".status-counts li[data-status=lagging] strong").inner_text() == str(lagging)
        assert page.locator(".caveat.sample").count() == 1  # the run read sample data: 示例数据
        assert fits_the_screen(page)
        view(page, f"dashboard-overview-{lang}")

        # colour the map by an indicator's completion, fetched when chosen: it draws again, without
        # errors, coloured by that measure
        with page.expect_response(lambda r: "/measures/" in r.url and r.url.endswith("/I01.json")) as got:
            page.select_option("#map-measure", "I01")
        assert got.value.ok
        page.wait_for_function(
            "() => echarts.getInstanceByDom(document.getElementById('map')).getOption().series[0].name"
            ".startsWith('I01 ')"
        )
        assert page.evaluate(CANVAS_DRAWN, "#map") > 1000

        # printing: no top bar, no picker; the charts stay
        page.emulate_media(media="print")
        assert not page.is_visible(".topbar") and not page.is_visible(".dash-picker")
        assert page.is_visible("#map canvas")
        screenshot(page, f"dashboard-overview-print-{lang}")
        page.emulate_media(media="screen")

        # the map's box collapsing to zero width for a moment (a full-page screenshot or a print
        # layout can do that) must not throw: ECharts cannot lay out a map in an empty box
        page.evaluate("() => { document.getElementById('map').style.width = '0px'; }")
        page.evaluate("() => window.dispatchEvent(new Event('resize'))")
        page.wait_for_timeout(200)
        page.evaluate("() => { document.getElementById('map').style.width = ''; }")
        page.wait_for_timeout(200)
        assert not page.console_errors, page.console_errors
        assert page.evaluate(CANVAS_DRAWN, "#map") > 1000

        # --- 顺德区 on the map, its own boundary drawn over 佛山市: a click opens its page
        point = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('map'))"
            ".convertToPixel({geoIndex: 0}, [113.29, 22.81])"
        )
        page.locator("#map").scroll_into_view_if_needed()  # below the binding indicators' table
        box = page.locator("#map").bounding_box()
        assert box is not None
        with page.expect_navigation():
            page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        assert "/dashboard/localities/SD/" in page.url
        shunde = next(s for s in scores if s["locality"] == "SD")
        assert page.locator("#locality-score .rank").inner_text() == str(shunde["rank"])
        assert page.locator("#locality-score .score").inner_text() == data.score(shunde["score"])
        assert drawn(page, "#radar") > 1000
        sd_i01 = next(r for r in run.results["indicators"] if r["indicator"] == "I01" and r["scope"] == "SD")
        row = page.locator("#locality-table tr[data-indicator=I01]")
        assert row.locator(".completion").inner_text() == data.percent(sd_i01["completion"])
        assert fits_the_screen(page)
        view(page, f"dashboard-locality-{lang}")

        # --- an indicator: every locality over the years, the table, the metadata
        page.click("#locality-table tr[data-indicator=I01] a")
        page.wait_for_selector("#indicator-chart")
        assert drawn(page, "#indicator-chart") > 1000
        zh_row = page.locator("#indicator-table tr[data-locality=ZH]")
        assert "112" in zh_row.inner_text()  # 珠海's sample value for 2019
        assert plan.indicators.get(code="I01").quote in page.locator("#source-quote").inner_text()
        assert fits_the_screen(page)
        view(page, f"dashboard-indicator-{lang}")
        with page.expect_download() as download:
            page.click("a[href$='data.csv']")
        assert download.value.suggested_filename == f"{plan.code}-I01.csv"

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2", has_text="Every pilot unit over the years").count() == 1
    assert not page.console_errors, page.console_errors


TOP_BAR_ROWS = """() => {
  const items = [document.querySelector('.topbar .brand'), ...document.querySelectorAll('.topbar .sections a'),
                 document.querySelector('.topbar .account')];
  const tops = new Set(items.filter(Boolean).map(el => Math.round(el.getBoundingClientRect().top / 8)));
  return {rows: tops.size, height: document.querySelector('.topbar').getBoundingClientRect().height};
}"""


def test_top_bar_is_one_row_for_the_administrator_at_1366(page, live_server, plan, cast):
    """The brand, every section (Manage included) and the user menu on one row of a 1366×768
    screen, in Chinese and in English."""
    load_sample(plan)
    log_in(page, live_server, "alice")
    for lang in ("zh", "en"):
        if lang == "en":
            page.click(".lang-switch button[value=en]")
            page.wait_for_selector("html[lang=en]")
        page.goto(f"{live_server.url}/plans/{plan.code}/dashboard/")
        assert page.locator(".topbar .sections a[href$='/manage/periods/']").count() == 1
        assert page.locator(".topbar a[href='/admin/']").count() == 1  # alice is staff
        measured = page.evaluate(TOP_BAR_ROWS)
        top = {"x": 0, "y": 0, "width": 1366, "height": 160}
        page.screenshot(path=str(ARTIFACTS / f"topbar-admin-{lang}.png"), clip=top)
        assert measured["rows"] == 1, measured
        assert measured["height"] < 60, measured
        assert fits_the_screen(page)
