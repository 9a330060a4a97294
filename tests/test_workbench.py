"""The reviewer's workbench (issue 12, part 3): 珠海's reporter submits a value 1,114 % above last
year with her explanation; the approver Zack sees it highlighted with the comment, the target and
the years before, approves a selection and returns one with a comment; Pat (the province) accepts;
佛山's users see nothing of it; the validation report lists the warning."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue, ValueComment
from planwatch.reporting.sample import load_sample_values, yearly_period
from tests.audit import events
from tests.test_browser_reporting import TYPED, prefill_drafts

pytestmark = pytest.mark.django_db
S = ReportedValue.Status
EXPLANATION = "2018年新引进军民两用技术成果大幅增加，见附件清单"


def submitted_with_a_jump(plan, cast):
    """珠海 2018 submitted: I07 jumps from 7 (2017) to 85, explained by the reporter."""
    load_sample_values(plan)
    zh = plan.localities.get(code="ZH")
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    ReportedValue.objects.filter(locality=zh, period=p2018).delete()
    prefill_drafts(plan, cast.zoe, zh, p2017, p2018)
    typed = {**TYPED, "I07": 85}
    entries = [
        wf.Entry(plan.indicators.get(code=code), Decimal(value), expected_version=0)
        for code, value in typed.items()
    ]
    result = wf.save_values(cast.zoe, zh, p2018, entries)
    assert [f.indicator for f in result.warnings] == ["I07"]
    wf.add_comment(cast.zoe, value_of(zh, p2018, "I07"), EXPLANATION)
    wf.submit(cast.zoe, zh, p2018)
    return zh, p2018


@pytest.fixture
def jump(plan, cast):
    return submitted_with_a_jump(plan, cast)


def value_of(locality, period, code):
    return ReportedValue.objects.get(locality=locality, period=period, indicator__code=code)


def url(plan, *args, name="review:locality"):
    return reverse(name, args=[plan.code, *args])


def row(html: str, key: str) -> str:
    start = html.index(f'<tr id="item-{key}"')
    return html[start : html.index("</tr>", start)]


def test_the_approver_sees_the_flagged_value_with_the_comment_target_and_years(
    client, plan, cast, jump, settings, tmp_path
):
    zh, p2018 = jump
    settings.MEDIA_ROOT = tmp_path / "media"
    wf.attach_evidence(
        cast.zoe, value_of(zh, p2018, "I07"), SimpleUploadedFile("项目清单.pdf", b"%PDF-1.4\n")
    )
    client.force_login(cast.zack)
    html = client.get(url(plan, "ZH", "2018")).content.decode()
    # what waits for him, first: every value he may approve
    assert 'aria-current="page" data-show="waiting"' in html
    assert html.count('name="select"') == wf.required_indicators(p2018).count()
    i07 = row(html, "I07")
    assert "has-warning" in i07 and "waiting" in i07
    assert "本期新增比上期变化 1014%" in i07  # the warning, said beside the value
    assert EXPLANATION in i07  # the reporter's comment inline, not behind a link
    assert ">项目清单.pdf</a>" in i07  # and the evidence
    assert "+1,114.3%" in i07 or "+1114.3%" in i07  # the change from 2017
    assert 'data-label="2016">' in i07 and 'data-label="2017">7<' in i07  # the years before, side by side
    assert 'class="target' in i07  # the locality's target (sample) beside it
    assert '<th class="num earlier">2016</th>' in html and '<th class="num earlier">2017</th>' in html
    # the other values have no warning
    assert "has-warning" not in row(html, "I08")
    # only the flagged one under "with warnings"
    flagged = client.get(url(plan, "ZH", "2018") + "?show=flagged").content.decode()
    assert flagged.count('<tr id="item-') == 1


def test_approve_a_selection_return_one_then_the_province_accepts(client, plan, cast, jump):
    zh, p2018 = jump
    page = url(plan, "ZH", "2018")
    client.force_login(cast.zack)
    i07, i08, i09 = (value_of(zh, p2018, c) for c in ("I07", "I08", "I09"))

    # a selection, approved at once: each value through the kernel, one audit event each
    response = client.post(page, {"action": "approve", "select": [i07.pk, i08.pk]}, follow=True)
    assert "已审核通过 2 项数值：I07、I08。" in response.content.decode()
    assert {value_of(zh, p2018, c).status for c in ("I07", "I08")} == {S.APPROVED}
    assert value_of(zh, p2018, "I09").status == S.SUBMITTED
    assert events(i07, verb="approve").count() == 1 and events(i08, verb="approve").count() == 1

    # a return needs a comment: nothing moves without one
    client.post(page, {"one": f"return:{i09.pk}", f"comment-{i09.pk}": " "})
    assert value_of(zh, p2018, "I09").status == S.SUBMITTED
    client.post(page, {"one": f"return:{i09.pk}", f"comment-{i09.pk}": "请核对I09的口径"})
    assert value_of(zh, p2018, "I09").status == S.RETURNED
    assert ValueComment.objects.filter(value=i09, text="请核对I09的口径").exists()

    # a value he may not move so is refused by name; nothing of the selection moves
    response = client.post(page, {"action": "accept", "select": [i07.pk]}, follow=True)
    assert value_of(zh, p2018, "I07").status == S.APPROVED
    assert "您无权确认I07 珠海市 2018" in response.content.decode()  # the kernel's own refusal, per value
    fs_value = ReportedValue.objects.filter(locality__code="FS", period=p2018).first()
    rest = ReportedValue.objects.filter(locality=zh, period=p2018, status=S.SUBMITTED)
    client.post(page, {"action": "approve", "select": [*rest.values_list("pk", flat=True), fs_value.pk]})
    assert rest.count() > 0  # the other locality's value refused the whole selection
    client.post(page, {"action": "approve", "select": list(rest.values_list("pk", flat=True))})
    assert not rest.exists()

    # the province: what waits for it is what was approved; it accepts a selection
    client.force_login(cast.pat)
    html = client.get(page).content.decode()
    approved = list(ReportedValue.objects.filter(locality=zh, period=p2018, status=S.APPROVED))
    assert html.count('name="select"') == len(approved)
    assert EXPLANATION in row(html, "I07") and "has-warning" in row(html, "I07")
    client.post(page, {"action": "accept", "select": [v.pk for v in approved]})
    assert set(
        ReportedValue.objects.filter(pk__in=[v.pk for v in approved]).values_list("status", flat=True)
    ) == {S.ACCEPTED}
    assert events(i07, verb="accept").get().actor_name == "pat"


def test_the_indicator_across_localities_for_the_province_and_the_lead_unit(client, plan, cast, jump):
    zh, p2018 = jump
    # 佛山 has a draft of I07 for 2018: nobody but its own users sees it
    fs = plan.localities.get(code="FS")
    ReportedValue.objects.filter(locality=fs, period=p2018, indicator__code="I07").delete()
    wf.save_values(cast.fred, fs, p2018, [wf.Entry(plan.indicators.get(code="I07"), Decimal(4321), 0)])
    client.force_login(cast.pat)
    html = client.get(url(plan, "I07", "2018", name="review:indicator")).content.decode()
    assert "has-warning" in row(html, "ZH") and EXPLANATION in row(html, "ZH")
    assert "4,321" not in html and "4321" not in html
    assert "status-missing" in row(html, "FS")
    # a lead unit reads it too; a locality's approver may not
    client.force_login(cast.fay)
    assert client.get(url(plan, "I07", "2018", name="review:indicator")).status_code == 403


def test_another_city_sees_nothing(client, plan, cast, jump):
    zh, p2018 = jump
    i07 = value_of(zh, p2018, "I07")
    for user in (cast.fred, cast.fay, cast.vic):
        client.force_login(user)
        assert client.get(url(plan, "ZH", "2018")).status_code == 403
        assert client.get(url(plan, "ZH", "2018", name="review:validation")).status_code == 403
        response = client.post(url(plan, "ZH", "2018"), {"action": "approve", "select": [i07.pk]})
        assert response.status_code == 403
    assert value_of(zh, p2018, "I07").status == S.SUBMITTED
    # 珠海's reporter reviews nothing, but reads her own validation report
    client.force_login(cast.zoe)
    assert client.get(url(plan, "ZH", "2018")).status_code == 403
    assert client.get(url(plan, "ZH", "2018", name="review:validation")).status_code == 200
    # /review/ takes an approver to the workbench of their locality, anyone else to the reporting home
    latest = plan.periods.order_by("starts_on").last().code
    client.force_login(cast.zack)
    assert client.get(url(plan, name="review:index")).url == url(plan, "ZH", latest)
    client.force_login(cast.pat)
    assert client.get(url(plan, name="review:index")).url.endswith(f"/report/?period={latest}")


def test_the_validation_report_lists_every_warning(client, plan, cast, jump):
    zh, p2018 = jump
    client.force_login(cast.zack)
    html = client.get(url(plan, "ZH", "2018", name="review:validation")).content.decode()
    rows = re.findall(r'<tr class="severity-(\w+)" data-indicator="(\w+)" data-rule="(\w+)">', html)
    assert rows == [("warning", "I07", "jump")]
    start = html.index('data-indicator="I07"')
    i07 = html[start : html.index("</tr>", start)]
    assert ">85 <" in i07 and "本期新增比上期变化 1014%" in i07 and EXPLANATION in i07
    assert "与上期相比的变化" in i07 or "Change from the previous period" in i07
    assert '<strong id="warning-count">1</strong>' in html and '<strong id="error-count">0</strong>' in html


def test_the_lead_unit_sees_its_indicators_first_and_accepts_only_those(client, plan, cast, jump):
    zh, p2018 = jump
    wf.approve(cast.zack, zh, p2018)
    led = set(plan.indicators.filter(lead_unit__code="DST").values_list("code", flat=True))
    client.force_login(cast.lena)
    html = client.get(url(plan, "ZH", "2018") + "?show=all").content.decode()
    order = re.findall(r'<tr id="item-(\w+)"', html)
    assert set(order[: len(led)]) == led  # what it leads first
    selectable = re.findall(r'<tr id="item-(\w+)"[^>]*>\s*<td class="select"><input type="checkbox"', html)
    assert set(selectable) == led
    assert "本单位牵头" in row(html, "I22")
    # one of its own accepted from the indicator's page across localities
    i22 = value_of(zh, p2018, "I22")
    client.post(url(plan, "I22", "2018", name="review:indicator"), {"one": f"accept:{i22.pk}"})
    assert value_of(zh, p2018, "I22").status == S.ACCEPTED
    # not one it does not lead, even sent by hand
    i07 = value_of(zh, p2018, "I07")
    response = client.post(url(plan, "ZH", "2018"), {"one": f"accept:{i07.pk}"}, follow=True)
    assert value_of(zh, p2018, "I07").status == S.APPROVED
    assert "您无权确认I07 珠海市 2018" in response.content.decode()


def test_the_entry_form_shows_reviewers_the_warning_and_the_comment_too(client, plan, cast, jump):
    """The finding of issue 12: the approver's form showed no warning and hid the explanation."""
    client.force_login(cast.zack)
    html = client.get(reverse("reporting:entry", args=[plan.code, "ZH", "2018"])).content.decode()
    start = html.index('<tr id="row-I07"')
    i07 = html[start : html.index("</tr>", start)]
    assert "has-warning" in i07 and "本期新增比上期变化 1014%" in i07
    assert "<details open" in i07 and EXPLANATION in i07
    assert reverse("review:locality", args=[plan.code, "ZH", "2018"]) in html  # the way to the workbench


