"""The words, in Chinese and English, for the composite index's parameters and the sentences every
display of a ranking must carry (pages, bulletins, reports): when the leader depends on the method,
when a ranked district's figures are inside a ranked city's, when one indicator dominates its
dimension. Django-free: the caller gives the names (Chinese, English) and picks the language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planwatch.core.evaluation.types import (
    BindingConsequence,
    BindingStatus,
    CompositeMethod,
    CompositeResult,
    DominantIndicator,
    MethodRanking,
    Normalization,
    SensitivityResult,
    WeightMethod,
)

__all__ = [
    "BINDING_STATUS_WORDS",
    "BINDING_WORDS",
    "METHOD_WORDS",
    "NORMALIZATION_WORDS",
    "WEIGHT_WORDS",
    "Names",
    "Sentence",
    "method_name",
    "ranking_sentences",
]

Words = tuple[str, str]  # Chinese, English
Names = Callable[[str], Words]  # code → (Chinese name, English name)

METHOD_WORDS: dict[CompositeMethod, Words] = {
    CompositeMethod.WEIGHTED_SUM: ("加权求和", "weighted sum"),
    CompositeMethod.TOPSIS: ("TOPSIS", "TOPSIS"),
}
NORMALIZATION_WORDS: dict[Normalization, Words] = {
    Normalization.TARGET: ("目标值标准化", "normalized to the target"),
    Normalization.MIN_MAX: ("极差标准化", "min–max normalization"),
}
WEIGHT_WORDS: dict[WeightMethod, Words] = {
    WeightMethod.EQUAL: ("等权", "equal weights"),
    WeightMethod.ENTROPY: ("熵权", "entropy weights"),
    WeightMethod.EXPERT: ("专家权重", "expert weights"),
    WeightMethod.AHP: ("AHP权重", "AHP weights"),
    WeightMethod.PLAN: ("方案权重", "the plan's weights"),
}
# What failing a binding (约束性) indicator does to the rank.
BINDING_WORDS: dict[BindingConsequence, Words] = {
    BindingConsequence.NONE: ("约束性指标不影响排名", "binding indicators: no effect on the rank"),
    BindingConsequence.MARK: ("约束性指标未达标者标注", "binding indicator failed: marked"),
    BindingConsequence.CAP: (
        "约束性指标未达标者排在达标者之后",
        "binding indicator failed: ranked below those passing",
    ),
    BindingConsequence.EXCLUDE: ("约束性指标未达标者不参与排名", "binding indicator failed: not ranked"),
}
BINDING_STATUS_WORDS: dict[BindingStatus, Words] = {
    BindingStatus.PASS: ("达标", "passed"),
    BindingStatus.FAIL: ("未达标", "failed"),
    BindingStatus.NOT_REPORTED: ("未报送", "not reported"),
    BindingStatus.NO_TARGET: ("无目标", "no target"),
}


@dataclass(frozen=True)
class Sentence:
    """A note on a ranking. code: leader_varies | included | dominant."""

    code: str
    zh: str
    en: str
    subject: str = ""  # the locality or indicator it is about

    def text(self, english: bool = False) -> str:
        return self.en if english else self.zh


def method_name(weighting: WeightMethod, method: CompositeMethod) -> Words:
    """等权·加权求和 / equal weights · weighted sum."""
    w, m = WEIGHT_WORDS[weighting], METHOD_WORDS[method]
    return f"{w[0]}·{m[0]}", f"{w[1]} · {m[1]}"


def ranking_sentences(
    composite: CompositeResult | None,
    sensitivity: SensitivityResult | None,
    locality: Names,
    indicator: Names,
    dimension: Names,
) -> tuple[Sentence, ...]:
    """What a ranking must say beside it, in this order: the leader depends on the method; a ranked
    district's figures are inside a ranked city's; an indicator takes over half of its dimension's
    weight (under the run's weights or a method compared)."""
    if composite is None:
        return ()
    out: list[Sentence] = []
    if sensitivity is not None and sensitivity.leader_varies:
        out.append(_leaders(sensitivity.methods, locality))
    for inc in composite.included:
        (city_zh, city_en), (district_zh, district_en) = locality(inc.within), locality(inc.locality)
        out.append(
            Sentence(
                "included",
                f"{city_zh}的数据包含{district_zh}的数据：两者分别排名，{district_zh}的成绩同时计入{city_zh}。",
                f"{city_en}'s figures include {district_en}'s: the two are ranked side by side, and "
                f"{district_en}'s results count in {city_en}'s too.",
                inc.locality,
            )
        )
    out += _dominance(composite, sensitivity, indicator, dimension)
    return tuple(out)


def _leaders(methods: Sequence[MethodRanking], locality: Names) -> Sentence:
    """第一名随方法变化：佛山市（等权·加权求和，本次采用；等权·TOPSIS）；珠海市（熵权·加权求和）。"""
    groups: dict[tuple[str, ...], list[MethodRanking]] = {}
    for m in methods:
        groups.setdefault(m.leaders, []).append(m)
    zh_parts, en_parts = [], []
    for leaders, group in groups.items():
        names = [locality(code) for code in leaders]
        how = [(*method_name(m.weighting, m.method), m.default) for m in group]
        zh_how = "；".join(f"{zh}，本次采用" if own else zh for zh, _, own in how)
        en_how = "; ".join(f"{en}, this run's" if own else en for _, en, own in how)
        zh_parts.append(f"{'、'.join(n[0] for n in names)}（{zh_how}）")
        en_parts.append(f"{' and '.join(n[1] for n in names)} ({en_how})")
    return Sentence(
        "leader_varies",
        "第一名随方法变化：" + "；".join(zh_parts) + "。",
        "The leader depends on the method: " + "; ".join(en_parts) + ".",
    )


def _dominance(
    composite: CompositeResult, sensitivity: SensitivityResult | None, indicator: Names, dimension: Names
) -> list[Sentence]:
    """One sentence per indicator dominating a dimension, naming the weightings under which it does."""
    found: dict[tuple[str, str], list[tuple[Words, float]]] = {}

    def add(d: DominantIndicator, how: Words) -> None:
        shares = found.setdefault((d.indicator, d.dimension), [])
        if how not in [h for h, _ in shares]:
            shares.append((how, d.share))

    for d in composite.dominant:
        add(d, WEIGHT_WORDS[composite.indicator_weighting])
    for m in sensitivity.methods if sensitivity is not None else ():
        for d in m.dominant:
            add(d, WEIGHT_WORDS[m.weighting])
    out = []
    for (code, dim), shares in found.items():
        (ind_zh, ind_en), (dim_zh, dim_en) = indicator(code), dimension(dim)
        zh = "、".join(f"{how[0]}{share * 100:.1f}%" for how, share in shares)
        en = ", ".join(f"{how[1]} {share * 100:.1f}%" for how, share in shares)
        out.append(
            Sentence(
                "dominant",
                f"{code} {ind_zh}在“{dim_zh}”维度中的权重超过一半（{zh}）：该维度得分主要取决于这一项指标。",
                f"{code} {ind_en} takes over half of the weight of the dimension {dim_en} ({en}): the "
                "dimension's score rests mainly on this one indicator.",
                code,
            )
        )
    return out
