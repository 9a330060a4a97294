"""One step from the ledgers to the report: the entry form's “write every value counted from the
ledgers” (derive_values for the form's locality and year, scope, locks, audit source ledger), the
submit refusal pointing to it, the funnel opening on the year being reported, and the list's bulk
buttons shown only to those who may use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import PeriodException, ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.fed import FED
from tests.test_ledger_derive import accept_all, add, approved_station

D = dt.date
R = LedgerItem.Review


@pytest.fixture
def projects(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def _entry_url(plan, locality="ZH", period="2018"):  # type: ignore[no-untyped-def]
    return reverse("reporting:entry", args=[plan.code, locality, period])


def _derive(client, plan, locality="ZH", period="2018"):  # type: ignore[no-untyped-def]
    return client.post(_entry_url(plan, locality, period), {"action": "derive_ledgers"})


def test_the_entry_form_offers_one_button_and_writes_every_ledger_value(client, plan, cast, period, projects):
    accept_all(cast, add(cast.zoe, projects, "ZH", "项目一", signed=D(2017, 3, 1), started=D(2018, 5, 1)))
    accept_all(cast, add(cast.fred, projects, "FS", "项目二", signed=D(2018, 3, 1)))
    client.force_login(cast.zoe)
    client.cookies["django_language"] = (
        "en"  # the Chinese labels: planwatch/locale/incoming/ledger-derive.json
    )
    page = client.get(_entry_url(plan))
    html = page.content.decode()
    assert "Write every value counted from the ledgers" in html and 'value="derive_ledgers"' in html
    assert "Ledger count 1: not written yet" in html
    assert {u.indicator for u in page.context["ledger_unwritten"]} == FED
    i02 = next(r for r in page.context["rows"] if r.code == "I02")
    assert i02.ledger_unwritten.count == 1 and 'class="ledger-unwritten small" data-count="1"' in html

    response = _derive(client, plan)
    assert response.status_code == 302 and response.url == _entry_url(plan)
    values = {
        v.indicator.code: v for v in ReportedValue.objects.filter(period=period).select_related("indicator")
    }
    assert set(values) == FED  # every ledger-fed value of ZH, and nothing of FS
    assert all(v.locality.code == "ZH" and v.source == ReportedValue.Source.LEDGER for v in values.values())
    assert (values["I01"].value, values["I02"].value, values["I03"].value, values["I10"].value) == (
        1,
        1,
        0,
        0,
    )
    assert values["I01"].status == ReportedValue.Status.DRAFT
    audit = events(kind="value", subject_id__in=[str(v.pk) for v in values.values()])
    assert audit.count() == len(FED) and {a.source for a in audit} == {"ledger"}
    page = client.get(_entry_url(plan))
    assert 'value="derive_ledgers"' not in page.content.decode()  # nothing left to write
    assert page.context["ledger_unwritten"] == []

    # A row accepted since: the draft no longer matches, the button comes back with the new count.
    accept_all(cast, add(cast.zoe, projects, "ZH", "项目三", signed=D(2018, 7, 1)))
    page = client.get(_entry_url(plan))
    unwritten = page.context["ledger_unwritten"]
    assert [(u.indicator, u.count, u.current) for u in unwritten] == [("I01", 2, 1)]
    assert "Ledger count now 2: not written yet" in page.content.decode()
    _derive(client, plan)
    assert ReportedValue.objects.get(locality__code="ZH", indicator__code="I01").value == 2


def test_the_button_is_only_for_those_who_enter_the_localitys_values(client, plan, cast, period):
    for user in (cast.vic, cast.pat, cast.fred):
        client.force_login(user)
        page = client.get(_entry_url(plan))
        assert 'value="derive_ledgers"' not in page.content.decode(), user
        assert _derive(client, plan).status_code == 403, user
    assert not ReportedValue.objects.exists()
    client.force_login(cast.zack)  # the locality's approver enters values too
    assert 'value="derive_ledgers"' in client.get(_entry_url(plan)).content.decode()
    client.force_login(cast.lena)  # a lead unit enters the indicators it leads: I26 (DST), any locality
    page = client.get(_entry_url(plan))
    assert [u.indicator for u in page.context["ledger_unwritten"]] == ["I26"]
    _derive(client, plan)
    assert list(ReportedValue.objects.values_list("indicator__code", flat=True)) == ["I26"]
    client.force_login(cast.alice)  # the administrator writes the form's locality only
    _derive(client, plan)
    assert set(ReportedValue.objects.values_list("locality__code", flat=True)) == {"ZH"}
    assert ReportedValue.objects.count() == len(FED)


def test_a_closed_period_offers_no_button_and_writes_nothing(client, plan, cast, period):
    period.locks_on = D(2019, 1, 1)
    period.save()
    client.force_login(cast.zoe)
    assert 'value="derive_ledgers"' not in client.get(_entry_url(plan)).content.decode()
    client.cookies["django_language"] = "en"
    page = client.post(_entry_url(plan), {"action": "derive_ledgers"}, follow=True).content.decode()
    assert "0 value(s) written from the ledger." in page and "period closed" in page
    assert not ReportedValue.objects.exists()


def test_values_already_submitted_are_left_and_said_so(client, plan, cast, period, projects):
    client.force_login(cast.zoe)
    _derive(client, plan)
    ReportedValue.objects.filter(indicator__code="I01").update(status=ReportedValue.Status.SUBMITTED)
    accept_all(cast, add(cast.zoe, projects, "ZH", "项目四", signed=D(2018, 2, 1)))
    assert client.get(_entry_url(plan)).context["ledger_unwritten"] == []  # submitted: not the button's
    page = client.post(_entry_url(plan), {"action": "derive_ledgers"}, follow=True).content.decode()
    assert "I01 已提交或已审核，不能修改" in page
    assert ReportedValue.objects.get(indicator__code="I01").value == 0


def test_the_submit_refusal_points_to_the_button(client, plan, cast, period):
    client.force_login(cast.zoe)
    page = client.post(_entry_url(plan), {"action": "submit"}, follow=True).content.decode()
    assert "由台账计算，尚未写入：请在填报页点击“从台账写入全部计算数值”" in page
    assert "台账汇总页" not in page
    client.cookies["django_language"] = "en"
    page = client.post(_entry_url(plan), {"action": "submit"}, follow=True).content.decode()
    assert "use “write every value counted from the ledgers” on the entry form" in page
    assert "indicator(s) not reported yet: C01" in page  # the typed ones are still named
    _derive(client, plan)
    page = client.post(_entry_url(plan), {"action": "submit"}, follow=True).content.decode()
    assert "counted from the ledger" not in page and "not reported yet" in page


def test_submitting_does_not_write_them_behind_the_reporters_back(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    with pytest.raises(wf.IllegalTransition):
        wf.submit(cast.zoe, zh, period)
    assert not ReportedValue.objects.exists()


# --- the funnel opens on the year being reported ---------------------------------------------------


def _funnel_year(client, plan, projects):  # type: ignore[no-untyped-def]
    return client.get(reverse("ledgers:funnel", args=[plan.code, projects.code])).context["year"]


def test_the_funnel_opens_on_the_year_open_for_entry(client, plan, cast, projects):
    today = dt.date.today()
    p2018 = yearly_period(plan, 2018)
    p2019 = yearly_period(plan, 2019)
    p2018.locks_on = today - dt.timedelta(days=30)
    p2018.save()
    p2019.starts_on = today - dt.timedelta(days=1)  # open now
    p2019.save()
    client.force_login(cast.zoe)
    assert _funnel_year(client, plan, projects) == 2019
    html = client.get(reverse("ledgers:funnel", args=[plan.code, projects.code])).content.decode()
    assert 'name="year" value="2019"' in html  # the derive button writes that year
    p2019.starts_on = today + dt.timedelta(days=10)  # not started yet: 2018 is locked, none is open
    p2019.save()
    assert _funnel_year(client, plan, projects) == plan.end_year
    p2018.locks_on = None
    p2018.save()
    assert _funnel_year(client, plan, projects) == 2018
    # A late exception keeps a year open for one locality only: its users open on it.
    p2018.locks_on = today - dt.timedelta(days=30)
    p2018.save()
    PeriodException.objects.create(
        period=p2018, locality=plan.localities.get(code="FS"), open_until=today, reason="late"
    )
    p2019.locks_on = today - dt.timedelta(days=1)
    p2019.starts_on = D(2019, 1, 1)
    p2019.save()
    assert _funnel_year(client, plan, projects) == plan.end_year  # nothing open for ZH
    client.force_login(cast.fred)
    assert _funnel_year(client, plan, projects) == 2018
    client.force_login(cast.vic)  # enters nothing: any pilot unit's open year
    assert _funnel_year(client, plan, projects) == 2018
    assert (
        client.get(reverse("ledgers:funnel", args=[plan.code, projects.code]), {"year": 2017}).context["year"]
        == 2017
    )


# --- the list's bulk buttons, role by role -----------------------------------------------------------


def _buttons(client, plan, ledger):  # type: ignore[no-untyped-def]
    html = client.get(reverse("ledgers:list", args=[plan.code, ledger.code])).content.decode()
    return {a for a in ("submit", "approve", "accept") if f'name="action" value="{a}"' in html}


@pytest.fixture
def rows(plan, cast, projects):  # type: ignore[no-untyped-def]
    """珠海: a draft and a submitted row; 佛山: an approved row."""
    add(cast.zoe, projects, "ZH", "草稿", signed=D(2018, 1, 1))
    services.submit_item(cast.zoe, add(cast.zoe, projects, "ZH", "已提交", signed=D(2018, 1, 1)))
    approved = add(cast.fred, projects, "FS", "已审核", signed=D(2018, 1, 1))
    services.submit_item(cast.fred, approved)
    services.approve_item(cast.fay, approved)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("zoe", {"submit"}),  # the reporter submits her drafts
        ("zack", {"submit", "approve"}),  # the approver writes and approves his locality's rows
        ("fred", set()),  # 佛山's row is approved already: nothing for its reporter
        ("fay", set()),
        ("pat", {"accept"}),  # the province accepts
        ("lena", set()),  # DST leads none of I01–I03
        ("vic", set()),  # a viewer: no button at all
        ("alice", {"submit", "approve", "accept"}),
    ],
)
def test_bulk_buttons_only_for_who_may_use_them(client, plan, cast, projects, rows, who, expected):
    client.force_login(getattr(cast, who))
    assert _buttons(client, plan, projects) == expected
    if not expected:
        html = client.get(reverse("ledgers:list", args=[plan.code, projects.code])).content.decode()
        assert "move-all" not in html


def test_bulk_buttons_follow_the_filter_and_the_lead_unit(client, plan, cast, projects, rows):
    client.force_login(cast.zack)
    url = reverse("ledgers:list", args=[plan.code, projects.code])
    html = client.get(url, {"review": "draft"}).content.decode()
    assert 'value="submit"' in html and 'value="approve"' not in html
    bases = services.get_ledger(plan, "postdoc_bases")  # I26, led by DST (lena)
    approved_station(cast, plan, "工作站")
    client.force_login(cast.lena)
    assert _buttons(client, plan, bases) == {"accept"}
    assert _buttons(client, plan, projects) == set()


def test_the_command_writes_one_locality_when_asked(plan, cast, period):
    from django.core.management import call_command

    call_command("derive_ledger_values", "--year", "2018", "--user", "alice", "--locality", "佛山")
    assert set(ReportedValue.objects.values_list("locality__code", flat=True)) == {"FS"}
