"""Pages and batch jobs on a real database: the seed plan with its sample data, then the same pages
with a ledger grown to N rows.

    .venv/bin/python benchmarks/bench_pages.py                 # SQLite in a temporary file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/bench_pages.py
    .venv/bin/python benchmarks/bench_pages.py --rows 5000 --repeat 5
    .venv/bin/python benchmarks/bench_pages.py --synth 300x100 --pages-only

--synth LxI (e.g. 300x100): after the seed's pages, the same dashboard pages (overview, a locality,
an indicator) of a synthetic plan of L units × I indicators × 10 years (`planwatch synth_plan`, its
sample data loaded as `load_sample` does), each beside the seed's same page, the two asked for in
turn, with the ratio.
--pages-only: the pages alone (no bulletin, no ledger import).

It creates its own test database (test_<name>, dropped at the end), loads plans/pearl_river_west_2017.yaml
and the sample data (then ANALYZE on PostgreSQL, as autovacuum would after such a load), signs in as the province administrator and times, as the browser would ask for
them: the dashboard overview (first view, which evaluates the year, then a stored run), a locality
and an indicator page, the supervision list, a ledger list; then a bulletin in all three formats; then
an Excel import of N ledger rows and the ledger pages again. Each time is the median of --repeat runs;
the query count is printed beside it (it must not grow with the rows).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.test_settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def page_getter(client: Client, path: str) -> Callable[[], object]:
    """A step that asks the client for the page and checks that it answered 200."""

    def fetch() -> object:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    return fetch


def timed(label: str, action: Callable[[], object], repeat: int, base: float | None = None) -> float:
    times, queries = [], 0
    for _ in range(repeat):
        counted = [0]

        def count(execute, sql, params, many, context, counted=counted):  # type: ignore[no-untyped-def]
            counted[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        queries = counted[0]
    median = statistics.median(times)
    ratio = f"   {median / base:5.1f} × the seed" if base else ""
    print(f"  {label:<46} {median * 1000:9.1f} ms   {queries:4d} queries{ratio}")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="ledger rows to import")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synth", action="append", default=[], help="LxI: a synthetic plan's pages too")
    parser.add_argument("--pages-only", action="store_true", help="no bulletin, no ledger import")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed = run(args.rows, args.repeat, pages_only=args.pages_only)
        for size in args.synth:
            synth(size, args.repeat, seed)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def refresh_statistics() -> None:
    """What autovacuum does after a bulk load, done at once: the planner's statistics of the tables
    just filled (PostgreSQL only; this machine's server runs with autovacuum off, and a plan made on
    no statistics reads 300,000 values through the wrong index)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run(rows: int, repeat: int, *, pages_only: bool = False) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from openpyxl import load_workbook

    from planwatch.bulletins.services import build_bulletin
    from planwatch.demo.sample import load_sample
    from planwatch.ledgers.excel import export_ledger, import_ledger
    from planwatch.ledgers.models import LedgerType
    from planwatch.plans.loader import load_plan_file

    print(f"database: {connection.vendor}; ledger rows: {rows}; median of {repeat}")
    plan = load_plan_file(ROOT / "plans" / "pearl_river_west_2017.yaml").plan
    load_sample(plan)
    refresh_statistics()
    admin = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench")
    client = Client()
    client.force_login(admin)
    base = f"/plans/{plan.code}"

    get = partial(page_getter, client)

    print("pages, seed plan with the sample data:")
    timed("dashboard overview, first view (evaluates)", get(f"{base}/dashboard/?year=2018"), 1)
    pages = {
        "dashboard overview (stored run)": f"{base}/dashboard/?year=2018",
        "dashboard locality 珠海": f"{base}/dashboard/localities/ZH/?year=2018",
        "dashboard indicator I01": f"{base}/dashboard/indicators/I01/",
        "indicator I01 as XLSX": f"{base}/dashboard/indicators/I01/data.xlsx",
        "supervision list": f"{base}/supervision/",
        "entry form 珠海 2018": f"{base}/report/ZH/2018/",
    }
    seed = {label: timed(label, get(path), repeat) for label, path in pages.items()}
    if pages_only:
        return seed

    print("bulletin 2018 (stored runs):")
    for formats in (("xlsx",), ("docx",), ("pdf",), ("docx", "pdf", "xlsx")):
        timed(
            f"bulletin {'+'.join(formats)}",
            lambda f=formats: build_bulletin(plan, "2018", formats=f, user=admin),
            1,
        )

    ledger = LedgerType.objects.get(plan=plan, code="investment_projects")
    template = load_workbook(io.BytesIO(export_ledger(ledger, ledger.items.none())))
    sheet = template.worksheets[0]
    header = [c.value for c in sheet[1]]
    first = [c.value for c in sheet[2]] if sheet.max_row >= 2 else None
    print(f"ledger import, {rows} rows (header: {len(header)} columns):")
    sample_rows = list(ledger.items.all()[:1])
    if first is None and sample_rows:
        first = [
            c.value for c in load_workbook(io.BytesIO(export_ledger(ledger, sample_rows))).worksheets[0][2]
        ]
    assert first is not None, "no row to copy"
    id_column = next((i for i, h in enumerate(header) if h and "id" in str(h).lower()), None)
    name_column = next(
        i for i, h in enumerate(header) if h and ("名称" in str(h) or "name" in str(h).lower())
    )
    for n in range(rows):
        row = list(first)
        if id_column is not None:
            row[id_column] = None
        row[name_column] = f"示例压测项目 {n:05d}"
        sheet.append(row)
    buffer = io.BytesIO()
    template.save(buffer)
    data = buffer.getvalue()
    timed(f"import_ledger ({rows} rows)", lambda: import_ledger(ledger, data, "bench.xlsx", admin), 1)
    print(f"pages with {ledger.items.count()} ledger rows:")
    timed("ledger list (first page)", get(f"{base}/ledgers/{ledger.code}/"), repeat)
    timed("ledger funnel", get(f"{base}/ledgers/{ledger.code}/funnel/"), repeat)
    return seed


