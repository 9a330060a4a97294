"""Pages of a plan at national size against the seed plan, on an existing database.

    DATABASE_URL=sqlite:////path/national.sqlite3 .venv/bin/python benchmarks/bench_national.py \
        --user nat prw-mic2025:2018 synth-300x20x3-s0:2022 synth-2867x4x3-s0:2022

Each plan must be loaded, with sample data and a stored run of the year (`planwatch load_plan`,
`load_sample`, `evaluate`); the user must exist (`planwatch demo_user`). For each plan it times, as
the browser would ask for them, the overview, its map.json, an area (the first locality with pilot
units below it), a pilot unit, an indicator page, the entry form and the reporting home, the whole ranking's first page, the breakdown
index and an indicator's breakdown: the median of --repeat runs, the bytes and the queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from planwatch.breakdown.models import broken_down  # noqa: E402
from planwatch.plans.models import Plan  # noqa: E402


def measure(client: Client, url: str, repeat: int) -> tuple[float, int, int, int]:
    times, size, queries, status = [], 0, 0, 0
    for _ in range(repeat):
        counted = [0]

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            counted[0] += 1  # noqa: B023
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - started)
        size, queries, status = len(body), counted[0], response.status_code
    return statistics.median(times), size, queries, status


def pages(plan: Plan, year: int) -> list[tuple[str, str]]:
    base = f"/plans/{plan.code}"
    pilots = list(plan.localities.filter(pilot=True).order_by("code"))
    parents = {p.parent_id for p in pilots if p.parent_id}
    # an area: a locality with a parent above pilot units (a top locality, the region's own or a
    # municipality listed as a province, has no area page)
    area = plan.localities.filter(id__in=parents, parent__isnull=False).order_by("code").first()
    ind = plan.indicators.order_by("code").first()
    broken = broken_down(plan).order_by("code").first()  # the breakdown table: an indicator with one
    assert ind is not None and broken is not None
    period = plan.periods.filter(year=year).order_by("code").first()
    rows = [
        ("overview", f"{base}/dashboard/?year={year}"),
        ("map.json", f"{base}/dashboard/map.json"),
        ("pilot unit", f"{base}/dashboard/localities/{pilots[0].code}/?year={year}"),
        ("indicator", f"{base}/dashboard/indicators/{ind.code}/"),
        ("breakdown index", f"{base}/breakdown/"),
        ("breakdown table", f"{base}/breakdown/{broken.code}/"),
        ("whole ranking p.1", f"{base}/dashboard/?year={year}&ranking=all"),
    ]
    if area is not None:
        rows.insert(2, ("area", f"{base}/dashboard/localities/{area.code}/?year={year}"))
    if period is not None:
        rows.append(("entry form", f"{base}/report/{pilots[0].code}/{period.code}/"))
        rows.append(("reporting home", f"{base}/report/"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plans", nargs="+", help="plan:year, the first is the baseline")
    parser.add_argument("--user", default="nat")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated page labels (default: all)")
    args = parser.parse_args()
    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    baseline: dict[str, float] = {}
    for n, spec in enumerate(args.plans):
        code, year = spec.split(":")
        plan = Plan.objects.get(code=code)
        units = plan.localities.filter(pilot=True).count()
        print(f"{code} {year}: {units} pilot units, {plan.indicators.count()} indicators")
        for label, url in pages(plan, int(year)):
            if args.only and label not in args.only.split(","):
                continue
            client.get(url)  # warm: caches of the process, the run chosen
            seconds, size, queries, status = measure(client, url, args.repeat)
            ratio = f"{seconds / baseline[label]:6.1f}×" if n and baseline.get(label) else ""
            if n == 0:
                baseline[label] = seconds
            print(
                f"  {label:<16} {seconds * 1000:8.1f} ms {ratio:>8} {size / 1024:9.1f} KiB"
                f" {queries:4d} q  {status}"
            )


if __name__ == "__main__":
    main()
