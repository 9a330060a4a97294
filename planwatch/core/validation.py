"""Checks of reported values: by indicator kind and unit, across indicators, and against history.

An error blocks saving; a warning lets the value be saved but asks for a comment before it is
submitted. Every finding carries its message in Chinese and in English.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from planwatch.core.errors import Issue, Kind, Refused
from planwatch.core.kinds import (
    KINDS,
    UNITS,
    CheckKind,
    Formula,
    IndicatorKind,
    Quantity,
    quantity_of,
    whole_number_unit,
)
from planwatch.core.numbers import canonical_decimal, plain


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    indicator: str
    severity: Severity
    code: str
    zh: str
    en: str

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


@dataclass(frozen=True)
class IndicatorRules:
    """What the checks need to know of an indicator."""

    code: str
    kind: IndicatorKind
    unit: str

    @property
    def quantity(self) -> str:
        return quantity_of(self.unit) or ""

    @property
    def whole(self) -> bool:
        return whole_number_unit(self.unit)


@dataclass(frozen=True)
class CrossRule:
    code: str
    kind: CheckKind
    left: str
    right: str
    share: str | None
    tolerance: Decimal | None
    zh: str
    en: str


@dataclass(frozen=True)
class OutlierSettings:
    z_score: float = 3.0  # how unusual this period's change is against the locality's earlier changes
    jump_percent: float = 50.0  # change from the previous period, in % (amounts and counts)
    jump_points: float = 10.0  # change from the previous period, in percentage points (rates in %)
    min_history: int = 3  # the z-score needs at least this many earlier changes


# Bounds of percentages by kind (planwatch.core.kinds): a share is a part of a whole; growth and
# decrease rates may be negative, but not below −100 %.
PERCENT_BOUNDS: dict[IndicatorKind, tuple[Decimal, Decimal]] = {
    code: kind.bounds for code, kind in KINDS.items() if kind.bounds is not None
}


# The kinds whose reported rate `check_growth` compares with the rate their level component gives.
GROWTH_CHECKED: tuple[IndicatorKind, ...] = tuple(
    code for code, kind in KINDS.items() if kind.formula in (Formula.ANNUAL_GROWTH, Formula.GROWTH_OVER_BASE)
)


def _error(ind: str, code: str, zh: str, en: str) -> Finding:
    return Finding(ind, Severity.ERROR, code, zh, en)


def _warning(ind: str, code: str, zh: str, en: str) -> Finding:
    return Finding(ind, Severity.WARNING, code, zh, en)


def check_value(rules: IndicatorRules, value: Decimal, previous: Decimal | None = None) -> list[Finding]:
    """The checks of one value on its own: its kind's bounds, and a cumulative count never falls."""
    findings: list[Finding] = []
    code = rules.code
    kind = KINDS[rules.kind]
    if rules.quantity == Quantity.COUNT and value < 0:
        findings.append(_error(code, "negative", "计数不能为负数", "a count cannot be negative"))
    elif rules.quantity in {Quantity.PERSONS, Quantity.YUAN} and value < 0:
        findings.append(_error(code, "negative", "数值不能为负数", "the value cannot be negative"))
    if rules.whole and value != value.to_integral_value():
        findings.append(_error(code, "not_integer", "计数应为整数", "a count is a whole number"))
    bounds = kind.bounds
    if bounds and not bounds[0] <= value <= bounds[1]:
        low, high = bounds
        findings.append(
            _error(
                code, "out_of_range", f"应在 {low}% 至 {high}% 之间", f"must be between {low} % and {high} %"
            )
        )
    if kind.never_falls and previous is not None and value < previous:
        findings.append(
            _error(
                code,
                "cumulative_fell",
                f"累计数不能小于上期的 {plain(previous)}",
                f"a cumulative count cannot fall below the previous period's {plain(previous)}",
            )
        )
    return findings


