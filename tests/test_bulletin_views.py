"""The bulletins page: the province generates drafts and sees every bulletin; the others see only the
issued ones addressed to them (tests/test_bulletin_issue.py)."""

from __future__ import annotations

import io

import pytest
from django.http import HttpRequest
from django.urls import reverse
from openpyxl import load_workbook

from planwatch.bulletins.models import Bulletin
from planwatch.evaluation.runs import parameters_from_options
from planwatch.notifications.models import Notification
from planwatch.reporting import freshness
from planwatch.reporting.models import ReportedValue


@pytest.fixture
def sample(sampled, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return sampled


@pytest.fixture
def bulletin(sample, cast):
    from planwatch.bulletins.services import build_bulletin

    return build_bulletin(
        sample, "2018", formats=["xlsx"], user=cast.pat, params=parameters_from_options(sensitivity=False)
    )


def index_url(plan):
    return reverse("bulletins:index", args=[plan.code])


def generate_url(plan):
    return reverse("bulletins:generate", args=[plan.code])


def test_anonymous_is_sent_to_log_in(client, sample):
    response = client.get(index_url(sample))
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(generate_url(sample), {"period": "2018", "format": ["xlsx"]})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Bulletin.objects.exists()


def test_only_the_province_generates(client, plan, cast):
    for who in ["zoe", "zack", "fred", "lena", "vic"]:
        client.force_login(getattr(cast, who))
        page = client.get(index_url(plan))
        assert page.status_code == 200, who
        assert 'id="generate"' not in page.content.decode(), who
        response = client.post(generate_url(plan), {"period": "2018", "format": ["xlsx"]})
        assert response.status_code == 403, who
    assert not Bulletin.objects.exists()


def test_the_reviewer_sees_the_form_and_a_bad_period_is_refused(client, sample, cast):
    client.force_login(cast.pat)
    page = client.get(index_url(sample)).content.decode()
    assert 'id="generate"' in page and 'value="2018"' in page
    response = client.post(generate_url(sample), {"period": "2031", "format": ["xlsx"]})
    assert response.status_code == 400
    assert "2031" in response.content.decode()
    response = client.post(generate_url(sample), {"period": "2018", "format": ["odt"]})
    assert response.status_code == 400
    assert not Bulletin.objects.exists()


def test_the_administrator_generates_and_downloads(client, sample, cast):
    client.force_login(cast.alice)
    response = client.post(generate_url(sample), {"period": "2018", "format": ["xlsx"]}, follow=True)
    assert response.status_code == 200
    bulletin = Bulletin.objects.get()
    assert bulletin.created_by == cast.alice and bulletin.formats == ["xlsx"]
    assert not bulletin.includes_unaccepted and bulletin.sample
    job = response.content.decode()  # built on the job runner: its page, with the way to the draft
    draft = reverse("bulletins:detail", args=[sample.code, bulletin.pk])
    assert response.redirect_chain[-1][0].startswith("/jobs/") and f'href="{draft}"' in job
    assert "通报草稿已生成" in job
    page = client.get(draft).content.decode()
    assert 'id="bulletin-title"' in page and "示例数据" in page and 'id="words"' in page
    note = Notification.objects.get(user=cast.alice)  # and the inbox is told it is ready
    assert note.link == response.redirect_chain[-1][0] and "生成通报已完成" in note.text_zh
    page = client.get(index_url(sample)).content.decode()
    assert f'id="bulletin-{bulletin.pk}"' in page and "草稿" in page
    download = client.get(reverse("bulletins:download", args=[sample.code, bulletin.pk, "xlsx"]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    info = dict(book["通报 Bulletin"].iter_rows(min_row=2, values_only=True))
    assert info["评估运行 evaluation run"] == bulletin.run_id


def test_include_unaccepted_is_an_explicit_choice(client, sample, cast):
    client.force_login(cast.alice)
    client.post(generate_url(sample), {"period": "2018", "format": ["xlsx"], "include_unaccepted": "on"})
    bulletin = Bulletin.objects.get()
    assert bulletin.includes_unaccepted and bulletin.run.includes_unaccepted


def test_the_province_lists_and_downloads_a_draft_the_others_do_not_see_it(client, bulletin, cast):
    for who in ["zoe", "lena", "vic"]:
        client.force_login(getattr(cast, who))
        page = client.get(index_url(bulletin.plan)).content.decode()
        assert f'id="bulletin-{bulletin.pk}"' not in page, who
        response = client.get(reverse("bulletins:download", args=[bulletin.plan.code, bulletin.pk, "xlsx"]))
        assert response.status_code == 404, who
        response = client.get(reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk]))
        assert response.status_code == 404, who
    for who in ["alice", "pat"]:
        client.force_login(getattr(cast, who))
        page = client.get(index_url(bulletin.plan)).content.decode()
        assert f'id="bulletin-{bulletin.pk}"' in page, who
        assert f"#{bulletin.run_id}" in page and bulletin.data_hash[:12] in page
        response = client.get(reverse("bulletins:download", args=[bulletin.plan.code, bulletin.pk, "xlsx"]))
        assert response.status_code == 200, who
    # a format not built, or unknown, is not found
    for fmt in ["pdf", "odt"]:
        response = client.get(reverse("bulletins:download", args=[bulletin.plan.code, bulletin.pk, fmt]))
        assert response.status_code == 404


def test_the_page_lists_without_a_query_per_bulletin(client, bulletin, cast, django_assert_max_num_queries):
    from planwatch.bulletins.services import build_bulletin

    build_bulletin(bulletin.plan, "2017", formats=["xlsx"], params=parameters_from_options(sensitivity=False))
    client.force_login(cast.pat)
    with django_assert_max_num_queries(14):
        response = client.get(index_url(bulletin.plan))
    assert response.content.decode().count('id="bulletin-') == 2


def test_the_form_offers_first_the_latest_period_with_accepted_values(client, sample, cast):
    client.force_login(cast.pat)
    page = client.get(index_url(sample)).content.decode()
    assert '<option value="2019" selected>' in page  # the sample data is accepted up to 2019
    assert page.count(" selected>") == 1
    ReportedValue.objects.filter(period__year=2019).update(status=ReportedValue.Status.SUBMITTED)
    freshness.refresh(sample.pk)  # changed by hand, not by an action: marked again
    page = client.get(index_url(sample)).content.decode()
    assert '<option value="2018" selected>' in page  # 2019 submitted, not accepted yet


def test_the_sample_badge_is_glossed_in_english_only(client, bulletin, cast):
    client.force_login(cast.pat)
    row = client.get(index_url(bulletin.plan)).content.decode().split(f'id="bulletin-{bulletin.pk}"')[1]
    assert '<span class="flag sample">示例数据</span>' in row.split("</tr>")[0]
    client.cookies["django_language"] = "en"
    row = client.get(index_url(bulletin.plan)).content.decode().split(f'id="bulletin-{bulletin.pk}"')[1]
    assert '示例数据 <span lang="en">sample</span>' in row.split("</tr>")[0]


@pytest.mark.parametrize(
    "role, locality, unit",
    [
        ("province_admin", None, None),
        ("province_reviewer", None, "EIC"),
        ("lead_unit", None, "DST"),
        ("locality_reporter", "ZH", None),
        ("locality_approver", "ZH", None),
        ("viewer", None, None),
    ],
)
def test_role_by_role_only_the_province_gets_past_the_403(client, sample, role, locality, unit):
    """Users as `make demo` makes them (planwatch create_user); `leader` is the demo's viewer."""
    from django.core.management import call_command

    from planwatch.accounts.models import Profile

    call_command(
        "create_user", username="u", password="u-password-1", role=role, locality=locality, unit=unit
    )
    assert client.login(request=HttpRequest(), username="u", password="u-password-1")
    response = client.post(generate_url(sample), {"period": "bad", "format": ["xlsx"]})
    if role in Profile.PROVINCE_ROLES:
        assert response.status_code == 400  # past the check, refused for the bad period
    else:
        assert response.status_code == 403
        assert "Only the province generates bulletins." in response.content.decode() or (
            "只有省级用户可以生成通报" in response.content.decode()
        )
    assert not Bulletin.objects.exists()


def test_the_demos_leader_is_refused(client, sample):
    from django.core.management import call_command

    call_command(
        "demo_user", username="admin", password="planwatch-demo", with_roles=True, stdout=io.StringIO()
    )
    assert client.login(request=HttpRequest(), username="leader", password="planwatch-demo")
    response = client.post(generate_url(sample), {"period": "2018", "format": ["xlsx"]})
    assert response.status_code == 403
    assert not Bulletin.objects.exists()


def test_the_form_offers_a_later_year_once_it_has_a_period(client, sample, cast):
    """Monitoring goes on after 2019: 2020 is offered once it is a reporting period."""
    from planwatch.reporting.sample import yearly_period

    client.force_login(cast.pat)
    assert "2020" not in client.get(index_url(sample)).context["periods"]
    yearly_period(sample, 2020)
    periods = client.get(index_url(sample)).context["periods"]
    assert periods[:4] == ["2017", "2018", "2019", "2020"]


def test_the_draft_page_shows_what_its_files_were_written_from_without_reading_the_run(
    client, bulletin, cast, monkeypatch
):
    """The page is kept with the files (BulletinPreview): a view reads it, not the run (minutes at
    3,000 units), and fills in the office's words as they are now."""
    from planwatch.bulletins import services

    def no_content(*args, **kwargs):
        raise AssertionError("the page made the content again")

    monkeypatch.setattr(services, "contents", no_content)
    client.force_login(cast.pat)
    url = reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk])
    page = client.get(url)
    assert page.status_code == 200 and bulletin.title.split()[0] in page.content.decode()
    client.post(
        reverse("bulletins:words", args=[bulletin.plan.code, bulletin.pk]), {"measures": "新写的做法。"}
    )
    assert "新写的做法。" in client.get(url).content.decode()


