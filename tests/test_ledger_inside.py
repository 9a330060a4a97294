"""A pilot unit inside another (顺德区 inside 佛山市, whose figures include it): its ledger rows count
for itself and for its city, once in the region; the rows behind a number list exactly those
counted. And a ledger-fed value already submitted or accepted that no longer equals its ledger's
count says so: on the entry form and when the row that changed it is accepted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from planwatch.core import ledger as core
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.test_ledger_derive import accept_all, add

D = dt.date
S = ReportedValue.Status


@pytest.fixture
def projects(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def sd_row(cast, projects, name, **kw):  # type: ignore[no-untyped-def]
    """A 顺德区 row, accepted: entered, submitted and approved by the administrator, accepted by Pat."""
    item = add(cast.alice, projects, "SD", name, **kw)
    services.submit_item(cast.alice, item)
    services.approve_item(cast.alice, item)
    return services.accept_item(cast.pat, item)


def test_roll_up_adds_the_inner_units_rows_to_their_city():
    counts = {
        ("SD", 2018, "signed"): core.Cell([3], [1, 3]),
        ("FS", 2018, "signed"): core.Cell([2], [2]),
        ("ZH", 2018, "signed"): core.Cell([4], [4]),
    }
    out = core.roll_up(counts, {"SD": ("FS",)})
    assert out[("FS", 2018, "signed")] == core.Cell([2, 3], [1, 2, 3])
    assert out[("SD", 2018, "signed")] == core.Cell([3], [1, 3])  # its own rows only
    assert out[("ZH", 2018, "signed")] == core.Cell([4], [4])
    assert counts[("FS", 2018, "signed")] == core.Cell([2], [2])  # not changed in place
    # A city without rows of its own still counts its district's.
    assert core.roll_up({("SD", 2018, "signed"): core.Cell([3], [3])}, {"SD": ("FS",)})[
        ("FS", 2018, "signed")
    ] == core.Cell([3], [3])


def test_including_follows_the_parents(plan):
    assert services.including(plan) == {"SD": ("FS",)}
    assert services.counted_localities(plan, plan.localities.get(code="FS")) == ["FS", "SD"]


def test_a_shunde_project_counts_for_shunde_and_foshan_and_once_in_the_region(plan, cast, projects, period):
    fs = add(cast.fred, projects, "FS", "佛山项目", signed=D(2018, 3, 1))
    accept_all(cast, fs)
    sd = sd_row(cast, projects, "顺德项目", signed=D(2017, 5, 1), started=D(2018, 6, 1))
    add(cast.alice, projects, "SD", "顺德草稿", signed=D(2018, 5, 1))  # a draft: recorded, not accepted

    counts = services.feed_counts(projects, accepted_only=True)
    assert counts[("SD", 2018, "I01")].cumulative == [sd.pk]
    assert counts[("FS", 2018, "I01")].cumulative == sorted([fs.pk, sd.pk])
    assert counts[("FS", 2018, "I01")].new == [fs.pk]  # SD's was signed in 2017
    assert counts[("FS", 2018, "I02")].cumulative == [sd.pk]
    stages = services.derive_counts(projects, accepted_only=True)
    assert stages[("FS", 2017, "signed")].cumulative == [sd.pk]

    result = services.derive_values(plan, 2018, cast.alice)
    assert {("FS", "I01", 2), ("FS", "I02", 1), ("SD", "I01", 1), ("SD", "I02", 1)} <= set(result.written)
    # The region total leaves 顺德区 out (佛山市's figures include it): the project counts once.
    i01 = ReportedValue.objects.filter(period=period, indicator__code="I01").select_related("locality")
    assert sum(v.value for v in i01 if v.locality.counted_in_region_total()) == 2
    # The entry form's count for 佛山市 is the same.
    fs_loc = plan.localities.get(code="FS")
    assert services.accepted_counts(plan, fs_loc, 2018)["I01"] == 2
    assert services.accepted_counts(plan, plan.localities.get(code="SD"), 2018)["I01"] == 1


def test_the_rows_behind_foshans_number_include_shundes(client, plan, cast, projects):
    fs = add(cast.fred, projects, "FS", "佛山项目", signed=D(2018, 3, 1))
    accept_all(cast, fs)
    sd = sd_row(cast, projects, "顺德项目", signed=D(2018, 5, 1))
    draft = add(cast.alice, projects, "SD", "顺德草稿", signed=D(2018, 5, 1))
    url = reverse("ledgers:count", args=[plan.code, projects.code, "FS", 2018, "I01", "cumulative"])
    for who in (cast.pat, cast.fred, cast.fay, cast.vic):
        client.force_login(who)
        assert sorted(i.pk for i in client.get(url + "?accepted=1").context["items"]) == sorted(
            [fs.pk, sd.pk]
        )
        # All recorded rows the user sees: 顺德区's draft is 顺德区's own business.
        assert draft.pk not in [i.pk for i in client.get(url).context["items"]]
    client.force_login(cast.fred)
    sd_url = reverse("ledgers:count", args=[plan.code, projects.code, "SD", 2018, "I01", "cumulative"])
    assert [i.pk for i in client.get(sd_url).context["items"]] == [sd.pk]
    funnel = client.get(reverse("ledgers:funnel", args=[plan.code, projects.code]) + "?year=2018")
    signed = reverse("ledgers:count", args=[plan.code, projects.code, "FS", 2018, "signed", "cumulative"])
    assert f'href="{signed}">2<' in funnel.content.decode()
    # 佛山市's users see 顺德区's rows once submitted (as everyone does), never its drafts; they
    # cannot move or change them.
    visible = services.visible_items(cast.fred, projects.items.all())
    assert set(visible.values_list("pk", flat=True)) == {fs.pk, sd.pk}
    assert services.allowed_actions(cast.fay, sd) == []
    assert not services.visible_items(cast.zoe, projects.items.filter(pk=sd.pk)).exists()  # not 珠海's

    # The API: the same rows.
    from tests.test_api_ledgers import as_user

    api = as_user(cast.fred)
    body = api.get(
        f"/api/v1/plans/{plan.code}/ledgers/{projects.code}/count/FS/2018/I01?accepted=true"
    ).json()
    assert body["count"] == 2 and sorted(i["id"] for i in body["items"]) == sorted([fs.pk, sd.pk])


def _accepted_values(plan, cast, locality="ZH", year=2018):  # type: ignore[no-untyped-def]
    services.derive_values(plan, year, cast.alice, localities=[plan.localities.get(code=locality)])
    ReportedValue.objects.filter(locality__code=locality, period__code=str(year)).update(status=S.ACCEPTED)


def test_the_entry_form_says_an_accepted_value_no_longer_matches_its_ledger(
    client, plan, cast, period, projects
):
    accept_all(cast, add(cast.zoe, projects, "ZH", "项目一", signed=D(2018, 3, 1), started=D(2018, 4, 1)))
    _accepted_values(plan, cast)
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"  # the Chinese: planwatch/locale/incoming/ledger-mismatch.json
    page = client.get(reverse("reporting:entry", args=[plan.code, "ZH", "2018"]))
    assert "ledger-stale" not in page.content.decode()  # value and ledger agree

    accept_all(cast, add(cast.zoe, projects, "ZH", "项目二", signed=D(2018, 7, 1), started=D(2018, 8, 1)))
    page = client.get(reverse("reporting:entry", args=[plan.code, "ZH", "2018"]))
    html = page.content.decode()
    rows = {r.code: r for r in page.context["rows"]}
    assert (
        rows["I01"].ledger_stale == 2 and rows["I02"].ledger_stale == 2 and rows["I03"].ledger_stale is None
    )
    assert "Ledger count now 2, not the accepted value 1: request a revision." in html
    assert 'class="ledger-unwritten ledger-stale small" data-count="2"' in html
    assert rows["I01"].can_revise and rows["I01"].revise_value == "2"  # the revision, filled in
    # Anyone reading the form sees it, not only those who may write.
    client.force_login(cast.vic)
    assert (
        "ledger-stale"
        in client.get(reverse("reporting:entry", args=[plan.code, "ZH", "2018"])).content.decode()
    )

    # A submitted value: have it returned.
    ReportedValue.objects.filter(indicator__code="I01").update(status=S.SUBMITTED)
    client.force_login(cast.zoe)
    html = client.get(reverse("reporting:entry", args=[plan.code, "ZH", "2018"])).content.decode()
    assert (
        "Ledger count now 2, not the submitted value 1: have it returned, then write it from the ledger."
        in html
    )


def test_foshans_form_counts_shundes_rows(client, plan, cast, period, projects):
    accept_all(cast, add(cast.fred, projects, "FS", "佛山项目", signed=D(2018, 3, 1)))
    sd_row(cast, projects, "顺德项目", signed=D(2018, 5, 1))
    client.force_login(cast.fred)
    page = client.get(reverse("reporting:entry", args=[plan.code, "FS", "2018"]))
    assert {u.indicator: u.count for u in page.context["ledger_unwritten"]}["I01"] == 2
    client.post(reverse("reporting:entry", args=[plan.code, "FS", "2018"]), {"action": "derive_ledgers"})
    assert ReportedValue.objects.get(locality__code="FS", indicator__code="I01").value == 2


def _messages(response):  # type: ignore[no-untyped-def]
    """The messages of this response only (those still stored from before come first)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_accepting_a_row_says_which_values_already_submitted_now_differ(client, plan, cast, period, projects):
    yearly_period(plan, 2019)
    accept_all(cast, add(cast.zoe, projects, "ZH", "项目一", signed=D(2018, 3, 1), started=D(2018, 4, 1)))
    _accepted_values(plan, cast)
    _accepted_values(plan, cast, year=2019)
    item = add(cast.zoe, projects, "ZH", "项目二", signed=D(2018, 7, 1), started=D(2018, 8, 1))
    services.submit_item(cast.zoe, item)
    services.approve_item(cast.zack, item)
    client.force_login(cast.pat)
    response = client.post(
        reverse("ledgers:transition", args=[plan.code, projects.code, item.pk]), {"action": "accept"}
    )
    assert LedgerItem.objects.get(pk=item.pk).review == "accepted"
    (message,) = _messages(response)
    assert "珠海市 2018、2019 年 I01、I02 已提交或已确认，与台账计数不一致：请申请修订" in message

    # Nothing to say when the values are drafts still (the entry form's button rewrites them).
    ReportedValue.objects.update(status=S.DRAFT)
    other = add(cast.zoe, projects, "ZH", "项目三", signed=D(2018, 9, 1))
    services.submit_item(cast.zoe, other)
    services.approve_item(cast.zack, other)
    response = client.post(
        reverse("ledgers:transition", args=[plan.code, projects.code, other.pk]), {"action": "accept"}
    )
    assert "不一致" not in " ".join(_messages(response))


def test_accepting_shundes_rows_in_bulk_names_foshans_values(client, plan, cast, period, projects):
    _accepted_values(plan, cast, locality="FS")
    ReportedValue.objects.filter(locality__code="FS", indicator__code="I01").update(status=S.SUBMITTED)
    item = add(cast.alice, projects, "SD", "顺德项目", signed=D(2018, 5, 1))
    services.submit_item(cast.alice, item)
    services.approve_item(cast.alice, item)
    client.force_login(cast.pat)
    response = client.post(
        reverse("ledgers:move_all", args=[plan.code, projects.code]), {"action": "accept", "query": ""}
    )
    (message,) = _messages(response)
    assert "佛山市 2018 年 I01 已提交或已确认，与台账计数不一致：请退回后从台账重新写入" in message
    stale = services.stale_values(projects, [item])
    assert [(s.locality.code, s.year, s.indicator, s.count, s.value) for s in stale] == [
        ("FS", 2018, "I01", 1, Decimal(0))
    ]
