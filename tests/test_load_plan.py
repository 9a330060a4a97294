"""Loading plan files into the database, new versions with target revisions, and exporting back.

The `load_plan` and `export_plan` commands are driven through call_command; one test runs the real
`planwatch` console script in a subprocess, against its own SQLite file, for the exit codes.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from planwatch.core.errors import PlanFileError
from planwatch.core.planfile import dump_plan, read_plan_file
from planwatch.plans.loader import load_plan_document, load_plan_file, plan_to_document
from planwatch.plans.models import (
    Indicator,
    IndicatorComponent,
    Locality,
    Plan,
    PlanVersion,
    Target,
    TargetRevision,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"
PLANWATCH = Path(sys.executable).parent / "planwatch"

pytestmark = pytest.mark.django_db

# A figure the tests change: not the quoted sentence's, so the file says why (figure_note).
REVISED = {"zh": "测试：修订的数字。", "en": "Test: a revised figure."}


def seed_data() -> dict[str, Any]:
    return yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))


def write_plan(directory: Path, data: dict[str, Any], name: str = "plan.yaml") -> Path:
    """Write a plan file with the source text file beside it, as the seed plan has."""
    shutil.copy(SEED_TEXT, directory / SEED_TEXT.name)
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(ind for ind in data["indicators"] if ind["code"] == code)


def region_target(plan: Plan, code: str, year: int = 2019) -> Target:
    return Target.objects.get(indicator__plan=plan, indicator__code=code, locality=None, year=year)


def run_command(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# --- loading ------------------------------------------------------------------------------------


def test_first_load_creates_version_1() -> None:
    result = load_plan_file(SEED_PLAN)
    assert (result.status, result.version, result.changes) == ("created", 1, [])
    version = PlanVersion.objects.get()
    assert (version.number, version.file_name, version.summary) == (1, SEED_PLAN.name, "")
    assert version.content_hash == read_plan_file(SEED_PLAN).content_hash()
    assert version.document == read_plan_file(SEED_PLAN).model_dump(mode="json")
    assert not TargetRevision.objects.exists()  # the first load is not a revision


def test_loading_is_idempotent() -> None:
    first = load_plan_file(SEED_PLAN)
    ids = sorted(Target.objects.values_list("pk", flat=True))
    again = load_plan_file(SEED_PLAN)
    assert (again.status, again.version) == ("unchanged", 1)
    assert again.plan.pk == first.plan.pk
    assert PlanVersion.objects.count() == 1
    assert Plan.objects.get().version == 1
    assert sorted(Target.objects.values_list("pk", flat=True)) == ids
    assert not TargetRevision.objects.exists()


def test_load_plan_command_reports_what_it_did() -> None:
    out = run_command("load_plan", str(SEED_PLAN))
    assert "prw-mic2025: created, version 1 — 35 indicators, 18 tasks, 15 key fields" in out
    out = run_command("load_plan", str(SEED_PLAN))
    assert out.strip() == "prw-mic2025: unchanged, still version 1"
    assert PlanVersion.objects.count() == 1


def test_load_plan_command_records_the_user(django_user_model) -> None:
    alice = django_user_model.objects.create_user("alice", password="x")
    run_command("load_plan", str(SEED_PLAN), "--user", "alice")
    assert PlanVersion.objects.get().loaded_by == alice
    with pytest.raises(CommandError, match="no such user: nobody"):
        call_command("load_plan", str(SEED_PLAN), "--user", "nobody")


def test_a_changed_target_makes_version_2_and_a_revision(plan: Plan, tmp_path: Path) -> None:
    before = region_target(plan, "I01")
    data = seed_data()
    indicator(data, "I01")["targets"][0].update(value=900, figure_note=REVISED)
    path = write_plan(tmp_path, data, "prw-v2.yaml")

    out = run_command("load_plan", str(path))

    assert "prw-mic2025: updated, version 2" in out
    assert "target revised: I01 region 2019: 800 → 900" in out
    plan.refresh_from_db()
    assert plan.version == 2
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)) == [2, 1]
    v2 = PlanVersion.objects.get(plan=plan, number=2)
    assert v2.file_name == "prw-v2.yaml"
    assert v2.summary == "I01 region 2019: 800 → 900"
    revision = TargetRevision.objects.get()
    assert (revision.old_value, revision.new_value) == (Decimal(800), Decimal(900))
    assert (revision.indicator.code, revision.locality, revision.year) == ("I01", None, 2019)
    assert "prw-v2.yaml" in revision.reason and "version 2" in revision.reason
    assert revision.plan_version == v2
    # The target is updated in place, so whatever points at it keeps pointing at it.
    after = region_target(plan, "I01")
    assert after.pk == before.pk == revision.target_id
    assert after.value == 900
    # Nothing else changed.
    assert TargetRevision.objects.count() == 1
    assert Target.objects.filter(indicator__plan=plan).count() == 34


def test_a_change_by_the_loader_api_carries_the_changes(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    indicator(data, "I25")["targets"][0].update(value=36.5, figure_note=REVISED)
    result = load_plan_file(write_plan(tmp_path, data))
    assert (result.status, result.version) == ("updated", 2)
    assert result.changes == ["I25 region 2019: 35 → 36.5"]
    assert region_target(plan, "I25").value == Decimal("36.5")


def test_a_removed_target_gets_a_revision_to_none(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    i11 = indicator(data, "I11")
    i11["targets"] = [t for t in i11["targets"] if t["scope"] != "SD"]
    result = load_plan_file(write_plan(tmp_path, data, "no-shunde-base.yaml"))
    assert result.changes == ["I11 SD 2019: 1 → —"]
    revision = TargetRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.target) == (Decimal(1), None, None)
    assert revision.locality.code == "SD"
    assert "no-shunde-base.yaml" in revision.reason and "version 2" in revision.reason
    assert not Target.objects.filter(indicator__code="I11", locality__code="SD").exists()
    assert Target.objects.filter(indicator__plan=plan).count() == 33


def test_an_added_target_gets_a_revision_from_none(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    targets = indicator(data, "I01")["targets"]
    targets.append({**copy.deepcopy(targets[0]), "year": 2018, "value": 500, "figure_note": REVISED})
    result = load_plan_file(write_plan(tmp_path, data))
    assert result.changes == ["I01 region 2018: — → 500"]
    revision = TargetRevision.objects.get()
    assert (revision.old_value, revision.new_value) == (None, Decimal(500))
    assert revision.target == region_target(plan, "I01", 2018)


def test_loading_the_old_file_again_is_a_new_version(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    indicator(data, "I16")["targets"][0].update(value=3000, figure_note=REVISED)
    load_plan_file(write_plan(tmp_path, data))
    result = load_plan_file(SEED_PLAN)
    assert (result.status, result.version, result.changes) == ("updated", 3, ["I16 region 2019: 3000 → 2800"])
    assert [(r.old_value, r.new_value) for r in TargetRevision.objects.order_by("pk")] == [
        (Decimal(2800), Decimal(3000)),
        (Decimal(3000), Decimal(2800)),
    ]


def test_a_change_without_target_changes_is_a_version_without_revisions(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    data["plan"]["document_number"] = "粤府办〔2017〕00号"
    result = load_plan_file(write_plan(tmp_path, data))
    assert (result.status, result.version, result.changes) == ("updated", 2, [])
    plan.refresh_from_db()
    assert plan.document_number == "粤府办〔2017〕00号"
    assert not TargetRevision.objects.exists()


def test_removing_an_indicator_and_its_component(plan: Plan, tmp_path: Path) -> None:
    # I27 is recomputed from C04: both go in one new version.
    data = seed_data()
    data["indicators"] = [ind for ind in data["indicators"] if ind["code"] not in {"I27", "C04"}]
    result = load_plan_file(write_plan(tmp_path, data))
    assert (result.status, result.version) == ("updated", 2)
    assert not Indicator.objects.filter(plan=plan, code__in=["I27", "C04"]).exists()
    assert IndicatorComponent.objects.filter(indicator__plan=plan).count() == 8  # I25 and I28 have two


def test_replacing_a_component(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    c04 = indicator(data, "C04")
    c04["code"] = "C07"
    indicator(data, "I27")["components"]["level"] = "C07"
    load_plan_file(write_plan(tmp_path, data))
    component = IndicatorComponent.objects.get(indicator__plan=plan, indicator__code="I27")
    assert component.component.code == "C07"
    assert not Indicator.objects.filter(plan=plan, code="C04").exists()


def test_removing_a_parent_locality(plan: Plan, tmp_path: Path) -> None:
    # Shunde moves under the province and Foshan leaves the file (with its I11 target).
    data = seed_data()
    data["localities"] = [loc for loc in data["localities"] if loc["code"] != "FS"]
    next(loc for loc in data["localities"] if loc["code"] == "SD")["parent"] = "GD"
    i11 = indicator(data, "I11")
    i11["targets"] = [t for t in i11["targets"] if t["scope"] != "FS"]
    result = load_plan_file(write_plan(tmp_path, data))
    assert result.version == 2
    shunde = Locality.objects.get(plan=plan, code="SD")
    assert shunde.parent.code == "GD"
    assert shunde.counted_in_region_total()
    assert not Locality.objects.filter(plan=plan, code="FS").exists()


# --- exporting ----------------------------------------------------------------------------------


def test_the_export_equals_the_document(plan: Plan) -> None:
    document = read_plan_file(SEED_PLAN)
    exported = plan_to_document(plan)
    assert exported == document
    assert exported.content_hash() == document.content_hash()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_load_is_unchanged(plan: Plan, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"exported.{fmt}"
    out = run_command("export_plan", "--format", fmt, "-o", str(path))
    assert out.strip() == f"wrote {path}"
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        assert data["plan"]["source_text"] == plan.source_text  # the export carries the text inline
    else:
        assert text.startswith("format: planwatch/plan@1\n")
    assert read_plan_file(path) == read_plan_file(SEED_PLAN)
    out = run_command("load_plan", str(path))
    assert out.strip() == "prw-mic2025: unchanged, still version 1"
    assert PlanVersion.objects.count() == 1


def test_export_to_standard_output(plan: Plan, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("export_plan", "--plan", "prw-mic2025")
    text = capsys.readouterr().out
    # The same plan file as the seed's, with the source text inline (mappings may differ in order).
    assert yaml.safe_load(text) == yaml.safe_load(dump_plan(read_plan_file(SEED_PLAN), "yaml"))
    assert yaml.safe_load(text)["plan"]["source_text"] == SEED_TEXT.read_text(encoding="utf-8")


def test_export_after_a_new_version_gives_the_new_file(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    indicator(data, "I10")["targets"][0].update(value=1250, figure_note=REVISED)
    changed = write_plan(tmp_path, data)
    load_plan_file(changed)
    plan.refresh_from_db()
    assert plan_to_document(plan) == read_plan_file(changed)
    assert plan_to_document(plan).content_hash() == PlanVersion.objects.get(number=2).content_hash


def test_loading_an_exported_document_directly(plan: Plan) -> None:
    result = load_plan_document(plan_to_document(plan), file_name="export")
    assert (result.status, result.version) == ("unchanged", 1)


def test_export_needs_a_plan(db) -> None:
    with pytest.raises(CommandError, match="no plan is loaded"):
        call_command("export_plan")
    load_plan_file(SEED_PLAN)
    with pytest.raises(CommandError, match="no such plan"):
        call_command("export_plan", "--plan", "nope")


def test_export_names_the_plan_when_several_are_loaded(plan: Plan, tmp_path: Path) -> None:
    data = seed_data()
    data["plan"]["code"] = "another-plan"
    load_plan_file(write_plan(tmp_path, data))
    with pytest.raises(CommandError, match="several plans are loaded"):
        call_command("export_plan")
    assert run_command("export_plan", "--plan", "another-plan", "-o", str(tmp_path / "a.yaml"))
    assert read_plan_file(tmp_path / "a.yaml").plan.code == "another-plan"


def test_a_rejected_file_is_a_command_error(tmp_path: Path) -> None:
    data = seed_data()
    indicator(data, "I01")["targets"][0]["year"] = "twenty"
    path = write_plan(tmp_path, data)
    with pytest.raises(CommandError) as info:
        call_command("load_plan", str(path))
    assert "indicators[0].targets[0].year: expected an integer" in str(info.value)
    assert "nothing was written" in str(info.value)
    with pytest.raises(PlanFileError):
        load_plan_file(path)
    assert not Plan.objects.exists()


def test_the_example_of_the_documentation_loads(db, tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "plan-file.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.DOTALL)
    assert example is not None
    path = tmp_path / "demo.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    out = run_command("load_plan", str(path))
    assert out.startswith("demo-2018: created, version 1 — 1 indicators, 1 tasks, 0 key fields")
    plan = Plan.objects.get(code="demo-2018")
    assert [(t.scope_code, t.value, t.qualifier) for t in Target.objects.filter(indicator__plan=plan)] == [
        ("region", 50, "at_least"),
        ("CA", 30, "exact"),
    ]
    exported = tmp_path / "exported.yaml"
    run_command("export_plan", "--plan", "demo-2018", "-o", str(exported))
    assert run_command("load_plan", str(exported)).strip() == "demo-2018: unchanged, still version 1"


# --- the console script -------------------------------------------------------------------------


@pytest.mark.skipif(not PLANWATCH.exists(), reason="the planwatch console script is not installed")
@pytest.mark.once  # its own SQLite file whatever DATABASE_URL says: the PostgreSQL pass would repeat it
def test_console_script_exit_codes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "planwatch.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "PLANWATCH_VAR_DIR": str(tmp_path / "var"),
    }

    def planwatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PLANWATCH), *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )

    assert planwatch("migrate", "-v0").returncode == 0
    loaded = planwatch("load_plan", str(SEED_PLAN))
    assert loaded.returncode == 0, loaded.stderr
    assert "created, version 1" in loaded.stdout

    bad = seed_data()
    indicator(bad, "I04")["targets"][0]["year"] = "twenty"
    rejected = planwatch("load_plan", str(write_plan(tmp_path, bad, "bad.yaml")))
    assert rejected.returncode == 1
    assert "bad.yaml: line " in rejected.stderr
    assert "indicators[4].targets[0].year: expected an integer" in rejected.stderr
    assert "Traceback" not in rejected.stderr

    missing = planwatch("load_plan", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 1
    assert "no such file" in missing.stderr

    exported = tmp_path / "exported.json"
    assert planwatch("export_plan", "--format", "json", "-o", str(exported)).returncode == 0
    again = planwatch("load_plan", str(exported))
    assert again.returncode == 0
    assert "unchanged, still version 1" in again.stdout
    assert not (tmp_path / "var").exists() or not (tmp_path / "var" / "planwatch.sqlite3").exists()
