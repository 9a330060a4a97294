"""A stored run for people: aligned text with Chinese names, and an Excel workbook.

Both read only the run's stored results (`run.evaluation`, `run.version`, and the plan's names), so
they show exactly what a bulletin citing the run would. Both say when the run read unaccepted values or sample data.
"""

from __future__ import annotations

import enum
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from planwatch.core import numbers
from planwatch.core.evaluation import (
    REGION,
    CompositeResult,
    Evaluation,
    ExclusionReason,
    Explanation,
    IndicatorResult,
    SensitivityResult,
    explain,
)
from planwatch.core.evaluation.labels import ANNUAL_ZH, OUTCOME_ZH, PACE_ZH
from planwatch.core.evaluation.words import (
    BINDING_STATUS_WORDS,
    BINDING_WORDS,
    method_name,
    ranking_sentences,
)
from planwatch.evaluation import derived
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import caveats, parameters_summary
from planwatch.plans.models import Plan, inclusion_note
from planwatch.reporting import exports

REGION_ZH = "全区域"


@dataclass
class Names:
    """The names of the plan's localities, indicators and dimensions by code: Chinese, and English
    for the notes given in both languages."""

    localities: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    english: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → code → English name
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # indicator code → (kind, unit)

    @classmethod
    def of(cls, plan: Plan) -> Names:
        rows = {
            "localities": list(plan.localities.values_list("code", "name_zh", "name_en")),
            "dimensions": list(plan.dimensions.values_list("code", "name_zh", "name_en")),
        }
        indicators = list(plan.indicators.values_list("code", "name_zh", "name_en", "kind", "unit"))
        # the derived indicators with their mark: PlanWatch 口径，非方案原文
        rows["indicators"] = [(c, zh, en) for c, zh, en, _, _ in indicators] + [
            (c, zh, en) for c, (zh, en) in derived.name_pairs(plan).items()
        ]
        return cls(
            localities={**{c: zh for c, zh, _ in rows["localities"]}, REGION: REGION_ZH},
            indicators={c: zh for c, zh, _ in rows["indicators"]},
            dimensions={c: zh for c, zh, _ in rows["dimensions"]},
            english={kind: {c: en for c, _, en in found} for kind, found in rows.items()},
            kinds={c: (kind, unit) for c, _, _, kind, unit in indicators},
        )

    def pair(self, kind: str, code: str) -> tuple[str, str]:
        """(Chinese, English) name of a locality, indicator or dimension (kind: their plural)."""
        zh = getattr(self, kind).get(code, code)
        return zh, self.english.get(kind, {}).get(code, zh)

    def why(self, result: IndicatorResult) -> Explanation:
        """The one-line reason of the result's verdicts (planwatch.core.evaluation.explain)."""
        kind, unit = self.kinds.get(result.indicator, (None, ""))
        return explain(result, kind, unit, place=self.place)

    def place(self, code: str) -> tuple[str, str]:
        return self.pair("localities", code)

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


def _change(change: int | None) -> str:
    if change is None:
        return "—"
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "="


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else "是" if value else "否"


def header_lines(run: EvaluationRun) -> list[str]:
    version = run.version
    targets = version.targets
    origins = targets.by_origin
    lines = [
        f"评估运行 Evaluation run #{run.pk} · 方案 {run.plan.code} · {run.year}年"
        + (f" · {run.label}" if run.label else ""),
        f"参数 Parameters: {parameters_summary(run.params)}",
        f"数据版本 Data version: {numbers.grouped(version.count)} 个数值 values ({'/'.join(version.statuses)}), "
        f"sha256 {version.sha256[:12]}, 截至 as of {version.as_of or '—'}",
        f"目标 Targets: {numbers.grouped(targets.count)} (方案 plan {numbers.grouped(origins.get('plan', 0))}, "
        f"用户录入 user {numbers.grouped(origins.get('user', 0))}, "
        f"示例 sample {numbers.grouped(origins.get('sample', 0))})",
        f"创建 Created: {exports.iso(timezone.localtime(run.created_at))}"
        + (f" by {run.created_by.get_username()}" if run.created_by else "")
        + (" (沿用已存运行 reused: same input and data)" if run.reused else ""),
    ]
    lines += [f"！{c.zh} {c.en}" for c in caveats(run)]
    return lines


