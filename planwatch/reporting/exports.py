"""Reported values and the audit log as rows: one place for the API, the CSV files and the commands.

A record is a plain dict whose keys are the columns, in order. The same records feed the JSON list of
the API, its CSV download and the `export_values` / `export_audit` commands (CSV, JSON, XLSX), so
every form shows the same fields spelled the same way:

- items are named by their codes (`I01`, `ZH`, `2018`), never by database ids;
- values are numbers (`800`, `12.5`) or null when the locality left the value blank;
- times are ISO 8601 in the configured time zone, with their offset (`2019-03-02T10:15:00+08:00`).

Which rows a caller may see is decided elsewhere (workflow.visible_values for a user; the command
line runs as the system and leaves drafts out unless asked).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from planwatch.accounts.permissions import event_scope
from planwatch.core import cells, numbers
from planwatch.kernel.models import AuditEvent, name_fields
from planwatch.plans.models import Plan
from planwatch.reporting.models import ReportedValue

Record = dict[str, Any]

VALUE_COLUMNS = [
    "indicator",
    "locality",
    "period",
    "value",
    "status",
    "is_sample",
    "source",
    "source_detail",
    "version",
    "updated_at",
    "updated_by",
]

AUDIT_COLUMNS = [
    "at",
    "user",
    "event",
    "subject",
    "action",
    "indicator",
    "locality",
    "period",
    "old_value",
    "new_value",
    "old",
    "new",
    "old_status",
    "new_status",
    "comment",
    "source",
    "source_detail",
]

FORMATS = ["csv", "json", "xlsx"]

# Excel reads a UTF-8 CSV as the local code page unless it starts with a byte order mark; with it,
# 珠海市 opens as 珠海市. Python reads such files back with encoding="utf-8-sig".
BOM = "\ufeff"


# --- querysets ----------------------------------------------------------------------------------


def values_of(plan: Plan) -> QuerySet[ReportedValue]:
    """The plan's values with everything a record shows, in one query."""
    return (
        ReportedValue.objects.filter(indicator__plan=plan)
        .select_related("indicator", "locality", "period", "updated_by")
        .order_by("period__starts_on", "period__code", "locality__code", "indicator__code")
    )


def filter_values(
    values: QuerySet[ReportedValue],
    *,
    period: str | None = None,
    locality: str | None = None,
    indicator: str | None = None,
    status: str | None = None,
) -> QuerySet[ReportedValue]:
    """Keep the values of one period, locality, indicator or status, each given by its code."""
    if period is not None:
        values = values.filter(period__code=period)
    if locality is not None:
        values = values.filter(locality__code=locality)
    if indicator is not None:
        values = values.filter(indicator__code=indicator)
    if status is not None:
        values = values.filter(status=status)
    return values


def audit_of(
    plan: Plan, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[AuditEvent]:
    """The plan's audit log, oldest first, from `since` (inclusive) to `until` (exclusive)."""
    events = AuditEvent.objects.filter(plan_code=plan.code).order_by("at", "id")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events


def visible_events(user: Any, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """The events of `events` the user may see: those of drafts only by whoever sees the drafts."""
    scope = event_scope(user)
    return events if scope is None else events.filter(scope)


def history_of(value: ReportedValue) -> QuerySet[AuditEvent]:
    """One value's events, newest first."""
    return AuditEvent.objects.filter(subject_type="value", subject_id=str(value.pk)).order_by("-at", "-id")


# --- records ------------------------------------------------------------------------------------


def as_number(value: Decimal | None) -> int | float | None:
    """800, not "800.000000"; 12.5, not "12.500000"."""
    return numbers.json_number(value)


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def iso(moment: dt.datetime) -> str:
    """ISO 8601 to the millisecond, as the API's JSON writes it: 2019-03-02T10:15:00.123+08:00."""
    text = moment.isoformat()
    return text[:23] + text[26:] if moment.microsecond else text


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def value_record(value: ReportedValue) -> Record:
    return {
        "indicator": value.indicator.code,
        "locality": value.locality.code,
        "period": value.period.code,
        "value": as_number(value.value),
        "status": value.status,
        "is_sample": value.is_sample,
        "source": value.source,
        "source_detail": value.source_detail,
        "version": value.version,
        "updated_at": local_time(value.updated_at),
        "updated_by": _username(value.updated_by),
    }


def audit_record(event: AuditEvent) -> Record:
    """One event of the audit log; a value's old and new number and state in columns of their own."""
    return {
        "at": local_time(event.at),
        "user": event.actor_name or None,
        "event": event.type,
        "subject": event.subject_label,
        "action": event.verb,
        "indicator": event.indicator_code,
        "locality": event.locality_code,
        "period": event.period_code,
        "old_value": as_number(event.old_value),
        "new_value": as_number(event.new_value),
        "old": event.old_shown,
        "new": event.new_shown,
        "old_status": event.old_state,
        "new_status": event.new_state,
        "comment": event.comment,
        "source": event.source,
        "source_detail": event.source_detail,
    }


def value_records(values: Iterable[ReportedValue]) -> list[Record]:
    return [value_record(v) for v in values]


def audit_records(entries: Iterable[AuditEvent]) -> list[Record]:
    events = list(entries)
    name_fields(events)
    return [audit_record(e) for e in events]


# --- writers ------------------------------------------------------------------------------------


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, dt.datetime):
        return iso(cell)
    if isinstance(cell, float):
        return numbers.plain(Decimal(str(cell)))
    return str(cell)


def _csv_cell(cell: Any) -> str:
    """A CSV cell: text guarded against formulas (`cells.csv_field`), anything else as `_text`."""
    return cells.csv_field(cell) if isinstance(cell, str) else _text(cell)


def to_csv(records: Sequence[Record], columns: Sequence[str]) -> str:
    """CSV with a header row, starting with a byte order mark so that Excel reads it as UTF-8.

    A blank cell is a value left blank (null); booleans are `true` / `false`. A text that could
    start a formula (`=`, `+`, `-`, `@`…) gets a leading `'` (docs/excel.md, "Safe exports").
    """
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record[c]) for c in columns])
    return out.getvalue()


