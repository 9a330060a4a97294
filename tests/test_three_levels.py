"""Three levels (plan file `review.approval`, docs/plan-file.md "Three levels"): a plan broken down
to counties (tests/fixtures/plans/three_levels_2020.yaml, 示例数据): the counties report, their city's
approver approves, the province accepts; a city's figures are its counties' sum and the region's
count each county once."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.forms import UserForm
from planwatch.accounts.models import Profile
from planwatch.bulletins import issuing
from planwatch.bulletins.models import Bulletin
from planwatch.core import hierarchy
from planwatch.core.errors import NotAllowed, PlanFileError, PlanWatchError
from planwatch.core.evaluation import (
    EvaluationInput,
    IndicatorSpec,
    LocalitySpec,
    Observation,
    PlanPeriod,
    area_values,
    build_panel,
)
from planwatch.core.evaluation.breakdown import plan_breakdown_problems
from planwatch.core.kinds import Aggregation, IndicatorKind
from planwatch.core.planfile import parse_plan_text, read_plan_file
from planwatch.evaluation.runs import explanations, run_evaluation
from planwatch.inbox import sources
from planwatch.notifications.models import Notification
from planwatch.plans import maps
from planwatch.plans.loader import load_plan_file, plan_to_document
from planwatch.plans.models import Plan
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.conftest import THREE_LEVELS_PLAN, _person

pytestmark = pytest.mark.django_db
S = ReportedValue.Status
R = Profile.Role
SHIXING, RENHUA, WENGYUAN, DAPU, FENGSHUN = "440222", "440224", "440229", "441422", "441423"
SHAOGUAN, MEIZHOU = "440200", "441400"
COUNTIES = (SHIXING, RENHUA, WENGYUAN, DAPU, FENGSHUN)


def _enter(plan: Plan, user, code: str, year: int, **values: int):
    locality = plan.localities.get(code=code)
    period = yearly_period(plan, year)
    entries = [
        wf.Entry(plan.indicators.get(code=c), Decimal(v), expected_version=0) for c, v in values.items()
    ]
    wf.save_values(user, locality, period, entries)
    return locality, period


def test_the_plan_loads_with_its_three_levels(three):
    levels = {
        loc.code: (loc.level, loc.parent.code if loc.parent else None, loc.pilot)
        for loc in three.localities.all()
    }
    assert levels[SHAOGUAN] == ("city", "440000", False)
    assert levels[SHIXING] == ("county", SHAOGUAN, True)
    assert levels[DAPU] == ("county", MEIZHOU, True)
    assert [loc.code for loc in three.localities.get(code=SHIXING).approval_chain()] == [SHAOGUAN]
    assert all(three.localities.get(code=c).counted_in_region_total() for c in COUNTIES)
    assert plan_to_document(three) == read_plan_file(THREE_LEVELS_PLAN)  # its review and levels exported
    assert load_plan_file(THREE_LEVELS_PLAN).status == "unchanged"


def test_a_county_reports_its_city_approves_the_province_accepts(three, people):
    sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=40)
    wf.submit(people.sid, sx, period)
    with pytest.raises(NotAllowed):  # another city's approver
        wf.approve(people.mei, sx, period)
    wf.approve(people.sha, sx, period)
    assert set(ReportedValue.objects.filter(locality=sx, period=period).values_list("status", flat=True)) == {
        S.APPROVED
    }
    wf.accept(people.pia, sx, period)
    assert set(ReportedValue.objects.filter(locality=sx, period=period).values_list("status", flat=True)) == {
        S.ACCEPTED
    }


def _inbox_links(plan: Plan, user) -> list[str]:
    return [item.link for box in sources.inbox(plan, user, dt.date(2019, 3, 1)) for item in box.items]


def test_the_city_approver_finds_its_counties_values_in_the_inbox_and_workbench(three, people, client):
    sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=40)
    wf.submit(people.sid, sx, period)
    bench = reverse("review:locality", args=[three.code, SHIXING, period.code])
    assert bench in _inbox_links(three, people.sha)
    assert bench not in _inbox_links(three, people.mei)
    client.force_login(people.sha)
    page = client.get(bench)
    assert page.status_code == 200
    assert "始兴县" in page.content.decode()
    home = client.get(reverse("review:index", args=[three.code]), follow=True).content.decode()
    assert f'href="{bench}"' in home  # the reporting home links the county's workbench
    client.force_login(people.mei)
    assert client.get(bench).status_code == 403
    home = client.get(reverse("review:index", args=[three.code]), follow=True).content.decode()
    assert f'href="{bench}"' not in home


def test_a_county_does_not_see_another_countys_drafts(three, people, client):
    sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=4321)
    drafts = ReportedValue.objects.filter(locality=sx, period=period)
    assert not wf.visible_values(people.ren, drafts).exists()
    assert not wf.visible_values(people.sha, drafts).exists()  # the city sees what is submitted
    assert wf.visible_values(people.sid, drafts).count() == 2
    form = reverse("reporting:entry", args=[three.code, SHIXING, period.code])
    for user, shown in ((people.sid, True), (people.ren, False), (people.sha, False)):
        client.force_login(user)
        assert ("4321" in client.get(form).content.decode()) == shown, user
    wf.submit(people.sid, sx, period)
    client.force_login(people.sha)
    assert "4321" in client.get(form).content.decode()


def _accepted(plan: Plan, people, reporter, code: str, year: int, **values: int) -> None:
    locality, period = _enter(plan, reporter, code, year, **values)
    wf.submit(reporter, locality, period)
    city = locality.approval_chain()[0]
    approver = people.sha if city.code == SHAOGUAN else people.mei
    wf.approve(approver, locality, period)
    wf.accept(people.pia, locality, period)


@pytest.fixture
def all_accepted(three, people, django_user_model):
    """2018, every county's values accepted: 韶关 3 + 2 + 1 = 6 and 40 + 30 + 20 = 90, 梅州 4 + 5 = 9
    and 50 + 60 = 110; the region 15 and 200."""
    figures = {SHIXING: (3, 40), RENHUA: (2, 30), WENGYUAN: (1, 20), DAPU: (4, 50), FENGSHUN: (5, 60)}
    for code, (i01, i02) in figures.items():
        reporter = _person(django_user_model, three, f"r{code}", R.LOCALITY_REPORTER, locality=code)
        _accepted(three, people, reporter, code, 2018, I01=i01, I02=i02)
    return three


def test_the_region_counts_each_county_once(all_accepted):
    run = run_evaluation(all_accepted, 2018)
    region = {r.indicator: r for r in run.evaluation.region}
    assert (region["I01"].value, region["I02"].value) == (15, 200)
    assert set(region["I01"].counted) == set(COUNTIES)  # the cities are not counted beside them


def test_the_city_dashboard_rolls_up_its_counties(all_accepted, people, client):
    client.force_login(people.sha)
    page = client.get(reverse("dashboards:locality", args=[all_accepted.code, SHAOGUAN]) + "?year=2018")
    assert page.status_code == 200
    rows = {r.indicator.code: r for r in page.context["rows"]}
    assert (rows["I01"].total, rows["I02"].total) == ("6", "90")
    assert rows["I01"].members == ["3", "2", "1"]
    assert [m.code for m in page.context["members"]] == [SHIXING, RENHUA, WENGYUAN]
    meizhou = client.get(reverse("dashboards:locality", args=[all_accepted.code, MEIZHOU]) + "?year=2018")
    assert {r.indicator.code: r.total for r in meizhou.context["rows"]} == {"I01": "9", "I02": "110"}
    county = client.get(reverse("dashboards:locality", args=[all_accepted.code, SHIXING]) + "?year=2018")
    assert county.status_code == 200  # a county's own page, as a pilot unit's, linking its city's
    assert f'id="area-link" href="/plans/{all_accepted.code}/dashboard/localities/{SHAOGUAN}/?year=2018"' in (
        county.content.decode()
    )
    overview = client.get(reverse("dashboards:overview", args=[all_accepted.code]) + "?year=2018")
    assert [(a["code"], a["url"]) for a in overview.context["chart"]["areas"]] == [
        (code, reverse("dashboards:locality", args=[all_accepted.code, code]) + "?year=2018")
        for code in (SHAOGUAN, MEIZHOU)
    ]  # the map opens a city's page when it is clicked
    province = client.get(reverse("dashboards:locality", args=[all_accepted.code, "440000"]))
    assert province.status_code == 404  # the region's totals are the overview's


def test_a_city_total_waits_for_every_county(three, people, client):
    _accepted(three, people, people.sid, SHIXING, 2018, I01=3, I02=40)
    client.force_login(people.sha)
    page = client.get(reverse("dashboards:locality", args=[three.code, SHAOGUAN]) + "?year=2018")
    rows = {r.indicator.code: r for r in page.context["rows"]}
    assert rows["I01"].total == "—"
    assert rows["I01"].missing == ["仁化县", "翁源县"]


# --- the rule itself, Django-free -----------------------------------------------------------------


def test_an_area_is_made_by_the_region_rule_each_unit_once():
    """A city's total adds its counted pilot units (a county inside a county-level unit whose figures
    include it, here C2 inside C1, is not added twice) and recomputes a share from its summed parts."""
    nodes = hierarchy.by_code(
        [
            hierarchy.LocalityNode("P", None, False, False),
            hierarchy.LocalityNode("A", "P", False, False),
            hierarchy.LocalityNode("C1", "A", True, True),
            hierarchy.LocalityNode("C2", "C1", True, False),
            hierarchy.LocalityNode("C3", "A", True, False),
            hierarchy.LocalityNode("B", "P", False, False),
            hierarchy.LocalityNode("C4", "B", True, False),
        ]
    )
    assert hierarchy.pilots_within("A", nodes) == ("C1", "C2", "C3")
    assert hierarchy.pilots_within("P", nodes) == ("C1", "C2", "C3", "C4")
    assert hierarchy.pilots_within("C3", nodes) == ()
    localities = tuple(
        LocalitySpec(code, hierarchy.counted_in_region_total(code, nodes), nodes[code].parent)
        for code in ("C1", "C2", "C3", "C4")
    )
    indicators = (
        IndicatorSpec("N", IndicatorKind.LEVEL, Aggregation.SUM),
        IndicatorSpec("D", IndicatorKind.LEVEL, Aggregation.SUM),
        IndicatorSpec(
            "S", IndicatorKind.SHARE, Aggregation.RECOMPUTE, components={"numerator": "N", "denominator": "D"}
        ),
    )
    figures = {"C1": (30, 100, 30), "C2": (10, 50, 20), "C3": (20, 100, 20), "C4": (5, 10, 50)}
    observations = tuple(
        Observation(ind, code, 2018, value)
        for code, values in figures.items()
        for ind, value in zip(("N", "D", "S"), values, strict=True)
    )
    panel = build_panel(
        EvaluationInput(PlanPeriod(2017, 2018, 2020), indicators, localities, observations=observations)
    )
    area = {r.indicator: r for r in area_values(panel, ["C1", "C2", "C3"]) if r.year == 2018}
    assert (area["N"].value, area["D"].value, area["S"].value) == (50, 200, 25)  # C2 not again
    assert area["N"].counted == ("C1", "C3")
    region = {r.indicator: r for r in panel.region_values() if r.year == 2018}
    assert (region["N"].value, region["D"].value) == (55, 210)
    missing = {r.indicator: r for r in area_values(panel, ["C1", "C3"]) if r.year == 2019}
    assert missing["N"].value is None and missing["N"].missing == ("C1", "C3")


def test_it_ranks_its_counties_draws_their_map_and_makes_a_bulletin(all_accepted, tmp_path):
    run = run_evaluation(all_accepted, 2018)
    assert {s["locality"] for s in run.results["composite"]["scores"]} == set(COUNTIES)
    found = maps.plan_map(all_accepted)
    assert set(found.labels) == {*COUNTIES, SHAOGUAN, MEIZHOU}  # each by its own boundary, labelled
    call_command(
        "bulletin",
        "--plan",
        all_accepted.code,
        "--period",
        "2018",
        "--format",
        "xlsx,docx",
        "-o",
        str(tmp_path),
        "--no-sensitivity",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Bulletin.objects.get(plan=all_accepted).run.plan == all_accepted
    # The cities' own targets, judged on their counties' total, in the annex and in the document.
    [xlsx] = tmp_path.glob(f"bulletin-{all_accepted.code}-*.xlsx")
    sheet = openpyxl.load_workbook(xlsx)["市本级目标 Areas"]
    rows = [row[:6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        (SHAOGUAN, "韶关市", "I01", "骨干企业数", 6, 24),
        (MEIZHOU, "梅州市", "I01", "骨干企业数", 9, 21),
    ]
    [docx] = tmp_path.glob(f"bulletin-{all_accepted.code}-*.docx")
    document = Document(str(docx))
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "地区" and len(t.columns) == 7]
    assert [c.text for c in table.rows[1].cells[:5]] == ["韶关市", "I01", "骨干企业数", "6", "24（2020年）"]
    assert "滞后" in table.rows[1].cells[5].text and "落后 8.3 个百分点" in table.rows[1].cells[6].text


def test_a_county_submission_tells_its_city_approver(three, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=40)
        wf.submit(people.sid, sx, period)
    assert {n.user.username for n in Notification.objects.all()} == {"sha"}  # not 梅州's approver
    with django_capture_on_commit_callbacks(execute=True):
        wf.approve(people.sha, sx, period)
    assert "pia" in {n.user.username for n in Notification.objects.all()}


def test_a_county_with_an_approver_of_its_own_is_approved_by_it_then_its_city(
    three, people, django_user_model
):
    three.approval = {"default": ["self"], "county": ["self", "parent"]}
    three.save()
    sue = _person(django_user_model, three, "sue", R.LOCALITY_APPROVER, locality=SHIXING)
    sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=40)
    wf.submit(people.sid, sx, period)
    with pytest.raises(NotAllowed):  # the city comes second
        wf.approve(people.sha, sx, period)
    wf.approve(sue, sx, period)
    assert set(ReportedValue.objects.filter(locality=sx).values_list("status", "approvals")) == {
        (S.SUBMITTED, 1)
    }
    wf.approve(people.sha, sx, period)
    wf.accept(people.pia, sx, period)
    assert set(ReportedValue.objects.filter(locality=sx).values_list("status", "approvals")) == {
        (S.ACCEPTED, 2)
    }


def test_the_demo_roles_give_each_city_an_approver(three, capsys):
    call_command("demo_user", "--with-roles", "--plan", three.code)
    approvers = dict(
        Profile.objects.filter(role=R.LOCALITY_APPROVER).values_list("user__username", "locality__code")
    )
    assert approvers == {"shaoguan_approver": SHAOGUAN, "meizhou_approver": MEIZHOU}


def test_a_city_may_have_approvers_but_no_reporters(three):
    city, province = three.localities.get(code=SHAOGUAN), three.localities.get(code="440000")
    assert [loc.code for loc in three.approving_localities()] == [SHAOGUAN, MEIZHOU]
    user = save_user(None, Account("shao", R.LOCALITY_APPROVER, locality=city, password="Shao-pass-2026!"))
    assert user.profile.locality == city
    with pytest.raises(PlanWatchError, match="韶关市不是本方案的试点单位"):
        save_user(None, Account("shar", R.LOCALITY_REPORTER, locality=city, password="Shar-pass-2026!"))
    with pytest.raises(PlanWatchError, match="广东省不审核本方案任何试点单位的数值"):
        save_user(None, Account("gdap", R.LOCALITY_APPROVER, locality=province, password="Gdap-pass-2026!"))
    assert city in UserForm(plan=three).fields["locality"].queryset
    assert province not in UserForm(plan=three).fields["locality"].queryset


def test_its_sample_data_adds_up_on_the_city_page_and_says_so(three, people, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_sample", "--plan", three.code, stdout=io.StringIO())
    client.force_login(people.sha)
    page = client.get(reverse("dashboards:locality", args=[three.code, SHAOGUAN]) + "?year=2019")
    rows = {r.indicator.code: r for r in page.context["rows"]}
    counties = ReportedValue.objects.filter(
        indicator__code="I01", period__year=2019, locality__code__in=[SHIXING, RENHUA, WENGYUAN]
    )
    assert rows["I01"].total == str(sum(int(v.value) for v in counties))
    assert 'data-caveat="sample"' in page.content.decode()  # 示例数据


def test_the_city_approvers_home_costs_no_query_per_county(
    three, people, client, django_user_model, django_assert_max_num_queries
):
    home = reverse("reporting:home", args=[three.code]) + "?period=2018"
    sx, period = _enter(three, people.sid, SHIXING, 2018, I01=3, I02=40)
    wf.submit(people.sid, sx, period)
    client.force_login(people.sha)
    client.get(home)
    with django_assert_max_num_queries(30) as one:
        client.get(home)
    for code in (RENHUA, WENGYUAN):
        reporter = _person(django_user_model, three, f"r{code}", R.LOCALITY_REPORTER, locality=code)
        county, _period = _enter(three, reporter, code, 2018, I01=1, I02=10)
        wf.submit(reporter, county, period)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(home)
    assert [r.locality.code for r in page.context["rows"] if r.reviews] == [SHIXING, RENHUA, WENGYUAN]


# --- a city's own target --------------------------------------------------------------------------


def test_a_city_is_judged_against_its_own_target_by_its_counties_figures(all_accepted):
    """韶关市 24 by 2020 (its counties 10 + 8 + 6): 6 in 2018 is 25 % of the way at a third of the
    time, lagging; 梅州市 21: 9 is 42.9 %, ahead. The run stores the cities' results beside the
    counties' and explains them; a city is not ranked."""
    run = run_evaluation(all_accepted, 2018)
    cities = {(r.scope, r.indicator): r for r in run.evaluation.areas}
    assert set(cities) == {(SHAOGUAN, "I01"), (MEIZHOU, "I01")}  # I02 gives the cities no target
    shaoguan, meizhou = cities[(SHAOGUAN, "I01")], cities[(MEIZHOU, "I01")]
    assert (shaoguan.value, shaoguan.target, shaoguan.target_year) == (6, 24, 2020)
    assert shaoguan.progress == pytest.approx(6 / 24) and shaoguan.elapsed == pytest.approx(1 / 3)
    assert (shaoguan.pace.value, meizhou.pace.value) == ("lagging", "ahead")
    assert {r.scope for r in run.evaluation.indicators} == {*COUNTIES, "region"}  # counties, region
    scores = run.results["composite"]["scores"]
    assert {s["locality"] for s in scores} == set(COUNTIES)  # the cities are not ranked
    why = {(e["scope"], e["indicator"]): e["zh"] for e in explanations(run)}
    assert why[(SHAOGUAN, "I01")] == (
        "未设2018年目标；规划目标 24家（2020年）已完成 25.0%，时序进度 33.3%，落后 8.3 个百分点"
    )