def synth(size: str, repeat: int, seed: dict[str, float]) -> None:
    """The dashboard pages of a synthetic plan of `size` (LxI, 10 years), beside the seed's."""
    from django.contrib.auth import get_user_model

    from planwatch.core.divisions import installed
    from planwatch.core.synth import SynthSize, dump_synth, synth_plan
    from planwatch.dashboards import data
    from planwatch.demo.sample import load_sample
    from planwatch.plans.loader import load_plan_file

    localities, indicators = (int(n) for n in size.split("x"))
    spec = SynthSize(localities=localities, indicators=indicators, years=10)
    path = Path(tempfile.mkdtemp()) / "synth.yaml"
    path.write_text(dump_synth(synth_plan(spec, installed)), encoding="utf-8")
    started = time.perf_counter()
    plan = load_plan_file(path).plan
    load_sample(plan)
    refresh_statistics()
    print(f"synthetic plan {spec.code}: loaded with its sample data in {time.perf_counter() - started:.0f} s")
    year = data.latest_accepted_year(plan)
    unit = plan.localities.filter(pilot=True).order_by("order", "id").first()
    indicator = plan.indicators.order_by("order", "id").first()
    assert unit is not None and indicator is not None
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    base = f"/plans/{plan.code}/dashboard"

    get = partial(page_getter, client)

    timed(f"dashboard overview, first view (evaluates {year})", get(f"{base}/?year={year}"), 1)
    pages = {
        "dashboard overview (stored run)": f"{base}/?year={year}",
        f"dashboard locality {unit.code}": f"{base}/localities/{unit.code}/?year={year}",
        f"dashboard indicator {indicator.code}": f"{base}/indicators/{indicator.code}/",
    }
    # Each page beside the seed's same page, the two asked for in turn (seed, synthetic, seed, …): the
    # ratio holds when the machine's load changes between the seed's pages above and these.
    seed_base = "/plans/prw-mic2025"
    seed_pages = [
        f"{seed_base}/dashboard/?year=2018",
        f"{seed_base}/dashboard/localities/ZH/?year=2018",
        f"{seed_base}/dashboard/indicators/I01/",
    ]
    print(f"the same pages, each beside the seed's, in turn (median of {repeat}):")
    for (label, path), seed_path in zip(pages.items(), seed_pages, strict=True):
        paired(label, get(seed_path), get(path), repeat)


def paired(label: str, seed: Callable[[], object], synthetic: Callable[[], object], repeat: int) -> None:
    """The seed's page and the synthetic plan's, asked for in turn `repeat` times: both medians, the
    ratio."""
    times: dict[str, list[float]] = {"seed": [], "synthetic": []}
    for _ in range(repeat):
        for name, action in (("seed", seed), ("synthetic", synthetic)):
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    a, b = (statistics.median(times[name]) for name in ("seed", "synthetic"))
    print(f"  {label:<46} seed {a * 1000:7.1f} ms   synthetic {b * 1000:7.1f} ms   {b / a:5.1f} × the seed")


if __name__ == "__main__":
    main()
