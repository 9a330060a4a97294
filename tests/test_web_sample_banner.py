"""The 示例数据 banner: on every page of a plan that holds sample data, on none of a plan without."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planwatch.ledgers import services
from planwatch.reporting.sample import yearly_period
from planwatch.web.context_processors import plan_has_sample

BANNER = 'class="sample-banner"'


def pages(plan) -> list[str]:
    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS).code
    task = plan.tasks.order_by("order").first().code
    base = f"/plans/{plan.code}"
    return [
        f"{base}/",
        f"{base}/indicators/",
        f"{base}/dashboard/",
        f"{base}/report/",
        f"{base}/report/ZH/2018/",
        f"{base}/review/ZH/2018/",
        f"{base}/review/ZH/2018/validation/",
        f"{base}/review/indicator/I07/2018/",
        f"{base}/excel/",
        f"{base}/ledgers/",
        f"{base}/ledgers/{ledger}/",
        f"{base}/ledgers/{ledger}/funnel/",
        f"{base}/ledgers/{ledger}/duplicates/",
        f"{base}/supervision/",
        f"{base}/supervision/ZH/2020/",
        f"{base}/supervision/task/{task}/",
        f"{base}/inbox/",
        f"{base}/bulletins/",
        f"{base}/manage/periods/",
        f"{base}/manage/revisions/",
        f"{base}/manage/audit/",
        f"{base}/users/",
    ]


@pytest.fixture
def periods(plan):
    for year in (2018, 2020):
        yearly_period(plan, year)


@pytest.mark.usefixtures("sampled")
def test_every_page_of_a_plan_with_sample_data_shows_the_banner(client, plan, cast, periods):
    client.force_login(cast.alice)
    for url in pages(plan):
        response = client.get(url)
        assert response.status_code == 200, url
        assert BANNER in response.content.decode(), url


def test_no_page_shows_the_banner_without_sample_data(client, plan, cast, periods):
    client.force_login(cast.alice)
    for url in pages(plan):
        response = client.get(url)
        assert response.status_code == 200, url
        assert BANNER not in response.content.decode(), url


@pytest.mark.usefixtures("sampled")
def test_pages_outside_a_plan_ask_nothing(client, plan, cast):
    client.force_login(cast.alice)
    response = client.get("/login/")
    assert BANNER not in response.content.decode()


@pytest.mark.usefixtures("sampled")
@pytest.mark.parametrize("kind", ["target", "value", "ledger row"])
def test_any_kind_of_sample_data_counts_and_is_asked_in_one_query(plan, kind):
    from planwatch.ledgers.models import LedgerItem
    from planwatch.plans.models import Target
    from planwatch.reporting.models import ReportedValue

    # Keep only the one kind of sample data.
    if kind != "target":
        Target.objects.filter(indicator__plan=plan, origin=Target.Origin.SAMPLE).delete()
    if kind != "value":
        ReportedValue.objects.filter(indicator__plan=plan, is_sample=True).delete()
    if kind != "ledger row":
        LedgerItem.objects.filter(ledger__plan=plan, is_sample=True).delete()
    with CaptureQueriesContext(connection) as queries:
        assert plan_has_sample(plan.code)
    assert len(queries) == 1
