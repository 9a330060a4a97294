"""Ledger types declared in the plan file: the seed's ledgers, malformed `ledgers:` sections rejected
whole with their path and line, removal refused while rows exist, and the export round trip."""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from planwatch.core.errors import PlanFileError
from planwatch.core.planfile import parse_plan_text, read_plan_file
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem, LedgerType
from planwatch.plans.loader import load_plan_document, load_plan_file, plan_to_document

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"
SEED: dict[str, Any] = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
LEDGER = {lg["code"]: i for i, lg in enumerate(SEED["ledgers"])}


def test_seed_declares_a_ledger_for_every_counted_target(plan):
    feeds = {
        f["indicator"]: (lt.code, f["stage"], f["count"], f["where"])
        for lt in LedgerType.objects.filter(plan=plan)
        for f in lt.feeds
    }
    assert feeds == {
        "I01": ("investment_projects", "signed", "since_start", {}),
        "I02": ("investment_projects", "started", "since_start", {}),
        "I03": ("investment_projects", "producing", "since_start", {}),
        "I10": ("innovation_platforms", "recognized", "stock", {}),
        "I12": ("solution_platforms", "recognized", "since_start", {}),
        "I14": ("smart_pilot_projects", "recognized", "since_start", {}),
        "I15": ("circular_parks", "recognized", "stock", {}),
        "I16": ("cleaner_production_audits", "recognized", "stock", {}),
        "I17": ("integration_pilots", "recognized", "since_start", {}),
        "I18": ("design_centres", "recognized", "since_start", {"level": "国家级"}),
        "I19": ("design_centres", "recognized", "since_start", {"level": "省级"}),
        "I20": ("supply_chain_logistics", "recognized", "since_start", {"kind": "省级供应链管理示范企业"}),
        "I21": (
            "supply_chain_logistics",
            "recognized",
            "since_start",
            {"kind": "制造业与物流业联动发展示范企业"},
        ),
        "I26": ("postdoc_bases", "recognized", "stock", {}),
    }
    # Each ledger is tied to the plan's sentence, like the rest of the file.
    for lt in LedgerType.objects.filter(plan=plan):
        assert lt.quote and lt.quote in plan.source_text, lt.code
    assert services.derived_indicator_codes(plan) == set(feeds)


def _with(change) -> str:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(SEED)
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)


def _problems(text: str) -> list[str]:
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text, name="broken.yaml", base_dir=SEED_PLAN.parent)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


def _ledger(data: dict[str, Any], code: str) -> dict[str, Any]:
    return data["ledgers"][LEDGER[code]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _ledger(d, "design_centres")["feeds"][0].update(indicator="I99"),
            "ledgers[{design_centres}].feeds[0].indicator: unknown indicator 'I99'",
        ),
        (
            lambda d: _ledger(d, "design_centres")["feeds"][0].update(stage="opened"),
            "ledgers[{design_centres}].feeds[0].stage: unknown stage 'opened'",
        ),
        (
            lambda d: _ledger(d, "innovation_platforms")["feeds"][0].update(count="since_start"),
            "ledgers[{innovation_platforms}].feeds[0].count: I10 is of kind level: count it as stock",
        ),
        (
            lambda d: _ledger(d, "design_centres")["feeds"][0].update(indicator="I04"),
            "ledgers[{design_centres}].feeds[0].indicator: I04 is not counted in items",
        ),
        (
            lambda d: _ledger(d, "design_centres")["feeds"][1].update(indicator="I18"),
            "ledgers[{design_centres}].feeds[1].indicator: I18 is already fed by design_centres",
        ),
        (
            lambda d: _ledger(d, "design_centres")["feeds"][0].update(where={"level": "市级"}),
            "ledgers[{design_centres}].feeds[0].where.level: '市级' is not one of the choices of level",
        ),
        (
            lambda d: _ledger(d, "design_centres")["attributes"][0].update(choices=[]),
            "ledgers[{design_centres}].attributes[0].choices: a choice attribute lists its choices",
        ),
        (
            lambda d: _ledger(d, "design_centres")["attributes"][0].update(code="name"),
            "ledgers[{design_centres}].attributes[0].code: 'name' is already a column of the ledger",
        ),
        (
            lambda d: _ledger(d, "design_centres")["attributes"][0].update(type="colour"),
            "ledgers[{design_centres}].attributes[0].type: must be one of text, number, date or choice",
        ),
        (
            lambda d: _ledger(d, "solution_platforms")["source"].update(quote="建设100个平台"),
            "ledgers[{solution_platforms}].source.quote: quote not found verbatim in the plan's source text",
        ),
        (
            lambda d: d["ledgers"].append(copy.deepcopy(d["ledgers"][0])),
            "ledgers[10].code: duplicate ledger code 'investment_projects'",
        ),
    ],
)
def test_a_malformed_ledgers_section_is_rejected_with_its_path(change, expected):  # type: ignore[no-untyped-def]
    want = re.sub(r"\{(\w+)\}", lambda m: str(LEDGER[m.group(1)]), expected)
    assert want in _problems(_with(change))


