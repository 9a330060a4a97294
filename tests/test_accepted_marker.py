"""Which localities have accepted values of which year (planwatch.reporting.freshness): a marker the
accepting actions keep in their own transaction, so that the year the dashboards open on is read
from it, never by aggregating every value of the plan (issue 18)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planwatch.dashboards import data
from planwatch.ledgers.sample import load_sample_ledgers
from planwatch.reporting import excel, freshness
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import AcceptedYear, ReportedValue
from planwatch.reporting.sample import load_sample_values, yearly_period
from tests.test_import_values import filled
from tests.test_web_reporting import bring_to

S = ReportedValue.Status


def marked(plan) -> set[tuple[str, int]]:
    return set(AcceptedYear.objects.filter(plan=plan).values_list("locality__code", "year"))


def from_values(plan) -> set[tuple[str, int]]:
    """The rule, written out here on its own: a locality has a year with one accepted, non-empty
    yearly value of it."""
    return set(
        ReportedValue.objects.filter(
            indicator__plan=plan, status=S.ACCEPTED, value__isnull=False, period__frequency="yearly"
        )
        .values_list("locality__code", "period__year")
        .distinct()
    )


def test_the_sample_loader_marks_every_year_of_its_values(sampled):
    assert marked(sampled) == from_values(sampled)
    assert {year for _, year in marked(sampled)} == {2016, 2017, 2018, 2019}
    assert data.latest_accepted_year(sampled) == 2019


def test_loading_the_sample_again_marks_again(sampled):
    AcceptedYear.objects.filter(plan=sampled).delete()
    load_sample_values(sampled)
    assert marked(sampled) == from_values(sampled) != set()


def test_the_ledger_samples_change_of_accepted_values_keeps_the_marker(sampled):
    load_sample_ledgers(sampled)  # realigns accepted sample values with the ledger's rows
    assert marked(sampled) == from_values(sampled)


def test_the_migrations_fill_is_the_marker_the_actions_keep(sampled):
    kept = marked(sampled)
    AcceptedYear.objects.all().delete()
    freshness.refresh(sampled.pk, models=(ReportedValue, AcceptedYear))  # as migration 0008 fills it
    assert marked(sampled) == kept


def test_accepting_marks_the_locality_and_year_drafts_submits_approvals_and_returns_do_not(plan, cast):
    zh, fs = plan.localities.get(code="ZH"), plan.localities.get(code="FS")
    p2018 = yearly_period(plan, 2018)
    assert marked(plan) == set() and data.latest_accepted_year(plan) is None
    bring_to("approved", plan, cast, zh, p2018)
    bring_to("approved", plan, cast, fs, p2018)
    wf.return_values(cast.pat, fs, p2018, "请核实", codes=["I07"])
    assert marked(plan) == set()
    wf.accept(cast.pat, zh, p2018, codes=["I07"])
    assert marked(plan) == {("ZH", 2018)} == from_values(plan)
    assert data.latest_accepted_year(plan) == 2018  # the only year any pilot unit has
    wf.accept(cast.pat, zh, p2018)  # the rest of 珠海's: marked already
    wf.accept(cast.pat, fs, p2018)
    assert marked(plan) == {("ZH", 2018), ("FS", 2018)} == from_values(plan)


def test_a_revised_accepted_value_stays_marked(plan, cast):
    zh, p2018 = plan.localities.get(code="ZH"), yearly_period(plan, 2018)
    bring_to("accepted", plan, cast, zh, p2018)
    value = ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="I07")
    asked = wf.request_revision(cast.zoe, value, Decimal(12), "统计口径更正")
    wf.decide_revision(cast.alice, asked, approve=True, comment="同意")
    assert marked(plan) == {("ZH", 2018)} == from_values(plan)


@pytest.mark.parametrize("set_based", [False, True])
def test_a_bulk_import_writes_drafts_which_mark_nothing_until_accepted(plan, cast, monkeypatch, set_based):
    """The import's value-by-value path and its set-based one (COPY on PostgreSQL) write drafts."""
    if set_based:
        monkeypatch.setattr(wf, "SET_BASED_FROM", 1)
    zh, p2018 = plan.localities.get(code="ZH"), yearly_period(plan, 2018)
    excel.import_values(filled(excel.export_template(plan, zh, p2018, cast.zoe)), "zh.xlsx", cast.zoe)
    assert ReportedValue.objects.filter(locality=zh, period=p2018).exists()
    assert marked(plan) == set()


def test_a_value_of_a_year_no_longer_accepted_is_unmarked_when_the_plan_is_marked_again(sampled):
    """Rows changed by hand (as some tests do) are marked again by `refresh`: whole or by pair."""
    zh = sampled.localities.get(code="ZH")
    ReportedValue.objects.filter(locality=zh, period__year=2019).update(status=S.SUBMITTED)
    freshness.refresh(sampled.pk, [(zh.pk, 2019), (zh.pk, 2018)])
    assert ("ZH", 2019) not in marked(sampled) and ("ZH", 2018) in marked(sampled)
    assert marked(sampled) == from_values(sampled)
    assert data.latest_accepted_year(sampled) == 2018  # the last year every pilot unit has


def test_the_latest_accepted_year_reads_no_value(sampled):
    with CaptureQueriesContext(connection) as queries:
        assert data.latest_accepted_year(sampled) == 2019
    assert len(queries) == 2
    table = ReportedValue._meta.db_table
    assert not any(table in q["sql"] for q in queries.captured_queries)
