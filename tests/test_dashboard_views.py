"""The dashboards as a signed-in official reads them: the numbers are the evaluation run's, a run is
reused while the accepted data stay the same, empty states say what is missing and who provides
it, drafts never show, and the indicator's data downloads as CSV and XLSX."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from planwatch.core import numbers
from planwatch.core.evaluation import AnnualVerdict, PaceStatus
from planwatch.dashboards import data
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import run_evaluation
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.results import indicator_result

pytestmark = pytest.mark.django_db


def in_english(client) -> None:  # type: ignore[no-untyped-def]
    """The language switch's cookie: the pages' own labels in English (no translation merge needed)."""
    client.cookies["django_language"] = "en"


def url(plan, tail: str = "") -> str:
    return f"/plans/{plan.code}/dashboard/{tail}"


def test_signed_out_is_sent_to_log_in(client, plan):
    for tail in ["", "localities/ZH/", "indicators/I01/", "indicators/I01/data.csv", "measures/1/I01.json"]:
        response = client.get(url(plan, tail))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_map_measure_is_tagged_by_its_run_and_only_of_its_plan(client, sampled, cast):
    run = run_evaluation(sampled, 2018)
    client.force_login(cast.vic)
    first = client.get(url(sampled, f"measures/{run.pk}/I01.json"))
    assert first.status_code == 200 and first["ETag"] and "private" in first["Cache-Control"]
    again = client.get(url(sampled, f"measures/{run.pk}/I01.json"), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    other = client.get(url(sampled, f"measures/{run.pk}/I02.json"))
    assert other.status_code == 200 and other["ETag"] != first["ETag"]
    assert client.get(url(sampled, f"measures/{run.pk}/NOPE.json")).status_code == 404
    assert client.get(url(sampled, f"measures/{run.pk + 1}/I01.json")).status_code == 404
    assert client.get(f"/plans/nope/dashboard/measures/{run.pk}/I01.json").status_code == 404
    # a run that read submitted values too is never the overview's: none of its measures either
    wider = run_evaluation(sampled, 2018, include_unaccepted=True)
    assert client.get(url(sampled, f"measures/{wider.pk}/I01.json")).status_code == 404


def test_overview_shows_the_run_numbers(client, sampled, cast):
    run = run_evaluation(sampled, 2018)
    client.force_login(cast.vic)  # a viewer reads the dashboard
    in_english(client)
    response = client.get(url(sampled, "?year=2018"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-run="{run.pk}"' in page
    assert EvaluationRun.objects.count() == 1  # the stored run, not a new one
    rows = {r["indicator"].code: r for r in response.context["rows"]}
    text = set(
        sampled.indicators.values_list("code", flat=True)
    )  # the derived ones have a table of their own
    region = {
        r.indicator: r for r in run.evaluation.indicators if r.scope == "region" and r.indicator in text
    }
    assert rows["I01"]["value"] == data.number(region["I01"].value) == "463"
    # the plan sets the region no 2018 target: no annual completion, progress to 2019 against time
    assert rows["I01"]["completion"] == "—" and rows["I01"]["annual"]["key"] == "no_target"
    assert rows["I01"]["progress"] == data.percent(region["I01"].progress) == "57.9%"
    assert rows["I01"]["elapsed"] == "66.7%"
    assert rows["I01"]["status"]["key"] == "lagging" == rows["I01"]["pace"]["key"]
    assert rows["I01"]["why"] == (
        "no target set for 2018; final target 800 units (2019), 57.9% reached, 66.7% of the time elapsed, "
        "8.8 points behind"
    )
    # the counts by status are those of the run's region results: the four steps of pace always,
    # any other state (完成, 缺数据…) when it occurs, as the table names it
    expected = {key: 0 for key in ("ahead", "on_pace", "lagging", "seriously_lagging")}
    for r in region.values():
        key = data.status_key(r)
        expected[key] = expected.get(key, 0) + 1
    assert {c["key"]: c["n"] for c in response.context["counts"]} == expected
    # the ranking, best first, with the run's scores and changes
    ranking = [(r["code"], r["value"], r["change"]) for r in response.context["ranking"]]
    assert ranking == [
        (s["locality"], numbers.score(s["score"]), s["rank_change"])
        for s in run.results["composite"]["scores"]
    ]
    assert ranking[0][0] == "YJ"
    # the map's data: composite scores and each indicator's completion per pilot unit, 顺德区 inside 佛山市
    chart = json.loads(page.split('id="overview-data" type="application/json">')[1].split("</script>")[0])
    composite = chart["measures"][0]
    assert composite["key"] == "composite"
    assert composite["values"] == {s["locality"]: s["score"] for s in run.results["composite"]["scores"]}
    i01_measure = next(m for m in chart["measures"] if m["key"] == "I01")
    # an indicator's completions are not in the page: fetched when chosen, by the run
    assert "values" not in i01_measure
    assert i01_measure["url"] == f"/plans/{sampled.code}/dashboard/measures/{run.pk}/I01.json"
    fetched = client.get(i01_measure["url"]).json()
    assert fetched["values"]["ZH"] == pytest.approx(75 / 97)  # against 珠海's 2018 target
    assert fetched["values"] == {
        r.scope: r.completion
        for r in run.evaluation.indicators
        if r.indicator == "I01" and r.scope != "region" and r.completion is not None
    }
    offered = {m["key"] for m in chart["measures"][1:]}
    assert offered == {  # the plan's own indicators of which some pilot unit has a completion
        r.indicator
        for r in run.evaluation.indicators
        if r.scope != "region" and r.completion is not None and r.indicator in text
    }
    shunde = next(loc for loc in chart["localities"] if loc["code"] == "SD")
    assert shunde["inside"] and not next(loc for loc in chart["localities"] if loc["code"] == "FS")["inside"]
    assert chart["map_url"] == f"/plans/{sampled.code}/dashboard/map.json"
    assert "示例数据" in page  # the run read sample data and says so


def test_overview_defaults_to_the_last_year_with_accepted_values_and_evaluates_it(client, sampled, cast):
    client.force_login(cast.pat)
    response = client.get(url(sampled))
    assert response.context["year"] == 2019
    run = EvaluationRun.objects.get()
    # made by the automatic job the page asked for (the immediate backend ran it at once): nobody's
    assert (run.year, run.includes_unaccepted, run.created_by, run.label) == (2019, False, None, "dashboard")
    assert response.context["choice"].made_now
    # viewed again on the same data: the same run, no new one
    again = client.get(url(sampled))
    assert again.context["run"].pk == run.pk and not again.context["choice"].made_now
    assert EvaluationRun.objects.count() == 1


def test_a_year_only_one_unit_has_reported_is_not_the_default(client, sampled, cast):
    """珠海 accepted early for 2020: the overview still opens on 2019, where every unit has values;
    2020 is there to pick, and the units without a value are not ranked."""
    period = yearly_period(sampled, 2020)
    ReportedValue.objects.create(
        indicator=sampled.indicators.get(code="I01"),
        locality=sampled.localities.get(code="ZH"),
        period=period,
        value=Decimal(120),
        status=ReportedValue.Status.ACCEPTED,
    )
    assert data.latest_accepted_year(sampled) == 2019
    client.force_login(cast.pat)
    assert client.get(url(sampled)).context["year"] == 2019
    response = client.get(url(sampled, "?year=2020"))
    assert [r["code"] for r in response.context["ranking"]] == ["ZH"]
    assert "佛山市、中山市、江门市" in response.content.decode().split('id="unranked"')[1].split("</p>")[0]


def test_a_change_of_accepted_data_gives_a_new_run(client, sampled, cast):
    client.force_login(cast.pat)
    first = client.get(url(sampled, "?year=2018")).context["run"]
    value = ReportedValue.objects.get(indicator__code="I01", locality__code="ZH", period__code="2018")
    # revised through the workflow, which bumps the plan's data revision (planwatch.plans.revision)
    asked = wf.request_revision(cast.zoe, value, Decimal(90), "统计口径更正")
    wf.decide_revision(cast.pat, asked, approve=True, comment="同意")
    response = client.get(url(sampled, "?year=2018"))
    second = response.context["run"]
    assert second.pk != first.pk
    zh = next(r for r in second.results["indicators"] if r["indicator"] == "I01" and r["scope"] == "ZH")
    assert zh["value"] == 90


def test_overview_without_accepted_values_says_who_provides_them(client, plan, cast):
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(plan))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="empty-state"' in page
    assert "accepts them" in page and "Reporting" in page
    assert EvaluationRun.objects.count() == 0


def test_a_year_without_accepted_values_is_an_empty_state(client, sampled, cast):
    yearly_period(sampled, 2017)
    ReportedValue.objects.filter(period__year=2017).update(status=ReportedValue.Status.SUBMITTED)
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(sampled, "?year=2017"))
    page = response.content.decode()
    assert 'id="empty-state"' in page and "No evaluation for 2017" in page
    assert "--include-submitted" in page
    assert not EvaluationRun.objects.filter(year=2017).exists()


@pytest.mark.parametrize("asked", ["abc", "2016", "2031", "-1", "²"])
@pytest.mark.parametrize("tail", ["", "localities/ZH/"])
def test_a_year_not_evaluated_is_not_found_and_says_so(client, sampled, cast, asked, tail):
    """?year=abc, the base year 2016 or a year after the plan: 404 naming the plan's evaluation
    years, no other year's numbers shown, no run made (the base year is not evaluated)."""
    yearly_period(sampled, 2016)
    client.force_login(cast.pat)
    in_english(client)
    response = client.get(url(sampled, f"{tail}?year={asked}"))
    assert response.status_code == 404
    page = response.content.decode()
    assert f"“{asked}” is not one of the plan's evaluation years." in page
    assert [y for y in (2016, 2017, 2018, 2019) if f'href="?year={y}"' in page] == [2017, 2018, 2019]
    assert 'id="run"' not in page and 'id="region-table"' not in page
    assert not EvaluationRun.objects.exists()


