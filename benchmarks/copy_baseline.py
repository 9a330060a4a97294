"""The baseline of the bulk benchmarks (bench_bulk_values.py, bench_bulk_imports.py): PostgreSQL's COPY
of the same rows, built in Python and written by psycopg 3 (`write_row`), into tables made
`LIKE … INCLUDING ALL` the real ones (their indexes, unique and check constraints), plus one audit row
per row into a table like the audit log's: what a database at best does with the rows, with the
indexes a validated path keeps up.

`LIKE` copies no foreign key: with `foreign_keys=True` the copies get those of the real tables too
(deferred, checked at the commit, as Django declares them), the one part of the validated path's
database work that the plain baseline does not do.

Django must be set up before this module is imported (the benchmarks do it first).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from planwatch.kernel.models import AuditEvent
from planwatch.plans.models import Indicator, Locality
from planwatch.reporting.models import Period, ReportedValue

# The audit log's columns a bulk write COPYs (audit.COPIED, but for the id).
AUDIT_COLUMNS = (
    "at, type, actor_id, actor_name, source, source_detail, plan_code, locality_code, indicator_code, "
    "period_code, subject_type, subject_id, subject_label, old, new, comment, private, hash"
)
VALUE_COLUMNS = (
    "indicator_id, locality_id, period_id, value, status, is_sample, source, source_detail, version, "
    "approvals, updated_at, updated_by_id"
)


def copy_like(
    tables: Sequence[tuple[str, str, Sequence[Sequence[Any]]]], *, foreign_keys: bool = False
) -> float:
    """COPY each (real table, its columns, rows) into a copy of the real table, all in one transaction
    (committed); the seconds it took. The copies are dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        for k, (table, _columns, _rows) in enumerate(tables):
            cursor.execute(f"CREATE TABLE bench_copy_{k} (LIKE {table} INCLUDING ALL)")
            if foreign_keys:
                cursor.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f'",
                    [table],
                )
                for (definition,) in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE bench_copy_{k} ADD {definition}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for k, (_table, columns, rows) in enumerate(tables):
            with cursor.cursor.copy(f"COPY bench_copy_{k} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    elapsed = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        for k in range(len(tables)):
            cursor.execute(f"DROP TABLE bench_copy_{k}")
    return elapsed


def values_baseline(
    rows: Sequence[tuple[str, str, str, str, str]], plan: Any, admin: Any, *, foreign_keys: bool = False
) -> float:
    """The COPY of values given as (import id, period, locality, indicator, value) codes, their ids
    looked up beforehand, into a copy of the values' table, and one audit row each."""
    ids = {
        "indicator": dict(Indicator.objects.filter(plan=plan).values_list("code", "pk")),
        "locality": dict(Locality.objects.filter(plan=plan).values_list("code", "pk")),
        "period": dict(Period.objects.filter(plan=plan).values_list("code", "pk")),
    }
    now = dt.datetime.now(dt.UTC)
    value_rows = [
        (ids["indicator"][i], ids["locality"][loc], ids["period"][p], v, "draft", False, "api", "bench", 1, 0,
         now, admin.pk)
        for _id, p, loc, i, v in rows
    ]  # fmt: skip
    audit_rows = [
        (
            now, "value.save", admin.pk, admin.username, "api", "bench", plan.code, loc, i, p, "value",
            str(n), f"{i} {loc} {p}", None, json.dumps({"value": v, "state": "draft"}), "", True, "0" * 64,
        )
        for n, (_id, p, loc, i, v) in enumerate(rows)
    ]  # fmt: skip
    return copy_like(
        [
            (ReportedValue._meta.db_table, VALUE_COLUMNS, value_rows),
            (AuditEvent._meta.db_table, AUDIT_COLUMNS, audit_rows),
        ],
        foreign_keys=foreign_keys,
    )
