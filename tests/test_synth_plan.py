"""`planwatch synth_plan` (planwatch/core/synth.py): a synthetic plan (示例数据) of real counties under
their cities; it loads, takes sample data and evaluates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from planwatch.core.divisions import installed
from planwatch.core.planfile import figures_in, parse_plan_text
from planwatch.core.synth import LABEL, SynthSize, counties, dump_synth, synth_plan
from planwatch.demo.sample import load_sample
from planwatch.evaluation.runs import run_evaluation
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Target
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import last_sample_year
from planwatch.supervision.sample import _specs as supervision_specs

SMALL = SynthSize(localities=40, indicators=10, years=3, seed=7)


def text_of(size: SynthSize) -> str:
    return dump_synth(synth_plan(size, installed))


@pytest.fixture(scope="module")
def small_text() -> str:
    return text_of(SMALL)


def test_the_same_seed_gives_the_same_file_and_another_seed_other_figures(small_text):
    assert text_of(SMALL) == small_text
    other = text_of(SynthSize(localities=40, indicators=10, years=3, seed=8))
    assert other != small_text


def test_it_reads_without_problems_at_the_size_asked(small_text):
    doc = parse_plan_text(small_text)
    assert LABEL in doc.plan.title.zh and "Synthetic" in doc.plan.title.en
    assert small_text.startswith(f"# {LABEL} / synthetic")
    assert len([loc for loc in doc.localities if loc.pilot]) == 40
    assert len(doc.indicators) == 10
    period = doc.plan.period
    assert (period.base_year, period.end_year) == (2020, 2022)
    kinds = {ind.kind.value for ind in doc.indicators}
    assert kinds == {
        "cumulative_count",
        "level",
        "avg_annual_growth",
        "share",
        "growth_over_base",
        "cumulative_sum",
    }
    assert {bool(ind.components) for ind in doc.indicators if ind.kind.value == "share"} == {True, False}
    assert len({ind.dimension for ind in doc.indicators}) == 4


def test_three_levels_real_counties_report_under_their_real_cities(small_text):
    doc = parse_plan_text(small_text)
    table = installed()
    by_code = {loc.code: loc for loc in doc.localities}
    pilots = [loc for loc in doc.localities if loc.pilot]
    assert [loc.code for loc in pilots] == [d.code for d in counties(table, 40)]
    for county in pilots:
        division = table.get(county.code)
        assert division is not None and county.level.value in ("county", "district")
        assert county.name.zh == division.name
        area = by_code[county.parent or ""]
        assert not area.pilot and area.parent is None
        assert area.code in (division.city_code, division.province_code)
    areas = {loc.code for loc in doc.localities if not loc.pilot}
    assert areas == {loc.parent for loc in pilots}
    assert len({d.province_code for d in counties(table, 40)}) > 20  # the whole country, not one province


def test_with_provinces_each_city_is_under_its_province_and_the_rest_is_the_same(small_text):
    size = SynthSize(localities=40, indicators=10, years=3, seed=7, provinces=True)
    assert size.code == f"{SMALL.code}-p"
    doc = parse_plan_text(text_of(size))
    table = installed()
    by_code = {loc.code: loc for loc in doc.localities}
    pilots = [loc for loc in doc.localities if loc.pilot]
    assert [loc.code for loc in pilots] == [d.code for d in counties(table, 40)]
    for county in pilots:
        division = table.get(county.code)
        assert division is not None
        area = by_code[county.parent or ""]
        if area.code == division.province_code:  # a municipality's district: the municipality is its city
            assert area.parent is None
        else:
            assert area.code == division.city_code and area.parent == division.province_code
            assert by_code[area.parent].parent is None and by_code[area.parent].level.value == "province"
    plain = parse_plan_text(small_text)
    assert [i.code for i in doc.indicators] == [i.code for i in plain.indicators]
    assert len(doc.localities) > len(plain.localities)


def test_every_target_quotes_a_sentence_of_the_text_with_its_figure(small_text):
    doc = parse_plan_text(small_text)
    text = doc.plan.source_text or ""
    targets = [(ind, t) for ind in doc.indicators for t in ind.targets]
    assert {t.scope for _, t in targets} - {"region"}  # some units have targets of their own
    for _, target in targets:
        assert target.source.quote in text.splitlines()
        assert target.value in figures_in(target.source.quote)
        assert target.figure_note is None


def test_more_units_than_the_country_has_is_refused():
    with pytest.raises(CommandError, match="from 1 to"):
        call_command("synth_plan", localities=100_000, indicators=10, years=3)


def test_load_sample_and_an_evaluation_on_a_synthetic_plan(db, tmp_path: Path):
    path = tmp_path / "synth.yaml"
    call_command("synth_plan", localities=40, indicators=10, years=3, seed=7, output=str(path))
    result = load_plan_file(path)
    assert result.warnings == []
    plan = result.plan
    assert plan.localities.filter(pilot=True).count() == 40
    call_command("load_sample", plan=plan.code)
    values = ReportedValue.objects.filter(indicator__plan=plan, is_sample=True)
    assert set(values.values_list("locality__level", flat=True)) <= {"county", "district"}
    assert values.values("locality").distinct().count() == 40
    run = run_evaluation(plan, 2022)
    assert run.pk and run.year == 2022
    assert len(run.results["composite"]["scores"]) == 40  # every county ranked


def test_the_sample_milestones_stay_within_0_to_100_percent_for_any_number_of_units():
    """load_sample failed above 14 pilot units (issue 18): the n-th unit's milestones had 30 + 5n %."""
    for n in range(3000):
        for spec in supervision_specs(n):
            assert 0 <= spec.percent <= 100, (n, spec.step)
            assert spec.starts < spec.due


def test_the_sample_of_a_plan_reaching_past_today_stops_at_the_last_year_ended(db, tmp_path: Path):
    """A synthetic plan of 2020–2029 on 2026-12-07: accepted sample values 2020–2025 only (the seed
    plan's 2016–2019 have all ended: last_sample_year); the later years keep their sample targets, the
    earlier years' figures are those of a sample loaded later, and the action plans are for 2026."""
    path = tmp_path / "synth.yaml"
    call_command("synth_plan", localities=12, indicators=10, years=10, seed=7, output=str(path))
    plan = load_plan_file(path).plan
    assert (plan.base_year, plan.end_year) == (2020, 2029)
    today = dt.date(2026, 12, 7)
    assert last_sample_year(plan, today) == 2025
    result = load_sample(plan, today)
    values = ReportedValue.objects.filter(indicator__plan=plan, is_sample=True)
    assert result.values_until == 2025 and result.values == values.count() > 0
    assert sorted(set(values.values_list("period__year", flat=True))) == list(range(2020, 2026))
    assert not values.exclude(status=ReportedValue.Status.ACCEPTED).exists()
    targets = Target.objects.filter(indicator__plan=plan, origin=Target.Origin.SAMPLE)
    assert targets.filter(year=2029).exists()
    assert result.supervision_year == 2026
    early = sorted(values.filter(period__year=2021).values_list("indicator__code", "locality__code", "value"))

    load_sample(plan, dt.date(2031, 1, 2))  # every year of the plan over: all its values
    values = ReportedValue.objects.filter(indicator__plan=plan, is_sample=True)
    assert sorted(set(values.values_list("period__year", flat=True))) == list(range(2020, 2030))
    assert (
        sorted(values.filter(period__year=2021).values_list("indicator__code", "locality__code", "value"))
        == early
    )
