"""Data value sets: many values written at once, all or nothing, once per import id.

A data value set (the name comes from DHIS2) is a list of values, each naming its period, locality and
indicator by code, with an import id chosen by the sender. It arrives as JSON or as CSV (see
`parse_json` and `parse_csv`); `import_value_set` then

1. answers "already imported" if the import id was imported before (a repeated upload is a no-op);
2. checks everything: unknown codes, duplicates, values that are not numbers, the caller's scope
   (a locality's users write only their locality, a lead unit only the indicators it leads), the
   period being open, values already locked in the workflow, version conflicts (a value sent
   without a version may only create a value or change one the same user wrote last), and the validation
   rules of workflow.save_values (kinds, units, cross-indicator checks);
3. writes every value through workflow.save_many — the checks of workflow.save_values, group by
   group, with what they read loaded once; on PostgreSQL the writes are set-based (COPY into staging
   tables, INSERT … SELECT, UPDATE … FROM, the audit events COPYed, chained) — drafts audited with
   source API and the import id, or nothing at all, raising `ValueSetRejected` with every problem
   found.

Nothing here knows about HTTP: the API maps `ValueSetRejected.status` to its answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from planwatch.core import gcpause, inputs, numbers, validation
from planwatch.core.cells import csv_unguard
from planwatch.core.errors import Issue, Kind, Refused
from planwatch.core.numbers import NumberProblem
from planwatch.plans.lookup import no_such
from planwatch.plans.models import Indicator, Locality, Plan
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ImportBatch, Period, ReportedValue

CSV_COLUMNS = ["import_id", "period", "locality", "indicator", "value", "version", "comment"]
CSV_REQUIRED = ["import_id", "period", "locality", "indicator", "value"]
MAX_IMPORT_ID = ImportBatch._meta.get_field("import_id").max_length or 100


Problem = Issue  # one problem of a value set, placed by its path (JSON) or row and column (CSV)


class ValueSetRejected(Refused):
    """Nothing was written; `problems` lists every problem found, `status` is the HTTP status."""

    @property
    def problems(self) -> list[Issue]:
        return self.issues


@dataclass(frozen=True)
class Place:
    """Where a row came from, to name it in a problem."""

    path: str | None = None  # JSON: "values[2]"
    row: int | None = None  # CSV: the spreadsheet row

    def problem(
        self, kind: Kind, zh: str, en: str, *, field: str | None = None, indicator: str | None = None
    ) -> Problem:
        if self.row is not None:
            return Problem(kind, zh, en, row=self.row, column=field, indicator=indicator)
        path = self.path or ""
        if field:
            path = f"{path}.{field}" if path else field
        return Problem(kind, zh, en, path=path or None, indicator=indicator)


@dataclass
class Row:
    """One value of a set as sent: codes as text, the value already a number (or None: blank)."""

    place: Place
    period: str
    locality: str
    indicator: str
    value: Decimal | None
    version: int | None = None
    comment: str = ""
    # Where the period and locality were given: per value in CSV, once for the set in JSON.
    period_place: Place | None = None


@dataclass
class ValueSet:
    """A parsed set: the rows that could be read, and the problems of those that could not (they are
    reported with the problems found when checking the rest, so that one answer lists them all)."""

    import_id: str
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportResult:
    import_id: str
    already_imported: bool
    value_count: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[validation.Finding] = field(default_factory=list)
    batch: ImportBatch | None = None


# --- parsing ------------------------------------------------------------------------------------


def _number_problem(text: str) -> tuple[str, str]:
    return (f"“{text}”不是数字", f"{text!r} is not a number")


def check_number(value: Decimal) -> tuple[str, str] | None:
    """Why a number cannot be stored as a value, or None if it can."""
    problem = numbers.storable(value)
    if problem == NumberProblem.NOT_A_NUMBER:
        return _number_problem(str(value))
    if problem == NumberProblem.TOO_MANY_PLACES:
        return (
            f"{value} 的小数位超过 {numbers.DECIMAL_PLACES} 位",
            f"{value} has more than {numbers.DECIMAL_PLACES} decimal places",
        )
    if problem == NumberProblem.TOO_LARGE:
        return (f"{value} 超出可保存的范围", f"{value} is too large to store")
    return None


def _text_field(raw: dict[str, Any], name: str, place: Place, problems: list[Problem]) -> str:
    item = raw.get(name)
    if isinstance(item, str) and item.strip():
        return item.strip()
    if item is None or (isinstance(item, str) and not item.strip()):
        problems.append(place.problem(Kind.INVALID, f"缺少 {name}", f"{name} is missing", field=name))
    else:
        problems.append(
            place.problem(Kind.INVALID, f"{name} 应为文本", f"{name} must be a string", field=name)
        )
    return ""


def _unknown_fields(raw: dict[str, Any], known: set[str], place: Place, problems: list[Problem]) -> None:
    """A problem for each field of `raw` that is not one of `known`, in alphabetical order."""
    for extra in sorted(set(raw) - known):
        problems.append(
            place.problem(Kind.INVALID, f"未知字段 {extra}", f"unknown field {extra!r}", field=extra)
        )


def _too_long(place: Place) -> Problem:
    """The import id at `place` is longer than an import batch keeps."""
    return place.problem(
        Kind.INVALID,
        f"import_id 超过 {MAX_IMPORT_ID} 个字符",
        f"import_id is longer than {MAX_IMPORT_ID} characters",
        field="import_id",
    )


def _storable(value: Decimal, place: Place, indicator: str | None, problems: list[Problem]) -> Decimal | None:
    """`value` if it can be stored, else None and its problem in `problems`."""
    if why := check_number(value):
        problems.append(place.problem(Kind.INVALID, *why, field="value", indicator=indicator))
        return None
    return value


def _bad_version(place: Place, indicator: str | None) -> Problem:
    return place.problem(
        Kind.INVALID,
        "version 应为非负整数",
        "version must be a non-negative integer",
        field="version",
        indicator=indicator,
    )


# --- parsing JSON -------------------------------------------------------------------------------


def _load_json(body: bytes | str) -> dict[str, Any]:
    """The body's JSON object; raises ValueSetRejected if it is not valid JSON or not an object."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        data = json.loads(text, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueSetRejected(
            [Problem(Kind.INVALID, f"不是有效的 JSON：{exc}", f"not valid JSON: {exc}")]
        ) from None
    if not isinstance(data, dict):
        raise ValueSetRejected([Problem(Kind.INVALID, "应为 JSON 对象", "expected a JSON object")])
    return data


