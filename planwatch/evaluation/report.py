"""A stored run for people: aligned text with Chinese names, and an Excel workbook.

Both read only the run's stored JSON (and the plan's names), so they show exactly what a bulletin
citing the run would. Both say when the run read unaccepted values or sample data.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from planwatch.core import numbers
from planwatch.core.evaluation import REGION
from planwatch.core.evaluation.labels import OUTCOME_ZH, PACE_ZH, SDG_ZH
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import caveats, parameters_summary
from planwatch.plans.models import Plan
from planwatch.reporting import exports

REGION_ZH = "全区域"


@dataclass
class Names:
    """The Chinese names of the plan's localities, indicators and dimensions, by code."""

    localities: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> Names:
        return cls(
            localities={**dict(plan.localities.values_list("code", "name_zh")), REGION: REGION_ZH},
            indicators=dict(plan.indicators.values_list("code", "name_zh")),
            dimensions=dict(plan.dimensions.values_list("code", "name_zh")),
        )

    def locality(self, code: str) -> str:
        return self.localities.get(code, code)

    def indicator(self, code: str) -> str:
        return self.indicators.get(code, code)

    def dimension(self, code: str) -> str:
        return self.dimensions.get(code, code)


# --- text ---------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns a terminal gives the text: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """Columns padded to their widest cell (in terminal columns), two spaces apart."""
    widths = [max([width(header[k])] + [width(row[k]) for row in rows]) for k in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for k, cell in enumerate(cells):
            pad = " " * (widths[k] - width(cell))
            parts.append(pad + cell if right[k] else cell + pad)
        return "  ".join(parts).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def _score(value: float | None) -> str:
    return numbers.score(value)


def _number(value: float | None) -> str:
    """800, 12.5, 0.33 — at most two decimals, no trailing zeros."""
    return numbers.figure(value)


def _percent(value: float | None) -> str:
    return numbers.percent(value)


def _change(score: dict[str, Any]) -> str:
    change = score.get("rank_change")
    if change is None:
        return "—"
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "="


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else "是" if value else "否"


def header_lines(run: EvaluationRun) -> list[str]:
    version = run.data_version
    statuses = "/".join(version.get("statuses", run.statuses))
    targets = version.get("targets", {})
    origins = targets.get("by_origin", {})
    lines = [
        f"评估运行 Evaluation run #{run.pk} · 方案 {run.plan.code} · {run.year}年"
        + (f" · {run.label}" if run.label else ""),
        f"参数 Parameters: {parameters_summary(run.parameters)}",
        f"数据版本 Data version: {version['count']} 个数值 values ({statuses}), sha256 {version['sha256'][:12]}, "
        f"截至 as of {version.get('as_of') or '—'}",
        f"目标 Targets: {targets.get('count', 0)} (方案 plan {origins.get('plan', 0)}, 用户录入 user "
        f"{origins.get('user', 0)}, 示例 sample {origins.get('sample', 0)})",
        f"创建 Created: {exports.iso(timezone.localtime(run.created_at))}"
        + (f" by {run.created_by.get_username()}" if run.created_by else "")
        + (" (沿用已存运行 reused: same input and data)" if run.reused else ""),
    ]
    lines += [f"！{c.zh} {c.en}" for c in caveats(run)]
    return lines


def ranking_lines(run: EvaluationRun, names: Names) -> list[str]:
    composite = run.composite
    if composite is None:
        return ["综合排名 Composite ranking: 方案未设评估维度 (the plan has no dimensions)"]
    dims = [d["dimension"] for d in composite["dimension_weights"]]
    stability = {s["locality"]: s for s in (run.results.get("sensitivity") or {}).get("stability", [])}
    header = ["排名", "地区", "得分", *(names.dimension(d) for d in dims), "较上年"]
    right = [True, False, True, *(True for _ in dims), True]
    if stability:
        header += ["排名区间", "保持率"]
        right += [True, True]
    rows = []
    for score in composite["scores"]:
        by_dim = {d["dimension"]: d["score"] for d in score["dimensions"]}
        row = [
            str(score["rank"]) + ("*" if score["tied"] else ""),
            names.locality(score["locality"]),
            _score(score["score"]),
            *(_score(by_dim.get(d)) for d in dims),
            _change(score),
        ]
        if stability:
            s = stability.get(score["locality"])
            row += [f"{s['min_rank']}–{s['max_rank']}", _percent(s["held_share"])] if s else ["—", "—"]
        rows.append(row)
    lines = ["综合排名 Composite ranking", *aligned(header, rows, right)]
    notes = []
    if any(s["tied"] for s in composite["scores"]):
        notes.append("* 得分相同，按地区代码排序 (tied score, ordered by code)")
    if stability:
        sensitivity = run.results["sensitivity"]
        notes.append(
            f"排名区间、保持率：权重 ±{sensitivity['spread'] * 100:g}% 随机扰动 {sensitivity['draws']} 次 "
            f"(rank range and share of draws holding the rank, seed {sensitivity['seed']})"
        )
    missing = [s for s in composite["scores"] if s["missing_indicators"]]
    for s in missing:
        notes.append(
            f"{names.locality(s['locality'])} 缺数据按最差计 (missing, counted worst): {', '.join(s['missing_indicators'])}"
        )
    return lines + notes


def region_lines(run: EvaluationRun, names: Names) -> list[str]:
    header = ["指标", "名称", "数值", "目标", "结果", "完成度", "时序进度", "进展评估", "预测达标"]
    rows = []
    for r in run.results["indicators"]:
        if r["scope"] != REGION:
            continue
        rows.append(
            [
                r["indicator"],
                clip(names.indicator(r["indicator"]), 28),
                _number(r["value"]),
                _number(r["target"]),
                OUTCOME_ZH.get(r["outcome"], r["outcome"]),
                _percent(r["completion"]),
                PACE_ZH.get(r["pace"], "—") if r["pace"] else "—",
                SDG_ZH.get(r["sdg_status"], "—") if r["sdg_status"] else "—",
                _yes_no(r["likely_met"]),
            ]
        )
    return [
        "区域指标 Region summary (顺德区计入佛山市，不重复计算 Shunde counted within Foshan)",
        *aligned(header, rows, [False, False, True, True, False, True, False, False, False]),
    ]


def as_table(run: EvaluationRun, names: Names | None = None) -> str:
    names = names or Names.of(run.plan)
    blocks = [header_lines(run), ranking_lines(run, names), region_lines(run, names)]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


# --- workbook -----------------------------------------------------------------------------------

RESULT_COLUMNS = [
    "outcome",
    "value",
    "target",
    "target_year",
    "met",
    "completion",
    "progress",
    "elapsed",
    "pace_gap",
    "pace",
    "sdg_ratio",
    "sdg_status",
    "forecast",
    "forecast_method",
    "likely_met",
    "year_target",
    "year_completion",
    "year_met",
    "base_year",
    "base_value",
    "missing_localities",
    "notes",
]


def _cell(value: Any) -> Any:
    """Lists become text for a cell; numbers, text, booleans and None stay."""
    if isinstance(value, list):
        return ", ".join(":".join(map(str, v)) if isinstance(v, list) else str(v) for v in value)
    return value


def sheets(
    run: EvaluationRun, names: Names | None = None
) -> list[tuple[str, list[dict[str, Any]], list[str]]]:
    """The workbook's sheets as (title, records, columns): Ranking, Dimensions, Weights, Indicators
    (per indicator × locality), Region, Sensitivity, Run."""
    names = names or Names.of(run.plan)
    caveat = " ".join(f"{c.zh} {c.en}" for c in caveats(run))
    flag = ["caveat"] if caveat else []
    composite = run.composite or {"scores": [], "dimension_weights": [], "weights": []}
    dims = [d["dimension"] for d in composite["dimension_weights"]]
    dim_weight = {d["dimension"]: d["weight"] for d in composite["dimension_weights"]}

    ranking = []
    dimensions = []
    for score in composite["scores"]:
        by_dim = {d["dimension"]: d for d in score["dimensions"]}
        ranking.append(
            {
                "rank": score["rank"],
                "locality": score["locality"],
                "locality_zh": names.locality(score["locality"]),
                "score": score["score"],
                "tied": score["tied"],
                "previous_rank": score["previous_rank"],
                "rank_change": score["rank_change"],
                **{d: by_dim[d]["score"] if d in by_dim else None for d in dims},
                "missing_indicators": _cell(score["missing_indicators"]),
                "caveat": caveat,
            }
        )
        for d in dims:
            if d in by_dim:
                dimensions.append(
                    {
                        "locality": score["locality"],
                        "locality_zh": names.locality(score["locality"]),
                        "dimension": d,
                        "dimension_zh": names.dimension(d),
                        "dimension_weight": dim_weight[d],
                        "score": by_dim[d]["score"],
                        "rank": by_dim[d]["rank"],
                    }
                )
    weights = [
        {
            "indicator": w["indicator"],
            "indicator_zh": names.indicator(w["indicator"]),
            "dimension": w["dimension"],
            "dimension_zh": names.dimension(w["dimension"]),
            "normalization": w["normalization"],
            "within_dimension": w["within_dimension"],
            "weight": w["weight"],
        }
        for w in composite["weights"]
    ]
    by_region = {r["indicator"]: r for r in run.results["region"]}
    indicators, region = [], []
    for r in run.results["indicators"]:
        values = {c: _cell(r[c]) for c in RESULT_COLUMNS}
        if r["scope"] == REGION:
            how = by_region.get(r["indicator"], {})
            region.append(
                {
                    "indicator": r["indicator"],
                    "indicator_zh": names.indicator(r["indicator"]),
                    **values,
                    "aggregation": how.get("aggregation"),
                    "reported": how.get("reported"),
                    "counted": _cell(how.get("counted", [])),
                    "missing": _cell(how.get("missing", [])),
                    "invalid_base": how.get("invalid_base"),
                    "caveat": caveat,
                }
            )
        else:
            indicators.append(
                {
                    "indicator": r["indicator"],
                    "indicator_zh": names.indicator(r["indicator"]),
                    "locality": r["scope"],
                    "locality_zh": names.locality(r["scope"]),
                    **values,
                }
            )
    stability = (run.results.get("sensitivity") or {}).get("stability", [])
    sensitivity = [
        {
            "locality": s["locality"],
            "locality_zh": names.locality(s["locality"]),
            "base_rank": s["base_rank"],
            "min_rank": s["min_rank"],
            "max_rank": s["max_rank"],
            "mean_rank": s["mean_rank"],
            "held_share": s["held_share"],
            "distribution": _cell(s["distribution"]),
        }
        for s in stability
    ]
    return [
        (
            "Ranking",
            ranking,
            ["rank", "locality", "locality_zh", "score", "tied", "previous_rank", "rank_change", *dims]
            + ["missing_indicators", *flag],
        ),
        (
            "Dimensions",
            dimensions,
            ["locality", "locality_zh", "dimension", "dimension_zh", "dimension_weight", "score", "rank"],
        ),
        (
            "Weights",
            weights,
            [
                "indicator",
                "indicator_zh",
                "dimension",
                "dimension_zh",
                "normalization",
                "within_dimension",
                "weight",
            ],
        ),
        ("Indicators", indicators, ["indicator", "indicator_zh", "locality", "locality_zh", *RESULT_COLUMNS]),
        (
            "Region",
            region,
            ["indicator", "indicator_zh", *RESULT_COLUMNS]
            + ["aggregation", "reported", "counted", "missing", "invalid_base", *flag],
        ),
        (
            "Sensitivity",
            sensitivity,
            [
                "locality",
                "locality_zh",
                "base_rank",
                "min_rank",
                "max_rank",
                "mean_rank",
                "held_share",
                "distribution",
            ],
        ),
        ("Run", run_items(run), ["item", "value"]),
    ]


def run_items(run: EvaluationRun) -> list[dict[str, Any]]:
    """The Run sheet: what the run is, how it was made, and on which data."""
    version = run.data_version
    targets = version.get("targets", {})
    items: list[tuple[str, Any]] = [
        ("id", run.pk),
        ("plan", run.plan.code),
        ("year", run.year),
        ("label", run.label),
        ("notes", run.notes),
        ("created_at", exports.local_time(run.created_at)),
        ("created_by", run.created_by.get_username() if run.created_by else None),
        ("includes_unaccepted", run.includes_unaccepted),
        ("sample", run.sample),
        *((f"caveat_{c.code}", f"{c.zh} {c.en}") for c in caveats(run)),
        ("statuses", ", ".join(run.statuses)),
        ("parameters", parameters_summary(run.parameters)),
        ("parameters_json", json.dumps(run.parameters, ensure_ascii=False)),
        ("data_version.as_of", version.get("as_of")),
        ("data_version.sha256", version.get("sha256")),
        ("data_version.count", version.get("count")),
        ("data_version.sample_values", version.get("sample_values")),
        ("data_version.targets.sha256", targets.get("sha256")),
        ("data_version.targets.count", targets.get("count")),
        *(
            (f"data_version.targets.{origin}", count)
            for origin, count in sorted((targets.get("by_origin") or {}).items())
        ),
        ("data_version.plan_version", version.get("plan_version")),
        ("input_hash", run.input_hash),
        ("results_hash", run.results_hash),
        ("engine_version", run.engine_version),
    ]
    return [{"item": item, "value": value} for item, value in items]


def as_workbook(run: EvaluationRun, names: Names | None = None) -> bytes:
    return exports.to_xlsx_sheets(sheets(run, names))
