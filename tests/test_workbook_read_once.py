"""An upload read once (planwatch.core.workbook.open_once): read-only, its rows to the last whatever
the sheet's stated dimension says, its formulas found by one pass over the sheet's XML — one without
a computed value named at its cell with its text, one with a value read as that value."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

from planwatch.core import workbook


def _book(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    for r in range(1, rows + 1):
        sheet.append([f"row {r}", r])
    sheet["C3"] = "=1+1"  # written by a program: no computed value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewritten(data: bytes, change: tuple[str, str]) -> bytes:
    """The workbook with its first sheet's XML changed by one regular expression."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(change[0], change[1], content.decode()).encode()
            target.writestr(info, content)
    return out.getvalue()


def test_rows_are_read_to_the_last_whatever_the_stated_dimension() -> None:
    data = _rewritten(_book(30), (r'<dimension ref="[^"]*"/>', '<dimension ref="A1:B2"/>'))
    book = workbook.open_once(data, "x.xlsx")
    rows = [r for r in book.rows("Data", values_only=True) if r and r[0]]
    assert len(rows) == 30 and rows[-1][:2] == ("row 30", 30)
    assert book.scan("Data").last_row == 30


def test_a_formula_without_a_value_is_named_with_its_text() -> None:
    book = workbook.open_once(_book(5), "x.xlsx")
    assert book.scan("Data").formulas == {"C3": False}
    [problem] = book.uncomputed("Data")
    assert problem.path == "Data!C3" and "=1+1" in problem.message


def test_a_formula_with_a_value_is_read_as_its_value() -> None:
    data = _rewritten(_book(5), (r"<f>1\+1</f>(<v></v>|<v/>)?", "<f>1+1</f><v>2</v>"))
    book = workbook.open_once(data, "x.xlsx")
    assert book.scan("Data").formulas == {"C3": True}
    assert book.uncomputed("Data") == []
    assert [r[2] for r in book.rows("Data", min_row=3, max_row=3, values_only=True)] == [2]


def test_a_sheet_without_formulas_is_searched_not_parsed_with_the_same_finding() -> None:
    book = Workbook()
    sheet = book.active
    for r in range(1, 41):
        sheet.append([f"row {r}", r])
    sheet["D45"].number_format = "0.00"  # a styled empty cell: the last row holding a cell
    out = io.BytesIO()
    book.save(out)
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    searched = workbook._scan(io.BytesIO(xml))
    assert searched == workbook._parsed_scan(io.BytesIO(xml))
    assert searched.last_row == 45 and searched.formulas == {}