def test_a_city_total_without_every_county_names_them(three, people):
    _accepted(three, people, people.sid, SHIXING, 2018, I01=3, I02=40)
    run = run_evaluation(three, 2018)
    shaoguan = next(r for r in run.evaluation.areas if r.scope == SHAOGUAN)
    assert shaoguan.outcome.value == "missing_data" and shaoguan.missing_localities == (RENHUA, WENGYUAN)
    why = {(e["scope"], e["indicator"]): e["zh"] for e in explanations(run)}
    assert why[(SHAOGUAN, "I01")] == "缺少仁化县、翁源县的数据"


def test_a_citys_target_is_checked_against_its_counties_targets(tmp_path):
    """The file's breakdown check: 始兴 10 + 仁化 8 + 翁源 6 = 24 covers 韶关市's 24; 25 would not."""
    assert plan_breakdown_problems(read_plan_file(THREE_LEVELS_PLAN)) == []
    text = THREE_LEVELS_PLAN.read_text(encoding="utf-8").replace("韶关市24家", "韶关市25家")
    text = text.replace("{scope: 440200, year: 2020, value: 24", "{scope: 440200, year: 2020, value: 25")
    doc = parse_plan_text(text, name="three.yaml")
    [(where, message)] = plan_breakdown_problems(doc)
    assert where == ("indicators", 0, "targets")
    assert message == ("2020: The total falls short of Shaoguan's target: 24 家 against 25 家, 1 家 short")


