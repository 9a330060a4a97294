"""What a reviewer of the demo found in the wording of the pages: one language per message, names
instead of codes, the unit beside targets, one word per state, headings that match what follows,
the upload page's periods, empty states and Chinese punctuation.

Labels are checked in English where the catalogue may not hold a new string yet (the language
switch's cookie); Chinese where the page is about Chinese (punctuation, 上期)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from planwatch.reporting.models import Period, ReportedValue
from planwatch.reporting.sample import yearly_period
from planwatch.reporting.workflow import NotAllowed
from planwatch.web.templatetags.planwatch import one_language, parens, series

pytestmark = pytest.mark.django_db


def in_english(client) -> None:  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"


def text_of(html: str) -> str:
    """The page's visible text, roughly: no scripts, no tags, spaces squeezed."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def open_2020(plan):
    """2020 open for entry, as `make demo` opens it; 2016–2019 hold the accepted sample values."""
    period = yearly_period(plan, 2020)
    Period.objects.filter(pk=period.pk).update(
        starts_on=dt.date(2020, 1, 1), due_on=dt.date.today() + dt.timedelta(days=60)
    )
    return period


# --- 2. the entry form's previous-period column -------------------------------------------------


def test_the_entry_form_heads_the_previous_period_column_as_such(client, sampled, cast, open_2020):
    client.force_login(cast.zoe)
    html = client.get(f"/plans/{sampled.code}/report/ZH/2020/").content.decode()
    heading = re.search(r'<th class="num">([^<]*)<br><span class="muted small">2019</span></th>', html)
    assert heading and heading.group(1) == "上期"
    assert "上一页" not in html  # the ledger pager's word
    with translation.override("zh-hans"):
        assert translation.gettext("Previous") == "上一页"  # which the pager keeps


# --- 3. one language per message ----------------------------------------------------------------


BILINGUAL = "您无权填报珠海市 2020 的数据 / you may not report values for Zhuhai, 2020"


@pytest.mark.parametrize(
    "language, message, shown",
    [
        ("zh-hans", BILINGUAL, "您无权填报珠海市 2020 的数据"),
        ("en", BILINGUAL, "you may not report values for Zhuhai, 2020"),
        ("zh-hans", NotAllowed("不能填报", "may not report"), "不能填报"),
        ("en", NotAllowed("不能填报", "may not report"), "may not report"),
        ("zh-hans", "bad weights / 权重错误", "权重错误"),  # EvaluationError: English first
        ("en", "bad weights / 权重错误", "bad weights"),
        ("zh-hans", "I01 / I02", "I01 / I02"),  # not two languages: as it is
        ("en", "仅中文", "仅中文"),
    ],
)
def test_a_message_for_both_languages_shows_in_the_pages_language(language, message, shown):
    with translation.override(language):
        assert one_language(message) == shown


def test_the_template_403_is_in_one_language(client, plan, cast, open_2020):
    client.force_login(cast.fred)  # 佛山's reporter asks for 珠海's template
    template = f"/plans/{plan.code}/excel/template/ZH/2020/"
    chinese = client.get(template)
    assert chinese.status_code == 403
    page = chinese.content.decode()
    with translation.override("zh-hans"):
        expected = translation.gettext("You may not report values for %(locality)s, %(period)s.") % {
            "locality": "珠海市",
            "period": "2020",
        }
    assert expected in page and " / you may not" not in page
    in_english(client)
    page = client.get(template).content.decode()
    assert "You may not report values for Zhuhai, 2020." in page and "您无权" not in page


def test_a_viewer_is_refused_the_upload_page_in_the_pages_language(client, plan, cast):
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(f"/plans/{plan.code}/excel/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role does not report values." in page and "您的角色不能填报数据" not in page


def test_a_rejected_workbooks_problems_are_in_one_language(client, plan, cast, open_2020):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.zoe)
    in_english(client)
    upload = SimpleUploadedFile("x.xlsx", b"not a workbook", content_type="application/octet-stream")
    response = client.post(f"/plans/{plan.code}/excel/", {"file": upload})
    assert response.status_code == 422
    reasons = re.findall(
        r'<tr><td class="nowrap">[^<]*</td><td class="nowrap">[^<]*</td><td>([^<]*)</td>',
        response.content.decode(),
    )
    assert reasons and all(" / " not in r and not re.search(r"[\u4e00-\u9fff]", r) for r in reasons)


