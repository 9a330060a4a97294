"""Authoring a plan in real Chromium: the province administrator uploads a bad plan file and sees
every problem with its line and field; then the plan's next version with its source text, sees what
it changes (a target revised, an indicator added) and publishes it; screenshots under test-artifacts/."""

from __future__ import annotations

import pytest

from planwatch.kernel.models import AuditEvent
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan
from tests.browser import screenshot
from tests.test_browser_reporting import log_in
from tests.test_plan_authoring import CODED, I02, SOURCE, coded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bad_file_shows_its_problems_a_good_one_its_diff_and_publishes(
    page, live_server, alice, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_plan_file(CODED)  # version 1, 韶关's target 20
    plan_file, source_file = tmp_path / "coded.yaml", tmp_path / "coded.source.txt"
    log_in(page, live_server, "alice")
    url = f"{live_server.url}/plans/coded-cities-2020/plan-file/"
    for lang in ("zh", "en"):
        if lang == "en":
            page.click(".lang-switch button[value=en]")
            page.wait_for_selector("html[lang=en]")
        # --- a bad file: two problems, each with its line and field; nothing to publish
        bad = (
            coded(25, I02)
            .replace("lead: DIIT", "lead: NOPE")
            .replace(
                "kind: cumulative_count\n  aggregation: sum\n  tasks: [T1]\n  source: {clause: 一1, quote: 到2020年，培育骨干企业50家以上}\n",
                "kind: cumulative_count\n  aggregation: sum\n  tasks: [T9]\n  source: {clause: 一1, quote: 到2020年，培育骨干企业50家以上}\n",
                1,
            )
        )
        plan_file.write_text(bad, encoding="utf-8")
        source_file.write_text(SOURCE.format(n=25), encoding="utf-8")
        page.goto(url)
        page.set_input_files("#id_plan_file", str(plan_file))
        page.set_input_files("#id_source_text", str(source_file))
        page.click("#check")
        page.wait_for_selector("#problems")
        rows = page.locator("#problems tr.problem")
        assert rows.count() == 2
        paths = [rows.nth(k).locator(".path").inner_text() for k in range(2)]
        assert "task_groups[0].tasks[0].lead" in paths and "indicators[0].tasks[0]" in paths
        assert all(rows.nth(k).locator(".line").inner_text().isdigit() for k in range(2))
        assert page.locator("#publish").count() == 0
        screenshot(page, f"plan-authoring-problems-{lang}")

    # --- the good file: the preview, the diff, publish
    plan_file.write_text(coded(25, I02), encoding="utf-8")
    page.goto(url)
    page.set_input_files("#id_plan_file", str(plan_file))
    page.set_input_files("#id_source_text", str(source_file))
    page.click("#check")
    page.wait_for_selector("#diff")
    assert page.locator("#problems").count() == 0
    assert "仁化县" in page.locator("#preview-localities").inner_text()
    row = page.locator("#diff-targets tr[data-indicator=I01][data-scope='440200']")
    assert row.locator(".old").inner_text().startswith("20") and row.locator(".new").inner_text().startswith(
        "25"
    )
    assert page.locator("#diff-indicators li.added[data-indicator=I02]").count() == 1
    screenshot(page, "plan-authoring-diff-en")
    with page.expect_navigation():
        page.click("#publish")
    assert page.url.endswith("/plans/coded-cities-2020/")
    assert "Published: coded-cities-2020, version 2." in page.locator(".messages").inner_text()
    plan = Plan.objects.get(code="coded-cities-2020")
    assert plan.version == 2 and plan.indicators.filter(code="I02").exists()
    assert AuditEvent.objects.filter(type="plan.update", plan_code=plan.code, actor_name="alice").count() == 1
    screenshot(page, "plan-authoring-published-en")
    assert not page.console_errors, page.console_errors
