"""A large data value set through the validated, audited path, side by side with PostgreSQL's COPY of
the same values into tables with the same indexes plus one audit row per value.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/bench_bulk_values.py
    DATABASE_URL=… .venv/bin/python benchmarks/bench_bulk_values.py --values 1000000
    .venv/bin/python benchmarks/bench_bulk_values.py --values 20000          # SQLite: no COPY beside it

It creates its own test database (test_<name>, dropped at the end), loads plans/pearl_river_west_2017.yaml
with its sample data, adds enough pilot units (B00001, B00002 …) for the values asked for, and writes
one CSV data value set: for every added unit, every year from 2017 and every indicator typed by hand,
the sample value of 珠海 for that indicator and year (so that every value passes the checks of its
kind, its bounds and the rules across indicators, as real data would). Then, timed:

1. the baseline, PostgreSQL only (copy_baseline.py): the same values COPYed into a table made LIKE
   the values' table (its indexes and constraints) and one audit row each COPYed into a table LIKE
   the audit log's (what a database at best does with them, with the indexes a validated path keeps
   up); then the same again with the real tables' foreign keys on the copies (checked at the commit,
   as the validated path's are);
2. the CSV read into a value set (`datavaluesets.parse_csv`);
3. the import (`datavaluesets.import_value_set`): every check, the values and their audit events
   written in one transaction;
4. the audit chain walked again (`planwatch verify_audit`), which must hold.

The ratio printed is (1) / (2 + 3): the share of COPY's speed the validated, audited path reaches
(and beside it, the same with the foreign keys checked).
"""

from __future__ import annotations

import argparse
import csv
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

FIRST_YEAR = 2017
PROFILE = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=100_000, help="values in the set (about)")
    parser.add_argument("--years", type=int, default=3, help="yearly periods from 2017")
    parser.add_argument("--profile", action="store_true", help="print where the import's time goes")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.values, args.years)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(values: int, years: int) -> None:
    from copy_baseline import values_baseline
    from django.contrib.auth import get_user_model

    from planwatch.accounts.models import Profile
    from planwatch.demo.sample import load_sample
    from planwatch.kernel import audit
    from planwatch.kernel.models import AuditEvent
    from planwatch.plans.loader import load_plan_file
    from planwatch.plans.models import Locality
    from planwatch.reporting import datavaluesets as dvs
    from planwatch.reporting import workflow as wf
    from planwatch.reporting.models import Period, ReportedValue

    print(f"{connection.vendor}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    plan = load_plan_file(ROOT / "plans" / "pearl_river_west_2017.yaml").plan
    load_sample(plan)
    admin = get_user_model().objects.create_user("bench-admin", password="x")  # noqa: S106
    Profile.objects.update_or_create(user=admin, defaults={"role": Profile.Role.PROVINCE_ADMIN})
    periods = list(
        Period.objects.filter(plan=plan, year__gte=FIRST_YEAR, frequency="yearly").order_by("year")
    )
    periods = periods[:years]
    Period.objects.filter(pk__in=[p.pk for p in periods]).update(locks_on=None)
    template: dict[str, list[tuple[str, str]]] = {}  # period → [(indicator, value)]
    fed = wf.ledger_derived(plan.indicators.all())
    for period in periods:
        template[period.code] = [
            (v.indicator.code, f"{v.value.normalize():f}")
            for v in ReportedValue.objects.filter(locality__code="ZH", period=period, value__isnull=False)
            .exclude(indicator_id__in=fed)
            .select_related("indicator")
            .order_by("indicator__code")
        ]
    per_unit = sum(len(t) for t in template.values())
    units = max(1, round(values / per_unit))
    province = Locality.objects.get(plan=plan, code="GD")
    Locality.objects.bulk_create(
        [
            Locality(
                plan=plan,
                code=f"B{k:05d}",
                name_zh=f"基准单位{k}",
                name_en=f"Bench unit {k}",
                level="city",
                parent=province,
                pilot=True,
                order=1000 + k,
            )
            for k in range(1, units + 1)
        ],
        batch_size=2000,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["import_id", "period", "locality", "indicator", "value"])
    rows = []
    for k in range(1, units + 1):
        for period in periods:
            for code, value in template[period.code]:
                rows.append(("bench", period.code, f"B{k:05d}", code, value))
    writer.writerows(rows)
    body = out.getvalue().encode()
    n = len(rows)
    print(
        f"{n:,} values: {units:,} units × {len(periods)} years × ~{per_unit // len(periods)} indicators; "
        f"CSV {len(body) / 1024 / 1024:.1f} MiB; {connection.vendor}"
    )

    baseline = with_keys = None
    if connection.vendor == "postgresql":
        baseline = values_baseline(rows, plan, admin)
        print(
            f"  COPY into the indexed values table + one audit row each  {baseline:8.2f} s  {n / baseline:10,.0f} values/s"
        )
        with_keys = values_baseline(rows, plan, admin, foreign_keys=True)
        print(
            f"  the same COPY, the tables' foreign keys checked too        {with_keys:8.2f} s  {n / with_keys:10,.0f} values/s"
        )

    started = time.perf_counter()
    value_set = dvs.parse_csv(body)
    parsed = time.perf_counter() - started
    print(
        f"  read the CSV (parse_csv)                                  {parsed:8.2f} s  {n / parsed:10,.0f} values/s"
    )
    events_before = AuditEvent.objects.count()
    started = time.perf_counter()
    if PROFILE:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(dvs.import_value_set, admin, plan, value_set)
        profiler.dump_stats(Path(tempfile.gettempdir()) / "bench_bulk_values.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        result = dvs.import_value_set(admin, plan, value_set)
    imported = time.perf_counter() - started
    print(
        f"  check and write, all or nothing (import_value_set)        {imported:8.2f} s  {n / imported:10,.0f} values/s"
    )
    assert result.created == n, (result.created, n)
    assert AuditEvent.objects.count() - events_before == n
    total = parsed + imported
    print(
        f"  the validated, audited path in all                        {total:8.2f} s  {n / total:10,.0f} values/s"
    )
    started = time.perf_counter()
    walk = audit.verify()
    print(
        f"  audit chain walked ({walk.count:,} events)                 {time.perf_counter() - started:8.2f} s  "
        f"{'holds' if walk.broken is None else 'BROKEN'}"
    )
    assert walk.broken is None
    if baseline is not None and with_keys is not None:
        print(
            f"ratio: the validated path at {baseline / total:.1%} of COPY's speed (goal ≥ 25 %); "
            f"{with_keys / total:.1%} of COPY's with the foreign keys checked; load average "
            f"{os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