def ranking_lines(run: EvaluationRun, names: Names) -> list[str]:
    evaluation = run.evaluation
    composite = evaluation.composite
    if composite is None:
        return ["综合排名 Composite ranking: 方案未设评估维度 (the plan has no dimensions)"]
    dims = [d.dimension for d in composite.dimension_weights]
    sensitivity = evaluation.sensitivity
    stability = {s.locality: s for s in sensitivity.stability} if sensitivity else {}
    header = ["排名", "地区", "得分", *(names.dimension(d) for d in dims), "较上年"]
    right = [True, False, True, *(True for _ in dims), True]
    if stability:
        header += ["排名区间", "保持率"]
        right += [True, True]
    rows = []
    for score in composite.scores:
        by_dim = {d.dimension: d.score for d in score.dimensions}
        row = [
            str(score.rank) + ("*" if score.tied else "") + ("△" if score.binding_failed else ""),
            names.locality(score.locality),
            _score(score.score),
            *(_score(by_dim.get(d)) for d in dims),
            _change(score.rank_change),
        ]
        if stability:
            s = stability.get(score.locality)
            row += [f"{s.min_rank}–{s.max_rank}", _percent(s.held_share)] if s else ["—", "—"]
        rows.append(row)
    lines = ["综合排名 Composite ranking", *aligned(header, rows, right)]
    notes = _ranking_notes(composite, sensitivity if stability else None, names)
    return lines + notes + sentences(evaluation, names) + method_lines(sensitivity, names)


def binding_lines(run: EvaluationRun, names: Names) -> list[str]:
    """The binding (约束性) indicators, pass or fail per locality; first in the table."""
    checks = run.evaluation.binding
    if not checks:
        return []
    localities = list(dict.fromkeys(c.locality for c in checks))
    by = {(c.indicator, c.locality): c for c in checks}
    header = ["指标", "名称", *(names.locality(loc) for loc in localities)]
    rows = [
        [
            code,
            clip(names.indicator(code), 20),
            *(BINDING_STATUS_WORDS[by[(code, loc)].status][0] for loc in localities),
        ]
        for code in dict.fromkeys(c.indicator for c in checks)
    ]
    return [
        "约束性指标 Binding indicators (达标 passed · 未达标 failed · 未报送 not reported · 无目标 no target)",
        *aligned(header, rows, [False] * len(header)),
    ]


def method_lines(sensitivity: SensitivityResult | None, names: Names) -> list[str]:
    """The rankings by the methods compared: Kendall's τ against the run's, the localities moving."""
    if sensitivity is None or not sensitivity.methods:
        return []
    header = ["方法", "第一名", "τ", "名次变化的地区"]
    rows = [
        [
            method_name(m.weighting, m.method)[0] + ("（本次）" if m.default else ""),
            "、".join(names.locality(c) for c in m.leaders),
            "—" if m.kendall_tau is None else f"{m.kendall_tau:.3f}",
            "、".join(names.locality(c) for c in m.moved) or "—",
        ]
        for m in sensitivity.methods
    ]
    return [
        "",
        "方法比较 Methods compared (Kendall τ-b against this run's ranking)",
        *aligned(header, rows, [False, False, True, False]),
    ]


def sentences(evaluation: Evaluation, names: Names) -> list[str]:
    """The ranking's notes (leader by method, a district inside a city, a dominant indicator), each
    in Chinese then English."""
    return [f"{r['text_zh']} {r['text_en']}" for r in _note_records(evaluation, names)]