def _json_default(item: Any) -> Any:
    if isinstance(item, dt.datetime):
        return iso(item)
    if isinstance(item, Decimal):
        return as_number(item)
    raise TypeError(f"cannot write {type(item).__name__} as JSON")


def to_json(records: Sequence[Record]) -> str:
    """A JSON list of the records, UTF-8 as is (珠海市, not \\u73e0…)."""
    return json.dumps(list(records), ensure_ascii=False, indent=2, default=_json_default) + "\n"


def to_xlsx(records: Sequence[Record], columns: Sequence[str], sheet_title: str) -> bytes:
    """A workbook with one sheet: a bold, frozen header row, then one row per record.

    Values are real numbers and times real (local) date-times, so Excel can sum and sort them.
    """
    return to_xlsx_sheets([(sheet_title, records, columns)])


def to_xlsx_sheets(sheets: Sequence[tuple[str, Sequence[Record], Sequence[str]]]) -> bytes:
    """A workbook with one sheet per (title, records, columns), each written as `to_xlsx` writes its
    one sheet."""
    book = Workbook()
    first = book.active
    assert first is not None
    for index, (title, records, columns) in enumerate(sheets):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = title
        _fill_sheet(sheet, records, columns)
    return cells.workbook_bytes(book)


def _fill_sheet(sheet: Any, records: Sequence[Record], columns: Sequence[str]) -> None:
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for record in records:
        row = []
        for column in columns:
            cell = record[column]
            if isinstance(cell, dt.datetime):
                cell = cell.replace(tzinfo=None)  # Excel has no time zones: local time, as shown
            row.append(cell)
        sheet.append(row)
    for index, column in enumerate(columns, start=1):
        width = max([len(column)] + [len(_text(r[column])) for r in records[:200]])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width + 2, 60)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"


# --- arguments of the commands ------------------------------------------------------------------


def parse_moment(text: str, *, end: bool = False) -> dt.datetime:
    """A date (`2019-03-01`) or a date-time (`2019-03-01T08:00`, `2019-03-01T08:00+08:00`).

    A date stands for the start of that day in the configured time zone; with `end`, for the start
    of the next day, so that `until=2019-03-31` includes the whole of 31 March. A date-time without
    an offset is taken in the configured time zone. Raises ValueError for anything else.
    """
    text = text.strip()
    try:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            moment = dt.datetime.fromisoformat(text)
            moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        else:
            moment = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=int(end)), dt.time()))
        moment.astimezone(dt.UTC)  # the database compares in UTC: 9999-12-31 of Beijing is not a moment
    except OverflowError:
        raise ValueError(f"{text!r} is out of the range of dates") from None
    return moment


def render(records: Sequence[Record], columns: Sequence[str], fmt: str, sheet_title: str) -> str | bytes:
    """The records in one of FORMATS: text for CSV and JSON, bytes for XLSX."""
    if fmt == "csv":
        return to_csv(records, columns)
    if fmt == "json":
        return to_json(records)
    if fmt == "xlsx":
        return to_xlsx(records, columns, sheet_title)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