# --- 4. names, not codes ------------------------------------------------------------------------


def test_the_region_table_names_the_missing_localities(client, sampled, cast):
    p2018 = Period.objects.get(plan=sampled, code="2018")
    ReportedValue.objects.filter(
        period=p2018, indicator__code="I01", locality__code__in=["ZH", "FS"]
    ).delete()
    client.force_login(cast.vic)
    html = client.get(f"/plans/{sampled.code}/dashboard/?year=2018").content.decode()
    row = re.search(r'<tr data-indicator="I01".*?</tr>', html, flags=re.S).group(0)
    why = re.search(r'<span class="small muted why">(.*?)</span>', row).group(1)
    assert why == "缺少珠海市、佛山市的数据" and not re.search(r"\b(ZH|FS)\b", row)
    in_english(client)
    html = client.get(f"/plans/{sampled.code}/dashboard/?year=2018").content.decode()
    row = re.search(r'<tr data-indicator="I01".*?</tr>', html, flags=re.S).group(0)
    assert "missing the values of Zhuhai, Foshan" in row


def test_series_and_brackets_follow_the_language():
    with translation.override("zh-hans"):
        assert series(["珠海市", "佛山市"]) == "珠海市、佛山市"
        assert parens("据原文推算") == "（据原文推算）"
    with translation.override("en"):
        assert series(["Zhuhai", "Foshan"]) == "Zhuhai, Foshan"
        assert parens("implied") == "(implied)"


# --- 5. the dashboard's wording -----------------------------------------------------------------


def test_targets_show_their_unit_like_values(client, sampled, cast):
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(f"/plans/{sampled.code}/dashboard/?year=2018")
    html = response.content.decode()
    row = next(r for r in response.context["rows"] if r["result"].target is not None)
    unit = row["indicator"].unit_label
    cell = re.search(
        rf'<tr data-indicator="{row["indicator"].code}".*?<td class="num target">(.*?)</td>', html, flags=re.S
    ).group(1)
    assert f'<span class="u">{unit}</span>' in cell
    locality = client.get(f"/plans/{sampled.code}/dashboard/localities/ZH/?year=2018").content.decode()
    assert re.search(r'<td class="num target">[^<]+<span class="u">', locality)


def test_the_summary_counts_each_state_under_the_tables_word(client, sampled, cast):
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(f"/plans/{sampled.code}/dashboard/?year=2018")
    html = response.content.decode()
    assert "without pace" not in html
    in_table = {r["status"]["key"]: r["status"]["label"] for r in response.context["rows"]}
    summary = dict(
        re.findall(r'<li class="st-\w+" data-status="(\w+)"><strong>\d+</strong> ([^<]+)</li>', html)
    )
    assert set(in_table) <= set(summary)
    assert all(summary[key] == label for key, label in in_table.items())
    counts = {c["key"]: c["n"] for c in response.context["counts"]}
    assert sum(counts.values()) == len(response.context["rows"])


def reporting_card(html: str) -> str:
    return re.search(r'<section class="dash-card" id="missing-card">(.*?)</section>', html, flags=re.S).group(
        1
    )


def test_the_reporting_card_heading_matches_what_follows(client, sampled, cast):
    client.force_login(cast.vic)
    in_english(client)
    done = client.get(f"/plans/{sampled.code}/dashboard/localities/FS/?year=2018").content.decode()
    card = reporting_card(done)
    assert 'id="all-reported"' in card and "Not yet reported" not in card and "Reporting status" in card
    ReportedValue.objects.filter(period__code="2018", locality__code="ZH", indicator__code="I01").delete()
    open_ = client.get(f"/plans/{sampled.code}/dashboard/localities/ZH/?year=2018").content.decode()
    card = reporting_card(open_)
    assert 'id="not-reported"' in card and "Not yet reported" in card