def test_only_a_pilot_unit_or_a_city_above_them_carries_a_target():
    text = THREE_LEVELS_PLAN.read_text(encoding="utf-8").replace(
        "{scope: 440200, year: 2020, value: 24", "{scope: 440000, year: 2020, value: 24"
    )
    with pytest.raises(PlanFileError) as info:
        parse_plan_text(text, name="three.yaml")
    assert "locality '440000' is neither a pilot unit nor above one" in info.value.describe()


def test_the_city_page_shows_its_own_target_and_verdict(all_accepted, people, client):
    run_evaluation(all_accepted, 2018)
    client.force_login(people.sha)
    page = client.get(reverse("dashboards:locality", args=[all_accepted.code, SHAOGUAN]) + "?year=2018")
    [row] = page.context["judged"]
    assert (row["indicator"].code, row["value"], row["target"]) == ("I01", "6", "24")
    assert row["pace"]["label"] == "滞后" and "落后 8.3 个百分点" in row["why"]
    html = page.content.decode()
    assert 'id="area-targets"' in html and "韶关市的目标" in html


def test_the_breakdown_page_checks_a_citys_target_too(three, people, client, django_user_model):
    """The breakdown page: the counties' 2020 targets add up to 24 under 韶关市's own 24 (covered)
    and to 21 under 梅州市's 21; a county target lowered shows the region's shortfall and the city's,
    which stop a submission where the plan file makes them errors (`_check_totals` reads them)."""
    admin = _person(django_user_model, three, "adm", R.PROVINCE_ADMIN)
    client.force_login(admin)
    page = client.get(reverse("breakdown:table", args=[three.code, "I01"]))
    table = page.context["table"]
    by_area = {a.area.code: {c.year: c for c in a.columns} for a in table.areas}
    assert set(by_area) == {SHAOGUAN, MEIZHOU}
    assert by_area[SHAOGUAN][2020].zh == "合计 24 家，达到韶关市目标 24 家"
    assert not table.shortfalls
    html = page.content.decode()
    assert f'data-area-total="{SHAOGUAN}"' in html and "韶关市下辖合计" in html
    three.indicators.get(code="I01").targets.filter(locality__code=SHIXING).update(value=9)
    table = client.get(reverse("breakdown:table", args=[three.code, "I01"])).context["table"]
    assert [c.zh for c in table.shortfalls] == [
        "合计低于区域目标：合计 44 家，区域目标 45 家，相差 1 家",
        "合计低于韶关市目标：合计 23 家，韶关市目标 24 家，相差 1 家",
    ]


def test_a_bulletin_may_be_addressed_to_the_cities_that_approve(three):
    """The cities approve their counties' values and have targets of their own: they are offered as
    addressees (主送, 抄送) beside the counties."""
    assert [loc.code for loc in issuing.addressable_localities(three)] == [
        SHAOGUAN,
        SHIXING,
        RENHUA,
        WENGYUAN,
        MEIZHOU,
        DAPU,
        FENGSHUN,
    ]
