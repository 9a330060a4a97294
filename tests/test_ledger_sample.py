"""Sample ledger rows (示例数据) loaded by `planwatch load_sample`: obviously sample, accepted, and the
counts derived from them equal the sample values of the indicators they feed, year by year."""

from __future__ import annotations

from django.core.management import call_command

from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from tests.fed import FED


def test_sample_rows_are_labelled_and_agree_with_the_sample_values(sampled):
    plan = sampled  # the module's load (tests/conftest.py): the loader the command calls
    items = LedgerItem.objects.filter(ledger__plan=plan)
    assert items.count() > 1000
    assert not items.exclude(is_sample=True).exists()
    assert not items.exclude(review=LedgerItem.Review.ACCEPTED).exists()
    assert not items.exclude(name__startswith="示例").exists() and not items.exclude(identifier="").exists()
    assert not items.filter(duplicate_flag=True).exists()
    values = {
        (ind, loc, int(period)): int(value)
        for ind, loc, period, value in ReportedValue.objects.filter(is_sample=True).values_list(
            "indicator__code", "locality__code", "period__code", "value"
        )
    }
    checked = 0
    for ledger in services.ensure_default_ledgers(plan):
        counts = services.feed_counts(ledger, accepted_only=True)
        for loc in plan.localities.filter(pilot=True):
            for feed in ledger.feeds:
                for year in range(plan.start_year, plan.end_year + 1):
                    cell = counts.get((loc.code, year, feed["indicator"]))
                    n = len(cell.cumulative) if cell else 0
                    assert values[(feed["indicator"], loc.code, year)] == n, (
                        feed["indicator"],
                        loc.code,
                        year,
                    )
                    checked += 1
    assert checked == 14 * 7 * 3
    # 佛山市's counts include 顺德区's rows (its figures include 顺德区's): its own rows are the rest.
    fs_own = items.filter(ledger__code="investment_projects", locality__code="FS", signed_on__year__lte=2019)
    fs_own = fs_own.filter(investment__gte=10000).count()
    assert fs_own == values[("I01", "FS", 2019)] - values[("I01", "SD", 2019)] > 0
    for (ind, loc, year), value in values.items():
        if loc == "FS" and ind in FED and (ind, "SD", year) in values:
            assert value >= values[(ind, "SD", year)], (ind, year)
    # The one project per locality below 1亿元 is recorded but not counted.
    projects = services.get_ledger(plan, "investment_projects")
    assert projects.items.filter(investment__lt=10000).count() == 7


def test_sample_rows_replace_themselves(sampled):
    first = sorted(LedgerItem.objects.values_list("name", "locality__code", "signed_on", "dates"))
    call_command("load_sample")
    assert sorted(LedgerItem.objects.values_list("name", "locality__code", "signed_on", "dates")) == first
