"""benchmarks/bench_load.py's load generator and its arithmetic, without a server: the percentiles,
the closed loop bounded by a request count or a duration, errors counted apart from the times."""

from __future__ import annotations

import importlib.util
import math
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
_spec = importlib.util.spec_from_file_location("bench_load", ROOT / "benchmarks" / "bench_load.py")
assert _spec is not None and _spec.loader is not None
bench_load = importlib.util.module_from_spec(_spec)
sys.modules["bench_load"] = bench_load  # its dataclasses look their module up
_spec.loader.exec_module(bench_load)


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unordered
    assert bench_load.percentile(values, 50) == 50
    assert bench_load.percentile(values, 95) == 95
    assert bench_load.percentile(values, 99) == 99
    assert bench_load.percentile(values, 100) == 100
    assert bench_load.percentile([7.0], 95) == 7.0
    assert bench_load.percentile([1.0, 2.0], 50) == 1.0
    assert math.isnan(bench_load.percentile([], 95))


def test_closed_loop_bounded_by_requests_and_concurrency() -> None:
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def step() -> tuple[str, bool, str]:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        with lock:
            in_flight[0] -= 1
        return "page", True, ""

    samples = bench_load.closed_loop([step] * 4, requests=200)
    assert len(samples) == 200
    assert most[0] <= 4
    assert all(s.label == "page" and s.ok for s in samples)


def test_closed_loop_bounded_by_seconds() -> None:
    samples = bench_load.closed_loop([lambda: ("page", True, "")] * 2, seconds=0.05)
    assert samples  # some requests, and the loop ended


def test_summary_counts_errors_apart() -> None:
    samples = [bench_load.Sample("a", t / 1000, True) for t in range(1, 101)]
    samples += [bench_load.Sample("b", 0.5, False, "500"), bench_load.Sample("b", 0.2, True)]
    summary = bench_load.summarize(samples, wall=2.0)
    assert summary["a"].count == 100 and summary["a"].errors == 0
    assert summary["a"].p95 == 0.095 and summary["a"].per_second == 50
    assert summary["b"].errors == 1 and summary["b"].p95 == 0.2
    assert summary["b"].error_kinds == {"500": 1}
    assert summary["all"].count == 102 and summary["all"].errors == 1


def test_crashed_step_is_an_error() -> None:
    def step() -> tuple[str, bool, str]:
        raise ValueError("boom")

    samples = bench_load.closed_loop([step], requests=3)
    assert [s.error for s in samples] == ["ValueError"] * 3
