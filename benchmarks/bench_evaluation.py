"""Benchmark of the evaluation core on a synthetic plan: 3,000 localities × 100 indicators × 10 years.

Run from the repository root:

    .venv/bin/python benchmarks/bench_evaluation.py [--localities 3000] [--indicators 100]
        [--years 10] [--draws 1000] [--seed 1]

It times each step — building the panel (with the region aggregation), every measure for every
indicator, locality and year, turning one year into result objects, the composite index (entropy
weights, TOPSIS) and the sensitivity of the ranks — and prints the peak memory (the process's maximum resident set size). The data are random
but seeded, so every run evaluates the same numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planwatch.core.evaluation import (  # noqa: E402
    CompositeMethod,
    CompositeParameters,
    DimensionSpec,
    IndicatorSpec,
    LocalitySpec,
    Normalization,
    PlanPeriod,
    SensitivityParameters,
    WeightMethod,
    WeightScheme,
    composite_index,
    decision_matrix,
    evaluate_panel,
    indicator_results,
    panel_from_arrays,
    sensitivity_analysis,
    to_jsonable,
)
from planwatch.core.planfile import Aggregation, Direction, IndicatorKind  # noqa: E402


def peak_rss() -> float:
    """The process's maximum resident set size so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


DIMENSIONS = ("innovation", "quality", "policy", "coordination", "resources")


