"""Ledger items in the database: derived values through the workflow, links to the rows behind
each number, duplicates flagged and resolved, and scope per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from planwatch.core.errors import NotAllowed
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.audit import events

D = dt.date


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def add(user, ledger, locality, name, investment=20000, signed=None, started=None, producing=None, **kw):
    item = LedgerItem(
        ledger=ledger,
        locality=ledger.plan.localities.get(code=locality),
        name=name,
        investment=Decimal(investment) if investment is not None else None,
        signed_on=signed,
        started_on=started,
        producing_on=producing,
        **kw,
    )
    return services.save_item(user, item)


def approved_station(cast, plan, name):
    """珠海's postdoc station (I26, led by DST, so lena may accept it), submitted and approved."""
    item = LedgerItem(
        ledger=services.get_ledger(plan, "postdoc_bases"),
        locality=plan.localities.get(code="ZH"),
        name=name,
        attributes={"kind": "博士后科研工作站"},
    )
    item.set_stage_date("recognized", dt.date(2018, 1, 1))
    item = services.save_item(cast.zoe, item)
    services.submit_item(cast.zoe, item)
    return services.approve_item(cast.zack, item)


def accept_all(cast, *items):
    """Through the whole workflow: the locality submits and approves, the province accepts."""
    people = {"ZH": (cast.zoe, cast.zack), "FS": (cast.fred, cast.fay)}
    for item in items:
        reporter, approver = people[item.locality.code]
        services.submit_item(reporter, item)
        services.approve_item(approver, item)
        services.accept_item(cast.pat, item)


def test_project_ledger_is_declared_in_the_plan_file_and_feeds_i01_to_i03(plan, ledger):
    assert ledger.stage_indicators == {"signed": "I01", "started": "I02", "producing": "I03"}
    assert sorted(i.code for i in ledger.indicators.all()) == ["I01", "I02", "I03"]
    assert ledger.threshold == 10000 and ledger.has_investment
    assert ledger.stage_codes == ["signed", "started", "producing"]
    assert ledger.clause == "三（一）1" and "800个" in ledger.quote
    assert services.ensure_default_ledgers(plan)[0] == ledger


def test_derive_values_writes_cumulative_counts_through_the_workflow(plan, cast, ledger, period):
    yearly_period(plan, 2019)
    a = add(cast.zoe, ledger, "ZH", "A", signed=D(2017, 3, 1), started=D(2018, 6, 1), producing=D(2019, 9, 1))
    b = add(cast.zoe, ledger, "ZH", "B", signed=D(2018, 2, 1))
    add(cast.zoe, ledger, "ZH", "small", investment=9000, signed=D(2018, 2, 1))
    small = LedgerItem.objects.get(name="small")
    c = add(cast.fred, ledger, "FS", "C", signed=D(2018, 2, 1), started=D(2018, 3, 1))
    pending = add(cast.zoe, ledger, "ZH", "not accepted yet", signed=D(2018, 2, 1))
    accept_all(cast, a, b, small, c)
    assert pending.review == "draft"

    result = services.derive_values(plan, 2018, cast.alice)
    assert ("ZH", "I01", 2) in result.written and ("ZH", "I02", 1) in result.written
    assert ("FS", "I02", 1) in result.written
    values = {
        (v.locality.code, v.indicator.code): v
        for v in ReportedValue.objects.filter(period=period).select_related("locality", "indicator")
    }
    assert values[("ZH", "I01")].value == 2
    assert values[("ZH", "I03")].value == 0
    assert values[("ZH", "I01")].source == ReportedValue.Source.LEDGER
    assert events(values[("ZH", "I01")]).get().source == "ledger"

    # 2019: cumulative from the plan's start, producing only in 2019.
    services.derive_values(plan, 2019, cast.zoe)
    v2019 = ReportedValue.objects.filter(period__code="2019", locality__code="ZH")
    assert {
        v.indicator.code: int(v.value) for v in v2019.filter(indicator__code__in=["I01", "I02", "I03"])
    } == {
        "I01": 2,
        "I02": 1,
        "I03": 1,
    }
    assert {int(v.value) for v in v2019.exclude(indicator__code__in=["I01", "I02", "I03"])} == {
        0
    }  # no rows: 0
    assert not ReportedValue.objects.filter(period__code="2019", locality__code="FS").exists()  # zoe's scope
    assert services.rows_behind(ledger, a.locality, 2018, "signed", "cumulative", accepted_only=True) == [
        a.pk,
        b.pk,
    ]
    assert services.rows_behind(ledger, a.locality, 2018, "signed", "new", accepted_only=True) == [b.pk]
    # All rows recorded, the pending one too: what the locality sees before acceptance.
    assert services.rows_behind(ledger, a.locality, 2018, "signed", "new") == [b.pk, pending.pk]