def _ranking_notes(
    composite: CompositeResult, sensitivity: SensitivityResult | None, names: Names
) -> list[str]:
    notes = []
    if any(s.tied for s in composite.scores):
        notes.append("* 得分按显示精度相同，名次并列 (same score as shown: the rank is shared)")
    if any(s.binding_failed for s in composite.scores):
        zh, en = BINDING_WORDS[composite.binding]
        notes.append(f"△ {zh} ({en})")
    for e in composite.excluded:
        if e.reason == ExclusionReason.BINDING_FAILED:
            notes.append(
                f"{names.locality(e.locality)} 约束性指标未达标，未参与排名 (failed a binding indicator, not "
                f"ranked): {', '.join(e.binding_failed)}"
            )
    if sensitivity is not None:
        notes.append(
            f"排名区间、保持率：权重 ±{sensitivity.spread * 100:g}% 随机扰动 {sensitivity.draws} 次 "
            f"(rank range and share of draws holding the rank, seed {sensitivity.seed})"
        )
    for s in composite.scores:
        if s.missing_indicators:
            notes.append(
                f"{names.locality(s.locality)} 缺数据按最差计 (missing, counted worst): {', '.join(s.missing_indicators)}"
            )
    return notes


def region_lines(run: EvaluationRun, names: Names) -> list[str]:
    header = [
        "指标",
        "名称",
        "数值",
        "年度目标",
        "完成度",
        "年度评价",
        "规划目标",
        "时序进度",
        "进度评价",
        "预测达标",
    ]
    rows = [
        [
            r.indicator,
            clip(names.indicator(r.indicator), 28),
            _number(r.value),
            _number(r.year_target),
            _percent(r.completion),
            ANNUAL_ZH[r.annual] if r.annual else OUTCOME_ZH[r.outcome],
            _number(r.target),
            _percent(r.elapsed),
            PACE_ZH[r.pace] if r.pace else "—",
            _yes_no(r.likely_met),
        ]
        for r in run.evaluation.indicators
        if r.scope == REGION
    ]
    zh, en = inclusion_note(run.plan)
    return [
        f"区域指标 Region summary ({zh} {en})" if zh else "区域指标 Region summary",
        *aligned(header, rows, [False, False, True, True, True, False, True, True, False, False]),
    ]


