"""A plan of many pilot units (issue 18, national size): the reporting home sums the period's values by
area and lists a page of units at a time, searchable, one's own first; the breakdown table shows 50
units a page, a save writes the page's cells only and the totals count every unit; the query counts
do not grow with the units; the seed plan's pages are as before."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from planwatch.accounts.models import Profile
from planwatch.breakdown import views as breakdown_views
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Indicator, Plan, Target
from planwatch.reporting import views as reporting_views
from planwatch.web import middleware
from tests.test_national_size import _queries

pytestmark = pytest.mark.django_db


def synth(tmp_path: Path, units: int, provinces: bool = True) -> Plan:
    """A synthetic plan of `units` counties (under their cities and provinces), with sample data."""
    path = tmp_path / f"synth{units}.yaml"
    call_command(
        "synth_plan", localities=units, indicators=3, years=3, seed=3, provinces=provinces, output=str(path)
    )
    plan = load_plan_file(path).plan
    call_command("load_sample", plan=plan.code)
    return plan


@pytest.fixture
def many(tmp_path) -> Plan:
    return synth(tmp_path, 80)


def _units(html: str) -> list[str]:
    """The pilot units listed in the reporting home's table of units."""
    return re.findall(r'<tr id="locality-([^"]+)"', html)


def _rows(html: str) -> list[str]:
    """The pilot units of a breakdown table's rows."""
    return re.findall(r'<tr data-locality="([^"]+)"', html)


def _lead(django_user_model, plan: Plan, indicator: Indicator):
    user = django_user_model.objects.create_user("lead", "lead@example.org", "lead-password")
    Profile.objects.create(user=user, role=Profile.Role.LEAD_UNIT, unit=indicator.lead_unit)
    return user


