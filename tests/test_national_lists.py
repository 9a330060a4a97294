"""A plan of many pilot units (issue 18, national size): the reporting home sums the period's values by
area and lists a page of units at a time, searchable, one's own first; the breakdown table shows 50
units a page, a save writes the page's cells only and the totals count every unit; the query counts
do not grow with the units; the seed plan's pages are as before."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from planwatch.accounts.models import Profile
from planwatch.breakdown import actions
from planwatch.breakdown import excel as breakdown_excel
from planwatch.breakdown import views as breakdown_views
from planwatch.breakdown.excel import export_breakdown, import_breakdown
from planwatch.breakdown.models import broken_down
from planwatch.breakdown.table import read_summaries, read_table
from planwatch.core import workbook
from planwatch.core.evaluation import area_values, build_panel
from planwatch.core.evaluation.breakdown import NAMED_MISSING
from planwatch.dashboards import data
from planwatch.evaluation.runs import ACCEPTED, build_input
from planwatch.kernel.models import AuditEvent
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Indicator, Plan, Target
from planwatch.reporting import views as reporting_views
from planwatch.reporting.models import ReportedValue
from planwatch.supervision import excel as supervision_excel
from planwatch.web import middleware
from tests.test_dashboard_views import in_english
from tests.test_national_size import _queries
from tests.test_supervision_excel import _filled

pytestmark = pytest.mark.django_db


def synth(tmp_path: Path, units: int, provinces: bool = True, sample: bool = True) -> Plan:
    """A synthetic plan of `units` counties (under their cities and provinces), with sample data."""
    path = tmp_path / f"synth{units}.yaml"
    call_command(
        "synth_plan", localities=units, indicators=3, years=3, seed=3, provinces=provinces, output=str(path)
    )
    plan = load_plan_file(path).plan
    if sample:
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
    tails = (
        "report/",
        "report/?page=1&q=1",
        "report/?area=130000",
        "breakdown/",
        "breakdown/I001/",
        "breakdown/I001/?q=3",
    )
    for tail in tails:  # a first view each: the idle session renewed once
        for p in (fewer, many):
            client.get(f"/plans/{p.code}/{tail}")
    for tail in tails:
        counts = [_queries(client, f"/plans/{p.code}/{tail}") for p in (fewer, many)]
        assert counts[0] == counts[1], (tail, counts)


def test_the_remind_button_of_many_late_units_names_ten_and_counts_the_rest(client, alice, many):
    """催报 of 80 late units: its message names ten of them (the breakdown's `NAMED_MISSING`, as a
    total's “no target for …” line) and counts the others, not a line of 80 names."""
    period = many.periods.get(code="2021")  # due long ago
    ReportedValue.objects.filter(period=period).delete()  # nobody has reported: every unit late
    Profile.objects.create(user=alice, role=Profile.Role.PROVINCE_ADMIN)
    client.force_login(alice)
    in_english(client)
    response = client.post(f"/plans/{many.code}/report/chase/{period.code}/", follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert len(said) == 1 and "80 late localities" in said[0], said
    units = list(many.localities.filter(pilot=True))
    named = [u for u in units if u.name_en in said[0]]
    assert len(named) == NAMED_MISSING and said[0].endswith(f" and {80 - NAMED_MISSING} more.")
    # every late unit reminded all the same (the action's one audit event names them all)
    assert len(AuditEvent.objects.get(type="period.chase").new["localities"]) == 80


def _whole_plans_area_rows(plan: Plan, members: list, year: int, statuses: tuple[str, ...]):
    """An area's totals as the area page made them before: from the whole plan's evaluation input
    (each indicator's total, its missing units, its members' values)."""
    inp, _ = build_input(plan, statuses=statuses, year=year)
    panel = build_panel(inp)
    codes = [m.code for m in members]
    scope = {loc.code: k for k, loc in enumerate(panel.localities)}
    y = panel.year_index(year)
    made = {r.indicator: r for r in area_values(panel, codes) if r.year == year}
    return {
        code: (
            data.number(r.value),
            sorted(r.missing),
            [
                data.number(None if math.isnan(v) else float(v))
                for v in panel.values[i, [scope[c] for c in codes], y]
            ],
        )
        for code, r in made.items()
        for i in [panel.indicator_index(code)]
    }


@pytest.mark.parametrize("statuses", [ACCEPTED, data.SHOWN_STATUSES])
def test_an_areas_totals_read_its_own_units_only_and_are_the_same(plan, many, statuses):
    """The area page's totals are made of its members' values alone (not the whole plan's input):
    the same totals, members' values and missing units as from the whole plan's, for every area of
    the seed plan (a unit inside another, counted once) and of a plan of 80 units with gaps."""
    gaps = ReportedValue.objects.filter(indicator__plan=many, period__year=2021).order_by("pk")[::7]
    ReportedValue.objects.filter(pk__in=[v.pk for v in gaps]).update(value=None)
    submitted = ReportedValue.objects.filter(indicator__plan=many, period__year=2021).order_by("-pk")[:40]
    ReportedValue.objects.filter(pk__in=[v.pk for v in submitted]).update(status="submitted")
    missing = 0
    for p, year in ((plan, 2018), (many, 2021)):
        localities = list(p.localities.order_by("order", "id"))
        for area, members in data.areas_of(localities).items():
            rows = data.area_rows(p, localities, members, year, statuses)
            before = _whole_plans_area_rows(p, members, year, statuses)
            assert {row.indicator.code for row in rows} == set(before), area
            names = {m.code: m.name for m in members}
            for row in rows:
                total, missed, values = before[row.indicator.code]
                assert (row.total, row.members) == (total, values), (area, row.indicator.code)
                assert sorted(row.missing) == sorted(names[c] for c in missed), (area, row.indicator.code)
                missing += len(row.missing)
    assert missing > 10  # the gaps are said


def test_an_areas_page_queries_do_not_grow_with_many_units(client, alice, tmp_path, many, monkeypatch):
    monkeypatch.setattr(middleware, "RENEW_SESSION_EVERY", 10**9)
    fewer = synth(tmp_path, 40)
    client.force_login(alice)
    urls = []
    for p in (fewer, many):
        area = next(iter(data.areas_of(list(p.localities.order_by("order", "id")))))
        urls.append(f"/plans/{p.code}/dashboard/localities/{area}/?year=2021")
        assert client.get(urls[-1]).status_code == 200  # a first view: the session renewed once
    counts = [_queries(client, url) for url in urls]
    assert counts[0] == counts[1], counts


def test_the_breakdown_list_counts_from_the_stored_targets_as_the_tables_do(client, alice, plan, many):
    """The breakdown index (and the API's list) make no table of every unit: each breakdown's state,
    sample mark and shortfalls (the region's and an area's, with their lines) are those of its own
    table, on the seed plan and on a plan of 80 units with a gap, a shortfall and an area's target."""
    ind = many.indicators.get(code="I001")
    city = next(iter(data.areas_of(list(many.localities.order_by("order", "id")))))
    Target.objects.create(indicator=ind, locality=many.localities.get(code=city), year=2022, value=10**9)
    unit = many.localities.filter(pilot=True).order_by("code").first()
    Target.objects.filter(indicator=ind, locality=unit, year=2021).delete()
    Target.objects.filter(indicator__plan=many, indicator__code="I002", locality__pilot=True).update(value=0)
    shown = 0
    for p in (plan, many):
        summaries = read_summaries(p)
        assert [s.indicator.code for s in summaries] == [i.code for i in broken_down(p)]
        for summary in summaries:
            ind = summary.indicator
            table = read_table(ind, actions.breakdown_of(ind))
            assert (summary.breakdown.status, summary.sample) == (table.breakdown.status, table.sample)
            assert [(c.year, c.text) for c in summary.shortfalls] == [
                (c.year, c.text) for c in table.shortfalls
            ]
            shown += len(summary.shortfalls)
    assert shown >= 2  # the area's 2022 and a region's year at least
    client.force_login(alice)
    page = client.get(f"/plans/{many.code}/breakdown/").content.decode()
    assert re.search(r'<tr data-indicator="I001" data-state="[^"]+">', page)
    assert page.count("flag shortfall") == sum(len(s.shortfalls) for s in read_summaries(many))


def _counting_loads(monkeypatch) -> list[bool]:
    """Each opening of an uploaded workbook by openpyxl (its read-only flag), counted."""
    opened: list[bool] = []
    load = workbook.load_workbook

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(kwargs.get("read_only", False))
        return load(*args, **kwargs)

    monkeypatch.setattr(workbook, "load_workbook", counted)
    return opened


def test_a_breakdown_workbook_of_many_units_is_read_once_to_its_last_unit(
    django_user_model, tmp_path, monkeypatch
):
    """A breakdown's upload of 250 units is read once, read-only (as the values template and the
    ledger), every row to the last unit: before, the rows after the 200th were left unread."""
    plan = synth(tmp_path, 250, sample=False)
    ind = plan.indicators.get(code="I001")
    lead = _lead(django_user_model, plan, ind)
    book = load_workbook(BytesIO(export_breakdown(read_table(ind, actions.breakdown_of(ind)), lead)))
    sheet = book[breakdown_excel.SHEET]
    year = plan.start_year
    rows = range(breakdown_excel.FIRST_ROW, breakdown_excel.FIRST_ROW + 250)
    for r in rows:  # the first year: below every later target of the plan text (10 and more)
        sheet.cell(row=r, column=breakdown_excel.FIRST_YEAR_COL, value=1 + r % 7)
    out = BytesIO()
    book.save(out)
    opened = _counting_loads(monkeypatch)
    import_breakdown(out.getvalue(), "many.xlsx", lead, ind)
    assert opened == [True]  # once, read-only
    saved = dict(Target.objects.filter(indicator=ind, year=year).values_list("locality__code", "value"))
    by_row = {sheet.cell(row=r, column=breakdown_excel.CODE_COL).value: r for r in rows}
    assert len(by_row) == 250 and all(saved[code] == 1 + r % 7 for code, r in by_row.items())


def test_an_action_plan_upload_is_read_once(plan, cast, monkeypatch):
    task = plan.tasks.order_by("order").first().code
    data = _filled(
        plan, [[None, task, "示范车间", "DST", "张三", dt.date(2018, 1, 1), "2018-06-30", "验收报告", ""]]
    )
    opened = _counting_loads(monkeypatch)
    assert supervision_excel.import_action_plan(data, "zh.xlsx", cast.zoe).added == 1
    assert opened == [True]  # once, read-only
