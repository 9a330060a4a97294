"""Issuing bulletins as an office does (签发): a draft until issued, numbered per plan, year and series
at issue only, frozen once issued, withdrawn or superseded with a reason; every move through the
review kernel, permissioned and audited; the addressees read the issued ones, nobody else."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.urls import reverse

from planwatch.bulletins import issuing
from planwatch.bulletins.models import Bulletin
from planwatch.bulletins.services import build_bulletin, regenerate
from planwatch.core.errors import CommentRequired, IllegalTransition, Locked, NotAllowed, Refused
from planwatch.evaluation.runs import parameters_from_options
from planwatch.kernel.models import AuditEvent

FAST = parameters_from_options(sensitivity=False)


@pytest.fixture
def sample(sampled, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return sampled


def draft(plan, period="2018", *, formats=("xlsx",), series=None, user=None):
    return build_bulletin(plan, period, formats=list(formats), params=FAST, series=series, user=user)


def words_done(user, b: Bulletin) -> Bulletin:
    return issuing.edit_words(
        user,
        b,
        {
            "assessment": "总体进展平稳。",
            "measures": "各地加强统筹。",
            "problems": "部分指标滞后。",
            "next_steps": "加强调度。",
        },
    )


def form(plan, *, to=("ZH",), units=(), copies=(), number="粤经信函〔2019〕1号", signed_by="张三"):
    return issuing.IssueForm(
        document_number=number,
        signed_by=signed_by,
        office="广东省经济和信息化委员会",
        addressees=issuing.Addressees(
            to_localities=list(plan.localities.filter(code__in=to)),
            to_units=list(plan.units.filter(code__in=units)),
            copy_units=list(plan.units.filter(code__in=copies)),
            copies_other="省政府办公厅",
        ),
    )


def issued(cast, plan, period="2018", *, series=None, formats=("xlsx",), **addressed):
    b = words_done(cast.pat, draft(plan, period, series=series, formats=formats, user=cast.pat))
    return issuing.issue(cast.pat, b, form(plan, **addressed))


def test_numbers_run_per_year_and_series_and_only_issued_ones_have_one(sample, cast):
    first_2019 = draft(sample, "2019", user=cast.pat)
    assert first_2019.number is None and first_2019.is_draft and first_2019.series == "yearly"
    a = issued(cast, sample, "2018")
    b = issued(cast, sample, "2019")
    c = issued(cast, sample, "2019", series="special")
    d = issued(cast, sample, "2019")
    assert [(x.year, x.series, x.number) for x in (a, b, c, d)] == [
        (2018, "yearly", 1),
        (2019, "yearly", 1),  # the first 2019 bulletin is 第1期, whatever came before in 2018
        (2019, "special", 1),  # 专报 in a series of its own
        (2019, "yearly", 2),
    ]
    assert [x.number_label for x in (b, c, d)] == ["2019年第1期", "2019年专报第1期", "2019年第2期"]
    first_2019.refresh_from_db()
    assert first_2019.number is None  # a draft takes no number, even built first
    issuing.delete_draft(cast.pat, first_2019)
    assert issued(cast, sample, "2019").number == 3


def test_draft_edit_issue_withdraw_each_audited(sample, cast):
    b = draft(sample, user=cast.pat)
    assert b.problems and "【请" in b.assessment  # prefilled from the evaluation, to be completed
    b = issuing.edit_words(cast.pat, b, {"problems": "全区域有指标滞后。"})
    assert not b.files_current
    with pytest.raises(Refused) as refused:  # every problem at once, each at its field
        issuing.issue(cast.pat, b, form(sample, to=(), number="", signed_by=""))
    paths = {i.path for i in refused.value.issues}
    assert {"signed_by", "document_number", "to", "assessment", "measures", "next_steps"} <= paths
    assert Bulletin.objects.get(pk=b.pk).is_draft and Bulletin.objects.get(pk=b.pk).number is None
    b = issuing.issue(cast.pat, words_done(cast.pat, b), form(sample, copies=("DST",)))
    assert (b.state, b.number, b.signed_by, b.files_current) == ("issued", 1, "张三", True)
    assert [a.name for a in b.addressees.all()] == ["珠海市", "省科技厅"]
    with pytest.raises(CommentRequired):
        issuing.withdraw(cast.pat, b, "")
    b = issuing.withdraw(cast.pat, b, "数据有误")
    assert (b.state, b.number, b.reason) == ("withdrawn", 1, "数据有误")
    events = list(AuditEvent.objects.filter(subject_type="bulletin", subject_id=str(b.pk)).order_by("id"))
    assert [e.type for e in events] == [
        "bulletin.create",
        "bulletin.update",
        "bulletin.update",
        "bulletin.issue",
        "bulletin.withdraw",
    ]
    issue_event = events[3]
    assert issue_event.old["state"] == "draft" and issue_event.new["state"] == "issued"
    assert (
        issue_event.new["number"] == "2018年第1期"
        and issue_event.new["document_number"] == "粤经信函〔2019〕1号"
    )
    assert events[4].comment == "数据有误" and events[4].actor == cast.pat


def test_supersede_names_the_replacement_and_keeps_both_numbers(sample, cast):
    old = issued(cast, sample, "2019")
    new = issued(cast, sample, "2019")
    with pytest.raises(IllegalTransition):
        issuing.supersede(cast.pat, old, old, "自己")
    pending = draft(sample, "2019", user=cast.pat)
    with pytest.raises(IllegalTransition):  # a draft cannot stand in for an issued bulletin
        issuing.supersede(cast.pat, old, pending, "更正")
    old = issuing.supersede(cast.pat, old, new, "更正排名")
    assert (old.state, old.number, old.superseded_by, old.reason) == ("superseded", 1, new, "更正排名")
    with pytest.raises(IllegalTransition):  # superseded: nothing moves it again
        issuing.withdraw(cast.pat, old, "再撤回")


def test_an_issued_bulletin_cannot_change(sample, cast):
    b = issued(cast, sample, "2018", formats=("xlsx", "docx"))
    before = {f.format: f.file.read() for f in b.files.all()}
    words = b.words
    with pytest.raises(Locked):
        issuing.edit_words(cast.pat, b, {"problems": "改一改"})
    with pytest.raises(Locked):
        issuing.regenerate_draft(cast.pat, b)
    with pytest.raises(Locked):
        issuing.delete_draft(cast.pat, b)
    with pytest.raises(IllegalTransition):  # issued again: never renumbered
        issuing.issue(cast.pat, b, form(sample))
    b = Bulletin.objects.get(pk=b.pk)
    assert (b.state, b.number, b.words) == ("issued", 1, words)
    assert {f.format: f.file.read() for f in b.files.all()} == before
    # the issued files hold what issuing gave them, and are made again byte for byte
    assert regenerate(b, ["docx"])["docx"] == before["docx"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(before["docx"])).paragraphs)
    assert "2018年度（第1期）" in text and "部分指标滞后。" in text and "签发人：张三" in text
    with pytest.raises(IllegalTransition):  # a draft cannot be withdrawn
        issuing.withdraw(cast.pat, draft(sample, user=cast.pat), "无")


def test_only_the_province_drafts_edits_and_issues(sample, cast, client):
    b = words_done(cast.pat, draft(sample, user=cast.pat))
    for who in ("zoe", "zack", "lena", "vic"):
        user = getattr(cast, who)
        with pytest.raises(NotAllowed):
            issuing.edit_words(user, b, {"problems": "x"})
        with pytest.raises(NotAllowed):
            issuing.issue(user, b, form(sample))
        with pytest.raises(NotAllowed):
            issuing.delete_draft(user, b)
        client.force_login(user)
        response = client.post(reverse("bulletins:generate", args=[sample.code]), {"period": "2018"})
        assert response.status_code == 403, who
        response = client.post(reverse("bulletins:issue", args=[sample.code, b.pk]), {"signed_by": "x"})
        assert response.status_code == 404, who  # a draft is the province's: not even found
    assert Bulletin.objects.get(pk=b.pk).is_draft


def test_a_locality_sees_only_the_issued_ones_addressed_to_it(sample, cast, client):
    to_zhuhai = issued(cast, sample, "2018", copies=("DST",))
    to_foshan = issued(cast, sample, "2019", to=("FS",))
    pending = draft(sample, "2019", user=cast.pat)
    assert list(issuing.bulletins_for(cast.zoe)) == [to_zhuhai]
    assert list(issuing.bulletins_for(cast.fred)) == [to_foshan]
    assert list(issuing.bulletins_for(cast.lena)) == [to_zhuhai]  # copied to 省科技厅
    assert list(issuing.bulletins_for(cast.vic)) == [] and list(issuing.bulletins_for(cast.pat)) == []
    index = reverse("bulletins:index", args=[sample.code])
    for who, shown, hidden in (
        ("zoe", [to_zhuhai], [to_foshan, pending]),
        ("zack", [to_zhuhai], [to_foshan, pending]),
        ("fred", [to_foshan], [to_zhuhai, pending]),
        ("lena", [to_zhuhai], [to_foshan, pending]),
        ("vic", [], [to_zhuhai, to_foshan, pending]),
        ("pat", [to_zhuhai, to_foshan, pending], []),
    ):
        client.force_login(getattr(cast, who))
        page = client.get(index).content.decode()
        for b in shown:
            assert f'id="bulletin-{b.pk}"' in page, who
            assert client.get(reverse("bulletins:detail", args=[sample.code, b.pk])).status_code == 200, who
        for b in hidden:
            assert f'id="bulletin-{b.pk}"' not in page, who
            assert client.get(reverse("bulletins:detail", args=[sample.code, b.pk])).status_code == 404, who
            url = reverse("bulletins:download", args=[sample.code, b.pk, "xlsx"])
            assert client.get(url).status_code == 404, who
    # withdrawn: still readable by its addressees, marked, but no longer in their inbox
    issuing.withdraw(cast.pat, to_zhuhai, "数据有误")
    assert list(issuing.bulletins_for(cast.zoe)) == []
    client.force_login(cast.zoe)
    page = client.get(reverse("bulletins:detail", args=[sample.code, to_zhuhai.pk])).content.decode()
    assert "已撤回" in page and "数据有误" in page and 'id="withdraw"' not in page


def test_downloads_carry_the_office_file_name_with_an_ascii_fallback(sample, cast, client):
    b = issued(cast, sample, "2019")
    client.force_login(cast.zoe)
    response = client.get(reverse("bulletins:download", args=[sample.code, b.pk, "xlsx"]))
    disposition = response["Content-Disposition"]
    fallback = f'filename="bulletin-{sample.code}-2019-yearly-1.xlsx"'
    assert disposition.startswith("attachment; ") and fallback in disposition
    from urllib.parse import unquote

    name = unquote(disposition.split("filename*=utf-8''")[1])
    assert name == "2019年第1期 珠江西岸六市一区创建“中国制造2025”试点示范城市群工作进展情况通报.xlsx"
    assert b.download_name("pdf").startswith("2019年第1期 珠江西岸")


def test_the_province_works_a_draft_through_the_pages(sample, cast, client):
    client.force_login(cast.pat)
    response = client.post(
        reverse("bulletins:generate", args=[sample.code]), {"period": "2018", "format": ["xlsx"]}
    )
    b = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")  # the job runner's
    page = client.get(reverse("bulletins:detail", args=[sample.code, b.pk])).content.decode()
    assert (
        'id="preview"' in page
        and "一、总体评价" in page
        and "存在问题" in page
        and "（草稿，未签发）" in page
    )
    url = reverse("bulletins:words", args=[sample.code, b.pk])
    client.post(url, {"assessment": "好。", "measures": "实。", "problems": "慢。", "next_steps": "快。"})
    issue_url = reverse("bulletins:issue", args=[sample.code, b.pk])
    zh = sample.localities.get(code="ZH")
    unit = sample.units.order_by("order").first()
    ticked = {"document_number": "", "signed_by": "", "to_locality": [zh.pk], "copy_unit": [unit.pk]}
    refused = client.post(issue_url, ticked)
    assert refused.status_code == 400 and "请填写签发人" in refused.content.decode()
    assert "请填写发文机关" in refused.content.decode()
    # The form comes back as it was ticked: 珠海 alone to, the unit copied (not the defaults).
    boxes = re.findall(r'name="(to_locality|copy_unit)" value="(\d+)"( checked)?', refused.content.decode())
    assert {(name, int(pk)) for name, pk, on in boxes if on} == {
        ("to_locality", zh.pk),
        ("copy_unit", unit.pk),
    }
    assert 'name="signed_by" required' in refused.content.decode()
    response = client.post(
        issue_url,
        {
            "document_number": "粤经信函〔2019〕3号",
            "signed_by": "李四",
            "office": "广东省经济和信息化委员会",
            "to_locality": [zh.pk],
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    assert "已签发：2018年第1期" in client.get(response["Location"]).content.decode()
    page = client.get(reverse("bulletins:detail", args=[sample.code, b.pk])).content.decode()
    assert "2018年第1期" in page and "主送：珠海市" in page and "慢。" in page and 'id="words"' not in page
    withdraw = reverse("bulletins:withdraw", args=[sample.code, b.pk])
    assert client.post(withdraw, {"reason": ""}).status_code == 400
    client.post(withdraw, {"reason": "数据有误"})
    assert Bulletin.objects.get().state == "withdrawn"


def test_a_draft_is_made_again_keeping_its_words_or_prefilled_again(sample, cast):
    b = issuing.edit_words(cast.pat, draft(sample, user=cast.pat), {"problems": "自己写的问题。"})
    b = issuing.regenerate_draft(cast.pat, b)
    assert b.problems == "自己写的问题。" and b.files_current and b.is_draft
    b = issuing.regenerate_draft(cast.pat, b, refill=True)
    assert b.problems != "自己写的问题。" and "全区域进度" in b.problems
    types = AuditEvent.objects.filter(subject_type="bulletin", subject_id=str(b.pk)).values_list(
        "type", flat=True
    )
    assert list(types.order_by("id")) == [
        "bulletin.create",
        "bulletin.update",
        "bulletin.regenerate",
        "bulletin.regenerate",
    ]
    with pytest.raises(NotAllowed):
        issuing.regenerate_draft(cast.zoe, b)


def test_an_issue_that_loses_its_number_meanwhile_writes_its_files_again(sample, cast, monkeypatch):
    """The files are written before the short transaction that numbers: if another issue of the
    series takes the number meanwhile, they are written again with the next one."""
    from openpyxl import load_workbook

    from planwatch.bulletins import services

    mine = words_done(cast.pat, draft(sample, "2019", user=cast.pat))
    other = words_done(cast.pat, draft(sample, "2019", user=cast.pat))
    real = services.render
    numbers = []

    def render(*args, **kwargs):
        numbers.append(args[4])
        if len(numbers) == 1:  # while my files are written, another issue takes 第1期
            monkeypatch.setattr(services, "render", real)
            issuing.issue(cast.pat, other, form(sample))
            monkeypatch.setattr(services, "render", render)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render", render)
    mine = issuing.issue(cast.pat, mine, form(sample))
    assert numbers == [1, 2] and mine.number == 2 and Bulletin.objects.get(pk=other.pk).number == 1
    book = load_workbook(mine.file_of("xlsx"))
    info = dict(book["通报 Bulletin"].iter_rows(min_row=2, values_only=True))
    assert info["期别 issue"] == "2019年度（第2期）"
