"""The supervision list: command (table, JSON, XLSX) and what it contains."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from planwatch.core.evaluation import to_jsonable
from planwatch.supervision import actions
from planwatch.supervision.services import supervision_list
from tests.results import evaluation, indicator_result

D = dt.date


@pytest.fixture
def milestones(plan, cast):
    task = plan.tasks.order_by("order").first()
    zh = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    fs = actions.open_action_plan(cast.fred, plan, plan.localities.get(code="FS"), 2018)
    late = actions.add_milestone(
        cast.zoe,
        zh,
        actions.MilestoneData(task=task, title="逾期事项", due_on=D(2018, 3, 31), owner_person="张三"),
    )
    risky = actions.add_milestone(
        cast.fred, fs, actions.MilestoneData(task=task, title="风险事项", due_on=D(2018, 12, 31))
    )
    actions.post_update(cast.fred, risky, "at_risk", 20, "土地未落实")
    fine = actions.add_milestone(
        cast.fred, fs, actions.MilestoneData(task=task, title="正常事项", due_on=D(2018, 12, 31))
    )
    return late, risky, fine


def test_list_has_overdue_and_at_risk_only(plan, milestones):
    late, risky, _ = milestones
    rows = supervision_list(plan, D(2018, 4, 10))
    assert [r.milestone for r in rows] == [late, risky]
    assert rows[0].finding.days_late == 10
    assert [
        r.milestone for r in supervision_list(plan, D(2018, 4, 10), locality_id=late.action_plan.locality_id)
    ] == [late]


def test_command_json(plan, milestones, capsys):
    call_command("supervision", "--as-of", "2018-04-10", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2018-04-10"
    first = data["milestones"][0]
    assert (first["locality"], first["owner_person"], first["due_on"], first["days_late"]) == (
        "ZH",
        "张三",
        "2018-03-31",
        10,
    )
    assert [m["flag"] for m in data["milestones"]] == ["overdue", "at_risk"]


def test_command_table_and_xlsx(plan, milestones, capsys, tmp_path):
    call_command("supervision", "--as-of", "2018-04-10")
    out = capsys.readouterr().out
    assert "逾期事项" in out and "风险事项" in out and "正常事项" not in out
    target = tmp_path / "list.xlsx"
    call_command("supervision", "--as-of", "2018-04-10", "--format", "xlsx", "-o", str(target))
    ws = load_workbook(BytesIO(target.read_bytes())).active
    assert ws["C3"].value == "逾期事项" and ws["I3"].value == 10
    with pytest.raises(CommandError):
        call_command("supervision", "--format", "xlsx")
    with pytest.raises(CommandError):
        call_command("supervision", "--as-of", "10/04/2018")


def test_lagging_linked_indicator_from_the_latest_evaluation(plan, cast):
    from planwatch.evaluation.models import EvaluationResult, EvaluationRun, split_results

    indicator = plan.indicators.order_by("order").first()
    zh = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    m = actions.add_milestone(
        cast.zoe,
        zh,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(),
            title="指标相关",
            due_on=D(2018, 12, 31),
            indicators=[indicator],
        ),
    )
    assert supervision_list(plan, D(2018, 4, 10)) == []
    summary, result_rows = split_results(
        to_jsonable(evaluation(2017, indicator_result(indicator.code, "ZH", year=2017, pace="lagging")))
    )
    stored = EvaluationRun.objects.create(
        plan=plan,
        year=2017,
        parameters={},
        statuses=[],
        data_version={},
        data_hash="x",
        input_hash="x",
        summary=summary,
        results_hash="x",
        engine_version="test",
    )
    EvaluationResult.objects.bulk_create(
        EvaluationResult(run=stored, **dataclasses.asdict(row)) for row in result_rows
    )
    rows = supervision_list(plan, D(2018, 4, 10))
    assert [r.milestone for r in rows] == [m]
    assert rows[0].finding.lagging_indicators == (indicator.code,)
    assert supervision_list(plan, D(2018, 4, 10), pace={}) == []  # an explicit mapping wins


def test_the_pages_flag_by_the_same_rules_as_the_list(client, plan, cast):
    """The timeline, the milestone page and the task page show the list's finding, lagging indicator
    included: one judgement everywhere."""
    test_lagging_linked_indicator_from_the_latest_evaluation(plan, cast)
    m = actions.Milestone.objects.get()
    client.force_login(cast.vic)
    base = f"/plans/{plan.code}/supervision/"
    timeline = client.get(f"{base}ZH/2018/?as_of=2018-04-10").content.decode()
    assert 'class="bar at_risk"' in timeline
    milestone = client.get(f"{base}milestone/{m.pk}/?as_of=2018-04-10").content.decode()
    assert 'class="flag at_risk"' in milestone
    task = client.get(f"{base}task/{m.task.code}/?as_of=2018-04-10").content.decode()
    assert "at_risk" in task