def test_in_english_too(client, plan, cast, jump):
    client.force_login(cast.zack)
    client.cookies["django_language"] = "en"
    html = client.get(url(plan, "ZH", "2018")).content.decode()
    assert (
        "Review workbench" in html
        and "what this period adds changed by 1014 % from the previous period" in row(html, "I07")
    )
    report = client.get(url(plan, "ZH", "2018", name="review:validation")).content.decode()
    assert "Change from the previous period" in report
    i08 = value_of(*jump, "I08")
    response = client.post(url(plan, "ZH", "2018"), {"one": f"approve:{i08.pk}"}, follow=True)
    assert "Approved 1 value(s): I08." in response.content.decode()


def test_a_refused_action_keeps_what_was_typed_and_ticked(client, plan, cast, jump):
    zh, p2018 = jump
    i07, i08, i09 = (value_of(zh, p2018, c) for c in ("I07", "I08", "I09"))
    client.force_login(cast.zack)
    # a row returned without a reason while another row's reason is half typed
    sent = {"one": f"return:{i09.pk}", f"comment-{i09.pk}": " ", f"comment-{i07.pk}": "请核对I07"}
    response = client.post(url(plan, "ZH", "2018"), sent)
    page = response.content.decode()
    assert response.status_code == 400 and value_of(zh, p2018, "I09").status == S.SUBMITTED
    assert f"I09 {i09.indicator.name}：" in page  # the problem names its row
    assert f'name="comment-{i07.pk}" form="wb-one" value="请核对I07"' in page
    # a selection returned without a reason: the boxes stay ticked, the bulk reason as typed
    response = client.post(
        url(plan, "ZH", "2018"), {"action": "return", "select": [i07.pk, i08.pk], "comment": ""}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('name="select"') > 2 and page.count(" checked") == 2
