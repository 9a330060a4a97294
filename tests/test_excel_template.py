"""The Excel values template: content, protection, data validation and metadata, read back with openpyxl."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from planwatch.core import workbook as wbk
from planwatch.core.errors import WorkbookRejected
from planwatch.plans.models import Target
from planwatch.reporting import excel
from planwatch.reporting import workflow as wf
from planwatch.reporting.sample import yearly_period
from tests.fed import FED


@pytest.fixture
def zh(plan):
    return plan.localities.get(code="ZH")


def open_book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_by_code(ws):
    return {
        ws.cell(row=r, column=1).value: r
        for r in range(wbk.FIRST_ROW, ws.max_row + 1)
        if ws.cell(row=r, column=1).value
    }


def validation_of(ws, coordinate):
    hits = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(hits) == 1, f"{coordinate}: {len(hits)} validations"
    return hits[0]


def test_one_row_per_indicator_with_target_previous_and_current(plan, cast, period, zh):
    p2017 = yearly_period(plan, 2017)
    i07 = plan.indicators.get(code="I07")
    Target.objects.create(
        indicator=i07, locality=zh, year=2018, value=Decimal(40), origin="user", clause="", quote=""
    )
    wf.save_values(cast.zoe, zh, p2017, [wf.Entry(i07, Decimal(30), expected_version=0)])
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I25"), Decimal("35.5"))])

    ws = open_book(excel.export_template(plan, zh, period, cast.zoe))[wbk.VALUES_SHEET]
    codes = [c for c in rows_by_code(ws)]
    assert codes == [i.code for i in wf.required_indicators(period)]
    assert len(codes) == 35
    assert "珠海市" in ws["A1"].value and "2018" in ws["A1"].value and "示例数据" not in ws["A1"].value
    assert ws["E1"].value == "Zhuhai: indicator values for 2018"
    headers = [ws.cell(row=wbk.HEADER_ROW, column=c).value.split("\n") for c in range(1, 9)]
    assert headers == [
        ["编码", "Code"],
        ["指标", "Indicator"],
        ["单位", "Unit"],
        ["目标值", "Target"],
        ["上期值", "Previous"],
        ["本期值", "Value"],
        ["说明", "Comment"],
        ["状态", "Status"],
    ]
    row = rows_by_code(ws)["I07"]
    assert ws.cell(row=row, column=2).value == f"{i07.name_zh}\n{i07.name_en}"
    assert ws.cell(row=row, column=3).value == "项\nitems"
    assert ws.cell(row=row, column=4).value == 40  # the locality's target for 2018
    assert ws.cell(row=row, column=5).value == 30  # 2017's value, as zoe may see it (her own draft)
    assert ws.cell(row=row, column=6).value is None
    share = rows_by_code(ws)["I25"]
    assert ws.cell(row=share, column=6).value == 35.5
    assert ws.cell(row=share, column=8).value == "草稿\nDraft"
    assert "v1" in open_book(excel.export_template(plan, zh, period, cast.zoe)).properties.subject


def test_inputs_unlocked_everything_else_locked(plan, cast, period, zh):
    wb = open_book(excel.export_template(plan, zh, period, cast.zoe))
    ws = wb[wbk.VALUES_SHEET]
    assert ws.protection.sheet is True
    assert ws.protection.password is None  # no password to hand out
    assert wb.security.lockStructure is True
    # Every data row but those a ledger feeds (I01, I10…: counted from the ledger, shown locked).
    rows = rows_by_code(ws)
    assert set(rows) >= FED
    data_rows = {row for code, row in rows.items() if code not in FED}
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=8):
        for cell in row:
            unlocked = cell.row in data_rows and cell.column in (wbk.VALUE_COL, wbk.COMMENT_COL)
            assert cell.protection.locked is not unlocked, cell.coordinate


def test_submitted_values_keep_their_inputs_locked(plan, cast, period, zh):
    i07 = plan.indicators.get(code="I07")
    wf.save_values(cast.zoe, zh, period, [wf.Entry(i07, Decimal(5))])
    wf.submit(cast.zoe, zh, period, codes=["I07"])
    ws = open_book(excel.export_template(plan, zh, period, cast.zoe))[wbk.VALUES_SHEET]
    row = rows_by_code(ws)["I07"]
    assert ws.cell(row=row, column=6).value == 5
    assert ws.cell(row=row, column=6).protection.locked
    assert ws.cell(row=row, column=7).protection.locked
    assert ws.cell(row=row, column=8).value == "已提交\nSubmitted"
    assert not any(f"F{row}" in dv.sqref for dv in ws.data_validations.dataValidation)


def test_data_validation_by_kind_and_unit(plan, cast, period, zh):
    ws = open_book(excel.export_template(plan, zh, period, cast.zoe))[wbk.VALUES_SHEET]
    rows = rows_by_code(ws)
    for code in rows:
        if code in FED:  # counted from a ledger: locked, nothing to type
            assert not any(f"F{rows[code]}" in dv.sqref for dv in ws.data_validations.dataValidation)
            continue
        dv = validation_of(ws, f"F{rows[code]}")
        assert dv.showErrorMessage and dv.errorStyle == "stop"
        assert "Enter" in dv.error and "请输入" in dv.error
    count = validation_of(ws, f"F{rows['I07']}")  # 项, a cumulative count
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    share = validation_of(ws, f"F{rows['I25']}")  # %, a share
    assert (share.type, share.operator, share.formula1, share.formula2) == ("decimal", "between", "0", "100")
    growth = validation_of(ws, f"F{rows['I04']}")  # %, average annual growth
    assert (growth.type, growth.formula1, growth.formula2) == ("decimal", "-100", "1000")
    decrease = validation_of(ws, f"F{rows['I29']}")
    assert (decrease.formula1, decrease.formula2) == ("-100", "100")
    money = validation_of(ws, f"F{rows['C01']}")  # 亿元, a level
    assert (money.type, money.operator, money.formula1) == ("decimal", "greaterThanOrEqual", "0")
    persons = validation_of(ws, f"F{rows['I22']}")  # 万人: may have decimals
    assert persons.type == "decimal"
    comment = validation_of(ws, f"G{rows['I07']}")
    assert (comment.type, comment.formula1) == ("textLength", str(wbk.MAX_COMMENT_CHARS))


def test_layout_frozen_header_widths_font(plan, cast, period, zh):
    ws = open_book(excel.export_template(plan, zh, period, cast.zoe))[wbk.VALUES_SHEET]
    assert ws.freeze_panes == f"A{wbk.FIRST_ROW}"
    widths = {get_column_letter(c): ws.column_dimensions[get_column_letter(c)].width for c in range(1, 9)}
    assert widths["B"] >= 40 and widths["G"] >= 30 and widths["A"] < 15
    assert ws["A1"].font.name == wbk.FONT_NAME
    assert ws.cell(row=wbk.FIRST_ROW, column=2).font.name == wbk.FONT_NAME
    assert ws.cell(row=wbk.FIRST_ROW, column=2).alignment.wrap_text


def test_metadata_sheet_hidden_and_complete(plan, cast, period, zh):
    wb = open_book(excel.export_template(plan, zh, period, cast.zoe))
    assert wb.sheetnames == [wbk.VALUES_SHEET, wbk.META_SHEET]
    meta_ws = wb[wbk.META_SHEET]
    assert meta_ws.sheet_state == "hidden"
    assert meta_ws.protection.sheet
    meta = {row[0]: row[1] for row in meta_ws.iter_rows(values_only=True)}
    assert meta["format"] == wbk.FORMAT
    assert meta["format_version"] == wbk.FORMAT_VERSION
    assert (meta["plan"], meta["plan_version"]) == (plan.code, plan.version)
    assert (meta["locality"], meta["period"]) == ("ZH", "2018")
    assert meta["exported_by"] == "zoe"
    assert meta["check"] == wbk.TemplateMeta(plan.code, plan.version, "ZH", "2018").checksum()


def test_sample_data_is_marked(plan, cast, period, zh):
    from planwatch.demo.sample import load_sample

    load_sample(plan)
    ws = open_book(excel.export_template(plan, zh, yearly_period(plan, 2018), cast.alice))[wbk.VALUES_SHEET]
    assert ws["A1"].value.startswith("【示例数据】")
    assert ws["E1"].value.startswith("[Sample data]")
    assert "示例数据" in ws["A3"].value and "sample data" in ws["A3"].value
    row = rows_by_code(ws)["I01"]
    assert "示例数据" in ws.cell(row=row, column=8).value  # the accepted sample value
    assert ws.cell(row=row, column=6).protection.locked  # accepted: locked


def test_scope_of_the_template(plan, cast, period, zh):
    lena = open_book(excel.export_template(plan, zh, period, cast.lena))[wbk.VALUES_SHEET]
    assert list(rows_by_code(lena)) == ["I22", "I23", "I24", "I25", "I26", "C04", "I27", "C05", "C06", "I28"]
    assert len(rows_by_code(open_book(excel.export_template(plan, zh, period, cast.alice))["Values"])) == 35
    for who in ("fred", "fay", "pat", "vic"):
        with pytest.raises(wf.NotAllowed):
            excel.export_template(plan, zh, period, getattr(cast, who))
    with pytest.raises(wf.NotAllowed):  # the province itself is no pilot unit
        excel.export_template(plan, plan.localities.get(code="GD"), period, cast.alice)


def test_the_core_round_trip_on_plain_data():
    template = wbk.Template(
        meta=wbk.TemplateMeta("p", 3, "L1", "2020Q1"),
        plan_title_zh="某方案",
        plan_title_en="A plan",
        locality_name_zh="某市",
        locality_name_en="A city",
        rows=[
            wbk.TemplateRow("A", "甲", "Alpha", "个", rule=wbk.value_rule("level", "个"), value=Decimal(3)),
            wbk.TemplateRow("B", "乙", "Beta", "%", rule=wbk.value_rule("share", "%"), value=Decimal("12.5")),
        ],
    )
    content = wbk.read_template(wbk.build_template(template), "x.xlsx")
    assert content.problems == []
    assert content.meta == template.meta
    assert [(r.code, r.value, r.value_cell) for r in content.rows] == [
        ("A", Decimal(3), "Values!F5"),
        ("B", Decimal("12.5"), "Values!F6"),
    ]


def test_not_a_workbook_at_the_core():
    with pytest.raises(WorkbookRejected) as caught:
        wbk.read_template(b"code,value\nI01,12\n", "values.xlsx")
    assert "values.xlsx: rejected, 1 problem(s)" in str(caught.value)
    assert "not an Excel workbook" in caught.value.problems[0].message