def _json_envelope(
    data: dict[str, Any], top: Place, problems: list[Problem]
) -> tuple[str, str, str, list[Any]]:
    """The set's own fields: its import id, period and locality ("" if missing) and its list of
    values (empty if missing or not a list); their problems go to `problems`."""
    _unknown_fields(data, {"import_id", "period", "locality", "values"}, top, problems)
    import_id = _text_field(data, "import_id", top, problems)
    if len(import_id) > MAX_IMPORT_ID:
        problems.append(_too_long(top))
    period = _text_field(data, "period", top, problems)
    locality = _text_field(data, "locality", top, problems)
    values = data.get("values")
    if not isinstance(values, list) or not values:
        problems.append(
            top.problem(
                Kind.INVALID, "values 应为非空列表", "values must be a non-empty list", field="values"
            )
        )
        return import_id, period, locality, []
    return import_id, period, locality, values


def _json_number(
    raw: dict[str, Any], place: Place, indicator: str | None, problems: list[Problem]
) -> Decimal | None:
    """A value's `value`: a JSON number, or None if null (left blank) or if it has a problem (said
    in `problems`)."""
    if "value" not in raw:
        problems.append(
            place.problem(Kind.INVALID, "缺少 value", "value is missing", field="value", indicator=indicator)
        )
        return None
    item = raw["value"]
    if item is None:
        return None
    if isinstance(item, bool) or not isinstance(item, int | Decimal):
        shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str)
        zh, en = _number_problem(shown)
        problems.append(
            place.problem(
                Kind.INVALID,
                zh + "（应为 JSON 数字或 null）",
                en + " (expected a JSON number or null)",
                field="value",
                indicator=indicator,
            )
        )
        return None
    return _storable(Decimal(item), place, indicator, problems)


def _json_version(
    raw: dict[str, Any], place: Place, indicator: str | None, problems: list[Problem]
) -> int | None:
    """A value's optional `version`: a non-negative integer, or None if left out or if it has a
    problem (said in `problems`)."""
    version = raw.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 0):
        problems.append(_bad_version(place, indicator))
        return None
    return version


def _json_comment(raw: dict[str, Any], place: Place, indicator: str | None, problems: list[Problem]) -> str:
    """A value's optional `comment`: a string, "" if left out or if it has a problem (said in
    `problems`)."""
    comment = raw.get("comment") or ""
    if not isinstance(comment, str):
        problems.append(
            place.problem(
                Kind.INVALID,
                "comment 应为文本",
                "comment must be a string",
                field="comment",
                indicator=indicator,
            )
        )
        return ""
    return comment


