"""The action plan template: export, import all or nothing, cell-referenced rejections."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from planwatch.core.errors import WorkbookRejected
from planwatch.supervision import actions, excel
from planwatch.supervision.models import Milestone
from tests.audit import events
from tests.test_ledger_excel import zip_bomb


def _filled(plan, rows, locality="ZH", year=2018) -> bytes:
    data = excel.export_action_plan(plan, plan.localities.get(code=locality), year)
    wb = load_workbook(BytesIO(data))
    ws = wb[excel.SHEET]
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            ws.cell(row=excel.FIRST_ROW + offset, column=col, value=value)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _task(plan):
    return plan.tasks.order_by("order").first().code


def test_import_adds_then_edits_milestones(plan, cast):
    task, ind = _task(plan), plan.indicators.order_by("order").first().code
    data = _filled(
        plan, [[None, task, "示范车间", "DST", "张三", dt.date(2018, 1, 1), "2018-06-30", "验收报告", ind]]
    )
    result = excel.import_action_plan(data, "zh.xlsx", cast.zoe)
    assert result.added == 1
    m = Milestone.objects.get()
    assert (m.title, m.owner_unit.code, m.owner_person, m.due_on) == (
        "示范车间",
        "DST",
        "张三",
        dt.date(2018, 6, 30),
    )
    assert [i.code for i in m.indicators.all()] == [ind]
    assert events(kind="milestone", verb="create", source="excel", source_detail="zh.xlsx").count() == 1

    # The exported template carries the milestone's number; changing its row edits it.
    wb = load_workbook(BytesIO(excel.export_action_plan(plan, m.action_plan.locality, 2018)))
    ws = wb[excel.SHEET]
    assert ws["A3"].value == m.pk and ws["C3"].value == "示范车间"
    ws["G3"] = dt.date(2018, 9, 30)
    out = BytesIO()
    wb.save(out)
    again = excel.import_action_plan(out.getvalue(), "zh2.xlsx", cast.zack)
    assert (again.added, again.changed) == (0, 1)
    m.refresh_from_db()
    assert m.due_on == dt.date(2018, 9, 30)


def test_rejection_lists_every_problem_by_cell_and_writes_nothing(plan, cast):
    task = _task(plan)
    data = _filled(
        plan,
        [
            [None, task, "好的一行", None, None, None, "2018-06-30", None, None],
            [None, "T99", "", "NOPE", None, "2018-07-01", "30/06/2018", None, "I99"],
            [12345, task, "不存在的编号", None, None, None, None, None, None],
        ],
    )
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_action_plan(data, "bad.xlsx", cast.zoe)
    cells = [p.path for p in caught.value.problems]
    assert cells == [
        "行动计划!B4",
        "行动计划!C4",
        "行动计划!D4",
        "行动计划!G4",
        "行动计划!I4",
        "行动计划!A5",
        "行动计划!G5",
    ]
    assert all(" / " in p.message for p in caught.value.problems)  # Chinese / English
    assert "任务编号 T99 不存在" in caught.value.problems[0].message
    assert not Milestone.objects.exists() and not events().exists()


def test_start_after_due_is_rejected(plan, cast):
    data = _filled(plan, [[None, _task(plan), "x", None, None, "2018-08-01", "2018-06-30", None, None]])
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_action_plan(data, "bad.xlsx", cast.zoe)
    assert [p.path for p in caught.value.problems] == ["行动计划!F3"]


def test_other_locality_is_rejected(plan, cast):
    data = _filled(plan, [[None, _task(plan), "x", None, None, None, "2018-06-30", None, None]])
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_action_plan(data, "zh.xlsx", cast.fred)
    assert "行动计划" in caught.value.problems[0].message
    assert not Milestone.objects.exists()


def test_not_a_template(plan, cast):
    with pytest.raises(WorkbookRejected):
        excel.import_action_plan(b"not a workbook", "x.xlsx", cast.zoe)
    from openpyxl import Workbook

    out = BytesIO()
    Workbook().save(out)
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_action_plan(out.getvalue(), "blank.xlsx", cast.zoe)
    assert "not a PlanWatch action plan template" in str(caught.value)


def test_commands_round_trip_and_fail_on_rejection(plan, cast, tmp_path, capsys):
    target = tmp_path / "zh.xlsx"
    call_command("export_action_plan", "--locality", "珠海", "--year", "2018", "-o", str(target))
    wb = load_workbook(target)
    wb[excel.SHEET]["B3"] = _task(plan)
    wb[excel.SHEET]["C3"] = "命令行导入"
    wb[excel.SHEET]["G3"] = "2018-10-31"
    wb.save(target)
    call_command("import_action_plan", str(target), "--user", "zoe")
    assert "1 added" in capsys.readouterr().out
    wb[excel.SHEET]["G3"] = "soon"
    wb.save(target)
    with pytest.raises(CommandError) as caught:
        call_command("import_action_plan", str(target), "--user", "zoe")
    assert "行动计划!G3" in str(caught.value) and "nothing was written" in str(caught.value)
    with pytest.raises(CommandError):
        call_command("import_action_plan", str(target), "--user", "nobody")
    assert actions.Milestone.objects.count() == 1


def test_an_action_plan_upload_goes_through_the_one_guard(plan, cast):
    """A zip bomb is refused before it is unpacked (issue 15, part 4), as for every other upload."""
    with pytest.raises(WorkbookRejected, match="unpacks to more than 50 MB"):
        excel.import_action_plan(zip_bomb(), "bomb.xlsx", cast.zoe)
    assert not Milestone.objects.exists()
