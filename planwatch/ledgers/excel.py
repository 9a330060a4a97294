"""Excel round trip of a ledger: export (an empty ledger gives the template) and an all-or-nothing
import with every problem named by sheet and cell, in Chinese then English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from planwatch.core import cells, numbers, workbook
from planwatch.core.errors import Issue, Kind, Problem, WorkbookRejected
from planwatch.kernel import audit
from planwatch.kernel.jobs import SILENT, Steps
from planwatch.plans.lookup import find_locality
from planwatch.plans.models import KeyField

from . import services
from .models import DATE_COLUMNS, LedgerItem, LedgerType

SHEET = "Ledger"
ABOUT = "About"
HEADER_ROW = 1
FIRST_ROW = 2


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    width: int = 16


def columns(ledger: LedgerType) -> list[Column]:
    cols = [
        Column("id", "编号", "ID", 8),
        Column("locality", "地区", "Locality", 10),
        Column("key_field", "重点领域", "Key field", 10),
        Column("name", "名称", "Name", 36),
        Column("identifier", "统一社会信用代码/项目代码", "Identifier", 22),
    ]
    for a in ledger.attributes:
        unit = f"（{a['unit']}）" if a.get("unit") else ""
        required = "*" if a.get("required") else ""
        cols.append(Column(f"attr:{a['code']}", f"{a['zh']}{unit}{required}", a["en"], 20))
    if ledger.has_investment:
        cols.append(Column("investment", "总投资（万元）", "Total investment (10k yuan)", 14))
    for stage in ledger.stage_codes:
        zh, en = ledger.stage_name(stage)
        cols.append(Column(DATE_COLUMNS.get(stage, f"date:{stage}"), f"{zh}日期", f"{en} on", 12))
    cols += [
        Column("status", "状态", "Status", 10),
        Column("notes", "备注", "Notes", 30),
        Column("review", "审核状态（只读）", "Review (read only)", 12),
    ]
    return cols


def choices_note(ledger: LedgerType) -> list[list[str]]:
    """The About sheet's lines on the attributes with choices."""
    return [
        [f"{a['zh']} {a['en']}", "、".join(a["choices"])]
        for a in ledger.attributes
        if a.get("type") == "choice"
    ]


def _problem(sheet: str, cell: str, zh: str, en: str) -> Problem:
    return Problem(f"{sheet}!{cell}", f"{zh} / {en}")


def export_ledger(ledger: LedgerType, items: Any) -> bytes:
    """The ledger's rows (those given, already scoped to the user) as a workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    cols = columns(ledger)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c, col in enumerate(cols, start=1):
        cell = sheet.cell(HEADER_ROW, c, f"{col.zh} {col.en}")
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(c)].width = col.width
    sheet.freeze_panes = "A2"
    statuses, reviews = status_labels(), review_labels()
    for r, item in enumerate(items, start=FIRST_ROW):
        for c, col in enumerate(cols, start=1):
            sheet.cell(r, c, _cell_value(item, col.key, statuses, reviews))
    about = book.create_sheet(ABOUT)
    about.append(["plan", ledger.plan.code])
    about.append(["ledger", ledger.code])
    about.append(["说明", "每行一项；编号留空为新增。日期格式 YYYY-MM-DD。全部无误才会导入。"])
    about.append(
        ["note", "One row per item; leave ID empty for a new one. Dates YYYY-MM-DD. All or nothing."]
    )
    for line in choices_note(ledger):
        about.append(line)
    about.append(["状态 Status", "、".join(statuses.values())])
    about.append(
        ["地区 Locality", "、".join(loc.name_zh for loc in ledger.plan.localities.filter(pilot=True))]
    )
    return cells.workbook_bytes(book)


def status_labels() -> dict[str, str]:
    """Each status's Chinese label (有效…), as the export writes it whatever the language."""
    with translation.override("zh-hans"):
        return {s.value: str(s.label) for s in LedgerItem.Status}


def review_labels() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {s.value: str(s.label) for s in LedgerItem.Review}


