"""The evaluation of a synthetic plan (`planwatch synth_plan`) against one DuckDB scan of the same values.

Run from the repository root, with the benchmarks' extra installed (DuckDB is not a dependency of
PlanWatch itself: `.venv/bin/pip install -c constraints.txt -e '.[bench]'`):

    .venv/bin/python benchmarks/bench_synth.py --localities 300 2867 --indicators 100 --years 10

For each size, in one run, with no database and no Django settings:

1. the plan file: `synth_plan` writes it, `parse_plan_text` reads and checks it (as `load_plan` does);
2. its sample data (示例数据): `planwatch.core.sample.generate`, the numbers `load_sample` stores,
   made the evaluation input's values and targets as `build_input` reads them from the database
   (columns of floats: `ObservationColumns`, `TargetColumns`);
3. **the baseline**: one DuckDB scan of the same values — count, sum, mean, minimum and maximum by
   indicator and year (a GROUP BY over every value), from a table already in DuckDB's memory; the
   best of three;
4. **the evaluation** as a run makes it (`planwatch.core.evaluation.evaluate` with the run's default
   parameters: equal weights, weighted sum, 1,000 sensitivity draws), then its results made ready to
   store as `run_evaluation` makes them — `planwatch.evaluation.runs.results_to_store`, the function
   the run calls: `to_jsonable`, `split_results` into the summary and one row per result, each row's
   canonical JSON and `results_hash`, the SHA-256 of the whole;
5. with `--copy` and DATABASE_URL naming a PostgreSQL database, the rows written as the run writes
   them (`runs.store_rows`: one COPY) into a temporary table shaped like EvaluationResult's (its
   columns' types, primary key, unique constraint and indexes), in a transaction rolled back; then
   the floor: as many rows with their keys only (no result JSON) COPYed into the same table — what
   storing that many queryable rows costs, whatever the evaluation.

The ratios are (4) / (3), with and without the storing (and (4) + (5) / (3) with `--copy`). Django is
set up (planwatch.test_settings) for the storing's functions; without `--copy` no database is opened.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.test_settings")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from planwatch.core import sample  # noqa: E402
from planwatch.core.divisions import installed  # noqa: E402
from planwatch.core.evaluation import (  # noqa: E402
    Columns,
    EvaluationParameters,
    ObservationColumns,
    SensitivityParameters,
    TargetColumns,
    evaluate,
    evaluation_input_from_plan,
)
from planwatch.core.hierarchy import by_code, counted_in_region_total  # noqa: E402
from planwatch.core.kinds import whole_number_unit  # noqa: E402
from planwatch.core.planfile import REGION, PlanDocument, parse_plan_text  # noqa: E402
from planwatch.core.synth import SynthSize, dump_synth, synth_plan  # noqa: E402
from planwatch.evaluation.models import EvaluationResult  # noqa: E402
from planwatch.evaluation.runs import ROW_COLUMNS, StoredResults, results_to_store, store_rows  # noqa: E402

T = TypeVar("T")
C = TypeVar("C", bound=Columns)


def peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def sample_specs(doc: PlanDocument) -> list[sample.SampleIndicator]:
    """What planwatch.core.sample needs of each indicator, from the plan file (as
    planwatch.reporting.sample reads it from the database)."""
    end = doc.plan.period.end_year
    out = []
    for ind in doc.indicators:
        region = [t.value for t in ind.targets if t.scope == REGION and t.year == end]
        out.append(
            sample.SampleIndicator(
                code=ind.code,
                kind=ind.kind,
                aggregation=ind.aggregation,
                integer=whole_number_unit(ind.unit),
                unit=ind.unit,
                region_target=region[0] if region else None,
                target_year=end,
                base_year=ind.base.year if ind.base else None,
                base_value=ind.base.value if ind.base else None,
                components=dict(ind.components),
                fixed_targets={t.scope: t.value for t in ind.targets if t.scope != REGION and t.year == end},
            )
        )
    return out


def sample_data(doc: PlanDocument) -> sample.SampleData:
    nodes = by_code(doc.locality_nodes())
    period = doc.plan.period
    localities = [
        sample.SampleLocality(loc.code, counted_in_region_total(loc.code, nodes), loc.parent)
        for loc in doc.localities
        if loc.pilot
    ]
    return sample.generate(
        sample_specs(doc),
        localities,
        years=range(period.base_year, period.end_year + 1),
        start_year=period.start_year,
        seed=doc.plan.code,
    )


def columns_of(numbers: dict[tuple[str, str, int], Any], kind: type[C]) -> C:
    """The values (or targets) as the columns `build_input` reads from the database: codes by
    index in their vocabularies, floats."""
    indicators: dict[str, int] = {}
    scopes: dict[str, int] = {}
    indicator = [indicators.setdefault(ind, len(indicators)) for ind, _, _ in numbers]
    scope = [scopes.setdefault(code, len(scopes)) for _, code, _ in numbers]
    years = [year for _, _, year in numbers]
    values = [float(value) for value in numbers.values()]
    return kind(tuple(indicators), tuple(scopes), indicator, scope, years, values)


ROWS = "bench_result_rows"


def copy_rows(stored: StoredResults) -> tuple[float, float]:
    """The rows COPYed as run_evaluation writes them (runs.store_rows) into a temporary table shaped
    like EvaluationResult's, in a transaction rolled back: the seconds of the COPY alone; and the
    floor — as many rows with their keys only (no result JSON) COPYed into the same shape: what
    storing that many rows, queryable by run, scope and indicator, costs whatever the evaluation."""
    quote = connection.ops.quote_name
    fields = {f.column: f for f in EvaluationResult._meta.fields}
    columns = ", ".join(
        f"{quote(c)} {fields[c].db_type(connection)}" + ("" if fields[c].null else " NOT NULL")
        for c in ROW_COLUMNS
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {ROWS} (id bigserial PRIMARY KEY, {columns}, UNIQUE (run_id, part, position))"
        )
        cursor.execute(f"CREATE INDEX ON {ROWS} (run_id, scope)")
        cursor.execute(f"CREATE INDEX ON {ROWS} (run_id, indicator)")
        _, seconds = timed(lambda: store_rows(1, stored, table=ROWS))
        cursor.execute(f"SELECT count(*) FROM {ROWS}")
        (count,) = cursor.fetchone()
        assert count == len(stored.rows), (count, len(stored.rows))
        cursor.execute(f"TRUNCATE {ROWS}")
        keys = ", ".join(quote(c) for c in ROW_COLUMNS[:-1])
        with connection.cursor() as floor_cursor:
            raw = floor_cursor.cursor  # psycopg's own, for its COPY

            def floor() -> None:
                with raw.copy(f"COPY {ROWS} ({keys}) FROM STDIN") as copy:
                    for row in stored.rows:
                        copy.write_row((1, *row[:-1]))

            cursor.execute(f"ALTER TABLE {ROWS} ALTER COLUMN result DROP NOT NULL")
            _, floor_seconds = timed(floor)
        transaction.set_rollback(True)
    return seconds, floor_seconds


SCAN = """
SELECT indicator, year, count(value) AS n, sum(value) AS total, avg(value) AS mean,
       min(value) AS low, max(value) AS high