# --- 7. the upload page -------------------------------------------------------------------------


def test_the_upload_page_offers_only_periods_left_to_enter(client, sampled, cast, open_2020):
    client.force_login(cast.zoe)
    response = client.get(f"/plans/{sampled.code}/excel/")
    assert response.status_code == 200
    [(locality, periods)] = response.context["downloads"]
    assert locality.code == "ZH" and [p.code for p in periods] == ["2020"]
    html = response.content.decode()
    assert "/excel/template/ZH/2019/" not in html and "/excel/template/ZH/2020/" in html
    assert "import_values" not in html and "export_template" not in html  # the command line is the province's


def test_a_returned_value_reopens_its_period_on_the_upload_page(client, sampled, cast, open_2020):
    ReportedValue.objects.filter(period__code="2019", locality__code="ZH", indicator__code="I01").update(
        status=ReportedValue.Status.RETURNED
    )
    client.force_login(cast.zoe)
    [(_, periods)] = client.get(f"/plans/{sampled.code}/excel/").context["downloads"]
    assert [p.code for p in periods] == ["2020", "2019"]


def test_the_province_keeps_the_command_line_hints(client, sampled, cast, open_2020):
    client.force_login(cast.alice)
    html = client.get(f"/plans/{sampled.code}/excel/").content.decode()
    assert "planwatch import_values" in html


# --- 8. empty states, buttons, punctuation ------------------------------------------------------


def test_supervision_says_no_action_plan_as_an_empty_state(client, plan, cast):
    client.force_login(cast.vic)
    in_english(client)
    html = client.get(f"/plans/{plan.code}/supervision/").content.decode()
    assert '<p class="empty" id="no-action-plans">No action plan yet.</p>' in html
    assert '<li class="empty">' not in html
    assert '<button type="submit" class="secondary">Show</button>' in html
    notes = client.get(f"/plans/{plan.code}/inbox/").content.decode()
    assert '<p class="empty">No notifications.</p>' in notes and '<li class="empty">' not in notes


def test_the_add_button_of_an_action_plan_is_styled(client, plan, cast):
    client.force_login(cast.zoe)
    html = client.get(f"/plans/{plan.code}/supervision/ZH/2018/").content.decode()
    assert re.search(r'<button type="submit" class="primary">\s*(添加|Add)', html)


def test_the_secondary_button_style_is_in_the_shared_stylesheet():
    from pathlib import Path

    import planwatch

    css = (Path(planwatch.__file__).parent / "web/static/planwatch/app.css").read_text(encoding="utf-8")
    assert "button.secondary {" in css and "button.primary {" in css


def test_chinese_pages_use_full_width_punctuation(client, sampled, cast):
    client.force_login(cast.vic)
    plan_page = text_of(client.get(f"/plans/{sampled.code}/").content.decode())
    assert "2017–2019（展望至 2025），基期 2016" in plan_page
    dashboard = text_of(client.get(f"/plans/{sampled.code}/dashboard/?year=2018").content.decode())
    assert re.search(r"\d+ 个已确认数值，截至 ", dashboard)
    assert not re.search(r"已确认数值, ", dashboard)
    assert re.search(r"（2019年）", dashboard)


def test_english_pages_keep_their_punctuation(client, sampled, cast):
    client.force_login(cast.vic)
    in_english(client)
    plan_page = text_of(client.get(f"/plans/{sampled.code}/").content.decode())
    assert "2017–2019 (outlook to 2025), base year 2016" in plan_page
    dashboard = text_of(client.get(f"/plans/{sampled.code}/dashboard/?year=2018").content.decode())
    assert re.search(r"\d+ accepted values, as of ", dashboard) and "(in 2019)" in dashboard