def test_the_year_picker_offers_the_evaluation_years_only(client, sampled, cast):
    yearly_period(sampled, 2016)
    client.force_login(cast.vic)
    for tail in ("", "localities/FS/"):
        response = client.get(url(sampled, tail))
        assert response.context["years"] == [2017, 2018, 2019]
        assert '<option value="2016"' not in response.content.decode()
    assert not EvaluationRun.objects.filter(year=2016).exists()


def test_the_run_line_says_the_parameters_in_words_and_the_time_plainly(client, sampled, cast):
    run = run_evaluation(sampled, 2018)
    client.force_login(cast.vic)
    chinese = client.get(url(sampled, "?year=2018")).content.decode()
    line = chinese.split('id="run"')[1].split("</p>")[0]
    assert (
        "加权求和 · 目标值标准化 · 指标等权、维度方案权重 · 约束性指标未达标者标注 · 敏感性 ±20% × 1000次"
        in line
    )
    for code in ("weighted_sum", "target ·", "equal/plan", "T1", "T0", "T2"):
        assert code not in line
    as_of = data.moment_text(run.data_version["as_of"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", as_of) and as_of in line
    in_english(client)
    english = client.get(url(sampled, "?year=2018")).content.decode()
    line = english.split('id="run"')[1].split("</p>")[0]
    assert "weighted sum · normalized to the target · indicators: equal weights" in line
    assert "加权" not in line and "weighted_sum" not in line and f"as of {as_of}" in line


def test_english_pages_name_the_localities_in_english(client, sampled, cast):
    run_evaluation(sampled, 2018)
    client.force_login(cast.vic)
    in_english(client)
    page = client.get(url(sampled, "?year=2018")).content.decode()
    assert "Shunde District is drawn inside Foshan." in page
    assert "Shunde District is counted within Foshan, never twice." in page
    notes = [p for p in page.split("<p") if "is drawn inside" in p or "counted within" in p]
    assert len(notes) == 2 and not any("顺德" in p or "佛山" in p for p in notes)
    indicator = client.get(url(sampled, "indicators/I01/")).content.decode()
    heading = indicator.split('id="table-card"')[1].split("</h2>")[0]
    assert "Unit: " in heading and sampled.indicators.get(code="I01").unit_label in heading


def test_before_the_final_year_the_pace_shows_and_from_it_the_completion_verdict():
    before = indicator_result(year=2018, target_year=2019, annual=AnnualVerdict.NO_TARGET)
    assert data.status_key(replace(before, pace=PaceStatus.ON_PACE)) == "on_pace"
    assert data.status_key(before) == "no_target"
    assert data.status_key(replace(before, year=2019, annual=AnnualVerdict.NOT_MET)) == "not_met"


def test_locality_page(client, sampled, cast):
    p2018 = yearly_period(sampled, 2018)
    # 珠海 has I01 only as a draft and I02 returned: neither shows, both are "not yet reported"
    ReportedValue.objects.filter(locality__code="ZH", period=p2018, indicator__code="I01").update(
        status=ReportedValue.Status.DRAFT, value=Decimal(777)
    )
    ReportedValue.objects.filter(locality__code="ZH", period=p2018, indicator__code="I02").update(
        status=ReportedValue.Status.RETURNED
    )
    ReportedValue.objects.filter(locality__code="ZH", period=p2018, indicator__code="I03").delete()
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(sampled, "localities/ZH/?year=2018"))
    assert response.status_code == 200
    page = response.content.decode()
    # the draft's 777 shows nowhere (the charts' JSON holds scores whose digits may contain 777)
    assert "777" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
    missing = [item["indicator"].code for item in response.context["not_reported"]]
    assert missing == ["I01", "I02", "I03"]
    assert 'id="not-reported"' in page and "reporter enters these values" in page
    run = response.context["run"]  # evaluated on the accepted values: 珠海's I01–I03 are missing
    assert run.year == 2018 and "I01" in next(
        s["missing_indicators"] for s in run.results["composite"]["scores"] if s["locality"] == "ZH"
    )
    score = next(s for s in run.results["composite"]["scores"] if s["locality"] == "ZH")
    assert response.context["score"].rank == score["rank"]
    assert response.context["score_value"] == numbers.score(score["score"])
    radar = response.context["radar"]
    assert radar["series"][0]["value"] == [d["score"] for d in score["dimensions"]]
    rows = {r["indicator"].code: r for r in response.context["rows"]}
    zh_i04 = next(r for r in run.results["indicators"] if r["indicator"] == "I04" and r["scope"] == "ZH")
    assert rows["I04"]["completion"] == data.percent(zh_i04["completion"])
    assert rows["I04"]["workflow"] == "accepted" and rows["I04"]["sample"]
    assert rows["I01"]["value"] == "—" and rows["I01"]["workflow"] == ""
    assert 'id="no-tasks"' in page and "action plan" in page


@pytest.mark.parametrize(("who", "sees"), [("vic", False), ("fred", False), ("zoe", True), ("alice", True)])
def test_hidden_drafts_read_as_not_reported(client, sampled, cast, who, sees):
    """Another locality's draft or returned value is its own business: to those who may not see it,
    it is "no value", never "draft" (草稿) or "returned"; its own users still read its state."""
    p2018 = yearly_period(sampled, 2018)
    zh = ReportedValue.objects.filter(locality__code="ZH", period=p2018)
    zh.filter(indicator__code="I01").update(status=ReportedValue.Status.DRAFT)
    zh.filter(indicator__code="I02").update(status=ReportedValue.Status.RETURNED)
    client.force_login(getattr(cast, who))
    in_english(client)
    response = client.get(url(sampled, "localities/ZH/?year=2018"))
    states = {item["indicator"].code: item["status"] for item in response.context["not_reported"]}
    assert states == ({"I01": "draft", "I02": "returned"} if sees else {"I01": "", "I02": ""})
    card = response.content.decode().split('id="missing-card"')[1].split("</section>")[0]
    assert ("Draft" in card and "Returned" in card) is sees
    assert card.count("no value") == (0 if sees else 2)


def test_locality_page_all_reported_names_the_year_and_glosses_sample_once(client, sampled, cast):
    run_evaluation(sampled, 2018)
    client.force_login(cast.vic)
    in_english(client)
    page = client.get(url(sampled, "localities/FS/?year=2018")).content.decode()
    assert 'id="all-reported"' in page and "Every indicator of the year 2018 has been submitted." in page
    assert page.count('class="sample-tag">示例数据</sup>') > 5  # each sample value keeps its label
    assert page.count('class="sample-gloss">sample</span>') == 1  # glossed once in English
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url(sampled, "localities/FS/?year=2018")).content.decode()
    assert 'class="sample-gloss"' not in chinese and 'id="sample-legend"' in chinese