FROM v GROUP BY indicator, year
"""


def run_size(size: SynthSize, *, copy: bool = False) -> dict[str, Any]:
    print(
        f"\n== {size.localities:,} units × {size.indicators} indicators × {size.years} years (seed {size.seed})"
    )
    text, t_write = timed(lambda: dump_synth(synth_plan(size, installed)))
    doc, t_read = timed(lambda: parse_plan_text(text, name="synth.yaml"))
    print(
        f"  plan file: {len(text.encode()) / 2**20:.1f} MiB written in {t_write:.1f} s, read and checked in {t_read:.1f} s"
    )
    data, t_sample = timed(lambda: sample_data(doc))
    observations = columns_of(data.actuals, ObservationColumns)
    targets = columns_of(data.targets, TargetColumns)
    inp = evaluation_input_from_plan(doc, observations, targets)
    print(
        f"  sample data: {len(observations):,} values, {len(targets):,} sample targets in {t_sample:.1f} s; "
        f"peak RSS {peak_rss():,.0f} MiB"
    )
    indicators, scopes = observations.codes()
    frame = pd.DataFrame(
        {
            "indicator": indicators,
            "scope": scopes,
            "year": observations.year.astype(np.int32),
            "value": observations.value,
        }
    )
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE v AS SELECT * FROM frame")
    con.unregister("frame")
    scans = []
    for _ in range(3):
        rows, seconds = timed(lambda: con.execute(SCAN).fetchall())
        scans.append(seconds)
    scan = min(scans)
    year = doc.plan.period.end_year
    evaluation, t_eval = timed(
        lambda: evaluate(inp, year, EvaluationParameters(sensitivity=SensitivityParameters()))
    )
    stored, t_store = timed(lambda: results_to_store(evaluation))
    t_copy, t_floor = copy_rows(stored) if copy else (None, None)
    result = {
        "size": size,
        "values": len(observations),
        "groups": len(rows),
        "scan": scan,
        "evaluate": t_eval,
        "store": t_store,
        "copy": t_copy,
        "floor": t_floor,
        "json_mib": stored.size / 2**20,
        "rows": len(stored.rows),
        "results": len(evaluation.indicators),
        "rss": peak_rss(),
    }
    print(f"  DuckDB scan (GROUP BY indicator, year; {len(rows):,} groups), best of 3: {scan:.3f} s")
    print(
        f"  evaluate {year} (results {len(evaluation.indicators):,}): {t_eval:.2f} s  = {t_eval / scan:.1f} × the scan"
    )
    print(
        f"  results as stored (runs.results_to_store: {len(stored.rows):,} rows, canonical JSON "
        f"{stored.size / 2**20:,.1f} MiB and its SHA-256) {t_store:.2f} s: evaluate + store "
        f"{t_eval + t_store:.2f} s = {(t_eval + t_store) / scan:.1f} × the scan"
    )
    if t_copy is not None:
        both = t_eval + t_store + t_copy
        print(
            f"  the rows' COPY (runs.store_rows) {t_copy:.2f} s: all {both:.2f} s = {both / scan:.1f} × the scan"
        )
        print(
            f"  floor: as many rows, keys only (no JSON), COPYed into the same table {t_floor:.2f} s "
            f"= {t_floor / scan:.1f} × the scan"
        )
    print(f"  peak RSS {result['rss']:,.0f} MiB; results hash {stored.results_hash[:12]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, nargs="+", default=[300, 2867])
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--copy", action="store_true", help="COPY the rows into a PostgreSQL temporary table (DATABASE_URL)"
    )
    args = parser.parse_args()
    if args.copy and connection.vendor != "postgresql":
        parser.error("--copy needs DATABASE_URL to name a PostgreSQL database")
    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"duckdb {duckdb.__version__}"
    )
    results = [
        run_size(
            SynthSize(localities=n, indicators=args.indicators, years=args.years, seed=args.seed),
            copy=args.copy,
        )
        for n in args.localities
    ]
    print(
        "\n| units | values | DuckDB scan | evaluate | × scan | evaluate + store | × scan | rows' COPY | all, × scan "
        "| floor: keys' COPY, × scan | JSON |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        both = r["evaluate"] + r["store"]
        copied = (
            f"{r['copy']:.2f} s | {(both + r['copy']) / r['scan']:.1f} × | {r['floor']:.2f} s, {r['floor'] / r['scan']:.1f} ×"
            if r["copy"] is not None
            else "– | – | –"
        )
        print(
            f"| {r['size'].localities:,} | {r['values']:,} | {r['scan']:.3f} s | {r['evaluate']:.2f} s | "
            f"{r['evaluate'] / r['scan']:.1f} × | {both:.2f} s | {both / r['scan']:.1f} × | {copied} | "
            f"{r['json_mib']:,.0f} MiB |"
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(
            f"from {a['size'].localities:,} to {b['size'].localities:,} units (× {b['values'] / a['values']:.1f} values): "
            f"scan × {b['scan'] / a['scan']:.1f}, evaluate × {b['evaluate'] / a['evaluate']:.1f}, "
            f"evaluate + store × {(b['evaluate'] + b['store']) / (a['evaluate'] + a['store']):.1f}"
        )


if __name__ == "__main__":
    main()