def check_outlier(
    rules: IndicatorRules, value: Decimal, history: Sequence[Decimal], settings: OutlierSettings | None = None
) -> list[Finding]:
    """Warn when a value jumps from the locality's previous one, or when this period's change is far
    outside the locality's earlier changes.

    A rate in % (a share, a growth or decrease rate) is compared in percentage points: from −0.47 %
    to 1.0 % is a change of 1.47 points, not of 313 %. The z-score is taken on changes, not levels,
    so that a series that grows every year is not flagged for growing again; only a change larger
    than every earlier one is flagged (a slower year is plausible); a floor on the spread (2 % of the
    previous value, or 1 point for a rate) keeps a very steady history from turning an ordinary
    change into many standard deviations."""
    settings = settings or OutlierSettings()
    if not history:
        return []
    if KINDS[rules.kind].running_total:
        # A running total from the plan's start (a cumulative count or sum) is compared by what each
        # period adds: three years of 800 projects are 800, 1600, 2400, not a 100 % jump in year two.
        points = [Decimal(0), *history, value]
        added = [b - a for a, b in zip(points, points[1:], strict=False)]
        # Adding less than before, or nothing, is plausible (a slow year); adding far more is not.
        return _outliers(
            rules, added[-1], added[:-1], settings, "本期新增", "what this period adds", rises_only=True
        )
    return _outliers(rules, value, history, settings, "", "")


def _outliers(
    rules: IndicatorRules,
    value: Decimal,
    history: Sequence[Decimal],
    settings: OutlierSettings,
    what_zh: str,
    what_en: str,
    *,
    rises_only: bool = False,
) -> list[Finding]:
    code = rules.code
    rate = rules.unit == "%"
    findings = []
    previous = history[-1]
    change = float(value - previous)
    if rises_only and change <= 0:
        return []
    if rate:
        if abs(change) > settings.jump_points:
            findings.append(
                _warning(
                    code,
                    "jump",
                    f"比上期变化 {change:+.1f} 个百分点（超过 {settings.jump_points:g} 个百分点），请说明原因",
                    f"changed by {change:+.1f} percentage points from the previous period "
                    f"(more than {settings.jump_points:g}): please explain",
                )
            )
    elif previous != 0:
        jump = abs(change / float(previous)) * 100
        if jump > settings.jump_percent:
            findings.append(
                _warning(
                    code,
                    "jump",
                    f"{what_zh}比上期变化 {jump:.0f}%（超过 {settings.jump_percent:g}%），请说明原因",
                    f"{what_en + ' ' if what_en else ''}changed by {jump:.0f} % from the previous period "
                    f"(more than {settings.jump_percent:g} %): please explain",
                )
            )
    points = [float(h) for h in history]
    changes = [b - a for a, b in zip(points, points[1:], strict=False)]
    if len(changes) >= settings.min_history:
        floor = 1.0 if rate else 0.02 * abs(points[-1])
        spread = max(statistics.pstdev(changes), floor)
        # Only a change larger than any before is suspect (a typo, a wrong unit): a year that grows
        # less than usual, or not at all, is plausible and is not worth a comment.
        if spread > 0 and abs(change) > max(abs(c) for c in changes):
            z = abs(change - statistics.fmean(changes)) / spread
            if z > settings.z_score:
                findings.append(
                    _warning(
                        code,
                        "z_score",
                        f"本期变化与本地区以往各期变化相差 {z:.1f} 个标准差，请说明原因",
                        f"this period's change is {z:.1f} standard deviations from this locality's "
                        "earlier changes: please explain",
                    )
                )
    return findings


