"""The province's pages: periods and locks, exceptions, revision requests, the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from planwatch.kernel.models import AuditEvent
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, PeriodException, ReportedValue, RevisionRequest


def url(plan, name, *args):
    return reverse(f"manage:{name}", args=[plan.code, *args])


@pytest.mark.parametrize("who", ["lena", "zoe", "zack", "fred", "vic"])
@pytest.mark.parametrize("page", ["periods", "revisions", "audit"])
def test_only_the_province_manages(client, plan, cast, who, page):
    client.force_login(getattr(cast, who))
    assert client.get(url(plan, page)).status_code == 403
    assert client.post(url(plan, page), {"year": 2018, "frequency": "yearly"}).status_code == 403


@pytest.mark.parametrize("who", ["alice", "pat"])
def test_province_creates_periods(client, plan, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(
        url(plan, "periods"),
        {"year": 2018, "frequency": "quarterly", "due_after_days": 20, "lock_after_days": 10},
    )
    assert response.status_code == 302
    q1 = Period.objects.get(plan=plan, code="2018Q1")
    assert (q1.ends_on, q1.due_on, q1.locks_on) == (
        dt.date(2018, 3, 31),
        dt.date(2018, 4, 20),
        dt.date(2018, 4, 30),
    )
    assert Period.objects.filter(plan=plan, frequency="quarterly").count() == 4
    assert "2018Q4" in client.get(url(plan, "periods")).content.decode()


def test_create_periods_command(plan, capsys):
    call_command("create_periods", "--year", "2019", "--frequency", "monthly", "--due-after-days", "10")
    assert Period.objects.filter(plan=plan, frequency="monthly", year=2019).count() == 12
    assert "2019-02: 2019-02-01 – 2019-02-28" in capsys.readouterr().out


def test_create_periods_with_a_due_date(plan, capsys):
    call_command("create_periods", "--year", "2020", "--due-on", "2021-06-30", "--lock-after-days", "10")
    period = Period.objects.get(plan=plan, code="2020")
    assert (period.due_on, period.locks_on) == (dt.date(2021, 6, 30), dt.date(2021, 7, 10))
    with pytest.raises(CommandError, match="not after the end of 2021"):
        call_command("create_periods", "--year", "2021", "--due-on", "2021-06-30")
    with pytest.raises(CommandError, match="yearly"):
        call_command("create_periods", "--year", "2021", "--frequency", "quarterly", "--due-on", "2022-06-30")
    assert not Period.objects.filter(plan=plan, year=2021).exists()


def test_a_due_date_reschedules_an_existing_period(plan, capsys):
    """`make demo` run again months later passes a new --due-on: the demo year opens again."""
    call_command("create_periods", "--year", "2020", "--due-on", "2021-06-30", "--lock-after-days", "10")
    call_command("create_periods", "--year", "2020", "--due-after-days", "5")
    period = Period.objects.get(plan=plan, code="2020")
    assert period.due_on == dt.date(2021, 6, 30)  # without --due-on an existing period keeps its dates
    assert capsys.readouterr().out.splitlines()[-1].endswith("(kept)")

    call_command("create_periods", "--year", "2020", "--due-on", "2027-01-31", "--lock-after-days", "10")
    period.refresh_from_db()
    assert (period.due_on, period.locks_on) == (dt.date(2027, 1, 31), dt.date(2027, 2, 10))
    assert period.is_open_for(0, dt.date(2027, 1, 1), exceptions={})
    assert capsys.readouterr().out.strip().endswith("(rescheduled)")


def test_province_reschedules_a_period_and_it_is_saved_and_audited(client, plan, cast, period):
    client.force_login(cast.pat)
    response = client.post(
        url(plan, "period", period.code), {"dates": "1", "due_on": "2019-03-20", "locks_on": "2019-04-30"}
    )
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.due_on, period.locks_on) == (dt.date(2019, 3, 20), dt.date(2019, 4, 30))
    event = AuditEvent.objects.get(type="period.dates")
    assert event.new == {"due_on": "2019-03-20", "locks_on": "2019-04-30"} and event.actor == cast.pat
    page = client.get(url(plan, "period", period.code)).content.decode()
    assert 'value="2019-03-20"' in page and 'value="2019-04-30"' in page


def test_exception_keeps_entry_open_for_one_locality(client, plan, cast, period):
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    client.force_login(cast.pat)
    zhuhai = plan.localities.get(code="ZH")
    response = client.post(
        url(plan, "period", period.code),
        {"grant": "1", "locality": zhuhai.pk, "open_until": "2019-05-10", "reason": "系统故障补报"},
    )
    assert response.status_code == 302
    exception = PeriodException.objects.get(period=period, locality=zhuhai)
    assert (exception.open_until, exception.granted_by) == (dt.date(2019, 5, 10), cast.pat)
    assert period.is_open_for(zhuhai.pk, dt.date(2019, 5, 1))
    assert not period.is_open_for(plan.localities.get(code="FS").pk, dt.date(2019, 5, 1))


def accepted_value(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    indicator = plan.indicators.get(code="I07")
    wf.save_values(cast.zoe, zh, period, [wf.Entry(indicator, Decimal(10), expected_version=0)])
    value = ReportedValue.objects.get(indicator=indicator, locality=zh, period=period)
    ReportedValue.objects.filter(pk=value.pk).update(status=ReportedValue.Status.ACCEPTED)
    value.refresh_from_db()
    return value


def test_province_decides_a_revision_request(client, plan, cast, period):
    value = accepted_value(plan, cast, period)
    request = wf.request_revision(cast.zoe, value, Decimal(12), "统计口径更正")
    client.force_login(cast.pat)
    html = client.get(url(plan, "revisions")).content.decode()
    assert "统计口径更正" in html
    response = client.post(
        url(plan, "revisions"), {"request": request.pk, "decision": "approve", "comment": "同意"}
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.value == 12
    assert RevisionRequest.objects.get(pk=request.pk).status == "accepted"


def test_audit_log_filters(client, plan, cast, period):
    accepted_value(plan, cast, period)
    client.force_login(cast.alice)
    response = client.get(url(plan, "audit"), {"locality": "ZH", "user": "zoe"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert client.get(url(plan, "audit"), {"locality": "FS"}).context["page"].paginator.count == 0


def test_province_downloads_the_audit_log(client, plan, cast, period):
    import io

    import openpyxl

    accepted_value(plan, cast, period)
    client.force_login(cast.zoe)
    assert client.get(url(plan, "audit_export")).status_code == 403
    client.force_login(cast.alice)
    response = client.get(url(plan, "audit_export"))
    assert response["Content-Disposition"].endswith('-audit.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and "plan.create" in rows[1] and "zoe" in rows[2]  # the plan's load, the value
    csv = client.get(url(plan, "audit_export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert csv.count("\n") == 3 and "I07" in csv
    # The save of a draft is 珠海's own business: the province reviewer's log does not hold it.
    client.force_login(cast.pat)
    csv = client.get(url(plan, "audit_export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert csv.count("\n") == 2 and "I07" not in csv