def test_derive_values_skips_a_missing_or_closed_period(plan, cast, ledger):
    assert services.derive_values(plan, 2030, cast.alice).skipped == [
        ("*", "没有 2030 年的填报期", "no period 2030")
    ]
    period = yearly_period(plan, 2018)
    period.locks_on = D(2019, 1, 1)
    period.save()
    result = services.derive_values(plan, 2018, cast.alice, today=D(2020, 1, 1))
    assert result.written == [] and ("ZH", "填报期已关闭", "period closed") in result.skipped
    assert not ReportedValue.objects.exists()


def test_each_derived_number_links_to_exactly_its_rows(client, plan, cast, ledger):
    a = add(cast.zoe, ledger, "ZH", "甲项目", signed=D(2017, 3, 1))
    b = add(cast.zoe, ledger, "ZH", "乙项目", signed=D(2018, 3, 1), started=D(2018, 4, 1))
    c = add(cast.zoe, ledger, "ZH", "丙项目", investment=500, signed=D(2018, 3, 1))
    accept_all(cast, a, b, c)
    client.force_login(cast.pat)
    page = client.get(
        reverse("ledgers:funnel", args=[plan.code, ledger.code]) + "?year=2018"
    ).content.decode()
    url = reverse("ledgers:count", args=[plan.code, ledger.code, "ZH", 2018, "signed", "cumulative"])
    assert f'href="{url}">2<' in page
    rows = client.get(url)
    assert sorted(i.pk for i in rows.context["items"]) == [a.pk, b.pk]
    new = client.get(reverse("ledgers:count", args=[plan.code, ledger.code, "ZH", 2018, "signed", "new"]))
    assert [i.pk for i in new.context["items"]] == [b.pk]
    started = client.get(
        reverse("ledgers:count", args=[plan.code, ledger.code, "ZH", 2018, "started", "cumulative"])
    )
    assert [i.pk for i in started.context["items"]] == [b.pk]


def test_stage_order_is_checked_on_save(cast, ledger):
    with pytest.raises(services.InvalidRow, match="signed ≤ started ≤ producing"):
        add(cast.zoe, ledger, "ZH", "X", signed=D(2018, 5, 1), started=D(2018, 4, 1))
    assert not LedgerItem.objects.exists()


def test_duplicates_flagged_and_resolved_by_the_province(client, plan, cast, ledger):
    a = add(cast.zoe, ledger, "ZH", "格力 智能装备（一期）", signed=D(2018, 1, 1))
    b = add(cast.zoe, ledger, "ZH", "格力智能装备(一期)", signed=D(2018, 2, 1))
    c = add(cast.fred, ledger, "FS", "格力智能装备(一期)", identifier="P-1", signed=D(2018, 2, 1))
    d = add(cast.zoe, ledger, "ZH", "其他", identifier="p-1", signed=D(2018, 2, 1))
    flags = dict(LedgerItem.objects.values_list("pk", "duplicate_flag"))
    assert flags == {a.pk: True, b.pk: True, c.pk: True, d.pk: True}

    with pytest.raises(NotAllowed):
        services.keep_both(cast.zoe, c)
    client.force_login(cast.zoe)
    assert client.get(reverse("ledgers:duplicates", args=[plan.code, ledger.code])).status_code == 403

    client.force_login(cast.pat)
    url = reverse("ledgers:duplicates", args=[plan.code, ledger.code])
    client.post(url, {"item": c.pk, "action": "keep"})
    client.post(url, {"item": d.pk, "action": "keep"})
    client.post(url, {"item": b.pk, "action": "merge", "into": a.pk})
    b.refresh_from_db()
    assert b.status == LedgerItem.Status.MERGED and b.merged_into == a
    assert not LedgerItem.objects.filter(duplicate_flag=True).exists()
    assert services.rows_behind(ledger, a.locality, 2018, "signed", "cumulative") == [a.pk, d.pk]
    assert events(b, verb="merge").exists()