def test_the_page_of_a_bulletin_kept_without_its_preview_explains_only_what_it_shows(
    client, bulletin, cast, monkeypatch
):
    """A bulletin kept before its page was (or in another shape): the page builds the content
    without the map (it draws no figure) and explains only the results its preview shows a reason of
    (the region's, the areas'), not every result."""
    from planwatch.bulletins import services
    from planwatch.bulletins.models import BulletinPreview
    from planwatch.core.bulletin import content

    BulletinPreview.objects.filter(bulletin=bulletin).delete()

    calls = []
    explain = content.explain

    def counted(r, *args, **kwargs):
        calls.append(r)
        return explain(r, *args, **kwargs)

    def no_map(plan):
        raise AssertionError("the page read the map")

    monkeypatch.setattr(content, "explain", counted)
    monkeypatch.setattr(services, "map_shapes", no_map)
    client.force_login(cast.pat)
    page = client.get(reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk]))
    assert page.status_code == 200
    results = [r for r in bulletin.run.evaluation.indicators if r.year == bulletin.run.year]
    shown = [r for r in results if r.scope == "region"] + list(bulletin.run.evaluation.areas)
    assert len(shown) < len(results)
    assert calls and all(r.scope == "region" or r in shown for r in calls)
    assert len(calls) <= len(shown)
