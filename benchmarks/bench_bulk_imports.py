"""The Excel imports — a ledger workbook and values workbooks — against PostgreSQL's COPY of the same
rows into tables with the same indexes plus one audit row each, in one run, at two sizes.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_planwatch \\
        .venv/bin/python benchmarks/bench_bulk_imports.py --ledger-rows 10000,100000 --values 2100,10500
    .venv/bin/python benchmarks/bench_bulk_imports.py --ledger-rows 2000 --values 420   # SQLite: no COPY

It creates its own test database (dropped at the end), loads plans/pearl_river_west_2017.yaml with its
sample data, and as the province administrator, for each size:

* ledger: a workbook of N investment-project rows (示例数据: names, identifiers, amounts and dates
  made up, spread over the pilot units and 2017–2019), imported whole (`ledgers.excel.import_ledger`:
  the workbook read, every row checked, the rows and their audit events written in one transaction);
  beside it, the workbook read alone (openpyxl) and the baseline, the same rows COPYed into a table
  LIKE the ledger rows' table plus one audit row each into a table LIKE the audit log's;
* values: values workbooks (the template of one unit and period: 21 values of 2018 for the seed
  plan, 珠海's sample values) for as many added pilot units as the size asks, each imported as an
  official would (`reporting.excel.import_values`, one transaction per workbook); the baseline, the
  same values COPYed as in bench_bulk_values.py (both baselines: copy_baseline.py).

The ratio printed is the baseline's time / the import's: the share of COPY's speed reached. The audit
chain is walked at the end (`verify_audit`): it must hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.test_settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

YEAR = 2018
LEDGER_COLUMNS = (
    "ledger_id, locality_id, name, identifier, normalized_name, attributes, signed_on, dates, status, review, "
    "investment, notes, is_sample, duplicate_flag, duplicate_kept, version, approvals, created_at, updated_at, "
    "created_by_id, updated_by_id"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger-rows", default="10000,100000", help="sizes of the ledger workbook")
    parser.add_argument("--values", default="2100,10500", help="values in values workbooks (21 each)")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run([int(n) for n in args.ledger_rows.split(",") if n], [int(n) for n in args.values.split(",") if n])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(ledger_sizes: list[int], value_sizes: list[int]) -> None:
    from django.contrib.auth import get_user_model

    from planwatch.accounts.models import Profile
    from planwatch.demo.sample import load_sample
    from planwatch.kernel import audit
    from planwatch.plans.loader import load_plan_file

    plan = load_plan_file(ROOT / "plans" / "pearl_river_west_2017.yaml").plan
    load_sample(plan)
    admin = get_user_model().objects.create_user("bench-admin", password="x")  # noqa: S106
    Profile.objects.update_or_create(user=admin, defaults={"role": Profile.Role.PROVINCE_ADMIN})
    print(f"{connection.vendor}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    for n in ledger_sizes:
        bench_ledger(plan, admin, n)
    created = 0
    for n in value_sizes:
        created = bench_values(plan, admin, n, created)
    started = time.perf_counter()
    walk = audit.verify()
    print(
        f"audit chain walked ({walk.count:,} events) {time.perf_counter() - started:8.2f} s  "
        f"{'holds' if walk.broken is None else 'BROKEN'}; load average {os.getloadavg()[0]:.1f}"
    )
    assert walk.broken is None


def line(label: str, seconds: float, n: int, unit: str) -> None:
    print(f"  {label:<58} {seconds:8.2f} s  {n / seconds:10,.0f} {unit}/s")


# --- the ledger ---------------------------------------------------------------------------------


def ledger_workbook(ledger, n: int) -> bytes:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from planwatch.ledgers import excel

    book = load_workbook(io.BytesIO(excel.export_ledger(ledger, [])))
    sheet = book[excel.SHEET]
    keys = [c.key for c in excel.columns(ledger)]
    units = ["ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"]
    for k in range(n):
        row = {
            "locality": units[k % len(units)],
            "name": f"示例项目{k:06d}",
            "identifier": f"SAMPLE-{k:06d}",
            "investment": 1000 + k % 9000,
            "signed_on": dt.date(2017 + k % 3, 1 + k % 12, 1 + k % 28),
            "notes": "示例数据",
        }
        sheet.append([row.get(key) for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bench_ledger(plan, admin, n: int) -> None:  # type: ignore[no-untyped-def]
    from planwatch.core import workbook
    from planwatch.kernel.models import AuditEvent
    from planwatch.ledgers import excel, services
    from planwatch.ledgers.models import LedgerItem

    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    data = ledger_workbook(ledger, n)
    print(f"ledger workbook: {n:,} rows, {len(data) / 2**20:.1f} MiB; load average {os.getloadavg()[0]:.1f}")
    baseline = ledger_copy(plan, admin, n) if connection.vendor == "postgresql" else None
    if baseline is not None:
        line("COPY into the indexed ledger table + one audit row each", baseline, n, "rows")
    started = time.perf_counter()
    book = workbook.open_once(data, "bench.xlsx", workbook.IN_BACKGROUND)
    for _row in book.rows(excel.SHEET, values_only=True):
        pass
    book.close()
    line("the workbook read alone (open_once: openpyxl read-only)", time.perf_counter() - started, n, "rows")
    before_rows, before_events = LedgerItem.objects.count(), AuditEvent.objects.count()
    started = time.perf_counter()
    excel.import_ledger(ledger, data, f"bench-{n}.xlsx", admin)
    took = time.perf_counter() - started
    line("import_ledger: read, check, write, all or nothing", took, n, "rows")
    assert LedgerItem.objects.count() - before_rows == n
    assert AuditEvent.objects.count() - before_events == n
    if baseline is not None:
        print(f"  ratio: the ledger import at {baseline / took:.1%} of COPY's speed")


def ledger_copy(plan, admin, n: int) -> float:  # type: ignore[no-untyped-def]
    """COPY n ledger rows into a LIKE … INCLUDING ALL copy of the ledger rows' table, and one audit
    row each into a copy of the audit log; the seconds it took. The copies are dropped."""
    import json

    from copy_baseline import AUDIT_COLUMNS, copy_like

    from planwatch.kernel.models import AuditEvent
    from planwatch.ledgers import services
    from planwatch.ledgers.models import LedgerItem
    from planwatch.plans.models import Locality

    ledger = services.get_ledger(plan, services.INVESTMENT_PROJECTS)
    units = list(Locality.objects.filter(plan=plan, code__in=["ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"]))
    now = dt.datetime.now(dt.UTC)
    rows = []
    for k in range(n):
        unit = units[k % len(units)]
        rows.append(
            (
                ledger.pk, unit.pk, f"示例项目{k:06d}", f"SAMPLE-{k:06d}", f"示例项目{k:06d}", "{}",
                dt.date(2017 + k % 3, 1 + k % 12, 1 + k % 28), "{}", "active", "draft", 1000 + k % 9000,
                "示例数据", False, False, False, 1, 0, now, now, admin.pk, admin.pk,
            )
        )  # fmt: skip
    events = [
        (
            now, "ledger_row.create", admin.pk, admin.username, "excel", "bench.xlsx", plan.code, row[1],
            "", "", "ledger_row", str(k), f"{ledger.name_zh}：{row[2]}", None,
            json.dumps({"name": row[2], "investment": str(row[10])}, ensure_ascii=False), "", True, "0" * 64,
        )
        for k, row in enumerate(rows)
    ]  # fmt: skip
    return copy_like(
        [
            (LedgerItem._meta.db_table, LEDGER_COLUMNS, rows),
            (AuditEvent._meta.db_table, AUDIT_COLUMNS, events),
        ]
    )


# --- values workbooks ---------------------------------------------------------------------------


def bench_values(plan, admin, n: int, created: int) -> int:  # type: ignore[no-untyped-def]
    """Import values workbooks holding about n values, for units after the first `created` added;
    the number of units added so far."""
    from copy_baseline import values_baseline
    from openpyxl import load_workbook

    from planwatch.core import workbook as wbk
    from planwatch.kernel.models import AuditEvent
    from planwatch.plans.models import Locality
    from planwatch.reporting import excel
    from planwatch.reporting import workflow as wf
    from planwatch.reporting.models import Period, ReportedValue

    period = Period.objects.get(plan=plan, year=YEAR, frequency="yearly")
    Period.objects.filter(pk=period.pk).update(locks_on=None)
    period.refresh_from_db()
    fed = wf.ledger_derived(plan.indicators.all())
    sample = {
        v.indicator.code: v.value
        for v in ReportedValue.objects.filter(locality__code="ZH", period=period, value__isnull=False)
        .exclude(indicator_id__in=fed)
        .select_related("indicator")
    }
    count = max(1, round(n / len(sample)))
    province = Locality.objects.get(plan=plan, code="GD")
    units = Locality.objects.bulk_create(
        [
            Locality(
                plan=plan, code=f"W{k:05d}", name_zh=f"基准单位{k}", name_en=f"Bench unit {k}", level="city",
                parent=province, pilot=True, order=1000 + k,
            )
            for k in range(created + 1, created + count + 1)
        ]
    )  # fmt: skip
    books = []
    for unit in units:
        book = load_workbook(io.BytesIO(excel.export_template(plan, unit, period, admin)))
        sheet = book[wbk.VALUES_SHEET]
        for r in range(wbk.FIRST_ROW, sheet.max_row + 1):
            code = sheet.cell(r, wbk.CODE_COL).value
            if code in sample:
                sheet.cell(r, wbk.VALUE_COL).value = float(sample[code])
        out = io.BytesIO()
        book.save(out)
        books.append((unit, out.getvalue()))
    values = count * len(sample)
    print(
        f"values workbooks: {count:,} × {len(sample)} values = {values:,}; load average {os.getloadavg()[0]:.1f}"
    )
    rows = [
        ("bench", period.code, unit.code, code, str(value))
        for unit, _b in books
        for code, value in sample.items()
    ]
    baseline = values_baseline(rows, plan, admin) if connection.vendor == "postgresql" else None
    if baseline is not None:
        line("COPY into the indexed values table + one audit row each", baseline, values, "values")
    before = AuditEvent.objects.count()
    started = time.perf_counter()
    for unit, data in books:
        excel.import_values(data, f"{unit.code}_{YEAR}.xlsx", admin, plan=plan)
    took = time.perf_counter() - started
    line("import_values, workbook by workbook", took, values, "values")
    assert AuditEvent.objects.count() - before == values
    if baseline is not None:
        print(f"  ratio: the values workbooks at {baseline / took:.1%} of COPY's speed")
    return created + count


if __name__ == "__main__":
    main()