def _json_row(
    raw: Any, place: Place, problems: list[Problem], *, period: str, locality: str, top: Place
) -> Row | None:
    """One item of `values`, with the set's period and locality (given at `top`); None if it has a
    problem. Unknown fields are said in `problems` but do not drop the value."""
    if not isinstance(raw, dict):
        problems.append(place.problem(Kind.INVALID, "应为 JSON 对象", "expected a JSON object"))
        return None
    _unknown_fields(raw, {"indicator", "value", "version", "comment"}, place, problems)
    before = len(problems)
    indicator = _text_field(raw, "indicator", place, problems)
    named = indicator or None
    value = _json_number(raw, place, named, problems)
    version = _json_version(raw, place, named, problems)
    comment = _json_comment(raw, place, named, problems)
    if len(problems) > before:
        return None
    return Row(place, period, locality, indicator, value, version, comment, period_place=top)


def parse_json(body: bytes | str) -> ValueSet:
    """{"import_id": …, "period": "2018", "locality": "ZH", "values": [{"indicator": "I01",
    "value": 12, "version": 3, "comment": "…"}, …]}; `version` and `comment` are optional, `value`
    is a JSON number or null (left blank). Raises ValueSetRejected listing every problem."""
    problems: list[Problem] = []
    top = Place()
    import_id, period, locality, values = _json_envelope(_load_json(body), top, problems)
    fatal = bool(problems)  # without its import id, period or locality the set cannot be checked
    rows: list[Row] = []
    for index, raw in enumerate(values):
        place = Place(path=f"values[{index}]")
        row = _json_row(raw, place, problems, period=period, locality=locality, top=top)
        if row is not None:
            rows.append(row)
    if fatal:
        raise ValueSetRejected(problems)
    return ValueSet(import_id, rows, problems)


# --- parsing CSV --------------------------------------------------------------------------------


def _csv_text(body: bytes | str) -> str:
    """The body as text without its byte order mark; raises ValueSetRejected if it is not UTF-8 or
    holds a NUL character (which no text column takes), naming its row."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueSetRejected(
                [Problem(Kind.INVALID, "CSV 文件须为 UTF-8 编码", "the CSV file must be UTF-8")]
            ) from None
    else:
        text = body.removeprefix("\ufeff")
    if (at := text.find(inputs.NUL)) >= 0:
        row = text.count("\n", 0, at) + 1
        raise ValueSetRejected([replace(inputs.nul_issue(f"row {row}"), path=None, row=row)])
    return text


def _bad_csv(exc: csv.Error) -> ValueSetRejected:
    return ValueSetRejected([Problem(Kind.INVALID, f"CSV 格式错误：{exc}", f"bad CSV: {exc}")])


def _csv_header(reader: Iterator[list[str]]) -> list[str]:
    """The column names of the first row. Raises ValueSetRejected if there is no first row, or if a
    required column is missing, a column unknown or one given twice."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValueSetRejected([Problem(Kind.INVALID, "CSV 文件为空", "the CSV file is empty")]) from None
    except csv.Error as exc:
        raise _bad_csv(exc) from None
    problems: list[Problem] = []
    place = Place(row=1)
    for name in CSV_REQUIRED:
        if name not in header:
            problems.append(
                place.problem(Kind.INVALID, f"缺少列 {name}", f"column {name!r} is missing", field=name)
            )
    for name in header:
        if name not in CSV_COLUMNS:
            problems.append(
                place.problem(Kind.INVALID, f"未知列 {name}", f"unknown column {name!r}", field=name)
            )
    if len(set(header)) != len(header):
        problems.append(place.problem(Kind.INVALID, "列名重复", "a column appears twice"))
    if problems:
        raise ValueSetRejected(problems)
    return header


def _csv_records(reader: Iterator[list[str]]) -> list[list[str]]:
    """The rows after the header, all read before any is checked: raises ValueSetRejected if the
    file is not valid CSV."""
    try:
        return list(reader)
    except csv.Error as exc:
        raise _bad_csv(exc) from None