def test_the_reporting_home_of_many_units_sums_by_area_and_lists_a_page_of_units(
    client, alice, django_user_model, many, monkeypatch
):
    monkeypatch.setattr(reporting_views, "HOME_PAGE", 30)
    client.force_login(alice)
    base = f"/plans/{many.code}/report/"
    html = client.get(base).content.decode()
    # The sums by area: a row for each province (the plan's tops), its units counted once in all.
    summary = html[
        html.index('id="group-summary"') : html.index("</section>", html.index('id="group-summary"'))
    ]
    provinces = set(many.localities.filter(parent=None).values_list("code", flat=True))
    areas = re.findall(r'<tr data-area="([^"]*)"', summary)
    assert set(areas) <= provinces and len(areas) > 10
    assert sum(int(n) for n in re.findall(r'data-count="units">(\d+)<', summary)) == 80
    # The units, 30 a page (100 in production): three pages, none twice.
    pages = [_units(client.get(f"{base}?page={n}").content.decode()) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [30, 30, 20]
    assert len({code for p in pages for code in p}) == 80
    assert 'id="units-pages"' in html and 'rel="next"' in html

    # Found by name or by code, within the period chosen.
    unit = many.localities.filter(pilot=True).order_by("code")[57]
    by_name = _units(client.get(f"{base}?q={unit.name_zh}").content.decode())
    assert unit.code in by_name and len(by_name) < 5
    assert _units(client.get(f"{base}?period=2021&q={unit.code}").content.decode()) == [unit.code]
    none = client.get(f"{base}?q=no-such-unit").content.decode()
    assert _units(none) == [] and 'id="units-none"' in none
    # An area of the sums: its units only, the search form keeping it.
    province = unit.parent.parent
    listed = client.get(f"{base}?area={province.code}").content.decode()
    within = set(many.localities.filter(parent__parent=province, pilot=True).values_list("code", flat=True))
    assert set(_units(listed)) == within
    assert f'name="area" value="{province.code}"' in listed

    # A reporter's own unit first, whichever page it would be on.
    reporter = django_user_model.objects.create_user("rita", "rita@example.org", "rita-password")
    Profile.objects.create(user=reporter, role=Profile.Role.LOCALITY_REPORTER, locality=unit)
    client.force_login(reporter)
    assert _units(client.get(base).content.decode())[0] == unit.code


def test_the_seed_plans_reporting_home_and_breakdown_are_as_before(client, alice, sampled):
    client.force_login(alice)
    home = client.get(f"/plans/{sampled.code}/report/").content.decode()
    assert len(_units(home)) == 7
    assert 'id="units-pager"' not in home and 'id="group-summary"' not in home
    table = client.get(f"/plans/{sampled.code}/breakdown/I22/").content.decode()
    assert len(_rows(table)) == 7 and 'id="units-pager"' not in table


def test_a_breakdown_of_many_units_is_paged_a_save_keeps_the_other_pages(client, django_user_model, many):
    ind = many.indicators.get(code="I001")
    client.force_login(_lead(django_user_model, many, ind))
    url = f"/plans/{many.code}/breakdown/{ind.code}/"
    first, second = client.get(url).content.decode(), client.get(f"{url}?page=2").content.decode()
    assert len(_rows(first)) == 50 and len(_rows(second)) == 30
    assert not set(_rows(first)) & set(_rows(second))
    assert 'id="units-pager"' in first and 'id="units-note"' in first
    # only the page's inputs are in the form (two plan years; a target of the plan text is fixed)
    inputs = re.findall(r'<input class="target[^"]*" name="t-(\d+)-(\d+)"', second)
    assert 50 < len(inputs) <= 30 * 2 and {code for code, _ in inputs} <= set(_rows(second))

    before = {(t.locality.code, t.year): t.value for t in ind.targets.filter(locality__isnull=False)}
    assert len(before) == 160
    # A save on page 2 (its inputs only, as the browser posts them): each 2022 target raised by 1.
    posted = {"action": "save"}
    for code, year in inputs:
        posted[f"t-{code}-{year}"] = str(before[(code, int(year))] + (1 if year == "2022" else 0))
    response = client.post(f"{url}?page=2", posted)
    assert response.status_code == 302 and response["Location"] == f"{url}?page=2"
    after = {(t.locality.code, t.year): t.value for t in ind.targets.filter(locality__isnull=False)}
    assert len(after) == 160  # nothing of page 1 dropped
    raised = {(code, int(year)) for code, year in inputs if year == "2022"}
    for key, value in before.items():
        assert after[key] == value + (1 if key in raised else 0), key

    # The totals under any page count every unit, as saved.
    page = client.get(url).content.decode()
    total = re.search(r'<td class="num[^"]*" data-year="2022" data-state="[^"]+">([^<\n]+)', page)
    assert total is not None
    stored = sum(v for (_, year), v in after.items() if year == 2022)
    assert Decimal(total.group(1).strip().replace(",", "")) == stored

    # A cell that is no number: the same page again, its problem at its cell, nothing written.
    code = _rows(second)[3]
    refused = client.post(f"{url}?page=2", {"action": "save", f"t-{code}-2022": "abc"})
    assert refused.status_code == 400
    assert _rows(refused.content.decode()) == _rows(second)
    assert Target.objects.get(indicator=ind, locality__code=code, year=2022).value == after[(code, 2022)]


def test_a_breakdown_of_many_units_finds_a_unit_by_name_or_code(client, alice, many, monkeypatch):
    monkeypatch.setattr(breakdown_views, "UNITS_PAGE", 20)
    client.force_login(alice)
    url = f"/plans/{many.code}/breakdown/I001/"
    assert [len(_rows(client.get(f"{url}?page={n}").content.decode())) for n in (1, 4)] == [20, 20]
    unit = many.localities.filter(pilot=True).order_by("code")[66]
    assert unit.code in _rows(client.get(f"{url}?q={unit.name_zh}").content.decode())
    found = client.get(f"{url}?q={unit.code}").content.decode()
    assert _rows(found) == [unit.code]
    assert 'rel="next"' not in found  # one page of one unit


def test_the_lists_query_counts_do_not_grow_with_many_units(client, alice, tmp_path, many, monkeypatch):
    monkeypatch.setattr(middleware, "RENEW_SESSION_EVERY", 10**9)
    fewer = synth(tmp_path, 40)
    Profile.objects.create(user=alice, role=Profile.Role.PROVINCE_ADMIN)
    client.force_login(alice)
    tails = ("report/", "report/?page=1&q=1", "report/?area=130000", "breakdown/I001/", "breakdown/I001/?q=3")
    for tail in tails:  # a first view each: the idle session renewed once
        for p in (fewer, many):
            client.get(f"/plans/{p.code}/{tail}")
    for tail in tails:
        counts = [_queries(client, f"/plans/{p.code}/{tail}") for p in (fewer, many)]
        assert counts[0] == counts[1], (tail, counts)
