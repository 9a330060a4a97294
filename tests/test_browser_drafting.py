"""新方案起草 in real Chromium: the province uploads the seed text, finds saving blocked while the
marked items are unchecked, checks them (correcting one), saves the plan file, and the file loads as
a plan with the seven pilot units. Pat reviews at the province."""

from __future__ import annotations

from pathlib import Path

import pytest

from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.source.txt"
UPGRADE = Path(__file__).resolve().parent / "fixtures" / "plans" / "gd_tech_upgrade_2018.source.txt"


def test_province_drafts_reviews_and_saves_a_plan_that_loads(page, live_server, plan, cast, tmp_path):
    log_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/plans/{plan.code}/manage/periods/")
    page.click("nav.toc a[href$='/manage/drafting/']")
    page.set_input_files("#id_document", str(SEED))
    page.click("form button.primary")
    page.wait_for_selector(".drafting-source mark")
    flagged = page.locator("tr.flagged, .card.flagged")
    assert flagged.count() == 14
    screenshot(page, "drafting-review")

    # Saving is blocked while marked items are unchecked, and the page says which and why.
    page.click("#save-draft")
    page.wait_for_selector("#blockers")
    assert "尚待核对" in page.locator("#blockers").inner_text()
    assert page.locator("#blockers li").count() == 14

    # A target's sentence is one click away: its indicator code links to the highlighted sentence.
    first_implied = page.locator("table.drafting-targets tr.flagged").first
    first_implied.locator("td a").first.click()
    assert page.evaluate("location.hash").startswith("#src-target-")

    # Fix one marked item (the 100 % idiom gets the name the hand encoding gives it), check the rest.
    idiom = page.locator("table.drafting-targets tr.flagged", has_text="“每个…均有”")
    idiom.locator("input[name$=':name']").fill("每个重点制造业基地均有1所以上对口职业院校比例")
    for box in page.locator(".drafting-check input[type=checkbox]").all():
        box.check()
    with page.expect_download() as download:
        page.click("#save-draft")
    saved = tmp_path / "draft.yaml"
    download.value.save_as(str(saved))
    text = saved.read_text(encoding="utf-8")
    assert "每个重点制造业基地均有1所以上对口职业院校比例" in text

    result = load_plan_file(saved)
    drafted = Plan.objects.get(code=result.plan.code)
    pilots = set(drafted.localities.filter(pilot=True).values_list("name_zh", flat=True))
    assert pilots == {"珠海市", "佛山市", "中山市", "江门市", "阳江市", "肇庆市", "顺德区"}
    assert drafted.tasks.count() == 18
    assert page.console_errors == []


def test_the_administrator_drafts_checks_and_publishes_a_new_plan(page, live_server, plan, cast):
    """From 新方案起草 through 方案文件 to a published plan, in one go: the publish button of the
    checked file posts to 方案文件, not back to the drafting page."""
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/plans/{plan.code}/manage/drafting/")
    page.set_input_files("#id_document", str(UPGRADE))
    page.click("form button.primary")
    page.wait_for_selector(".drafting-source mark")
    assert "25万元/人" in page.locator("#left-out").inner_text()  # not drafted, but named
    for box in page.locator(".drafting-check input[type=checkbox]").all():
        box.check()
    page.click("#check-and-publish")
    page.wait_for_selector("#publish")
    with page.expect_navigation():
        page.click("#publish")
    drafted = Plan.objects.exclude(pk=plan.pk).get()
    assert page.url.endswith(f"/plans/{drafted.code}/")
    assert drafted.indicators.count() == 4 and drafted.localities.filter(pilot=True).count() == 21
    assert page.console_errors == []