def _csv_cells(
    place: Place, cells: list[str], header: list[str], problems: list[Problem]
) -> dict[str, str] | None:
    """A row's cells by column name, stripped and without the quote our CSV exports put before a text
    that could start a formula (`csv_unguard`); None if it has not as many cells as the header
    (said in `problems`)."""
    if len(cells) != len(header):
        problems.append(
            place.problem(
                Kind.INVALID,
                f"该行有 {len(cells)} 列，表头有 {len(header)} 列",
                f"the row has {len(cells)} cells, the header {len(header)}",
            )
        )
        return None
    return {name: csv_unguard(cell.strip()).strip() for name, cell in zip(header, cells, strict=True)}


def _csv_number(text: str, place: Place, indicator: str | None, problems: list[Problem]) -> Decimal | None:
    """A row's value: None if blank (left blank) or if it has a problem (said in `problems`)."""
    if not text:
        return None
    value = numbers.decimal_or_none(text)
    if value is None:
        problems.append(
            place.problem(Kind.INVALID, *_number_problem(text), field="value", indicator=indicator)
        )
        return None
    return _storable(value, place, indicator, problems)


def _csv_version(text: str, place: Place, indicator: str | None, problems: list[Problem]) -> int | None:
    """A row's version: a non-negative integer, or None if blank or if it has a problem (said in
    `problems`)."""
    if not text:
        return None
    try:
        version = int(text)
    except ValueError:
        version = -1
    if version < 0:
        problems.append(_bad_version(place, indicator))
        return None
    return version


def _csv_row(place: Place, raw: dict[str, str], problems: list[Problem]) -> Row | None:
    """One row's value, or None if it has a problem (said in `problems`)."""
    indicator = raw["indicator"] or None
    before = len(problems)
    for name in ("import_id", "period", "locality", "indicator"):
        if not raw[name]:
            problems.append(
                place.problem(
                    Kind.INVALID, f"{name} 为空", f"{name} is empty", field=name, indicator=indicator
                )
            )
    value = _csv_number(raw["value"], place, indicator, problems)
    version = _csv_version(raw.get("version", ""), place, indicator, problems)
    if len(problems) > before:
        return None
    return Row(
        place,
        raw["period"],
        raw["locality"],
        raw["indicator"],
        value,
        version,
        raw.get("comment", ""),
        period_place=place,
    )


def _csv_rows(
    records: list[list[str]], header: list[str], problems: list[Problem]
) -> tuple[list[Row], dict[str, int]]:
    """The rows that could be read, and each import id given with the first row that gives it.
    Blank lines are skipped, e.g. at the end of a file saved by Excel."""
    rows: list[Row] = []
    import_ids: dict[str, int] = {}
    for number, cells in enumerate(records, start=2):
        if not any(c.strip() for c in cells):
            continue
        place = Place(row=number)
        raw = _csv_cells(place, cells, header, problems)
        if raw is None:
            continue
        if raw["import_id"]:
            import_ids.setdefault(raw["import_id"], number)
        row = _csv_row(place, raw, problems)
        if row is not None:
            rows.append(row)
    return rows, import_ids


def _check_across_rows(rows: list[Row], import_ids: dict[str, int], problems: list[Problem]) -> None:
    """The checks of the file as a whole. Raises ValueSetRejected with every problem found if nothing
    is left to check (no value row, or no import id) or if the import id is not one for the file
    or too long."""
    if not rows and not problems:
        problems.append(Problem(Kind.INVALID, "CSV 文件没有数据行", "the CSV file has no value rows"))
    fatal = not import_ids or not rows
    if len(import_ids) > 1:
        fatal = True
        first, *others = import_ids.items()
        for other, number in others:
            problems.append(
                Place(row=number).problem(
                    Kind.INVALID,
                    f"import_id “{other}”与第 {first[1]} 行的“{first[0]}”不同：一个文件只能有一个导入编号",
                    f"import_id {other!r} differs from {first[0]!r} of row {first[1]}: one import id per file",
                    field="import_id",
                )
            )
    for import_id, number in import_ids.items():
        if len(import_id) > MAX_IMPORT_ID:
            fatal = True
            problems.append(_too_long(Place(row=number)))
    if fatal:
        raise ValueSetRejected(problems)


def parse_csv(body: bytes | str) -> ValueSet:
    """A header row `import_id,period,locality,indicator,value,version,comment` (`version` and
    `comment` may be left out), then one value per row; every row has the same import id. A blank
    value is a value left blank. UTF-8, with or without a byte order mark."""
    with gcpause.paused():
        return _parse_csv(body)


def _parse_csv(body: bytes | str) -> ValueSet:
    reader = csv.reader(io.StringIO(_csv_text(body), newline=""))
    header = _csv_header(reader)
    problems: list[Problem] = []
    rows, import_ids = _csv_rows(_csv_records(reader), header, problems)
    _check_across_rows(rows, import_ids, problems)
    return ValueSet(next(iter(import_ids)), rows, problems)