def status_names() -> dict[str, str]:
    """What the import accepts as a status, case-folded: the code (active), the Chinese label (有效)
    and the English one (Active)."""
    out: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            out.update({str(s.label).casefold(): s.value for s in LedgerItem.Status})
    out.update({s.value: s.value for s in LedgerItem.Status})
    return out


def key_field_text(key_field: KeyField) -> str:
    """A key field as the export writes it: its code and Chinese name (KF01 智能制造装备)."""
    return f"{key_field.code} {key_field.name_zh}"


def key_field_names(key_fields: list[KeyField]) -> dict[str, KeyField]:
    """What the import accepts as a key field, case-folded: the code (KF01), the code and name as
    exported, the Chinese name or the English one."""
    out: dict[str, KeyField] = {}
    for k in key_fields:
        for text in (k.name_en, k.name_zh, key_field_text(k), k.code):
            if text:
                out[text.casefold()] = k
    return out


def _cell_value(item: LedgerItem, key: str, statuses: dict[str, str], reviews: dict[str, str]) -> Any:
    """A row's cell as officials read it: names and Chinese labels, not codes (the import takes
    both)."""
    if key == "locality":
        return item.locality.name_zh
    if key == "key_field":
        return key_field_text(item.key_field) if item.key_field else None
    if key.startswith("attr:"):
        return item.attributes.get(key[5:])
    if key.startswith("date:"):
        return item.stage_date(key[5:])
    if key == "status":
        return statuses.get(item.status, item.status)
    if key == "review":
        return reviews.get(item.review, item.review)
    value = getattr(item, key)
    if isinstance(value, Decimal):
        return float(value)
    return value if value != "" else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip().replace("/", "-"))


# Where a refusal of the workflow about a row is said: its field's column, else by its kind.
CELL_OF_KIND = {Kind.FORBIDDEN: "locality", Kind.WORKFLOW: "id", Kind.LOCKED: "id", Kind.CONFLICT: "id"}


def _at_cell(cols: list[Column], row: int, issue: Issue) -> Problem:
    """A problem of a row's save at its cell: the field the issue names, else by its kind."""
    keys = [c.key for c in cols]
    key = issue.path if issue.path in keys else CELL_OF_KIND.get(issue.kind, "name" if issue.path else "id")
    key = key if key in keys else "name"
    return _problem(SHEET, f"{get_column_letter(keys.index(key) + 1)}{row}", issue.zh, issue.en)


def _attributes(cols: list[Column], values: dict[str, Any]) -> dict[str, str]:
    out = {}
    for col in cols:
        if col.key.startswith("attr:") and _text(values[col.key]):
            raw = values[col.key]
            out[col.key[5:]] = _date(raw).isoformat() if isinstance(raw, dt.date) else _text(raw)  # type: ignore[union-attr]
    return out


def _read_investment(ledger: LedgerType, item: LedgerItem, values: dict[str, Any], bad: Any) -> None:
    if not ledger.has_investment:
        return
    raw = values["investment"]
    investment = numbers.decimal_or_none(_text(raw))  # None for a blank cell
    if investment is None and _text(raw):
        bad("investment", f"总投资「{_text(raw)}」不是数字", f"investment {_text(raw)!r} is not a number")
    else:
        item.investment = investment


def _read_dates(ledger: LedgerType, item: LedgerItem, values: dict[str, Any], bad: Any) -> None:
    for stage in ledger.stage_codes:
        key = DATE_COLUMNS.get(stage, f"date:{stage}")
        try:
            item.set_stage_date(stage, _date(values[key]))
        except ValueError:
            bad(key, f"日期「{_text(values[key])}」无法识别", f"date {_text(values[key])!r} not understood")
            item.set_stage_date(stage, None)


# Says a problem of the row being read at the cell of a column, named by its key: bad(key, zh, en).
_Bad = Callable[[str, str, str], None]


def _open_workbook(data: bytes, source: str) -> workbook.ReadOnce:
    """The uploaded workbook through the one guard of uploads (planwatch.core.workbook), read once
    (read-only), with the limits of work outside a web request (a ledger import runs on the job
    runner); raises WorkbookRejected if it cannot be read, has no ledger sheet or a formula without
    a value."""
    book = workbook.open_once(data, source, workbook.IN_BACKGROUND)
    if SHEET not in book.sheetnames:
        raise WorkbookRejected(source, [Problem("", f"缺少工作表 {SHEET} / the sheet {SHEET} is missing")])
    if uncomputed := book.uncomputed(SHEET):
        raise WorkbookRejected(source, uncomputed)
    return book