def test_locality_page_lists_the_action_plan_milestones(client, sampled, cast):
    import datetime as dt

    from planwatch.supervision.models import ActionPlan, Milestone

    zh = sampled.localities.get(code="ZH")
    action_plan = ActionPlan.objects.create(plan=sampled, locality=zh, year=2018)
    task = sampled.tasks.order_by("order").first()
    Milestone.objects.create(
        action_plan=action_plan, task=task, title="建成智能制造示范车间", due_on=dt.date(2018, 3, 31)
    )
    Milestone.objects.create(
        action_plan=action_plan,
        task=task,
        title="完成验收",
        due_on=dt.date(2018, 6, 30),
        status="done",
        percent=100,
    )
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(sampled, "localities/ZH/?year=2018"))
    page = response.content.decode()
    assert "建成智能制造示范车间" in page and "1 of 2 done" in page
    assert 'class="flag overdue"' in page  # due 2018-03-31, not done


def test_only_pilot_units_have_a_locality_page(client, sampled, cast):
    client.force_login(cast.vic)
    in_english(client)
    assert client.get(url(sampled, "localities/GD/")).status_code == 404
    assert client.get(url(sampled, "localities/XX/")).status_code == 404
    assert client.get(url(sampled, "indicators/XX/")).status_code == 404


