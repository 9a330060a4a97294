"""Loading a plan file again keeps the targets users revised (the text: the 2018 and 2019 targets
follow the 2017 results), unless the file's own figure for that target changed."""

from __future__ import annotations

import importlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from planwatch.plans.actions import revise_target, set_locality_target
from planwatch.plans.loader import load_plan_file, plan_to_document
from planwatch.plans.models import Indicator, Locality, Plan, Target, TargetRevision
from tests.test_load_plan import indicator, region_target, seed_data, write_plan

pytestmark = pytest.mark.django_db


def revised(plan: Plan, code: str, value: int, alice: Any) -> Target:
    revise_target(region_target(plan, code), Decimal(value), "按2017年实际完成情况调整", alice)
    return region_target(plan, code)


def test_a_reload_keeps_a_revision_when_the_file_figure_is_unchanged(plan: Plan, cast: Any, tmp_path: Path) -> None:
    assert revised(plan, "I01", 850, cast.alice).value == 850
    data = seed_data()
    indicator(data, "I01")["source"]["clause"] = "三（一）1"  # words change, not the figure
    indicator(data, "I01")["targets"][0]["note"] = {"zh": "更正说明", "en": "a corrected note"}

    result = load_plan_file(write_plan(tmp_path, data))

    assert (result.status, result.changes) == ("updated", [])
    target = region_target(plan, "I01")
    assert (target.value, target.plan_value, target.note_zh) == (850, 800, "更正说明")
    assert TargetRevision.objects.count() == 1  # only the users' revision


def test_a_changed_file_figure_replaces_a_revision_and_says_so(plan: Plan, cast: Any, tmp_path: Path) -> None:
    revised(plan, "I01", 850, cast.alice)
    data = seed_data()
    indicator(data, "I01")["targets"][0]["value"] = 900

    result = load_plan_file(write_plan(tmp_path, data))

    assert result.changes == ["I01 region 2019: 850 → 900 (replaces a value set by users)"]
    target = region_target(plan, "I01")
    assert (target.value, target.plan_value) == (900, 900)
    last = TargetRevision.objects.order_by("-id").first()
    assert last is not None and (last.old_value, last.new_value, last.plan_version_id) == (850, 900, plan.versions.get(number=2).pk)


def test_a_target_users_entered_gives_way_only_when_the_file_sets_it(plan: Plan, cast: Any, tmp_path: Path) -> None:
    i16 = Indicator.objects.get(plan=plan, code="I16")
    zhuhai = Locality.objects.get(plan=plan, code="ZH")
    set_locality_target(i16, zhuhai, 2019, Decimal(400), "分解", cast.alice)
    data = seed_data()
    data["plan"]["document_number"] = "粤府办〔2017〕00号"
    load_plan_file(write_plan(tmp_path, data, "v2.yaml"))
    assert Target.objects.get(indicator=i16, locality=zhuhai, year=2019).value == 400  # untouched

    indicator(data, "I16")["targets"].append({**indicator(data, "I16")["targets"][0], "scope": "ZH", "value": 450})
    result = load_plan_file(write_plan(tmp_path, data, "v3.yaml"))
    assert result.changes == ["I16 ZH 2019: 400 → 450 (replaces a value set by users)"]
    target = Target.objects.get(indicator=i16, locality=zhuhai, year=2019)
    assert (target.value, target.origin) == (450, Target.Origin.PLAN)


def test_the_exported_plan_file_carries_the_text_figure_not_the_revision(plan: Plan, cast: Any) -> None:
    revised(plan, "I01", 850, cast.alice)
    exported = plan_to_document(plan)
    i01 = next(ind for ind in exported.indicators if ind.code == "I01")
    assert i01.targets[0].value == 800


def test_the_migration_finds_the_file_figure_of_a_revised_target(plan: Plan, cast: Any) -> None:
    revised(plan, "I01", 850, cast.alice)
    revised(plan, "I01", 870, cast.alice)
    Target.objects.filter(indicator__plan=plan).update(plan_value=None)
    migration = importlib.import_module("planwatch.plans.migrations.0006_target_plan_value")
    migration.remember_plan_values(apps, None)
    assert region_target(plan, "I01").plan_value == 800  # before the users' first revision
    assert region_target(plan, "I25").plan_value == region_target(plan, "I25").value  # never revised
