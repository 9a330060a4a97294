"""Excel round trip of a ledger: the template, an all-or-nothing import with cells named, scope,
the commands, and the web upload."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from planwatch.core import workbook as wbk
from planwatch.core.errors import WorkbookRejected
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.test_ledger_derive import accept_all


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def workbook(ledger, rows) -> bytes:
    """The empty template with `rows` (dicts by column key) filled in."""
    book = load_workbook(io.BytesIO(excel.export_ledger(ledger, [])))
    sheet = book[excel.SHEET]
    keys = [c.key for c in excel.columns(ledger)]
    for r, row in enumerate(rows, start=excel.FIRST_ROW):
        for key, value in row.items():
            sheet.cell(r, keys.index(key) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    {
        "locality": "ZH",
        "key_field": None,
        "name": "项目甲",
        "identifier": "P-001",
        "investment": 20000,
        "signed_on": dt.date(2017, 3, 1),
        "started_on": "2018-06-01",
        "producing_on": dt.date(2019, 9, 1),
        "attr:investor": "某公司",
    },
    {"locality": "珠海", "name": "项目乙", "investment": 15000, "signed_on": dt.date(2018, 1, 5)},
]


def test_empty_ledger_exports_the_template(tmp_path, plan, ledger):
    out = tmp_path / "t.xlsx"
    call_command("export_ledger", "--ledger", "investment_projects", "-o", str(out))
    book = load_workbook(out)
    sheet = book[excel.SHEET]
    assert sheet["D1"].value == "名称 Name"
    assert sheet.max_row == 1
    assert book[excel.ABOUT]["B2"].value == "investment_projects"


def test_import_saves_every_row_and_round_trips(tmp_path, plan, cast, ledger):
    path = tmp_path / "zh.xlsx"
    path.write_bytes(workbook(ledger, GOOD))
    call_command("import_ledger", str(path), "--ledger", "investment_projects", "--user", "zoe")
    items = list(LedgerItem.objects.order_by("name"))
    assert [i.name for i in items] == ["项目乙", "项目甲"]
    assert items[1].started_on == dt.date(2018, 6, 1) and items[1].attributes == {"investor": "某公司"}
    assert events(kind="ledger_row", source="excel", source_detail="zh.xlsx").count() == 2
    out = tmp_path / "out.xlsx"
    call_command("export_ledger", "--ledger", "investment_projects", "-o", str(out))
    assert load_workbook(out)[excel.SHEET].max_row == 3
    # Re-importing the export changes rows in place (by ID), never duplicates them.
    call_command("import_ledger", str(out), "--ledger", "investment_projects", "--user", "zoe")
    assert LedgerItem.objects.count() == 2


def test_an_export_with_accepted_rows_takes_new_rows_and_leaves_the_accepted_ones(
    tmp_path, plan, cast, ledger
):
    """Export → add a row → upload: the accepted rows, as exported, are no change and no problem."""
    excel.import_ledger(ledger, workbook(ledger, GOOD), "zh.xlsx", cast.zoe)
    accept_all(cast, *LedgerItem.objects.all())
    book = load_workbook(io.BytesIO(excel.export_ledger(ledger, LedgerItem.objects.all())))
    sheet = book[excel.SHEET]
    header = [c.value for c in sheet[1]]
    row = [None] * len(header)
    row[1], row[3] = "珠海", "项目丙"  # locality, name (the template's columns)
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    before = events(kind="ledger_row").count()
    saved = excel.import_ledger(ledger, out.getvalue(), "again.xlsx", cast.zoe)
    assert [i.name for i in saved if i.review == LedgerItem.Review.DRAFT] == ["项目丙"]
    assert events(kind="ledger_row").count() == before + 1  # only the new row: created, audited
    sheet.cell(row=2, column=header.index(next(h for h in header if "名称" in str(h))) + 1, value="改名")
    book.save(out := io.BytesIO())
    with pytest.raises(WorkbookRejected, match="该条目已确认，不能修改") as refused:
        excel.import_ledger(ledger, out.getvalue(), "changed.xlsx", cast.zoe)
    assert "已已" not in str(refused.value)


def test_the_export_writes_names_and_chinese_labels_and_reads_them_back(tmp_path, plan, cast, ledger):
    """Officials read 佛山市 and 有效, not FS and active; the import takes what the export writes
    (and the codes, and the English labels), whatever the language of the session."""
    rows = [
        {**GOOD[0], "key_field": "KF01"},
        {"locality": "FS", "name": "项目丙", "investment": 30000, "status": "suspended"},
    ]
    excel.import_ledger(ledger, workbook(ledger, rows[:1]), "zh.xlsx", cast.zoe)
    excel.import_ledger(ledger, workbook(ledger, rows[1:]), "fs.xlsx", cast.fred)
    out = tmp_path / "all.xlsx"
    call_command("export_ledger", "--ledger", "investment_projects", "-o", str(out))
    book = load_workbook(out)
    sheet = book[excel.SHEET]
    cols = {c.key: i + 1 for i, c in enumerate(excel.columns(ledger))}
    by_name = {sheet.cell(r, cols["name"]).value: r for r in range(2, sheet.max_row + 1)}
    zh_row, fs_row = by_name["项目甲"], by_name["项目丙"]
    assert sheet.cell(zh_row, cols["locality"]).value == "珠海市"
    assert sheet.cell(fs_row, cols["locality"]).value == "佛山市"
    assert sheet.cell(zh_row, cols["status"]).value == "有效"
    assert sheet.cell(fs_row, cols["status"]).value == "暂停"
    assert sheet.cell(zh_row, cols["review"]).value == "草稿"
    assert sheet.cell(zh_row, cols["key_field"]).value == "KF01 智能制造装备"
    about = {r[0]: r[1] for r in book[excel.ABOUT].iter_rows(values_only=True)}
    assert about["状态 Status"] == "有效、暂停、已取消、已并入其他条目"

    # Round trip: each locality's user re-imports the export; rows change in place, nothing moves.
    before = {i.pk: (i.locality_id, i.status, i.key_field_id) for i in LedgerItem.objects.all()}
    sheet.delete_rows(fs_row)
    mine = tmp_path / "zh-again.xlsx"
    book.save(mine)
    call_command("import_ledger", str(mine), "--ledger", "investment_projects", "--user", "zoe")
    after = {i.pk: (i.locality_id, i.status, i.key_field_id) for i in LedgerItem.objects.all()}
    assert after == before and LedgerItem.objects.count() == 2

    # Codes, names and the English labels are still read.
    more = [
        {"locality": "ZH", "name": "代码", "investment": 20000, "status": "cancelled", "key_field": "kf02"},
        {"locality": "珠海", "name": "英文", "investment": 20000, "status": "Suspended"},
        {
            "locality": "Zhuhai",
            "name": "名称",
            "investment": 20000,
            "status": "已取消",
            "key_field": "智能制造装备",
        },
    ]
    excel.import_ledger(ledger, workbook(ledger, more), "more.xlsx", cast.zoe)
    got = {
        i.name: (i.locality.code, i.status, i.key_field.code if i.key_field else None)
        for i in LedgerItem.objects.all()
    }
    assert got["代码"] == ("ZH", "cancelled", "KF02")
    assert got["英文"] == ("ZH", "suspended", None)
    assert got["名称"] == ("ZH", "cancelled", "KF01")


def test_the_export_is_readable_in_an_english_session_too(client, plan, cast, ledger):
    excel.import_ledger(ledger, workbook(ledger, GOOD[:1]), "zh.xlsx", cast.zoe)
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("ledgers:export", args=[plan.code, ledger.code]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[excel.SHEET]
    cols = {c.key: i + 1 for i, c in enumerate(excel.columns(ledger))}
    assert (sheet.cell(2, cols["locality"]).value, sheet.cell(2, cols["status"]).value) == ("珠海市", "有效")


def test_bad_rows_reject_the_whole_import_with_cells_named(tmp_path, plan, cast, ledger):
    rows = [
        *GOOD,
        {
            "locality": "ZH",
            "name": "乱序",
            "investment": 20000,
            "signed_on": dt.date(2018, 5, 1),
            "started_on": dt.date(2018, 4, 1),
        },
        {"locality": "ZH", "name": "坏数", "investment": "很多", "signed_on": "2018-13-01"},
        {"locality": "FS", "name": "越权", "investment": 20000},
        {"locality": "ZH", "name": "", "key_field": "NOPE", "status": "whatever"},
    ]
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_ledger(ledger, workbook(ledger, rows), "bad.xlsx", cast.zoe)
    text = caught.value.describe()
    cols = {c.key: chr(ord("A") + i) for i, c in enumerate(excel.columns(ledger))}
    assert f"Ledger!{cols['started_on']}4" in text and "signed ≤ started ≤ producing" in text
    assert f"Ledger!{cols['investment']}5" in text and "不是数字" in text
    assert f"Ledger!{cols['signed_on']}5" in text
    assert f"Ledger!{cols['locality']}6" in text and "you may not change the ledger of Foshan" in text
    assert f"Ledger!{cols['name']}7" in text and f"Ledger!{cols['key_field']}7" in text
    assert f"Ledger!{cols['status']}7" in text and "未知状态「whatever」，应为：有效、暂停" in text
    assert not LedgerItem.objects.exists() and not events().exists()

    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(ledger, rows))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_ledger", str(path), "--ledger", "investment_projects", "--user", "zoe")
    assert not LedgerItem.objects.exists()


def test_an_id_that_only_looks_like_a_number_is_named_not_crashed_on(plan, cast, ledger):
    # "²" is a digit to str.isdigit() but not a number to int(): it once made the import crash.
    with pytest.raises(WorkbookRejected, match="no item ² in this ledger"):
        excel.import_ledger(ledger, workbook(ledger, [{**GOOD[0], "id": "²"}]), "x.xlsx", cast.zoe)


def test_not_a_workbook_and_wrong_header(plan, cast, ledger):
    with pytest.raises(WorkbookRejected, match="not an Excel workbook"):
        excel.import_ledger(ledger, b"nonsense", "x.xlsx", cast.zoe)
    book = load_workbook(io.BytesIO(excel.export_ledger(ledger, [])))
    book[excel.SHEET]["D1"] = "别的"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookRejected, match="Ledger!D1"):
        excel.import_ledger(ledger, out.getvalue(), "x.xlsx", cast.zoe)


def test_web_upload_updates_the_funnel_and_the_derived_values(client, plan, cast, ledger):
    period = yearly_period(plan, 2019)
    client.force_login(cast.zoe)
    upload = io.BytesIO(workbook(ledger, GOOD))
    upload.name = "zh.xlsx"
    response = client.post(reverse("ledgers:import", args=[plan.code, ledger.code]), {"file": upload})
    assert response.status_code == 302
    funnel = client.get(reverse("ledgers:funnel", args=[plan.code, ledger.code]) + "?year=2019")
    zh = next(r for r in funnel.context["rows"] if r["locality"].code == "ZH")
    assert [s["n"] for s in zh["stages"]] == [2, 1, 1]
    assert [r["locality"].code for r in funnel.context["rows"]] == ["ZH"]  # zoe sees her own only
    assert [s["accepted"] for s in zh["stages"]] == [0, 0, 0]
    client.post(reverse("ledgers:derive", args=[plan.code, ledger.code]), {"year": "2019"})
    values = ReportedValue.objects.filter(period=period, locality__code="ZH")
    assert {v.indicator.code: int(v.value) for v in values} == {"I01": 0, "I02": 0, "I03": 0}  # none accepted
    accept_all(cast, *LedgerItem.objects.all())
    client.post(reverse("ledgers:derive", args=[plan.code, ledger.code]), {"year": "2019"})
    assert {v.indicator.code: int(v.value) for v in values.all()} == {"I01": 2, "I02": 1, "I03": 1}


def test_web_upload_rejection_lists_the_cells(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    upload = io.BytesIO(workbook(ledger, [{"locality": "ZH", "name": "x", "investment": "abc"}]))
    upload.name = "bad.xlsx"
    response = client.post(
        reverse("ledgers:import", args=[plan.code, ledger.code]), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/jobs/")
    html = response.content.decode()
    assert 'id="job-problems"' in html and "Ledger!" in html and "bad.xlsx" in html
    assert not LedgerItem.objects.exists()


def test_command_line_import_then_derive_shows_in_export_values(tmp_path, plan, cast, ledger, capsys):
    yearly_period(plan, 2019)
    path = tmp_path / "zh.xlsx"
    path.write_bytes(workbook(ledger, GOOD))
    call_command("import_ledger", str(path), "--ledger", "investment_projects", "--user", "zoe")
    accept_all(cast, *LedgerItem.objects.all())
    call_command("derive_ledger_values", "--year", "2019", "--user", "zoe")
    capsys.readouterr()
    call_command("export_values", "--period", "2019", "--locality", "ZH", "--include-drafts")
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "I0" in line]
    assert len(lines) == 3 and all("ledger" in line for line in lines)
    assert [line.split(",")[-1] if "," in line else line for line in lines]  # the CSV rows
    assert any(",2," in line or "\t2\t" in line or " 2 " in line for line in lines), lines


# --- the one guard of uploads (issue 15, part 4): nothing that could hold a worker is read ------------


def zip_bomb() -> bytes:
    """A valid-looking .xlsx whose one sheet unpacks to 60 MB of zeros (about 60 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(plan, cast, ledger, monkeypatch):
    monkeypatch.setattr(
        wbk, "IN_BACKGROUND", wbk.Limits(50 * 2**20, 10)
    )  # a ledger is read in the background
    with pytest.raises(WorkbookRejected, match="unpacks to more than 50 MB"):
        excel.import_ledger(ledger, zip_bomb(), "bomb.xlsx", cast.zoe)
    assert not LedgerItem.objects.exists()


def test_a_sheet_longer_than_the_limit_is_refused_with_its_name(plan, cast, ledger, monkeypatch):
    monkeypatch.setattr(wbk, "IN_BACKGROUND", wbk.Limits(wbk.MAX_UNPACKED_BYTES, 3))
    rows = [{**GOOD[1], "name": f"项目{n}"} for n in range(4)]
    with pytest.raises(WorkbookRejected, match="Ledger: .*more than the 3 an upload may hold"):
        excel.import_ledger(ledger, workbook(ledger, rows), "long.xlsx", cast.zoe)
    assert not LedgerItem.objects.exists()


def test_a_formula_without_a_computed_value_is_named_not_read_as_blank(plan, cast, ledger):
    """A cell =1+1 written by a program and never saved in Excel has no value: not an empty investment."""
    data = workbook(ledger, [{**GOOD[1], "investment": "=1+1"}])
    with pytest.raises(WorkbookRejected, match=r"Ledger!\w+\d+: .*the formula =1\+1 has no computed value"):
        excel.import_ledger(ledger, data, "formula.xlsx", cast.zoe)
    assert not LedgerItem.objects.exists()