def synthetic(n_l: int, n_i: int, n_y: int, seed: int):
    """Indicators of every kind (levels summed, shares and growth rates recomputed from levels, a
    binding decrease without a region target), localities with districts inside cities, values on
    noisy trends with 0.5 % missing, a target per locality and for the region."""
    rng = np.random.default_rng(seed)
    first = 2015
    years = tuple(range(first, first + n_y))
    period = PlanPeriod(base_year=first, start_year=first + 1, end_year=years[-1])
    localities = tuple(
        LocalitySpec(
            f"L{k:05d}", counted_in_region_total=k % 10 != 9, parent=f"L{k - 1:05d}" if k % 10 == 9 else None
        )
        for k in range(n_l)
    )
    n_count = n_level = n_i * 3 // 10
    n_rest = n_i - n_count - n_level
    n_share = n_avg = n_growth = n_rest // 4
    n_decrease = n_rest - n_share - n_avg - n_growth
    specs: list[IndicatorSpec] = []
    t = np.arange(n_y, dtype=np.float64)[None, :]
    values = np.empty((n_i, n_l, n_y))
    size = rng.uniform(0.5, 2.0, size=(n_l, 1))
    for j in range(n_count):
        specs.append(IndicatorSpec(f"C{j:03d}", IndicatorKind.CUMULATIVE_COUNT, Aggregation.SUM))
        flow = rng.poisson(5 * size, size=(n_l, n_y)).astype(np.float64)
        flow[:, 0] = 0.0
        values[len(specs) - 1] = np.cumsum(flow, axis=1)
    for j in range(n_level):
        specs.append(IndicatorSpec(f"V{j:03d}", IndicatorKind.LEVEL, Aggregation.SUM))
        growth = rng.normal(0.06, 0.03, size=(n_l, 1))
        values[len(specs) - 1] = 100 * size * (1 + growth) ** t * rng.uniform(0.97, 1.03, size=(n_l, n_y))
    levels = [spec.code for spec in specs if spec.kind == IndicatorKind.LEVEL]
    level_values = {spec.code: values[k] for k, spec in enumerate(specs) if spec.kind == IndicatorKind.LEVEL}
    for j in range(n_share):
        num, den = levels[(2 * j) % len(levels)], levels[(2 * j + 1) % len(levels)]
        specs.append(
            IndicatorSpec(
                f"S{j:03d}",
                IndicatorKind.SHARE,
                Aggregation.RECOMPUTE,
                components={"numerator": num, "denominator": den},
            )
        )
        values[len(specs) - 1] = level_values[num] / (level_values[num] + level_values[den]) * 100
    for j in range(n_avg):
        level = levels[j % len(levels)]
        specs.append(
            IndicatorSpec(
                f"A{j:03d}",
                IndicatorKind.AVG_ANNUAL_GROWTH,
                Aggregation.RECOMPUTE,
                base_year=first,
                components={"level": level},
            )
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = ((level_values[level] / level_values[level][:, :1]) ** (1 / np.maximum(t, 1)) - 1) * 100
        values[len(specs) - 1] = np.where(t > 0, rate, np.nan)
    for j in range(n_growth):
        level = levels[(j + 3) % len(levels)]
        specs.append(
            IndicatorSpec(
                f"G{j:03d}",
                IndicatorKind.GROWTH_OVER_BASE,
                Aggregation.RECOMPUTE,
                base_year=first,
                components={"level": level},
            )
        )
        values[len(specs) - 1] = (level_values[level] / level_values[level][:, :1] - 1) * 100
    for j in range(n_decrease):
        specs.append(
            IndicatorSpec(
                f"D{j:03d}",
                IndicatorKind.CUMULATIVE_DECREASE,
                Aggregation.NONE,
                binding=True,
                region_target=False,
                base_year=first,
            )
        )
        values[len(specs) - 1] = rng.uniform(2.5, 4.5, size=(n_l, 1)) * t + rng.normal(
            0, 0.5, size=(n_l, n_y)
        )
    specs = [
        IndicatorSpec(
            s.code,
            s.kind,
            s.aggregation,
            direction=Direction.HIGHER_IS_BETTER,
            binding=s.binding,
            region_target=s.region_target,
            base_year=s.base_year,
            components=s.components,
            dimension=DIMENSIONS[k % len(DIMENSIONS)],
        )
        for k, s in enumerate(specs)
    ]
    values[rng.random(values.shape) < 0.005] = np.nan
    # Targets for the end year: the trend's end value, ±10 %, for each locality and the region.
    targets = np.full((n_i, n_l + 1, n_y), np.nan)
    end = values[:, :, -1]
    fallback = np.nanmean(values[:, :, -1], axis=1, keepdims=True)
    end = np.where(np.isnan(end), fallback, end)
    targets[:, :n_l, -1] = end * rng.uniform(0.9, 1.1, size=end.shape)
    targets[:, n_l, -1] = np.nanmean(end, axis=1) * n_l * 0.9
    for k, spec in enumerate(specs):
        if spec.kind != IndicatorKind.CUMULATIVE_COUNT and spec.kind != IndicatorKind.LEVEL:
            targets[k, n_l, -1] = np.nanmean(end[k]) if spec.region_target else np.nan
    dimensions = tuple(DimensionSpec(code, 0.2) for code in DIMENSIONS)
    return period, tuple(specs), localities, years, values, targets, dimensions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, default=3000)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    period, specs, localities, years, values, targets, dimensions = synthetic(
        args.localities, args.indicators, args.years, args.seed
    )
    print(f"data generated; peak RSS {peak_rss():,.0f} MiB")
    print(
        f"synthetic plan: {len(localities):,} localities × {len(specs)} indicators × {len(years)} years "
        f"= {values.size:,} values; numpy {np.__version__}"
    )
    timings: list[tuple[str, float]] = []

    def step(name: str, fn):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        out = fn()
        timings.append((name, time.perf_counter() - start, peak_rss()))
        return out

    total = time.perf_counter()
    panel = step(
        "panel + region aggregation",
        lambda: panel_from_arrays(period, specs, localities, years, values, targets),
    )
    ev = step("completion, pace, Open SDG ratio, forecast (all years)", lambda: evaluate_panel(panel))
    year = years[-2]
    results = step(f"IndicatorResult objects for {year}", lambda: indicator_results(ev, [year]))
    matrix = step("decision matrix", lambda: decision_matrix(ev, year, dimensions))
    params = CompositeParameters(
        normalization=Normalization.TARGET,
        weights=WeightScheme(indicators=WeightMethod.ENTROPY),
        method=CompositeMethod.TOPSIS,
    )
    previous = step(
        "composite index, previous year",
        lambda: composite_index(decision_matrix(ev, year - 1, dimensions), params),
    )
    composite = step(
        "composite index (entropy weights, TOPSIS)", lambda: composite_index(matrix, params, previous)
    )
    sens = SensitivityParameters(draws=args.draws)
    sensitivity = step(
        f"sensitivity ({args.draws} draws, ±20 %)", lambda: sensitivity_analysis(matrix, params, sens)
    )
    size = step("JSON of the year's results", lambda: len(json.dumps(to_jsonable((results, composite)))))
    elapsed = time.perf_counter() - total
    width = max(len(name) for name, _, _ in timings)
    print(f"  {'step':<{width}}  {'time':>9}  peak RSS so far")
    for name, seconds, rss in timings:
        print(f"  {name:<{width}}  {seconds:7.3f} s  {rss:7,.0f} MiB")
    print(f"  {'total':<{width}}  {elapsed:7.3f} s  {peak_rss():7,.0f} MiB")
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.outcome.value] = outcomes.get(r.outcome.value, 0) + 1
    print(
        f"{len(results):,} results for {year}: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))
    )
    best = composite.scores[0]
    held = np.mean([s.held_share for s in sensitivity.stability])
    spread = np.median([s.max_rank - s.min_rank for s in sensitivity.stability])
    print(
        f"best locality {best.locality} (score {best.score:.4f}); sensitivity: mean share of draws holding "
        f"the base rank {held:.3f}, median rank range {spread:.0f} places; JSON {size / 2**20:,.1f} MiB"
    )


if __name__ == "__main__":
    main()