def test_indicator_page(client, sampled, cast):
    ReportedValue.objects.filter(locality__code="FS", period__code="2018", indicator__code="I01").update(
        status=ReportedValue.Status.DRAFT, value=Decimal(4321)
    )
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(sampled, "indicators/I01/"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "4,321" not in page and "4321" not in page
    indicator = sampled.indicators.get(code="I01")
    assert indicator.quote in page and indicator.clause in page
    assert "data.csv" in page and "data.xlsx" in page
    chart = response.context["chart"]
    assert chart["years"] == ["2017", "2018", "2019"]
    zh = next(s for s in chart["series"] if s["code"] == "ZH")
    assert zh["values"] == [39.0, 75.0, 112.0] and zh["target"] == 146.0
    fs = next(s for s in chart["series"] if s["code"] == "FS")
    assert fs["values"][1] is None  # the draft is not shown
    assert "800" in page  # the region target of the text
    # The region row adds up the six cities' accepted values (佛山's include 顺德区: not twice),
    # and has none for 2018, where 佛山's value is only a draft.
    cells = response.context["region_cells"]
    six = ReportedValue.objects.filter(
        indicator__code="I01", period__code="2017", locality__code__in=["ZH", "FS", "ZS", "JM", "YJ", "ZQ"]
    )
    assert cells[0]["value"] == data.number(float(sum(v.value for v in six)))
    assert cells[1]["value"] == "" and cells[2]["value"] and cells[2]["target"] == "800"


def test_indicator_without_values_says_who_reports_them(client, plan, cast):
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(plan, "indicators/I22/"))
    page = response.content.decode()
    assert 'id="empty-state"' in page and "No values submitted yet" in page
    assert plan.indicators.get(code="I22").lead_unit.name_en in page