# --- importing ----------------------------------------------------------------------------------


def previous_import(import_id: str) -> ImportBatch | None:
    return ImportBatch.objects.select_related("user").filter(import_id=import_id).first()


def _already(batch: ImportBatch) -> ImportResult:
    return ImportResult(batch.import_id, True, batch.value_count, batch=batch)


def content_hash(value_set: ValueSet) -> str:
    """The values of a set, whatever their order or format (JSON or CSV): what a repeat must match."""
    rows = sorted(
        (r.period, r.locality, r.indicator, "" if r.value is None else str(r.value.normalize()), r.comment)
        for r in value_set.rows
    )
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _repeat(batch: ImportBatch, value_set: ValueSet) -> ImportResult:
    """The same id again: a no-op if the values are the same; refused if they are not (the batch
    has a hash unless it was stored before hashes were kept)."""
    if batch.content_hash and batch.content_hash != content_hash(value_set):
        raise ValueSetRejected(
            [
                Problem(
                    Kind.CONFLICT,
                    f"导入编号“{batch.import_id}”已用于另一组数值：这组数值未保存，请换一个导入编号",
                    f"import id {batch.import_id!r} was already used for other values: "
                    "these were not saved; choose another import id",
                    path="import_id",
                )
            ]
        )
    return _already(batch)


def _reused_by_another(batch: ImportBatch) -> ValueSetRejected:
    return ValueSetRejected(
        [
            Problem(
                Kind.CONFLICT,
                f"导入编号“{batch.import_id}”已被其他用户使用，请换一个",
                f"import id {batch.import_id!r} was used by another user: choose another",
                path="import_id",
            )
        ]
    )


def import_value_set(
    user: Any, plan: Plan, value_set: ValueSet, *, today: dt.date | None = None
) -> ImportResult:
    """Write a parsed value set for `user`, all or nothing, once per import id.

    A repeated import id of the same user is a no-op (`already_imported`); one used by another user
    is refused as a conflict, so that nobody takes another's data for their own. Raises
    ValueSetRejected listing every problem; then nothing was written, and the same import id may be
    sent again once the problems are fixed.
    """
    with gcpause.paused():  # a set of many values: many small objects, no cycles
        return _import_once(user, plan, value_set, today)


def _import_once(user: Any, plan: Plan, value_set: ValueSet, today: dt.date | None) -> ImportResult:
    batch = previous_import(value_set.import_id)
    if batch is not None:
        if batch.user_id != user.pk:
            raise _reused_by_another(batch)
        return _repeat(batch, value_set)
    try:
        with transaction.atomic():
            # First, so that a second upload of the same id waits here for this one, then fails.
            batch = ImportBatch.objects.create(
                import_id=value_set.import_id,
                user=user,
                source=ReportedValue.Source.API,
                source_detail=f"{plan.code}: data value set",
                value_count=len(value_set.rows),
                content_hash=content_hash(value_set),
            )
            result = _import(user, plan, value_set, today)
            result.batch = batch
            return result
    except IntegrityError:
        batch = previous_import(value_set.import_id)
        if batch is not None:
            if batch.user_id != user.pk:
                raise _reused_by_another(batch) from None
            return _repeat(batch, value_set)
        raise ValueSetRejected(
            [
                Problem(
                    Kind.CONFLICT,
                    "其他人正在同时保存这些数值，请稍后重试",
                    "someone else saved these values at the same time: try again",
                )
            ]
        ) from None


@dataclass
class _Group:
    """The rows of one locality and period: one call of workflow.save_values."""

    locality: Locality
    period: Period
    rows: list[tuple[Row, Indicator]] = field(default_factory=list)


