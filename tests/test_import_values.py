"""Importing a filled-in Excel template: every wrong workbook rejected whole, with its cell named and
the database unchanged; the good path; who may import what; the command line; the upload page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from planwatch.core import workbook as wbk
from planwatch.core.errors import WorkbookRejected
from planwatch.ledgers import services
from planwatch.plans.models import Plan
from planwatch.reporting import excel
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ImportBatch, ReportedValue, ValueComment
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.fed import FED

S = ReportedValue.Status
FILE = "珠海市_2018_指标填报表.xlsx"
TYPED = 35 - len(FED)  # the template's 35 rows, less those a ledger feeds (locked, not typed)


# --- helpers ------------------------------------------------------------------------------------


def good_values(codes):
    """Plausible values for every indicator typed by hand, keeping the plan's cross checks (I24 ≤ I22,
    I25 = I24/I22, C06 ≤ C05, I28 = C06/C05). Those a ledger feeds (I01, I10…) are left as the template
    shows them (locked)."""
    values: dict[str, Any] = {code: 10 for code in codes if code not in FED}
    consistent = {"I22": 20, "I24": 7, "I25": 35, "C05": 8, "C06": 6, "I28": 75}
    values.update({k: v for k, v in consistent.items() if k in values})
    return values


def rows_by_code(ws) -> dict[str, int]:
    return {
        ws.cell(row=r, column=1).value: r
        for r in range(wbk.FIRST_ROW, ws.max_row + 1)
        if ws.cell(row=r, column=1).value
    }


def edit(data: bytes, values: dict[str, Any] | None = None, *, comments=None, change=None) -> bytes:
    """The workbook with values (and comments) typed in by indicator code, and any other change."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[wbk.VALUES_SHEET]
    rows = rows_by_code(ws)
    for code, value in (values or {}).items():
        ws.cell(row=rows[code], column=wbk.VALUE_COL).value = value
    for code, text in (comments or {}).items():
        ws.cell(row=rows[code], column=wbk.COMMENT_COL).value = text
    if change:
        change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filled(data: bytes, **overrides: Any) -> bytes:
    ws = openpyxl.load_workbook(io.BytesIO(data))[wbk.VALUES_SHEET]
    values = good_values(rows_by_code(ws))
    values.update(overrides)
    return edit(data, values)


