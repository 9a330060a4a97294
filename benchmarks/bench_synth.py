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
   store as the run stores them (`to_jsonable`, the canonical JSON and its SHA-256 — what
   `run_evaluation` writes into the run's row).

The ratios are (4) / (3), with and without the storing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

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
    to_jsonable,
)
from planwatch.core.hierarchy import by_code, counted_in_region_total  # noqa: E402
from planwatch.core.kinds import whole_number_unit  # noqa: E402
from planwatch.core.planfile import REGION, PlanDocument, parse_plan_text  # noqa: E402
from planwatch.core.synth import SynthSize, dump_synth, synth_plan  # noqa: E402

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


def canonical_sha256(data: Any) -> tuple[int, str]:
    """The stored results' JSON (planwatch.evaluation.runs.canonical_json) and its SHA-256."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    raw = text.encode("utf-8")
    return len(raw), hashlib.sha256(raw).hexdigest()


SCAN = """
SELECT indicator, year, count(value) AS n, sum(value) AS total, avg(value) AS mean,
       min(value) AS low, max(value) AS high
FROM v GROUP BY indicator, year
"""


def run_size(size: SynthSize) -> dict[str, Any]:
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
    stored, t_json = timed(lambda: to_jsonable(evaluation))
    (nbytes, digest), t_hash = timed(lambda: canonical_sha256(stored))
    t_store = t_json + t_hash
    result = {
        "size": size,
        "values": len(observations),
        "groups": len(rows),
        "scan": scan,
        "evaluate": t_eval,
        "store": t_store,
        "json_mib": nbytes / 2**20,
        "results": len(evaluation.indicators),
        "rss": peak_rss(),
    }
    print(f"  DuckDB scan (GROUP BY indicator, year; {len(rows):,} groups), best of 3: {scan:.3f} s")
    print(
        f"  evaluate {year} (results {len(evaluation.indicators):,}): {t_eval:.2f} s  = {t_eval / scan:.1f} × the scan"
    )
    print(
        f"  results as stored (to_jsonable {t_json:.2f} s, canonical JSON {nbytes / 2**20:,.1f} MiB + SHA-256 "
        f"{t_hash:.2f} s): evaluate + store {t_eval + t_store:.2f} s = {(t_eval + t_store) / scan:.1f} × the scan"
    )
    print(f"  peak RSS {result['rss']:,.0f} MiB; results hash {digest[:12]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, nargs="+", default=[300, 2867])
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"duckdb {duckdb.__version__}"
    )
    results = [
        run_size(SynthSize(localities=n, indicators=args.indicators, years=args.years, seed=args.seed))
        for n in args.localities
    ]
    print("\n| units | values | DuckDB scan | evaluate | × scan | evaluate + store | × scan | JSON |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        both = r["evaluate"] + r["store"]
        print(
            f"| {r['size'].localities:,} | {r['values']:,} | {r['scan']:.3f} s | {r['evaluate']:.2f} s | "
            f"{r['evaluate'] / r['scan']:.1f} × | {both:.2f} s | {both / r['scan']:.1f} × | {r['json_mib']:,.0f} MiB |"
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