def _resolve(plan: Plan, value_set: ValueSet, problems: list[Problem]) -> list[_Group]:
    """The rows by locality and period, their codes looked up; unknown codes and duplicates are
    problems of the input. Everything else (scope, period, locks, versions, the rules) is the
    workflow's to check."""
    periods = {
        p.code: p for p in Period.objects.filter(plan=plan, code__in={r.period for r in value_set.rows})
    }
    localities = {
        loc.code: loc
        for loc in Locality.objects.filter(plan=plan, code__in={r.locality for r in value_set.rows})
    }
    indicators = {
        ind.code: ind
        for ind in Indicator.objects.filter(plan=plan, code__in={r.indicator for r in value_set.rows})
    }
    groups: dict[tuple[str, str], _Group] = {}
    seen: dict[tuple[str, str, str], Row] = {}
    reported_places: set[tuple[Place | None, str]] = set()

    def once(place: Place | None, field_name: str, problem: Problem) -> None:
        # In JSON the period and locality are given once for the whole set: say so once.
        if (place, field_name) not in reported_places:
            reported_places.add((place, field_name))
            problems.append(problem)

    for row in value_set.rows:
        where = row.period_place or row.place
        period = periods.get(row.period)
        locality = localities.get(row.locality)
        indicator = indicators.get(row.indicator)
        if period is None:
            zh, en = no_such(plan, "period", row.period)
            once(where, "period", where.problem(Kind.UNKNOWN, zh, en, field="period"))
        if locality is None:
            zh, en = no_such(plan, "locality", row.locality)
            once(where, "locality", where.problem(Kind.UNKNOWN, zh, en, field="locality"))
        elif refusal := locality.not_a_pilot():
            once(where, "locality", where.problem(Kind.INVALID, refusal.zh, refusal.en, field="locality"))
            locality = None
        if indicator is None:
            zh, en = no_such(plan, "indicator", row.indicator)
            problems.append(
                row.place.problem(Kind.UNKNOWN, zh, en, field="indicator", indicator=row.indicator)
            )
        key = (row.period, row.locality, row.indicator)
        if key in seen:
            problems.append(_duplicate(row, seen[key].place))
            continue
        seen[key] = row
        if period is not None and locality is not None and indicator is not None:
            group = groups.setdefault((period.code, locality.code), _Group(locality, period))
            group.rows.append((row, indicator))
    return list(groups.values())


def _duplicate(row: Row, first: Place) -> Problem:
    first_name = f"第 {first.row} 行" if first.row is not None else first.path
    first_en = f"row {first.row}" if first.row is not None else first.path
    return row.place.problem(
        Kind.INVALID,
        f"{row.indicator} 重复：与{first_name}相同",
        f"{row.indicator} appears twice: also at {first_en}",
        indicator=row.indicator,
    )


# The field of a row that a kind of refusal is about.
FIELD_OF = {Kind.CONFLICT: "version", Kind.VALIDATION: "value", Kind.CLOSED: "period"}


def _placed(issue: Issue, group: _Group, places: dict[str, Place]) -> Problem:
    """The workflow's problem, said at the row of its indicator (or of the group)."""
    first = group.rows[0][0]
    place = places.get(issue.indicator or "", first.period_place or first.place)
    if issue.kind == Kind.CLOSED:
        place = first.period_place or first.place
    return place.problem(
        issue.kind, issue.zh, issue.en, field=FIELD_OF.get(issue.kind), indicator=issue.indicator
    )


def _import(user: Any, plan: Plan, value_set: ValueSet, today: dt.date | None) -> ImportResult:
    """Every group checked as the entry form checks it (workflow.save_many), then all written — on
    PostgreSQL by set-based statements — or, with any problem anywhere, nothing."""
    problems: list[Problem] = list(value_set.problems)
    result = ImportResult(value_set.import_id, False, len(value_set.rows))
    groups = _resolve(plan, value_set, problems)
    many = wf.save_many(
        user,
        plan,
        [
            wf.Group(
                group.locality,
                group.period,
                [
                    wf.Entry(
                        ind, row.value, wf.OWN_VERSION if row.version is None else row.version, row.comment
                    )
                    for row, ind in group.rows
                ],
            )
            for group in groups
        ],
        via=wf.Via(source=ReportedValue.Source.API, detail=value_set.import_id),
        today=today,
        write=not problems,
    )
    for index, refused in many.refusals.items():
        group = groups[index]
        places = {ind.code: row.place for row, ind in group.rows}
        problems += [_placed(issue, group, places) for issue in refused.issues]
    if problems:
        raise ValueSetRejected(sorted(problems, key=_position))  # nothing of it is kept
    result.created, result.updated = many.created, many.updated
    for saved in many.results:
        assert saved is not None
        result.unchanged += len(saved.unchanged)
        result.warnings += saved.warnings
    return result


def _position(problem: Problem) -> tuple[int, int]:
    """Problems in the order of the input: the set's own fields, then value by value (or row by row)."""
    if problem.row is not None:
        return (problem.row, 0)
    path = problem.path or ""
    if path.startswith("values[") and "]" in path:
        return (int(path[len("values[") : path.index("]")]) + 1, 0)
    return (0, 0)
