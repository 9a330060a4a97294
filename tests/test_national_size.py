"""A plan of many pilot units (issue 18, national size): the overview shows the best and the worst of
its ranking and links the whole, paginated; binding checks as counts; an indicator page a page of
units at a time; a bounded map; a bulletin whose charts and tables name the ends of the ranking
and count the rest; the pages' query counts do not grow with the units."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from planwatch.bulletins import issuing, services
from planwatch.core import bulletin as core
from planwatch.core.bulletin import pdf, scale, tables
from planwatch.core.bulletin.charts import _map_named, _ranking_caption, _trend_lines
from planwatch.evaluation.runs import run_evaluation
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan
from planwatch.web import middleware

pytestmark = pytest.mark.django_db

YEAR = 2022


def synth(tmp_path: Path, units: int) -> Plan:
    path = tmp_path / f"synth{units}.yaml"
    call_command("synth_plan", localities=units, indicators=4, years=3, seed=3, output=str(path))
    plan = load_plan_file(path).plan
    call_command("load_sample", plan=plan.code)
    run_evaluation(plan, YEAR)
    return plan


@pytest.fixture(scope="module")
def _many(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[int]:
    """The plan of 80 units, its sample and its run, made once for the module in a transaction rolled
    back after it; each test runs in a savepoint inside it, rolled back after the test."""
    with django_db_blocker.unblock(), transaction.atomic():
        plan = synth(tmp_path_factory.mktemp("many"), 80)
        try:
            yield plan.pk
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def many(_many, db) -> Plan:
    return Plan.objects.get(pk=_many)


def _ranked_rows(html: str) -> list[str]:
    table = html[html.index('id="ranking"') : html.index("</table>", html.index('id="ranking"'))]
    return re.findall(r'<tr data-locality="([^"]+)"', table)


def test_the_pages_of_many_units_show_the_ends_of_the_ranking_a_page_of_units_a_bounded_map(
    client, bob, many
):
    client.force_login(bob)
    base = f"/plans/{many.code}/dashboard/"
    html = client.get(f"{base}?year={YEAR}").content.decode()
    shown = _ranked_rows(html)
    assert len(shown) == 30  # the best 15 and the worst 15
    assert 'id="ranking-gap"' in html and "ranking=all" in html
    assert "chart-bars-many" in html
    whole = client.get(f"{base}?year={YEAR}&ranking=all").content.decode()
    assert len(_ranked_rows(whole)) == 80 and 'id="ranking-gap"' not in whole
    assert 'id="ranking-pages"' in whole and 'id="units-pager"' in whole  # the pages' one pager
    # A unit found in the whole ranking by name or code (planwatch.pages.UnitsPage), the year kept.
    unit = many.localities.filter(pilot=True).order_by("code")[41]
    found = client.get(f"{base}?year={YEAR}&ranking=all&q={unit.name_zh}").content.decode()
    assert unit.code in _ranked_rows(found) and len(_ranked_rows(found)) < 5
    assert 'name="year" value="2022"' in found and 'name="ranking" value="all"' in found
    # No hit: the pager says so, and no empty chart or table stands above it.
    none = client.get(f"{base}?year={YEAR}&ranking=all&q=不存在").content.decode()
    assert 'id="units-none"' in none and 'id="ranking-chart"' not in none and 'id="tie-note"' not in none

    # An indicator page: a page of 50 units at a time (table and chart).
    code = many.indicators.order_by("code").first().code
    first = client.get(f"/plans/{many.code}/dashboard/indicators/{code}/").content.decode()
    second = client.get(f"/plans/{many.code}/dashboard/indicators/{code}/?page=2").content.decode()
    rows = lambda html: re.findall(r'<tr data-locality="([^"]+)"', html)  # noqa: E731
    assert len(rows(first)) == 50 and len(rows(second)) == 30
    assert not set(rows(first)) & set(rows(second))
    assert 'id="units-pages"' in first and 'id="units-search"' in first
    by_code = client.get(f"/plans/{many.code}/dashboard/indicators/{code}/?q={unit.code}").content.decode()
    assert rows(by_code) == [unit.code] and 'rel="next"' not in by_code

    # The map: bounded, tagged, a repeated view not sent again.
    url = f"/plans/{many.code}/dashboard/map.json"
    response = client.get(url)
    assert response.status_code == 200
    # 80 counties over the country, the cities of their provinces around them, thinned to the view:
    # under a megabyte (at a province's detail, 300 counties were 9.6 MB).
    assert len(response.content) < 1_000_000, len(response.content)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def _content(plan: Plan) -> core.BulletinContent:
    run = plan.evaluation_runs.get(year=YEAR)
    inp, content = services.contents(
        plan, services.period_of(plan, str(YEAR)), run, dt.date(2023, 1, 10), None
    )
    return content


def test_a_bulletin_of_many_units_names_the_ends_and_counts_the_rest(many):
    content = _content(many)
    assert scale.many(content)
    blocks = tables.outline(content)
    by_key = {b.table.key: b.table for b in blocks if b.table is not None}
    ranking = by_key["ranking"]
    assert len(ranking.rows) == 31 and ranking.rows[15][0] == "…"  # 15 + the gap + 15
    assert "前15名和后15名" in ranking.caption
    assert by_key["indicators"].header[2] == "全区域" and len(by_key["indicators"].header) < 10
    assert len(by_key["classes"].rows) == 30
    assert "前15名和后15名，共80个地区" in _ranking_caption(content)
    assert len(_map_named(content)) == 10
    assert len(_trend_lines(content)) <= 6
    # The rank chart draws 31 labels (15, the gap, 15), not 80.
    charts = core.draw_charts(content)
    assert charts[0].key == "ranking" and charts[0].png.startswith(b"\x89PNG")
    # The PDF: a few pages, not one column per unit.
    laid = pdf.layout(content.with_charts(charts))
    assert len(laid.pages) <= 16, len(laid.pages)


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


def test_query_counts_do_not_grow_with_many_units(client, bob, tmp_path, many, monkeypatch):
    # The idle session is saved again a minute after the last renewal: on a loaded machine that
    # minute can pass between two counted views (three queries more), so it does not here.
    monkeypatch.setattr(middleware, "RENEW_SESSION_EVERY", 10**9)
    fewer = synth(tmp_path, 40)
    client.force_login(bob)
    code = many.indicators.order_by("code").first().code
    tails = (
        f"?year={YEAR}",
        f"?year={YEAR}&ranking=all",
        f"?year={YEAR}&ranking=all&q=1&page=2",
        f"indicators/{code}/",
        f"indicators/{code}/?q=1",
        "map.json",
    )
    for tail in tails:  # a first view each: the map made (slow), the idle session renewed once
        for p in (fewer, many):
            client.get(f"/plans/{p.code}/dashboard/{tail}")
    for tail in tails:
        counts = [_queries(client, f"/plans/{p.code}/dashboard/{tail}") for p in (fewer, many)]
        assert counts[0] == counts[1], (tail, counts)


def test_a_draft_of_many_units_opens_from_its_kept_page_and_folds_its_addressees(
    client, alice, many, monkeypatch
):
    """Its page is the one kept with its files (not the run made into content again), and issuing
    lists the localities to address folded, all chosen. An annex alone (XLSX) draws no chart: its
    build reads no map (a country's counties take minutes)."""

    def no_map(plan):
        raise AssertionError("an XLSX build read the map")

    monkeypatch.setattr(services, "map_shapes", no_map)
    bulletin = services.build_bulletin(
        many, str(YEAR), formats=["xlsx"], user=alice, run=many.evaluation_runs.get(year=YEAR)
    )

    def no_content(*args, **kwargs):
        raise AssertionError("the page made the content again")

    monkeypatch.setattr(services, "contents", no_content)
    client.force_login(alice)
    html = client.get(
        f"/plans/{many.code}/bulletins/{bulletin.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert 'id="preview"' in html and "前15名和后15名" in html
    # the 80 counties and the cities approving their values
    addressable = issuing.addressable_localities(many).count()
    assert addressable > 80 and html.count('name="to_locality"') == addressable
    assert '<details id="to-localities">' in html and f"共 {addressable} 个地区，已全选" in html


def test_the_addressees_of_many_units_are_said_at_once(many, plan):
    """主送 of every one of 80 pilot units (and the 80 cities approving their values) is two phrases, not
    160 names; the seed plan's seven are named one by one, in order."""
    localities = list(issuing.addressable_localities(many))
    units = list(many.units.order_by("order")[:1])
    said = services.addressee_names(many, localities, units)
    assert said == ("各试点地区（共80个）", "有关上级地区（共80个）", units[0].name_zh)
    some = [loc for loc in localities if loc.pilot][:40]
    assert services.addressee_names(many, some, []) == tuple(loc.name_zh for loc in some)
    seven = list(issuing.addressable_localities(plan))
    assert services.addressee_names(plan, seven, []) == tuple(loc.name_zh for loc in seven)
