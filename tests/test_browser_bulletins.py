"""The bulletins page in real Chromium: the province generates a Word bulletin, the page says it is
building and counts the seconds, the form cannot be sent twice, and the new bulletin downloads and
opens in python-docx with its Chinese title."""

from __future__ import annotations

import docx
import pytest

from planwatch.bulletins.models import Bulletin
from planwatch.demo.sample import load_sample
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_THE_BUILDING_LINE = """() => {
  const line = document.getElementById('building');
  new MutationObserver(() => {
    if (line.hidden) return;
    const button = document.querySelector('#generate button[type=submit]');
    sessionStorage.setItem('building', JSON.stringify({text: line.textContent, disabled: button.disabled}));
  }).observe(line, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


def test_province_builds_a_bulletin_and_downloads_it(page, live_server, plan, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_sample(plan)
    log_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/plans/{plan.code}/bulletins/")
    assert page.locator("p.empty").inner_text() == "尚未生成通报。"
    page.select_option("#generate select[name=period]", "2019")
    page.uncheck("#generate input[value=pdf]")
    page.uncheck("#generate input[value=xlsx]")

    # The build runs in the request (seconds): the page says so at once and disables the button.
    # What the page showed is kept in sessionStorage, which outlives the navigation to the result.
    page.evaluate(WATCH_THE_BUILDING_LINE)
    page.click("#generate button[type=submit]")
    page.wait_for_selector("table.bulletins", timeout=60000)
    shown = page.evaluate("JSON.parse(sessionStorage.getItem('building') || 'null')")
    assert shown is not None, "the building line never showed"
    assert shown["text"].startswith("正在生成通报") and shown["disabled"] is True

    bulletin = Bulletin.objects.get()
    assert bulletin.formats == ["docx"] and bulletin.period_code == "2019"
    assert page.locator(".messages").inner_text().startswith(f"第{bulletin.serial}期通报已生成")
    screenshot(page, "bulletins-built")
    with page.expect_download() as download:
        page.click(f"#bulletin-{bulletin.pk} a:text('DOCX')")
    assert download.value.suggested_filename == bulletin.file_name("docx")
    document = docx.Document(download.value.path())
    assert any("珠江西岸" in p.text for p in document.paragraphs[:8])
    assert not page.console_errors, page.console_errors