def as_table(run: EvaluationRun, names: Names | None = None) -> str:
    names = names or Names.of(run.plan)
    blocks = [
        header_lines(run),
        binding_lines(run, names),
        ranking_lines(run, names),
        region_lines(run, names),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


# --- workbook -----------------------------------------------------------------------------------

RESULT_COLUMNS = [
    "outcome",
    "value",
    "year_target",
    "qualifier",
    "met",
    "completion",
    "annual",
    "target",
    "target_year",
    "progress",
    "elapsed",
    "pace_gap",
    "pace",
    "why",
    "sdg_ratio",
    "forecast",
    "forecast_method",
    "likely_met",
    "base_year",
    "base_value",
    "missing_localities",
    "notes",
]


def _cell(value: Any) -> Any:
    """Tuples become text for a cell (a pair as 2:500), codes their value; numbers, text, booleans
    and None stay."""
    if isinstance(value, tuple):
        return ", ".join(":".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


Records = list[dict[str, Any]]


def sheets(run: EvaluationRun, names: Names | None = None) -> list[tuple[str, Records, list[str]]]:
    """The workbook's sheets as (title, records, columns): Binding (first), Ranking, Dimensions,
    Weights, Indicators (per indicator × locality), Region, Sensitivity, Methods, Notes, Run."""
    names = names or Names.of(run.plan)
    caveat = " ".join(f"{c.zh} {c.en}" for c in caveats(run))
    flag = ["caveat"] if caveat else []
    evaluation = run.evaluation
    composite = evaluation.composite
    dims = [d.dimension for d in composite.dimension_weights] if composite else []
    indicators, region = _result_records(evaluation, names, caveat)
    by_locality = ["locality", "locality_zh"]
    by_indicator = ["indicator", "indicator_zh"]
    return [
        (
            "Binding",
            _binding_records(evaluation, names),
            [*by_indicator, *by_locality, "year", "status", "status_zh", "value", "target"],
        ),
        (
            "Ranking",
            _ranking_records(composite, dims, names, caveat),
            ["rank", *by_locality, "score", "tied", "previous_rank", "rank_change", *dims]
            + ["missing_indicators", "binding_failed", *flag],
        ),
        (
            "Dimensions",
            _dimension_records(composite, dims, names),
            [*by_locality, "dimension", "dimension_zh", "dimension_weight", "score", "rank"],
        ),
        (
            "Weights",
            _weight_records(composite, names),
            [*by_indicator, "dimension", "dimension_zh", "normalization", "within_dimension", "weight"],
        ),
        ("Indicators", indicators, [*by_indicator, *by_locality, *RESULT_COLUMNS]),
        (
            "Region",
            region,
            [
                *by_indicator,
                *RESULT_COLUMNS,
                "aggregation",
                "reported",
                "counted",
                "missing",
                "invalid_base",
                *flag,
            ],
        ),
        (
            "Sensitivity",
            _sensitivity_records(evaluation.sensitivity, names),
            [*by_locality, "base_rank", "min_rank", "max_rank", "mean_rank", "held_share", "distribution"],
        ),
        (
            "Methods",
            _method_records(evaluation.sensitivity, names),
            [
                "weighting",
                "method",
                "method_zh",
                "default",
                "leaders",
                "kendall_tau",
                "moved",
                "ranks",
                "dominant",
            ],
        ),
        ("Notes", _note_records(evaluation, names), ["note", "text_zh", "text_en"]),
        ("Run", run_items(run), ["item", "value"]),
    ]


def _ranking_records(
    composite: CompositeResult | None, dims: list[str], names: Names, caveat: str
) -> Records:
    records = []
    for score in composite.scores if composite else ():
        by_dim = {d.dimension: d.score for d in score.dimensions}
        records.append(
            {
                "rank": score.rank,
                "locality": score.locality,
                "locality_zh": names.locality(score.locality),
                "score": score.score,
                "tied": score.tied,
                "previous_rank": score.previous_rank,
                "rank_change": score.rank_change,
                **{d: by_dim.get(d) for d in dims},
                "missing_indicators": _cell(score.missing_indicators),
                "binding_failed": _cell(score.binding_failed),
                "caveat": caveat,
            }
        )
    return records


def _dimension_records(composite: CompositeResult | None, dims: list[str], names: Names) -> Records:
    if composite is None:
        return []
    weight_of = {d.dimension: d.weight for d in composite.dimension_weights}
    records = []
    for score in composite.scores:
        by_dim = {x.dimension: x for x in score.dimensions}
        records += [
            {
                "locality": score.locality,
                "locality_zh": names.locality(score.locality),
                "dimension": d,
                "dimension_zh": names.dimension(d),
                "dimension_weight": weight_of[d],
                "score": by_dim[d].score,
                "rank": by_dim[d].rank,
            }
            for d in dims
            if d in by_dim
        ]
    return records


def _weight_records(composite: CompositeResult | None, names: Names) -> Records:
    return [
        {
            "indicator": w.indicator,
            "indicator_zh": names.indicator(w.indicator),
            "dimension": w.dimension,
            "dimension_zh": names.dimension(w.dimension),
            "normalization": w.normalization.value,
            "within_dimension": w.within_dimension,
            "weight": w.weight,
        }
        for w in (composite.weights if composite else ())
    ]


def _result_records(evaluation: Evaluation, names: Names, caveat: str) -> tuple[Records, Records]:
    """The Indicators sheet (the pilot units' results) and the Region sheet (the region's, with how
    its values were made)."""
    by_region = {r.indicator: r for r in evaluation.region}
    indicators, region = [], []
    for r in evaluation.indicators:
        values = {c: _cell(getattr(r, c)) for c in RESULT_COLUMNS if c != "why"} | {"why": names.why(r).zh}
        named = {"indicator": r.indicator, "indicator_zh": names.indicator(r.indicator)}
        if r.scope != REGION:
            indicators.append(
                {**named, "locality": r.scope, "locality_zh": names.locality(r.scope), **values}
            )
            continue
        how = by_region.get(r.indicator)
        region.append(
            {
                **named,
                **values,
                "aggregation": how.aggregation.value if how else None,
                "reported": how.reported if how else None,
                "counted": _cell(how.counted if how else ()),
                "missing": _cell(how.missing if how else ()),
                "invalid_base": how.invalid_base if how else None,
                "caveat": caveat,
            }
        )
    return indicators, region


def _sensitivity_records(sensitivity: SensitivityResult | None, names: Names) -> Records:
    return [
        {
            "locality": s.locality,
            "locality_zh": names.locality(s.locality),
            "base_rank": s.base_rank,
            "min_rank": s.min_rank,
            "max_rank": s.max_rank,
            "mean_rank": s.mean_rank,
            "held_share": s.held_share,
            "distribution": _cell(s.distribution),
        }
        for s in (sensitivity.stability if sensitivity else ())
    ]


def _binding_records(evaluation: Evaluation, names: Names) -> Records:
    return [
        {
            "indicator": c.indicator,
            "indicator_zh": names.indicator(c.indicator),
            "locality": c.locality,
            "locality_zh": names.locality(c.locality),
            "year": c.year,
            "status": c.status.value,
            "status_zh": BINDING_STATUS_WORDS[c.status][0],
            "value": c.value,
            "target": c.target,
        }
        for c in evaluation.binding
    ]


def _method_records(sensitivity: SensitivityResult | None, names: Names) -> Records:
    return [
        {
            "weighting": m.weighting.value,
            "method": m.method.value,
            "method_zh": method_name(m.weighting, m.method)[0],
            "default": m.default,
            "leaders": _cell(m.leaders),
            "kendall_tau": m.kendall_tau,
            "moved": _cell(m.moved),
            "ranks": _cell(m.ranks),
            "dominant": ", ".join(f"{d.dimension}:{d.indicator}:{d.share:.3f}" for d in m.dominant),
        }
        for m in (sensitivity.methods if sensitivity else ())
    ]


def _note_records(evaluation: Evaluation, names: Names) -> Records:
    return [
        {"note": s.code, "text_zh": s.zh, "text_en": s.en}
        for s in ranking_sentences(
            evaluation.composite,
            evaluation.sensitivity,
            lambda code: names.pair("localities", code),
            lambda code: names.pair("indicators", code),
            lambda code: names.pair("dimensions", code),
        )
    ]


def run_items(run: EvaluationRun) -> list[dict[str, Any]]:
    """The Run sheet: what the run is, how it was made, and on which data."""
    version = run.version
    targets = version.targets
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
        ("parameters", parameters_summary(run.params)),
        ("parameters_json", json.dumps(run.parameters, ensure_ascii=False)),
        ("data_version.as_of", version.as_of),
        ("data_version.sha256", version.sha256),
        ("data_version.count", version.count),
        ("data_version.sample_values", version.sample_values),
        ("data_version.targets.sha256", targets.sha256),
        ("data_version.targets.count", targets.count),
        *((f"data_version.targets.{origin}", count) for origin, count in sorted(targets.by_origin.items())),
        ("data_version.plan_version", version.plan_version),
        ("input_hash", run.input_hash),
        ("results_hash", run.results_hash),
        ("engine_version", run.engine_version),
    ]
    return [{"item": item, "value": value} for item, value in items]


def as_workbook(run: EvaluationRun, names: Names | None = None) -> bytes:
    return exports.to_xlsx_sheets(sheets(run, names))