def retag(data: bytes, **fields: Any) -> bytes:
    """Rewrite the metadata with a matching checksum: what a careful forger would do. Every rule must
    still hold on the server."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[wbk.META_SHEET]
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(1, ws.max_row + 1)}
    for key, value in fields.items():
        cells[key].value = value
    meta = wbk.TemplateMeta(
        str(cells["plan"].value),
        int(cells["plan_version"].value),
        str(cells["locality"].value),
        str(cells["period"].value),
        int(cells["format_version"].value),
    )
    cells["check"].value = meta.checksum()
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cell(ws_rows: dict[str, int], code: str, column: str = "F") -> str:
    return f"Values!{column}{ws_rows[code]}"


def snapshot():
    """Everything an import could write."""
    return (
        sorted(
            ReportedValue.objects.values_list(
                "indicator__code", "locality__code", "period__code", "value", "status", "version", "source"
            )
        ),
        sorted(events().values_list("id", "type", "new", "source_detail")),
        sorted(ValueComment.objects.values_list("id", "text")),
        ImportBatch.objects.count(),
    )


def paths(exc: WorkbookRejected) -> list[str]:
    return [p.path for p in exc.problems]


@pytest.fixture
def ctx(plan, cast, period):
    zh, fs = plan.localities.get(code="ZH"), plan.localities.get(code="FS")
    # Something already in the database, so that "unchanged" means something.
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I07"), Decimal(5))])
    template = excel.export_template(plan, zh, period, cast.zoe)
    ws = openpyxl.load_workbook(io.BytesIO(template))[wbk.VALUES_SHEET]
    return SimpleNamespace(
        plan=plan,
        cast=cast,
        period=period,
        zh=zh,
        fs=fs,
        template=template,
        good=filled(template),
        rows=rows_by_code(ws),
    )


# --- the good path ------------------------------------------------------------------------------


def test_every_value_saved_as_a_draft_audited_with_the_file(ctx):
    result = excel.import_values(ctx.good, f"/tmp/uploads/{FILE}", ctx.cast.zoe)
    values = ReportedValue.objects.filter(locality=ctx.zh, period=ctx.period)
    assert values.count() == TYPED
    assert set(values.values_list("status", "source", "source_detail")) == {(S.DRAFT, "excel", FILE)}
    assert values.get(indicator__code="I07").value == 10
    assert values.get(indicator__code="I25").value == 35
    assert len(result.saved) == TYPED and result.unchanged == []
    assert next(v for v in result.saved if v.code == "I07").old == 5
    audit = events(kind="value", locality_code="ZH", source="excel")
    assert audit.count() == TYPED
    assert set(audit.values_list("type", "source_detail", "actor_name")) == {("value.save", FILE, "zoe")}
    i01 = audit.get(indicator_code="I07")
    assert (i01.old_value, i01.new_value) == (5, 10)
    assert ImportBatch.objects.get().source_detail == FILE
    assert f"{TYPED} value(s) saved as drafts" in result.describe()


@pytest.fixture
def set_based(monkeypatch):
    """Every workbook written as a large set is (on PostgreSQL: COPY, UPDATE … FROM, the events
    COPYed and chained at once; on SQLite value by value): the path of a data value set."""
    monkeypatch.setattr(wf, "SET_BASED_FROM", 1)


def test_the_set_based_write_reports_and_audits_as_value_by_value(ctx, set_based):
    data = edit(ctx.good, comments={"I07": "改为 10", "I11": "新建"})
    result = excel.import_values(data, FILE, ctx.cast.zoe)
    values = ReportedValue.objects.filter(locality=ctx.zh, period=ctx.period)
    assert values.count() == TYPED and set(values.values_list("status", "source_detail")) == {(S.DRAFT, FILE)}
    i07 = values.get(indicator__code="I07")
    assert (i07.value, i07.version, i07.updated_by) == (10, 2, ctx.cast.zoe)
    assert len(result.saved) == TYPED and next(v for v in result.saved if v.code == "I07").old == 5
    assert sorted(v.code for v in result.commented) == ["I07", "I11"]
    saved = events(kind="value", verb="save", source="excel")
    assert saved.count() == TYPED
    assert (saved.get(indicator_code="I07").old_value, saved.get(indicator_code="I07").new_value) == (5, 10)
    assert events(kind="value", verb="comment").count() == 2
    assert ImportBatch.objects.get().value_count == TYPED
    call_command("verify_audit", stdout=io.StringIO())  # the chain holds
    before = snapshot()
    again = excel.import_values(data, FILE, ctx.cast.zoe)
    assert again.saved == [] and again.commented == [] and snapshot() == before


def test_one_bad_cell_writes_nothing_on_the_set_based_path(ctx, set_based):
    before = snapshot()
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_values(edit(ctx.good, {"I08": -3, "I11": "abc"}), FILE, ctx.cast.zoe)
    assert paths(caught.value) == [cell(ctx.rows, "I08"), cell(ctx.rows, "I11")]
    assert snapshot() == before


def test_the_same_file_twice_writes_nothing_the_second_time(ctx):
    data = edit(ctx.good, comments={"I08": "含两个续建项目"})
    excel.import_values(data, FILE, ctx.cast.zoe)
    before = snapshot()
    again = excel.import_values(data, FILE, ctx.cast.zoe)
    assert snapshot() == before
    assert again.saved == [] and again.commented == [] and len(again.unchanged) == TYPED


def test_changed_values_only_are_written_on_a_second_import(ctx):
    excel.import_values(ctx.good, FILE, ctx.cast.zoe)
    count = events().count()
    result = excel.import_values(edit(ctx.good, {"I08": 12}), "second.xlsx", ctx.cast.zoe)
    assert [(v.code, v.old, v.new) for v in result.saved] == [("I08", 10, 12)]
    assert events().count() == count + 1
    value = ReportedValue.objects.get(locality=ctx.zh, period=ctx.period, indicator__code="I08")
    assert (value.value, value.version, value.source_detail) == (12, 2, "second.xlsx")


def test_comments_become_value_comments_once(ctx):
    data = edit(ctx.good, comments={"I11": "新建一批省级智能制造示范基地"})
    result = excel.import_values(data, FILE, ctx.cast.zoe)
    assert [v.code for v in result.commented] == ["I11"]
    comment = ValueComment.objects.get()
    assert (comment.text, comment.value.indicator.code, comment.author) == (
        "新建一批省级智能制造示范基地",
        "I11",
        ctx.cast.zoe,
    )
    assert events(verb="comment").get().source_detail == FILE


def test_numbers_as_typed_in_excel(ctx):
    def percent_format(wb):
        ws = wb[wbk.VALUES_SHEET]
        target = ws.cell(row=rows_by_code(ws)["I25"], column=wbk.VALUE_COL)
        target.value, target.number_format = 0.35, "0%"  # typed as "35%"

    data = edit(
        ctx.good, {"I07": "1,200", "I08": "１５", "C01": " 12.5 ", "I04": 0.1 + 0.2}, change=percent_format
    )
    excel.import_values(data, FILE, ctx.cast.zoe)
    got = dict(
        ReportedValue.objects.filter(locality=ctx.zh, period=ctx.period).values_list(
            "indicator__code", "value"
        )
    )
    assert (got["I07"], got["I08"], got["C01"], got["I04"], got["I25"]) == (
        1200,
        15,
        Decimal("12.5"),
        Decimal("0.3"),
        35,
    )


def test_returned_values_are_editable_and_locked_ones_left_alone(ctx):
    plan, zoe = ctx.plan, ctx.cast.zoe
    wf.submit(zoe, ctx.zh, ctx.period, codes=["I07"])  # I07 = 5, now submitted: locked
    template = excel.export_template(plan, ctx.zh, ctx.period, zoe)
    result = excel.import_values(filled(template, I07=5), FILE, zoe)
    assert "I07" in [v.code for v in result.unchanged]
    assert (
        ReportedValue.objects.get(locality=ctx.zh, period=ctx.period, indicator__code="I07").status
        == S.SUBMITTED
    )
    wf.return_values(ctx.cast.zack, ctx.zh, ctx.period, "请核对", codes=["I07"])
    result = excel.import_values(filled(template, I07=6), FILE, zoe)
    value = ReportedValue.objects.get(locality=ctx.zh, period=ctx.period, indicator__code="I07")
    assert (value.value, value.status) == (6, S.DRAFT)


# --- nobody overwritten unread (issue 15, part 5): the template says what its reporter read ------


@pytest.fixture
def zed(django_user_model, plan):
    """A second reporter of 珠海."""
    from tests.conftest import _person

    return _person(django_user_model, plan, "zed", "locality_reporter", locality="ZH")


def i07(ctx) -> ReportedValue:
    return ReportedValue.objects.get(locality=ctx.zh, period=ctx.period, indicator__code="I07")


def test_a_value_changed_by_someone_else_since_the_export_is_a_conflict_at_its_cell(ctx, zed):
    I07 = ctx.plan.indicators.get(code="I07")
    wf.save_values(zed, ctx.zh, ctx.period, [wf.Entry(I07, Decimal(7), expected_version=i07(ctx).version)])
    before = snapshot()
    with pytest.raises(WorkbookRejected) as refused:
        excel.import_values(filled(ctx.template, I07=6), FILE, ctx.cast.zoe)
    assert paths(refused.value) == [cell(ctx.rows, "I07")]
    assert "zed" in str(refused.value) and "7" in str(refused.value)
    assert snapshot() == before
    # What zed wrote, sent as it stands, overwrites nothing: the rest of the workbook is saved.
    excel.import_values(filled(ctx.template, I07=7), FILE, ctx.cast.zoe)
    assert i07(ctx).value == 7 and i07(ctx).updated_by == zed


def test_the_same_workbook_uploaded_twice_overwrites_only_its_own_values(ctx):
    excel.import_values(filled(ctx.template, I07=6), FILE, ctx.cast.zoe)
    excel.import_values(filled(ctx.template, I07=8), FILE, ctx.cast.zoe)  # her own write since: hers
    assert i07(ctx).value == 8


def test_a_template_of_before_without_versions_overwrites_no_one_else(ctx, zed):
    I07 = ctx.plan.indicators.get(code="I07")
    book = openpyxl.load_workbook(io.BytesIO(ctx.template))
    meta = book[wbk.META_SHEET]
    for r in range(meta.max_row, 0, -1):
        if str(meta.cell(row=r, column=1).value).startswith(wbk.VERSION_PREFIX):
            meta.delete_rows(r)
    out = io.BytesIO()
    book.save(out)
    wf.save_values(zed, ctx.zh, ctx.period, [wf.Entry(I07, Decimal(7), expected_version=i07(ctx).version)])
    with pytest.raises(WorkbookRejected, match="I07"):
        excel.import_values(filled(out.getvalue(), I07=6), FILE, ctx.cast.zoe)
    assert i07(ctx).value == 7


def test_outlier_warnings_are_reported_not_blocking(ctx):
    plan, zoe, zh = ctx.plan, ctx.cast.zoe, ctx.zh
    p2017 = yearly_period(plan, 2017)
    excel.import_values(filled(excel.export_template(plan, zh, p2017, zoe)), "2017.xlsx", zoe)
    services.derive_values(plan, 2017, zoe)  # the ledger writes I01, I10… (no rows: 0)
    wf.submit(zoe, zh, p2017)
    wf.approve(ctx.cast.zack, zh, p2017)
    wf.accept(ctx.cast.pat, zh, p2017)
    result = excel.import_values(filled(excel.export_template(plan, zh, ctx.period, zoe), I11=40), FILE, zoe)
    assert [w.path for w in result.warnings] == [cell(ctx.rows, "I11")]
    assert "please explain" in result.warnings[0].message
    assert ReportedValue.objects.get(locality=zh, period=ctx.period, indicator__code="I11").value == 40


# --- malformed or wrong workbooks: rejected whole, the cell named, nothing written ----------------


@dataclass
class Case:
    name: str
    build: Callable[[SimpleNamespace], bytes]
    where: Callable[[SimpleNamespace], list[str]]  # the problems' places, in order
    says: str = ""  # a part of the first problem's message
    user: str = "zoe"
    options: Callable[[SimpleNamespace], dict] = field(default=lambda c: {})


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def _plain_workbook(c) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Values"
    wb.active.append(["I07", 12])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _append_row(code, value):
    def change(wb):
        ws = wb[wbk.VALUES_SHEET]
        ws.cell(row=ws.max_row + 1, column=wbk.CODE_COL).value = code
        ws.cell(row=ws.max_row, column=wbk.VALUE_COL).value = value

    return change


def _meta(row, value):
    def change(wb):
        wb[wbk.META_SHEET].cell(row=row, column=2).value = value

    return change


def _old_version(c) -> bytes:
    data = c.good
    Plan.objects.filter(pk=c.plan.pk).update(version=c.plan.version + 1)
    return data


def _closed(c) -> bytes:
    c.period.locks_on = dt.date(2019, 4, 15)
    c.period.save()
    return c.good


def _another_plan(c) -> bytes:
    other = Plan.objects.create(
        code="other-plan",
        title_zh="另一方案",
        title_en="Another plan",
        issuer_zh="某厅",
        issuer_en="A department",
        issued_on=dt.date(2018, 1, 1),
        region_zh="某地",
        region_en="Somewhere",
        base_year=2016,
        start_year=2017,
        end_year=2020,
        source_text="…",
    )
    return retag(c.good, plan=other.code)


def _status(status_change):
    def build(c) -> bytes:
        plan, zh, period = c.plan, c.zh, c.period
        excel.import_values(c.good, "first.xlsx", c.cast.zoe)
        services.derive_values(plan, period.year, c.cast.zoe)  # the ledger writes I01, I10…
        wf.submit(c.cast.zoe, zh, period)
        if status_change == "accepted":
            wf.approve(c.cast.zack, zh, period)
            wf.accept(c.cast.pat, zh, period)
        return edit(filled(excel.export_template(plan, zh, period, c.cast.zoe)), {"I08": 11})

    return build


def _cumulative_fell(c) -> bytes:
    p2017 = yearly_period(c.plan, 2017)
    excel.import_values(
        filled(excel.export_template(c.plan, c.zh, p2017, c.cast.zoe), I07=50), "2017.xlsx", c.cast.zoe
    )
    services.derive_values(c.plan, 2017, c.cast.zoe)  # the ledger writes I01, I10…
    wf.submit(c.cast.zoe, c.zh, p2017)
    wf.approve(c.cast.zack, c.zh, p2017)
    wf.accept(c.cast.pat, c.zh, p2017)
    return edit(c.good, {"I07": 40})


def _quarterly(c) -> bytes:
    data = c.good
    c.plan.indicators.filter(code="I08").update(frequency="quarterly")
    return data


def _delete_row(code):
    def change(wb):
        ws = wb[wbk.VALUES_SHEET]
        ws.delete_rows(rows_by_code(ws)[code])

    return change


def _rename_values(wb):
    wb[wbk.VALUES_SHEET].title = "Sheet1"


def _header(wb):
    wb[wbk.VALUES_SHEET]["F4"] = "数值"


def _drop_meta(wb):
    del wb[wbk.META_SHEET]


F = cell  # F(c.rows, "I08") → "Values!F6"

CASES = [
    Case("empty file", lambda c: b"", lambda c: [""], "文件是空的 / the file is empty"),
    Case(
        "a CSV file renamed .xlsx", lambda c: b"code,value\nI01,12\n", lambda c: [""], "not an Excel workbook"
    ),
    Case(
        "a truncated workbook", lambda c: c.good[: len(c.good) // 2], lambda c: [""], "not an Excel workbook"
    ),
    Case(
        "an old .xls file", lambda c: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), lambda c: [""], ".xls"
    ),
    Case("a Word document", lambda c: _docx(), lambda c: [""], "not an Excel workbook"),
    Case(
        "a zip that is no workbook",
        lambda c: c.good[:4] + b"\x00" * 100,
        lambda c: [""],
        "not an Excel workbook",
    ),
    Case("too large", lambda c: c.good + bytes(6 * 2**20), lambda c: [""], "too large"),
    Case(
        "a workbook not made by PlanWatch",
        _plain_workbook,
        lambda c: ["_meta", "Values!A4"],
        "metadata sheet is missing",
    ),
    Case(
        "the metadata sheet deleted",
        lambda c: edit(c.good, change=_drop_meta),
        lambda c: ["_meta"],
        "not a template exported",
    ),
    Case(
        "metadata edited: the locality",
        lambda c: edit(c.good, change=_meta(5, "FS")),
        lambda c: ["_meta!B7"],
        "altered",
    ),
    Case(
        "metadata edited: the version cleared",
        lambda c: edit(c.good, change=_meta(4, None)),
        lambda c: ["_meta!B4"],
        "lacks plan_version",
    ),
    Case(
        "metadata edited: not a number",
        lambda c: edit(c.good, change=_meta(4, "v1")),
        lambda c: ["_meta!B4"],
        "not a whole number",
    ),
    Case(
        "an unknown format version",
        lambda c: retag(c.good, format_version=2),
        lambda c: ["_meta!B2"],
        "unsupported template format version 2",
    ),
    Case(
        "an unknown plan",
        lambda c: retag(c.good, plan="no-such-plan"),
        lambda c: ["_meta!B3"],
        "unknown plan 'no-such-plan'",
    ),
    Case(
        "another plan's workbook",
        _another_plan,
        lambda c: ["_meta!B3"],
        "for another plan (other-plan)",
        options=lambda c: {"plan": c.plan},
    ),
    Case("an old plan version", _old_version, lambda c: ["_meta!B4"], "the plan is now at version 2"),
    Case(
        "a plan version that never was",
        lambda c: retag(c.good, plan_version=9),
        lambda c: ["_meta!B4"],
        "no version 9",
    ),
    Case(
        "an unknown locality",
        lambda c: retag(c.good, locality="XX"),
        lambda c: ["_meta!B5"],
        "unknown locality 'XX'",
    ),
    Case(
        "a locality that is no pilot unit",
        lambda c: retag(c.good, locality="GD"),
        lambda c: ["_meta!B5"],
        "not a pilot unit",
    ),
    Case(
        "another locality's workbook",
        lambda c: retag(c.good, locality="FS"),
        lambda c: ["_meta!B5"],
        "you may not report values for Foshan",
    ),
    Case(
        "an unknown period",
        lambda c: retag(c.good, period="2031"),
        lambda c: ["_meta!B6"],
        "unknown period '2031'",
    ),
    Case(
        "a closed period",
        _closed,
        lambda c: ["_meta!B6"],
        "closed for entry on 2019-04-15",
        options=lambda c: {"today": dt.date(2019, 5, 1)},
    ),
    Case(
        "text in a number cell",
        lambda c: edit(c.good, {"I08": "abc"}),
        lambda c: [F(c.rows, "I08")],
        "“abc”不是数字 / not a number: 'abc'",
    ),
    Case(
        "a date in a number cell",
        lambda c: edit(c.good, {"I08": dt.datetime(2018, 12, 31)}),
        lambda c: [F(c.rows, "I08")],
        "a date",
    ),
    Case(
        "a formula without a value",
        lambda c: edit(c.good, {"I08": "=F5*2"}),
        lambda c: [F(c.rows, "I08")],
        "formula has no computed value",
    ),
    Case(
        "a negative count",
        lambda c: edit(c.good, {"I08": -3}),
        lambda c: [F(c.rows, "I08")],
        "cannot be negative: -3",
    ),
    Case(
        "a count with decimals",
        lambda c: edit(c.good, {"I08": 2.5}),
        lambda c: [F(c.rows, "I08")],
        "whole number: 2.5",
    ),
    Case(
        "a share above 100 %",
        lambda c: edit(c.good, {"I25": 130}),
        lambda c: [F(c.rows, "I25")],
        "between 0 % and 100 %",
    ),
    Case(
        "a growth rate below −100 %",
        lambda c: edit(c.good, {"I04": -150}),
        lambda c: [F(c.rows, "I04")],
        "between -100 % and 1000 %",
    ),
    Case(
        "negative money",
        lambda c: edit(c.good, {"C01": -1}),
        lambda c: [F(c.rows, "C01")],
        "cannot be negative",
    ),
    Case(
        "too many decimal places",
        lambda c: edit(c.good, {"C01": "1.1234567"}),
        lambda c: [F(c.rows, "C01")],
        "too many decimal places",
    ),
    Case(
        "a number too large", lambda c: edit(c.good, {"C01": 1e20}), lambda c: [F(c.rows, "C01")], "too large"
    ),
    Case(
        "a cross check broken",
        lambda c: edit(c.good, {"I24": 25}),
        lambda c: [F(c.rows, "I24"), F(c.rows, "I25")],
        "cannot outnumber",
    ),
    Case(
        "a cumulative count that falls",
        _cumulative_fell,
        lambda c: [F(c.rows, "I07")],
        "cannot fall below the previous period's 50",
    ),
    Case(
        "a missing value",
        lambda c: edit(c.good, {"I08": None}),
        lambda c: [F(c.rows, "I08")],
        "the value of I08 is missing",
    ),
    Case("a blank value", lambda c: edit(c.good, {"I08": "   "}), lambda c: [F(c.rows, "I08")], "missing"),
    Case(
        "a missing row",
        lambda c: edit(c.good, change=_delete_row("I08")),
        lambda c: ["Values"],
        "the row of indicator I08",
    ),
    Case(
        "a duplicate indicator",
        lambda c: edit(c.good, change=_append_row("I08", 11)),
        lambda c: [f"Values!A{max(c.rows.values()) + 1}"],
        "I08 appears twice (also in row 15)",
    ),
    Case(
        "an unknown indicator",
        lambda c: edit(c.good, change=_append_row("I99", 1)),
        lambda c: [f"Values!A{max(c.rows.values()) + 1}"],
        "unknown indicator 'I99'",
    ),
    Case(
        "an indicator of another frequency",
        _quarterly,
        lambda c: [F(c.rows, "I08", "A")],
        "I08 is not reported for period 2018 (it is reported quarterly)",
    ),
    Case(
        "a value without a code",
        lambda c: edit(c.good, change=_append_row(None, 1)),
        lambda c: [f"Values!A{max(c.rows.values()) + 1}"],
        "code is missing",
    ),
    Case(
        "the header changed",
        lambda c: edit(c.good, change=_header),
        lambda c: ["Values!F4"],
        "layout was changed",
    ),
    Case(
        "the values sheet renamed",
        lambda c: edit(c.good, change=_rename_values),
        lambda c: ["Values"],
        "sheet 'Values' is missing",
    ),
    Case(
        "a comment too long",
        lambda c: edit(c.good, comments={"I08": "长" * 2001}),
        lambda c: [F(c.rows, "I08", "G")],
        "too long (2001 characters",
    ),
    Case(
        "a submitted value changed",
        _status("submitted"),
        lambda c: [F(c.rows, "I08")],
        "I08 is submitted and cannot be changed; have it returned first",
    ),
    Case(
        "an accepted value changed", _status("accepted"), lambda c: [F(c.rows, "I08")], "request a revision"
    ),
    Case(
        "a lead unit's workbook with others' indicators",
        lambda c: c.good,
        lambda c: [
            F(c.rows, code, "A")
            for code in c.rows
            if code not in {"I22", "I23", "I24", "I25", "I26", "C04", "I27", "C05", "C06", "I28"}
        ],
        "you may not report I01 for Zhuhai",  # the first row: refused for the user before the ledger
        user="lena",
    ),
    Case(
        "every problem at once",
        lambda c: edit(
            c.good, {"I07": "abc", "I08": -1, "I25": 130, "I09": None}, change=_append_row("I04", 1)
        ),
        lambda c: [
            F(c.rows, "I07"),
            F(c.rows, "I08"),
            F(c.rows, "I09"),
            F(c.rows, "I25"),
            f"Values!A{max(c.rows.values()) + 1}",
        ],
        "not a number: 'abc'",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_wrong_workbooks_are_rejected_whole(ctx, case):
    data = case.build(ctx)
    before = snapshot()
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_values(data, FILE, getattr(ctx.cast, case.user), **case.options(ctx))
    assert snapshot() == before, "nothing may be written"
    assert paths(caught.value) == case.where(ctx)
    assert case.says in caught.value.problems[0].message
    for problem in caught.value.problems:  # Chinese, then English
        zh, _sep, en = problem.message.partition(" / ")
        assert zh and en, problem
    assert caught.value.source == FILE


def test_there_are_at_least_twenty_wrong_workbooks():
    assert len(CASES) >= 20


def test_a_problem_names_sheet_cell_and_reason(ctx):
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_values(edit(ctx.good, {"I07": "abc"}), FILE, ctx.cast.zoe)
    assert str(caught.value.problems[0]) == f"{F(ctx.rows, 'I07')}: “abc”不是数字 / not a number: 'abc'"
    assert caught.value.describe().splitlines() == [
        f"{FILE}: rejected, 1 problem(s), nothing was written:",
        f"  {FILE}: Values!F14: “abc”不是数字 / not a number: 'abc'",  # I07's row
    ]


def test_a_race_inside_save_many_becomes_a_cell_problem(ctx, monkeypatch):
    """save_many checks again under lock; its refusal is reported by cell like the others."""

    def racing(*args, **kwargs):
        error = wf.Conflict("I08 已被 zack 修改为 9", "I08 was changed by zack to 9 since you opened it")
        error.indicator = "I08"
        raise error

    monkeypatch.setattr(wf, "_checked", racing)
    before = snapshot()
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_values(ctx.good, FILE, ctx.cast.zoe)
    assert paths(caught.value) == [F(ctx.rows, "I08")]
    assert "was changed by zack to 9" in caught.value.problems[0].message
    assert snapshot() == before


# --- who may import what ------------------------------------------------------------------------

LEAD = ["I22", "I23", "I24", "I25", "I26", "C04", "I27", "C05", "C06", "I28"]


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("alice", "ZH", True),
        ("alice", "FS", True),
        ("pat", "ZH", False),
        ("pat", "FS", False),
        ("lena", "ZH", True),
        ("lena", "FS", True),
        ("zoe", "ZH", True),
        ("zoe", "FS", False),
        ("zack", "ZH", True),
        ("zack", "FS", False),
        ("fred", "ZH", False),
        ("fred", "FS", True),
        ("fay", "ZH", False),
        ("fay", "FS", True),
        ("vic", "ZH", False),
        ("vic", "FS", False),
    ],
)
def test_role_matrix(plan, cast, period, who, where, allowed):
    user = getattr(cast, who)
    locality = plan.localities.get(code=where)
    # Each user's own template where they may have one; otherwise the province's, as if passed on.
    maker = cast.lena if who == "lena" else cast.alice
    data = filled(excel.export_template(plan, locality, period, maker))
    if allowed:
        result = excel.import_values(data, FILE, user)
        expected = LEAD if who == "lena" else [i.code for i in wf.required_indicators(period)]
        expected = [code for code in expected if code not in FED]  # I26…: the ledger's, not typed
        assert sorted(v.code for v in result.saved) == sorted(expected)
        assert set(ReportedValue.objects.values_list("locality__code", "updated_by__username")) == {
            (where, who)
        }
    else:
        with pytest.raises(WorkbookRejected) as caught:
            excel.import_values(data, FILE, user)
        assert paths(caught.value) == ["_meta!B5"]
        assert "you may not report values for" in caught.value.problems[0].message
        assert not ReportedValue.objects.exists()
        assert not events().exists()


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["珠海", "珠海市", "ZH", "zh", "Zhuhai"])
def test_export_template_command(plan, cast, period, tmp_path, name):
    out, target = io.StringIO(), tmp_path / "zh.xlsx"
    call_command("export_template", locality=name, period="2018", output=str(target), stdout=out)
    assert f"wrote {target}" in out.getvalue()
    wb = openpyxl.load_workbook(target)
    assert wb[wbk.META_SHEET]["B5"].value == "ZH"
    assert len(rows_by_code(wb[wbk.VALUES_SHEET])) == 35


def test_export_template_command_default_name_and_user(plan, cast, period, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command(
        "export_template", "--locality", "珠海", "--period", "2018", "--user", "lena", stdout=io.StringIO()
    )
    wb = openpyxl.load_workbook(tmp_path / "珠海市_2018_指标填报表.xlsx")
    assert list(rows_by_code(wb[wbk.VALUES_SHEET])) == LEAD


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"locality": "上海", "period": "2018"}, "no locality '上海'"),
        ({"locality": "珠海", "period": "2031"}, "no period '2031'"),
        ({"locality": "珠海", "period": "2018", "plan": "nope"}, "no such plan: nope"),
        ({"locality": "珠海", "period": "2018", "user": "nobody"}, "no such user: nobody"),
        ({"locality": "珠海", "period": "2018", "user": "vic"}, "you may not report values for Zhuhai"),
        ({"locality": "广东", "period": "2018"}, "not a pilot unit"),
    ],
)
def test_export_template_command_refuses(plan, cast, period, tmp_path, options, says):
    with pytest.raises(CommandError, match=says):
        call_command("export_template", output=str(tmp_path / "x.xlsx"), stdout=io.StringIO(), **options)
    assert not (tmp_path / "x.xlsx").exists()


def test_import_values_command_prints_what_it_wrote(ctx, tmp_path):
    path = tmp_path / FILE
    path.write_bytes(ctx.good)
    out = io.StringIO()
    call_command("import_values", str(path), user="zoe", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"{FILE}: {TYPED} value(s) saved as drafts, 0 unchanged — 珠海市 ZH, period 2018")
    assert f"{F(ctx.rows, 'I07')}: I07 " in text and ": 5 → 10" in text
    assert events(source="excel", source_detail=FILE).count() == TYPED
    out = io.StringIO()
    call_command("import_values", str(path), user="zoe", stdout=out)
    assert f"0 value(s) saved as drafts, {TYPED} unchanged" in out.getvalue()


def test_import_values_command_exits_non_zero_listing_every_problem(ctx, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(edit(ctx.good, {"I07": "abc", "I25": 130}))
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        call_command("import_values", str(path), user="zoe", stdout=io.StringIO())
    lines = str(caught.value).splitlines()
    assert lines[0] == "bad.xlsx: rejected, 2 problem(s), nothing was written:"
    assert lines[1] == f"  bad.xlsx: {F(ctx.rows, 'I07')}: “abc”不是数字 / not a number: 'abc'"
    assert lines[2].startswith(f"  bad.xlsx: {F(ctx.rows, 'I25')}: 应在 0% 至 100% 之间 / must be between")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["missing.xlsx", "--user", "zoe"], "cannot read"),
        (["{file}", "--user", "nobody"], "no such active user: nobody"),
        (["{file}", "--user", "fred"], "you may not report values for Zhuhai"),
    ],
)
def test_import_values_command_refuses(ctx, tmp_path, args, says):
    path = tmp_path / "zh.xlsx"
    path.write_bytes(ctx.good)
    args = [str(path) if a == "{file}" else str(tmp_path / a) if a.endswith(".xlsx") else a for a in args]
    with pytest.raises(CommandError, match=says):
        call_command("import_values", *args, stdout=io.StringIO())


# --- the web pages ------------------------------------------------------------------------------


def upload_url(plan):
    return reverse("excel:upload", args=[plan.code])


def template_url(plan, locality, period):
    return reverse("excel:template", args=[plan.code, locality, period])


def test_download_the_template(client, ctx):
    client.force_login(ctx.cast.zoe)
    response = client.get(template_url(ctx.plan, "ZH", "2018"))
    assert response.status_code == 200
    assert response["Content-Type"] == excel.CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="planwatch-ZH-2018.xlsx"')
    assert f"filename*=UTF-8''{quote(FILE)}" in disposition
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb[wbk.META_SHEET]["B5"].value == "ZH"


@pytest.mark.parametrize(
    ("who", "locality", "status"),
    [("zoe", "FS", 403), ("vic", "ZH", 403), ("pat", "ZH", 403), ("lena", "FS", 200), ("alice", "FS", 200)],
)
def test_download_scope(client, ctx, who, locality, status):
    client.force_login(getattr(ctx.cast, who))
    assert client.get(template_url(ctx.plan, locality, "2018")).status_code == status


def test_download_unknown_things_404_and_login_required(client, ctx):
    assert client.get(template_url(ctx.plan, "ZH", "2018")).status_code == 302
    assert client.get(upload_url(ctx.plan)).status_code == 302
    client.force_login(ctx.cast.zoe)
    assert client.get(template_url(ctx.plan, "XX", "2018")).status_code == 404
    assert client.get(template_url(ctx.plan, "ZH", "2031")).status_code == 404


def test_upload_page_lists_the_users_templates(client, ctx):
    client.force_login(ctx.cast.zoe)
    response = client.get(upload_url(ctx.plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert template_url(ctx.plan, "ZH", "2018") in html
    assert template_url(ctx.plan, "FS", "2018") not in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("who", ["vic", "pat"])
def test_upload_page_is_for_reporters_only(client, ctx, who):
    client.force_login(getattr(ctx.cast, who))
    assert client.get(upload_url(ctx.plan)).status_code == 403
    before = snapshot()
    response = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile(FILE, ctx.good)})
    assert response.status_code == 403
    assert snapshot() == before


def test_upload_success_lists_the_saved_values(client, ctx):
    client.force_login(ctx.cast.zoe)
    response = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile(FILE, ctx.good)})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-result"' in html and 'id="import-problems"' not in html
    result = response.context["result"]
    assert len(result.saved) == TYPED
    assert F(ctx.rows, "I07") in html and "引进军民两用技术成果数" in html
    assert (
        ReportedValue.objects.filter(locality=ctx.zh, period=ctx.period, source_detail=FILE).count() == TYPED
    )


def test_upload_success_shows_the_way_on(client, ctx):
    """To the entry form, to check and submit; and the ledger-fed values still to write there."""
    client.force_login(ctx.cast.zoe)
    html = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile(FILE, ctx.good)}).content.decode()
    entry = reverse("reporting:entry", args=[ctx.plan.code, "ZH", ctx.period.code])
    assert 'id="import-way-on"' in html and f'href="{entry}"' in html
    assert "在填报表中核对并提交" in html
    assert "台账计数的" in html and "I01" in html  # the ledger's I01… not yet written for 2018


def test_upload_rejection_lists_every_problem_and_writes_nothing(client, ctx):
    client.force_login(ctx.cast.zoe)
    data = edit(ctx.good, {"I07": "abc", "I08": -1, "I25": 130})
    before = snapshot()
    response = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile(FILE, data)})
    assert response.status_code == 422
    assert snapshot() == before
    html = response.content.decode()
    assert 'id="import-problems"' in html and 'id="import-result"' not in html
    rows = [(p.sheet, p.cell) for p in response.context["problems"]]
    assert rows == [
        (F(ctx.rows, code).split("!")[0], F(ctx.rows, code).split("!")[1]) for code in ("I07", "I08", "I25")
    ]
    assert "<td>“abc”不是数字</td>" in html  # in the page's language only


def test_upload_of_another_localitys_workbook(client, ctx):
    client.force_login(ctx.cast.fred)
    response = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile(FILE, ctx.good)})
    assert response.status_code == 422
    assert [(p.sheet, p.cell) for p in response.context["problems"]] == [("_meta", "B5")]
    assert not ReportedValue.objects.filter(locality=ctx.zh, value=10).exists()


def test_upload_size_limit_and_missing_file(client, ctx):
    client.force_login(ctx.cast.zoe)
    big = SimpleUploadedFile("big.xlsx", ctx.good + bytes(excel.MAX_UPLOAD_BYTES))
    before = snapshot()
    response = client.post(upload_url(ctx.plan), {"file": big})
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode() or "文件过大" in response.content.decode()
    assert response.context["form"].errors["file"][0].startswith(("The file is too large", "文件过大"))
    response = client.post(upload_url(ctx.plan), {})
    assert response.status_code == 400
    assert snapshot() == before


def test_upload_not_a_workbook(client, ctx):
    client.force_login(ctx.cast.zoe)
    response = client.post(upload_url(ctx.plan), {"file": SimpleUploadedFile("values.csv", b"I07,12\n")})
    assert response.status_code == 422
    assert [(p.sheet, p.cell) for p in response.context["problems"]] == [("—", "—")]
    assert "不是 Excel 工作簿（.xlsx）" in response.content.decode()


# --- in real Chromium ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_download_fill_upload_in_the_browser(page, live_server, plan, cast, period, tmp_path):
    from tests.browser import screenshot

    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "zoe")
    page.fill("input[name=password]", "zoe-password")
    page.click("button[type=submit].primary")
    page.goto(f"{live_server.url}{upload_url(plan)}")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    with page.expect_download() as download:
        page.click(f"a[href='{template_url(plan, 'ZH', '2018')}']")
    assert download.value.suggested_filename == FILE
    saved = tmp_path / "download.xlsx"
    download.value.save_as(saved)

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edit(filled(saved.read_bytes()), {"I07": "abc", "I25": 130}))
    page.set_input_files("input[type=file]", str(bad))
    page.click("form[enctype] button[type=submit]")
    problems = page.locator("#import-problems")
    i07 = F(rows_by_code(openpyxl.load_workbook(saved)[wbk.VALUES_SHEET]), "I07").split("!")[1]
    assert i07 in problems.inner_text() and "“abc”不是数字" in problems.inner_text()
    screenshot(page, "excel-upload-rejected-zh")
    assert not ReportedValue.objects.exists()

    good = tmp_path / FILE
    good.write_bytes(filled(saved.read_bytes()))
    page.set_input_files("input[type=file]", str(good))
    page.click("form[enctype] button[type=submit]")
    assert "引进军民两用技术成果数" in page.locator("#import-result").inner_text()
    screenshot(page, "excel-upload-saved-zh")
    assert ReportedValue.objects.filter(status=S.DRAFT, source="excel").count() == TYPED
    # The rejected upload answers 422, which Chromium logs; nothing else may go wrong.
    assert [e for e in page.console_errors if "422" not in e] == []