def test_problems_carry_the_line_of_the_file():
    text = SEED_PLAN.read_text(encoding="utf-8").replace(
        "  - {indicator: I12, stage: recognized}", "  - {indicator: I12, stage: built}"
    )
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text, name="x.yaml", base_dir=SEED_PLAN.parent)
    (problem,) = caught.value.problems
    line = text.splitlines().index("  - {indicator: I12, stage: built}") + 1
    assert problem.path.endswith("feeds[0].stage") and problem.line == line


def _write(tmp_path: Path, text: str) -> Path:
    shutil.copy(SEED_TEXT, tmp_path / SEED_TEXT.name)
    path = tmp_path / "changed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_ledger_with_rows_cannot_be_removed_and_nothing_changes(plan, cast, tmp_path):
    ledger = services.get_ledger(plan, "circular_parks")
    services.save_item(
        cast.zoe,
        LedgerItem(
            ledger=ledger,
            locality=plan.localities.get(code="ZH"),
            name="示例园区",
            dates={"recognized": "2018-05-01"},
        ),
    )
    data = copy.deepcopy(SEED)
    data["ledgers"] = [lg for lg in data["ledgers"] if lg["code"] != "circular_parks"]
    data["plan"]["document_number"] = "changed"
    path = _write(tmp_path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6))
    read_plan_file(path)  # the file itself is fine
    with pytest.raises(
        CommandError, match="ledger 'circular_parks' was removed from the file but it still has rows"
    ):
        call_command("load_plan", str(path))
    plan.refresh_from_db()
    assert plan.version == 1 and plan.document_number == ""
    assert LedgerType.objects.filter(plan=plan).count() == 10


def test_a_changed_ledger_is_updated_in_place_and_an_empty_one_removed(plan, tmp_path):
    data = copy.deepcopy(SEED)
    _ledger(data, "design_centres")["attributes"].append(
        {"code": "since", "name": {"zh": "成立", "en": "Since"}, "type": "date"}
    )
    data["ledgers"] = [lg for lg in data["ledgers"] if lg["code"] != "postdoc_bases"]
    before = services.get_ledger(plan, "design_centres").pk
    result = load_plan_file(
        _write(tmp_path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6))
    )
    assert result.status == "updated"
    design = services.get_ledger(plan, "design_centres")
    assert design.pk == before and [a["code"] for a in design.attributes] == ["level", "since"]
    assert not LedgerType.objects.filter(plan=plan, code="postdoc_bases").exists()


def test_export_round_trips_the_ledgers(plan):
    doc = plan_to_document(plan)
    assert doc.ledgers == read_plan_file(SEED_PLAN).ledgers
    assert load_plan_document(doc, file_name="export.yaml").status == "unchanged"


def test_generic_item_dates_are_kept_by_stage(plan, cast):
    ledger = services.get_ledger(plan, "design_centres")
    item = LedgerItem(
        ledger=ledger,
        locality=plan.localities.get(code="FS"),
        name="示例设计中心",
        attributes={"level": "省级"},
    )
    item.set_stage_date("recognized", dt.date(2018, 6, 1))
    services.save_item(cast.fred, item)
    item.refresh_from_db()
    assert item.stage_date("recognized") == dt.date(2018, 6, 1) and item.signed_on is None