def check_growth(
    code: str,
    kind: IndicatorKind,
    value: Decimal,
    level: str,
    level_now: Decimal,
    level_base: Decimal,
    years: int,
    tolerance: float = 0.5,
) -> list[Finding]:
    """A growth rate against the level it is the growth of (I23 of I22, against the base year):
    warn when the reported rate and the rate the levels give differ by more than `tolerance` points.
    A warning, not an error: the base may have been revised, or be defined otherwise."""
    if level_base <= 0 or years <= 0:
        return []
    ratio = float(level_now) / float(level_base)
    formula = KINDS[kind].formula
    if formula == Formula.ANNUAL_GROWTH:
        expected = (ratio ** (1 / years) - 1) * 100
    elif formula == Formula.GROWTH_OVER_BASE:
        expected = (ratio - 1) * 100
    else:
        return []
    if abs(float(value) - expected) <= tolerance:
        return []
    now, base = canonical_decimal(level_now), canonical_decimal(level_base)
    return [
        _warning(
            code,
            "growth_mismatch",
            f"与 {level} 的数值（本期 {now}，基期 {base}）算得的增长率为 {expected:.2f}%，"
            f"与填报的 {canonical_decimal(value)}% 不一致，请核对或说明原因",
            f"the levels of {level} ({now} now, {base} in the base year) give {expected:.2f} %, "
            f"not the {canonical_decimal(value)} % reported: check it or explain",
        )
    ]


def check_running_total(
    code: str, unit: str, total: Decimal, yearly: str, yearly_unit: str, figures: Sequence[Decimal]
) -> list[Finding]:
    """A cumulative sum against the yearly figures it adds up (三年累计投资 of 年度投资): where every
    year's figure from the plan's start to this year is known (`figures`), the running total equals
    their sum, in its own unit (7000 亿元 is 0.7 万亿元), within the rounding of the figures as
    reported (half a unit of each one's last decimal). An error: one of the two is wrong."""
    if not figures:
        return []
    scale, yearly_scale = UNITS[unit].scale, UNITS[yearly_unit].scale
    summed = sum(figures, Decimal(0)) * yearly_scale / scale
    slack = _half_last_digit(total) + sum(_half_last_digit(f) for f in figures) * yearly_scale / scale
    if abs(total - summed) <= slack:
        return []
    expected = canonical_decimal(summed.quantize(Decimal("0.000001")))
    return [
        _error(
            code,
            "running_total",
            f"累计数 {plain(total)}{unit} 应等于 {yearly} 自起始年以来各年数值之和 {plain(expected)}{unit}",
            f"the running total {plain(total)} {unit} should equal the sum of {yearly}'s yearly figures "
            f"since the plan's start, {plain(expected)} {unit}",
        )
    ]


def _half_last_digit(value: Decimal) -> Decimal:
    """Half a unit of the value's last decimal as written: 0.005 for 12.34, 0.5 for 800."""
    exponent = canonical_decimal(value).as_tuple().exponent
    return Decimal(5).scaleb(min(int(exponent), 0) - 1)


def check_cross(rules: Iterable[CrossRule], values: Mapping[str, Decimal]) -> list[Finding]:
    """The plan's rules across indicators, on the values present (a missing one is not checked)."""
    findings = []
    for rule in rules:
        left, right = values.get(rule.left), values.get(rule.right)
        if left is None or right is None:
            continue
        if rule.kind == CheckKind.NOT_GREATER and left > right:
            findings.append(_error(rule.left, rule.code, rule.zh, rule.en))
        elif rule.kind == CheckKind.SHARE and rule.share is not None:
            share = values.get(rule.share)
            if share is None or right == 0:
                continue
            expected = left / right * 100
            if abs(share - expected) > (rule.tolerance or 0):
                findings.append(
                    _error(
                        rule.share,
                        rule.code,
                        f"{rule.zh}（按构成项计算为 {expected:.2f}%）",
                        f"{rule.en} (the parts give {expected:.2f} %)",
                    )
                )
    return findings


class InvalidValues(Refused):
    """Values that break their indicators' rules or the plan's checks across indicators: nothing was
    saved. `findings` are the errors, each naming its indicator."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        super().__init__([Issue(Kind.VALIDATION, f.zh, f.en, indicator=f.indicator) for f in self.findings])
        details = "; ".join(f"{f.indicator}: {f.en}" for f in self.findings)
        self.zh = "数值未通过校验，未保存任何数据：" + "；".join(
            f"{f.indicator}：{f.zh}" for f in self.findings
        )
        self.en = f"values failed validation, nothing was saved: {details}"
        self.args = (f"{self.zh} / {self.en}",)