def _check_about(book: workbook.ReadOnce, ledger: LedgerType) -> list[Problem]:
    """The About sheet, if the workbook has one, must be about this ledger."""
    if ABOUT not in book.sheetnames:
        return []
    meta = {_text(r[0]): _text(r[1]) for r in book.rows(ABOUT, values_only=True) if len(r) > 1}
    if meta.get("ledger") and meta["ledger"] != ledger.code:
        return [
            _problem(ABOUT, "B2", f"此文件是台账 {meta['ledger']}", f"this file is ledger {meta['ledger']}")
        ]
    return []


def _check_header(book: workbook.ReadOnce, cols: list[Column]) -> list[Problem]:
    """Each column's header must start with its Chinese name."""
    row = next(book.rows(SHEET, min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
    header = [_text(value) for value in row]
    return [
        _problem(
            SHEET,
            f"{get_column_letter(c + 1)}{HEADER_ROW}",
            f"表头应为「{col.zh}」",
            f"header should be {col.en!r}",
        )
        for c, col in enumerate(cols)
        if c >= len(header) or not header[c].startswith(col.zh)
    ]


@dataclass(frozen=True)
class _Known:
    """What the rows are read against, fetched once for the workbook: the ledger's items by ID that
    the user may see (a hidden row's ID reads as no row at all), and its plan's key fields and the
    statuses by every name the import accepts."""

    key_fields: dict[str, KeyField]
    items: dict[int, LedgerItem]
    statuses: dict[str, str]


def _known(user: Any, ledger: LedgerType) -> _Known:
    prefetch_related_objects([ledger.plan], "localities")  # find_locality of each row: read once
    items = services.visible_items(user, ledger.items.select_related("locality", "key_field", "ledger__plan"))
    return _Known(
        key_fields=key_field_names(list(KeyField.objects.filter(plan=ledger.plan))),
        items={i.pk: i for i in items},
        statuses=status_names(),
    )


def _bad_at(cols: list[Column], r: int, problems: list[Problem]) -> _Bad:
    """How the problems of row `r` are said: at the row's cell of the column named, in `problems`."""
    keys = [c.key for c in cols]

    def bad(key: str, zh: str, en: str) -> None:
        problems.append(_problem(SHEET, f"{get_column_letter(keys.index(key) + 1)}{r}", zh, en))

    return bad


def _item_of_row(
    ledger: LedgerType, raw_id: str, items: dict[int, LedgerItem], bad: _Bad
) -> LedgerItem | None:
    """The item a row's ID names, or a new one if the ID is blank; None if the ledger has no such
    item."""
    if not raw_id:
        return LedgerItem(ledger=ledger)
    found = items.get(int(raw_id)) if raw_id.isdecimal() else None
    if found is None:
        bad("id", f"本台账没有编号 {raw_id}", f"no item {raw_id} in this ledger")
    return found


def _read_key_field(
    item: LedgerItem, values: dict[str, Any], key_fields: dict[str, KeyField], bad: _Bad
) -> None:
    kf = _text(values["key_field"])
    if kf and kf.casefold() not in key_fields:
        bad("key_field", f"未知重点领域「{kf}」", f"unknown key field {kf!r}")
    item.key_field = key_fields.get(kf.casefold()) if kf else None


def _read_status(item: LedgerItem, values: dict[str, Any], statuses: dict[str, str], bad: _Bad) -> None:
    """The status by its code or label; blank is active."""
    status = _text(values["status"]) or LedgerItem.Status.ACTIVE
    if status.casefold() not in statuses:
        known = "、".join(status_labels().values())
        bad("status", f"未知状态「{status}」，应为：{known}", f"unknown status {status!r}: one of {known}")
    else:
        item.status = statuses[status.casefold()]


def _read_item(
    ledger: LedgerType, cols: list[Column], values: dict[str, Any], known: _Known, bad: _Bad
) -> LedgerItem | None:
    """A row's item with its fields set from the row's cells; None if the row names an item or a
    locality that does not exist (the rest of the row is not read). Other problems are said through
    `bad` and the item is still returned, so that saving it says the row's other problems too."""
    item = _item_of_row(ledger, _text(values["id"]), known.items, bad)
    if item is None:
        return None
    try:
        item.locality = find_locality(ledger.plan, _text(values["locality"]))
    except LookupError:
        bad(
            "locality",
            f"未知地区「{_text(values['locality'])}」",
            f"unknown locality {_text(values['locality'])!r}",
        )
        return None
    _read_key_field(item, values, known.key_fields, bad)
    item.name = _text(values["name"])
    item.identifier = _text(values["identifier"]).upper()
    item.attributes = _attributes(cols, values)
    _read_investment(ledger, item, values, bad)
    _read_dates(ledger, item, values, bad)
    _read_status(item, values, known.statuses, bad)
    item.notes = _text(values["notes"])
    return item


def _read_rows(
    user: Any,
    ledger: LedgerType,
    book: workbook.ReadOnce,
    cols: list[Column],
    problems: list[Problem],
    progress: Steps,
) -> list[tuple[int, LedgerItem]]:
    """The item of each row that is not blank, with its row number; the problems found go to
    `problems`."""
    known = _known(user, ledger)
    pending: list[tuple[int, LedgerItem]] = []
    progress.step(gettext_noop("Checking the rows"), total=max(0, book.scan(SHEET).last_row - FIRST_ROW + 1))
    for r, row in enumerate(book.rows(SHEET, min_row=FIRST_ROW, values_only=True), start=FIRST_ROW):
        progress.advance(r - FIRST_ROW + 1)
        values = {col.key: (row[c] if c < len(row) else None) for c, col in enumerate(cols)}
        if all(v is None or _text(v) == "" for v in values.values()):
            continue
        item = _read_item(ledger, cols, values, known, _bad_at(cols, r, problems))
        if item is not None:
            pending.append((r, item))
    return pending


def _save_items(
    user: Any,
    ledger: LedgerType,
    pending: list[tuple[int, LedgerItem]],
    cols: list[Column],
    source: str,
    problems: list[Problem],
    progress: Steps,
) -> list[LedgerItem]:
    """Save the items through services.save_items (source excel): every row checked as save_item
    checks it, then all written at once by set-based statements — or, with any problem anywhere
    (a refused row's go to `problems`, at its cells), nothing."""
    via = audit.Via(audit.Source.EXCEL, source)
    progress.step(gettext_noop("Saving the rows"), total=len(pending))
    done = services.save_items(
        user, ledger, [item for _r, item in pending], via=via, write=not problems, advance=progress.advance
    )
    for index, refused in done.refusals.items():
        r = pending[index][0]
        problems.extend(_at_cell(cols, r, issue) for issue in refused.issues)
    progress.advance(len(pending))
    return [item for item in done.items if item is not None]


def import_ledger(
    ledger: LedgerType, data: bytes, file_name: str, user: Any, progress: Steps = SILENT
) -> list[LedgerItem]:
    """Check every row, then save them all (source excel) in one transaction, or save nothing and
    raise WorkbookRejected listing each problem with its cell. Runs on the job runner from the web
    (planwatch.ledgers.jobs), telling `progress` its steps; the command line calls it directly."""
    source = PurePath(file_name).name
    progress.step(gettext_noop("Reading the workbook"))
    book = _open_workbook(data, source)
    cols = columns(ledger)
    problems = _check_about(book, ledger) + _check_header(book, cols)
    if problems:
        raise WorkbookRejected(source, problems)
    pending = _read_rows(user, ledger, book, cols, problems, progress)  # reads only: no write lock yet
    book.close()
    with transaction.atomic():
        saved = _save_items(user, ledger, pending, cols, source, problems, progress)
        if problems:
            raise WorkbookRejected(source, problems)
        progress.step(gettext_noop("Looking for duplicates"))
        services.refresh_duplicates(ledger)  # once for the workbook, not once per row
    return saved
