"""The bulletins pages in real Chromium: the province generates a draft (built on the job runner:
the job's page leads to it), edits its words (存在问题), previews them,
issues it (签发); a locality's user then finds it, opens it and downloads the Word file, which
python-docx reads back with the edited words and the issue number."""

from __future__ import annotations

import docx
import pytest

from planwatch.bulletins.models import Bulletin
from planwatch.demo.sample import load_sample
from tests.browser import screenshot
from tests.test_browser_reporting import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PROBLEMS = "珠海市研发投入增长放缓，全区域有指标滞后，须加快推进。"


def test_province_drafts_edits_previews_issues_and_a_locality_reads_it(
    page, live_server, plan, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    load_sample(plan)
    log_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/plans/{plan.code}/bulletins/")
    assert page.locator("p.empty").inner_text() == "尚未生成通报。"
    page.select_option("#generate select[name=period]", "2019")
    page.uncheck("#generate input[value=pdf]")
    page.uncheck("#generate input[value=xlsx]")

    # The build runs on the job runner: the page hands it over and shows the job, then the way on.
    page.click("#generate button[type=submit]")
    page.wait_for_selector("#job-links", timeout=60000)
    assert "通报草稿已生成" in page.inner_text("#job-message")
    page.click("#job-links a >> nth=0")
    page.wait_for_selector("#preview", timeout=60000)

    bulletin = Bulletin.objects.get()
    assert bulletin.formats == ["docx"] and bulletin.period_code == "2019" and bulletin.is_draft
    assert "2019年度（草稿，未签发）" in page.locator("#preview").inner_text()
    # The words come prefilled from the evaluation; the province writes its own.
    assert "【请" in page.locator("textarea[name=assessment]").input_value()
    page.fill("textarea[name=assessment]", "2019年各地推进有力，总体进展平稳。")
    page.fill("textarea[name=measures]", "各地加强统筹调度。")
    page.fill("textarea[name=problems]", PROBLEMS)
    page.fill("textarea[name=next_steps]", "加强调度，按时报送。")
    page.click("#words button[type=submit]")
    page.wait_for_selector("#stale")
    preview = page.locator("#preview").inner_text()
    assert "存在问题" in preview and PROBLEMS in preview  # the preview shows the edited words
    screenshot(page, "bulletins-draft")

    page.fill("#issue input[name=document_number]", "粤经信函〔2020〕5号")
    page.fill("#issue input[name=signed_by]", "王五")
    page.fill("#issue input[name=office]", "广东省经济和信息化委员会")
    asked: list[str] = []
    # 取消 first: nothing sent, and the form stays as it was (no "issuing…" count, the button usable).
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#issue button[type=submit]")
    assert page.locator("#building").is_hidden() and page.locator("#issue button[type=submit]").is_enabled()
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#issue button[type=submit]")
    page.wait_for_selector("#job-links", timeout=60000)  # issued on the job runner: the way on
    assert "已签发：2019年第1期" in page.inner_text("#job-message")
    assert asked and "签发" in asked[0]  # an irreversible step is confirmed first
    page.click("#job-links a >> nth=0")
    page.wait_for_selector("#number", timeout=60000)
    bulletin.refresh_from_db()
    assert (bulletin.state, bulletin.number) == ("issued", 1)
    assert page.locator("#number").inner_text() == "2019年第1期"
    assert page.locator("#words").count() == 0  # frozen: no form to change it
    screenshot(page, "bulletins-issued")
    log_out(page)

    # 珠海's reporter finds it among the bulletins addressed to 珠海 and downloads the Word file.
    log_in(page, live_server, "zoe")
    page.goto(f"{live_server.url}/plans/{plan.code}/bulletins/")
    page.click(f"#bulletin-{bulletin.pk} a[href$='/bulletins/{bulletin.pk}/']")
    page.wait_for_selector("#preview")
    assert PROBLEMS in page.locator("#preview").inner_text()
    with page.expect_download() as download:
        page.click("#download-docx")
    assert download.value.suggested_filename == bulletin.download_name("docx")
    assert download.value.suggested_filename.startswith("2019年第1期 珠江西岸")
    document = docx.Document(download.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert PROBLEMS in text and "2019年度（第1期）" in text and "粤经信函〔2020〕5号" in text
    assert "签发人：王五" in text and "主送：珠海市" in text
    assert not page.console_errors, page.console_errors