def test_indicator_csv_and_xlsx(client, sampled, cast):
    ReportedValue.objects.filter(locality__code="FS", period__code="2018", indicator__code="I01").update(
        status=ReportedValue.Status.DRAFT
    )
    client.force_login(cast.vic)
    in_english(client)
    response = client.get(url(sampled, "indicators/I01/data.csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="prw-mic2025-I01.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    zh2018 = next(r for r in rows if r["locality"] == "ZH" and r["year"] == "2018")
    assert (zh2018["value"], zh2018["target"], zh2018["status"], zh2018["sample"]) == (
        "75",
        "97",
        "accepted",
        "true",
    )
    assert zh2018["locality_zh"] == "珠海市" and zh2018["indicator_zh"] == "新引进投资超1亿元装备制造业项目数"
    fs2018 = next(r for r in rows if r["locality"] == "FS" and r["year"] == "2018")
    assert fs2018["value"] == "" and fs2018["status"] == ""  # the draft is not exported
    region = next(r for r in rows if r["locality"] == "region")
    assert (region["year"], region["target"], region["target_origin"]) == ("2019", "800", "plan")

    response = client.get(url(sampled, "indicators/I01/data.xlsx"))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    records = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(records) == len(rows)
    zh = next(r for r in records if r["locality"] == "ZH" and r["year"] == 2018)
    assert zh["value"] == 75 and zh["target"] == 97


def test_plan_page_and_nav_link_to_the_dashboard(client, plan, cast):
    client.force_login(cast.vic)
    in_english(client)
    page = client.get(f"/plans/{plan.code}/").content.decode()
    assert f'href="/plans/{plan.code}/dashboard/"' in page and 'id="dashboard-link"' in page


def test_status_keys_follow_outcome_then_pace_then_the_annual_verdict():
    assert data.status_key(indicator_result(pace="ahead", annual=AnnualVerdict.MET)) == "ahead"
    assert data.status_key(indicator_result(annual=AnnualVerdict.NEARLY_MET)) == "nearly_met"
    assert data.status_key(indicator_result(pace="seriously_lagging")) == "seriously_lagging"
    assert data.status_key(indicator_result()) == "not_assessed"
    assert data.status_key(indicator_result(outcome="missing_data")) == "missing_data"
    assert data.status_key(indicator_result(outcome="not_applicable")) == "not_applicable"
    assert data.status_key(None) == "missing_data"
    assert (data.number(3486.414), data.number(800.0), data.number(None)) == ("3,486.41", "800", "—")
    assert data.percent(0.5789) == "57.9%"


def test_parameters_in_words_for_every_method_and_weighting():
    from planwatch.evaluation.runs import parameters_from_options, parameters_label, parameters_summary

    params = parameters_from_options(
        method="topsis", normalization="minmax", weights="entropy", sensitivity=False
    )
    assert parameters_label(params) == (
        "TOPSIS · 极差标准化 · 指标熵权、维度方案权重 · 约束性指标未达标者标注 · 未做敏感性分析"
    )
    assert parameters_label(params, english=True) == (
        "TOPSIS · min–max normalization · indicators: entropy weights, dimensions: the plan's weights"
        " · binding indicator failed: marked · no sensitivity analysis"
    )
    capped = parameters_from_options(binding="cap", sensitivity=False)
    assert "约束性指标未达标者排在达标者之后" in parameters_label(capped)
    assert "binding cap" in parameters_summary(capped)
    assert parameters_summary(params).startswith("topsis · min_max")  # the command line keeps the codes


# --- binding indicators first, and what the ranking must say (issue 14, parts 5 and 7) -------------


def test_overview_shows_the_binding_list_first(client, sampled, cast):
    run = run_evaluation(sampled, 2019)
    client.force_login(cast.vic)
    page = client.get(url(sampled, "?year=2019")).content.decode()
    # first: before the counts by status, the map and the ranking
    assert page.index('id="binding-card"') < page.index('class="status-counts"') < page.index('id="ranking"')
    table = page.split('id="binding"')[1].split("</table>")[0]
    checks = {(c.indicator, c.locality): c.status.value for c in run.evaluation.binding}
    assert {i for i, _ in checks} == {"I29"}  # the seed plan's binding indicator
    words = {"pass": "达标", "fail": "未达标", "not_reported": "未报送", "no_target": "无目标"}
    for (_code, loc), status in checks.items():
        cell = table.split(f'data-locality="{loc}"')[1].split("</td>")[0]
        assert f"bd-{status}" in cell and words[status] in cell
    # a marked locality (the default consequence) carries the flag in the ranking
    failed = [s.locality for s in run.evaluation.composite.scores if s.binding_failed]
    assert failed and all(
        "binding" in page.split(f'<tr data-locality="{loc}"')[1].split("</tr>")[0] for loc in failed
    )
    assert "约束性指标未达标者标注" in page.split('id="binding-note"')[1]
    # binding indicators are not averaged into a dimension
    assert "I29" not in [w.indicator for w in run.evaluation.composite.weights]


def test_locality_page_shows_its_binding_indicators_first(client, sampled, cast):
    run = run_evaluation(sampled, 2019)
    client.force_login(cast.vic)
    in_english(client)
    page = client.get(url(sampled, "localities/ZH/?year=2019")).content.decode()
    assert page.index('id="binding-card"') < page.index('id="locality-score"') < page.index('id="radar-card"')
    check = next(c for c in run.evaluation.binding if c.locality == "ZH")
    row = page.split('id="binding"')[1].split('data-indicator="I29"')[1].split("</tr>")[0]
    assert {"pass": "passed", "fail": "failed"}.get(check.status.value, "—") in row
    assert data.number(check.value) in row


def test_overview_says_when_the_leader_depends_on_the_method_and_that_foshan_includes_shunde(
    client, sampled, cast
):
    run = run_evaluation(sampled, 2019)
    sensitivity = run.evaluation.sensitivity
    client.force_login(cast.vic)
    page = client.get(url(sampled, "?year=2019")).content.decode()
    notes = page.split('id="ranking-notes"')[1].split("</ul>")[0]
    assert sensitivity.leader_varies  # the sample data's leader moves with the method
    leader_line = notes.split('data-note="leader_varies">')[1].split("</li>")[0]
    assert leader_line.startswith("第一名随方法变化：")
    for m in sensitivity.methods:
        assert all(sampled.localities.get(code=c).name_zh in leader_line for c in m.leaders)
    assert "等权·加权求和，本次采用" in leader_line
    assert "佛山市的数据包含顺德区的数据" in notes.split('data-note="included">')[1]
    # the methods compared, with Kendall's τ
    methods = page.split('id="methods"')[1].split("</details>")[0]
    assert "熵权·TOPSIS" in methods and "1.00" in methods
    in_english(client)
    english = html.unescape(client.get(url(sampled, "?year=2019")).content.decode())
    notes = english.split('id="ranking-notes"')[1].split("</ul>")[0]
    assert "The leader depends on the method:" in notes
    assert "Foshan's figures include Shunde District's" in notes


def test_no_leader_sentence_when_every_method_agrees(client, sampled, cast):
    run = run_evaluation(sampled, 2019)
    stored = run.results
    for m in stored["sensitivity"]["methods"]:
        m["leaders"] = ["YJ"]
    stored["sensitivity"]["leader_varies"] = False
    EvaluationRun.objects.filter(pk=run.pk).update(
        summary={**run.summary, "sensitivity": stored["sensitivity"]}
    )
    client.force_login(cast.vic)
    page = client.get(url(sampled, "?year=2019")).content.decode()
    assert "第一名随方法变化" not in page