def test_scope_per_role(client, plan, cast, ledger):
    zh = add(cast.zoe, ledger, "ZH", "珠海项目", signed=D(2018, 1, 1))
    fs = add(cast.fred, ledger, "FS", "佛山项目", signed=D(2018, 1, 1))
    with pytest.raises(NotAllowed):
        add(cast.zoe, ledger, "FS", "越权", signed=D(2018, 1, 1))
    with pytest.raises(NotAllowed):
        add(cast.vic, ledger, "ZH", "viewer", signed=D(2018, 1, 1))
    with pytest.raises(NotAllowed):
        add(cast.pat, ledger, "ZH", "reviewer", signed=D(2018, 1, 1))
    add(cast.alice, ledger, "FS", "admin row", signed=D(2018, 1, 1))

    list_url = reverse("ledgers:list", args=[plan.code, ledger.code])
    client.force_login(cast.zoe)
    assert [i.pk for i in client.get(list_url).context["items"]] == [zh.pk]
    assert client.get(reverse("ledgers:item", args=[plan.code, ledger.code, fs.pk])).status_code == 404
    client.force_login(cast.vic)  # drafts are the locality's own business, as for values
    assert len(client.get(list_url).context["items"]) == 0
    assert client.get(reverse("ledgers:item", args=[plan.code, ledger.code, fs.pk])).status_code == 404
    services.submit_item(cast.fred, fs)
    assert [i.pk for i in client.get(list_url).context["items"]] == [fs.pk]
    assert client.get(reverse("ledgers:item", args=[plan.code, ledger.code, fs.pk])).status_code == 200
    client.force_login(cast.alice)
    assert len(client.get(list_url).context["items"]) == 3


def test_item_page_shows_history_and_filters_work(client, plan, cast, ledger):
    item = add(cast.zoe, ledger, "ZH", "项目", signed=D(2018, 1, 1))
    item.started_on = D(2019, 1, 1)
    services.save_item(cast.zoe, item)
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"  # the labels in English (the Chinese come with the merge)
    page = client.get(reverse("ledgers:item", args=[plan.code, ledger.code, item.pk]))
    assert [a.verb for a, _changes in page.context["audit"]] == ["update", "create"]
    update, create = (changes for _a, changes in page.context["audit"])
    assert update == ["Started: — → 2019-01-01"]  # only what changed, the stage by its name
    assert "Name: 项目" in create and "Signed: 2018-01-01" in create and "Locality: Zhuhai" in create
    html = page.content.decode()
    assert "<li>Started: — → 2019-01-01</li>" in html and "{&#x27;" not in html  # no raw dict
    url = reverse("ledgers:list", args=[plan.code, ledger.code])
    assert len(client.get(url, {"stage": "started", "year": "2019"}).context["items"]) == 1
    assert len(client.get(url, {"stage": "started", "year": "2018"}).context["items"]) == 0
    assert len(client.get(url, {"year": "2018", "locality": "ZH"}).context["items"]) == 1
    assert len(client.get(url, {"status": "cancelled"}).context["items"]) == 0


def test_web_form_adds_and_changes_a_row_within_scope(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    add_url = reverse("ledgers:add", args=[plan.code, ledger.code])
    zh = plan.localities.get(code="ZH")
    fs = plan.localities.get(code="FS")
    form = {
        "locality": zh.pk,
        "name": "网页项目",
        "investment": "12000",
        "signed_on": "2018-03-01",
        "status": "active",
    }
    assert client.post(add_url, {**form, "locality": fs.pk}).status_code == 200  # not a choice for zoe
    assert not LedgerItem.objects.exists()
    bad = client.post(add_url, {**form, "started_on": "2018-01-01"})
    assert (
        "signed ≤ started ≤ producing" in bad.content.decode() or "签约 ≤ 开工 ≤ 投产" in bad.content.decode()
    )
    response = client.post(add_url, form)
    item = LedgerItem.objects.get()
    assert response.status_code == 302 and item.created_by == cast.zoe
    edit_url = reverse("ledgers:edit", args=[plan.code, ledger.code, item.pk])
    assert client.post(edit_url, {**form, "started_on": "2019-01-01", "version": 1}).status_code == 302
    stale = client.post(edit_url, {**form, "notes": "late", "version": 1})
    assert stale.status_code == 200
    item.refresh_from_db()
    assert item.version == 2 and item.started_on == D(2019, 1, 1) and item.notes == ""
    client.force_login(cast.fred)
    assert client.get(edit_url).status_code == 404
    client.force_login(cast.vic)
    assert client.get(add_url).status_code == 403
