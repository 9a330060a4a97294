"""Every vocabulary of a plan, declared once, and the registry of indicator kinds.

Django-free. The plan file's schema (planwatch.core.planfile), the database's choices
(planwatch.plans.models), the checks of values (planwatch.core.validation), the Excel template
(planwatch.core.workbook), the sample data (planwatch.core.sample) and the evaluation engine
(planwatch.core.evaluation) all read these lists; none of them repeats one.

A vocabulary is a `Term` enumeration: each word has its code (what files, the database and the API
hold) and its name in Chinese and in English, which the interface shows (`pick(term.zh, term.en)`):
adding a word needs no translation catalogue.

An indicator kind is one `Kind` row of `KINDS`: which units fit it, which components a recomputed
indicator needs, whether it needs a base year, how its region value may be made, the bounds of its
values, and the key of the engine's formula for it. Adding a kind (docs/architecture.md, "Adding an
indicator kind"): a member of `IndicatorKind` and its row here, its formula in
planwatch/core/evaluation/formulas.py when no existing one fits, and a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Self


class Term(StrEnum):
    """A word of a vocabulary: its code, with its name in Chinese and in English."""

    zh: str
    en: str

    def __new__(cls, code: str, zh: str = "", en: str = "") -> Self:
        term = str.__new__(cls, code)
        term._value_ = code
        term.zh = zh
        term.en = en
        return term


# --- the plan file's vocabularies ---------------------------------------------------------------


class IndicatorKind(Term):
    CUMULATIVE_COUNT = "cumulative_count", "累计数", "Cumulative count"  # reached by a date, from the start
    LEVEL = "level", "期末水平", "Level"  # a level at a date
    AVG_ANNUAL_GROWTH = "avg_annual_growth", "年均增长率", "Average annual growth"  # compound, in %
    GROWTH_OVER_BASE = "growth_over_base", "比基期增长率", "Growth over base year"  # in %
    SHARE = "share", "比重", "Share"  # a part of a total, in %
    CUMULATIVE_DECREASE = "cumulative_decrease", "比基期累计下降率", "Cumulative decrease over base year"
    # an amount summed from the plan's start (三年累计投资): the running total of yearly figures
    CUMULATIVE_SUM = "cumulative_sum", "累计额", "Cumulative sum"


class Direction(Term):
    HIGHER_IS_BETTER = "higher_is_better", "越高越好", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "越低越好", "Lower is better"


class Aggregation(Term):
    """How the region's value is made from its localities'."""

    SUM = "sum", "各地加总", "Sum of localities"
    RECOMPUTE = (
        "recompute",
        "由构成项重新计算",
        "Recomputed from components",
    )  # from the components' region values
    NONE = "none", "不可加总", "Not additive"  # the region has no value of its own


class Frequency(Term):
    YEARLY = "yearly", "年度", "Yearly"
    QUARTERLY = "quarterly", "季度", "Quarterly"
    MONTHLY = "monthly", "月度", "Monthly"


class LocalityLevel(Term):
    PROVINCE = "province", "省", "Province"
    CITY = "city", "地级市", "Prefecture-level city"
    DISTRICT = "district", "区", "District"
    COUNTY = "county", "县", "County"


class Approver(Term):
    """Who approves a locality's values and rows, relative to it (a step of the plan's approval chain)."""

    SELF = "self", "本级", "Its own approver"
    PARENT = "parent", "上一级", "Its parent's approver"
    GRANDPARENT = "grandparent", "上两级", "Its grandparent's approver"


class UnitKind(Term):
    PROVINCIAL_DEPARTMENT = "provincial_department", "省直部门", "Provincial department"
    LOCAL_GOVERNMENT = "local_government", "地方政府", "Local government"
    GROUP = "group", "单位组", "Group of units"  # units named together, e.g. a joint conference's members


class Reach(StrEnum):
    """How a value reaches its target, by the target's qualifier (docs/methodology.md, "Qualifiers")."""

    INCLUSIVE = "inclusive"  # at or beyond the target (以上, 不少于, an exact figure)
    STRICT = "strict"  # beyond the target, not at it (超)
    TOLERANT = "tolerant"  # within a tolerance short of the target (左右, 约, 基本实现)


class Qualifier(Term):
    """How a target's figure is meant, as the text words it. An exact figure says nothing more."""

    EXACT = "exact", "", ""
    AT_LEAST = "at_least", "以上", "at least"
    NOT_LESS_THAN = "not_less_than", "不少于", "not less than"
    OVER = "over", "超", "over"
    ABOUT = "about", "左右", "about"
    APPROX = "approx", "约", "approximately"
    BASICALLY = "basically", "基本实现", "basically achieved"
    AT_MOST = "at_most", "以内", "at most"

    @property
    def reach(self) -> Reach:
        return QUALIFIER_REACH[self]


QUALIFIER_REACH = {
    Qualifier.EXACT: Reach.INCLUSIVE,
    Qualifier.AT_LEAST: Reach.INCLUSIVE,
    Qualifier.NOT_LESS_THAN: Reach.INCLUSIVE,
    Qualifier.OVER: Reach.STRICT,
    Qualifier.ABOUT: Reach.TOLERANT,
    Qualifier.APPROX: Reach.TOLERANT,
    Qualifier.BASICALLY: Reach.TOLERANT,
    Qualifier.AT_MOST: Reach.INCLUSIVE,
}


class RuleKind(Term):
    NO_REGION_TARGET = "no_region_target", "不设区域整体目标", "No region-wide target"
    BASE_YEAR = "base_year", "基期年份", "Base year"
    BINDING_CLASSIFICATION = "binding_classification", "约束性或预期性", "Binding or expected"
    TARGET_ADJUSTMENT = "target_adjustment", "目标调整", "Target adjustment"
    OTHER = "other", "其他", "Other"


class CheckKind(Term):
    """A rule across indicators that one locality's values of one period keep."""

    NOT_GREATER = "not_greater", "不大于", "Not greater than"  # left ≤ right
    SHARE = "share", "占比", "Share of"  # share = left ÷ right × 100, within a tolerance in points


class DerivedMetric(Term):
    """A measure PlanWatch computes from its own records, per locality and year: the plan file's
    `derived_indicators[].metric`. Each word is one row of the registry of derived metrics
    (planwatch.evaluation.derived.METRICS: unit, direction, ideal target and the function that
    counts it). Every derived metric is a rate in percent (`DERIVED_UNIT`)."""

    MILESTONES_ON_TIME = "milestones_on_time", "行动计划里程碑按期完成率", "Milestones done on time"
    VALUES_ON_TIME = "values_on_time", "数据按期报送率", "Values reported on time"
    RETURNS_PER_SUBMISSION = (
        "returns_per_submission",
        "数据退回率（退回次数 ÷ 报送次数）",
        "Returns per submission",
    )


# Every derived metric is a share of records, in percent: the plan file bounds its target to 0–100.
DERIVED_UNIT = "%"
# What every place that shows a derived indicator says beside it: it is not one of the text's.
DERIVED_MARK = ("PlanWatch 口径，非方案原文", "PlanWatch's measure, not the plan text's")


class AttributeType(Term):
    """The type of a ledger's own column."""

    TEXT = "text", "文本", "Text"
    NUMBER = "number", "数字", "Number"
    DATE = "date", "日期", "Date"
    CHOICE = "choice", "选项", "Choice"


class CountKind(Term):
    """How a ledger counts the items reaching a stage for an indicator."""

    SINCE_START = (
        "since_start",
        "自起始年累计",
        "Counted from the plan's start",
    )  # stage date from the start year
    STOCK = "stock", "存量", "Stock"  # every item whose stage date falls by the end of the year


# --- units of measure ---------------------------------------------------------------------------


class Quantity(Term):
    """What a unit of measure measures."""

    COUNT = "count", "个数", "Count"
    PERSONS = "persons", "人数", "Persons"
    YUAN = "yuan", "金额", "Amount in yuan"
    PERCENT = "percent", "百分比", "Percentage"


class UnitOfMeasure(NamedTuple):
    """A unit of measure (its symbol is its key in `UNITS`): its quantity, its scale to the base unit,
    its English name."""

    quantity: Quantity
    scale: Decimal
    en: str

    @property
    def whole(self) -> bool:
        """Counts, and persons counted one by one (人, not 万人), are whole numbers."""
        return self.quantity == Quantity.COUNT or (self.quantity == Quantity.PERSONS and self.scale == 1)


UNITS: dict[str, UnitOfMeasure] = {
    "个": UnitOfMeasure(Quantity.COUNT, Decimal(1), "units"),
    "家": UnitOfMeasure(Quantity.COUNT, Decimal(1), "enterprises/organisations"),
    "项": UnitOfMeasure(Quantity.COUNT, Decimal(1), "items"),
    "所": UnitOfMeasure(Quantity.COUNT, Decimal(1), "institutions"),
    "人": UnitOfMeasure(Quantity.PERSONS, Decimal(1), "persons"),
    "万人": UnitOfMeasure(Quantity.PERSONS, Decimal(10_000), "10,000 persons"),
    "元": UnitOfMeasure(Quantity.YUAN, Decimal(1), "yuan"),
    "万元": UnitOfMeasure(Quantity.YUAN, Decimal(10_000), "10,000 yuan"),
    "亿元": UnitOfMeasure(Quantity.YUAN, Decimal(100_000_000), "100 million yuan"),
    "万亿元": UnitOfMeasure(Quantity.YUAN, Decimal(1_000_000_000_000), "trillion yuan"),
    "%": UnitOfMeasure(Quantity.PERCENT, Decimal("0.01"), "percent"),
}

# Quantities that cannot be negative (a percentage may: a growth rate can fall below zero).
NON_NEGATIVE = frozenset({Quantity.COUNT, Quantity.PERSONS, Quantity.YUAN})


def quantity_of(unit: str) -> Quantity | None:
    """The quantity a unit measures; None for a unit not in `UNITS`."""
    known = UNITS.get(unit)
    return known.quantity if known else None


def whole_number_unit(unit: str) -> bool:
    """Counts, and persons counted one by one (人, not 万人), are whole numbers."""
    known = UNITS.get(unit)
    return known is not None and known.whole


def unit_name_en(unit: str) -> str:
    """A unit's English name; the unit itself when it has none."""
    known = UNITS.get(unit)
    return known.en if known else unit


# --- the registry of indicator kinds -------------------------------------------------------------


class Formula(StrEnum):
    """The key of the engine's formula for a kind (planwatch.core.evaluation.formulas): how its
    completion, pace, growth ratio and forecast are computed, and its region value recomputed."""

    COUNT = "count"  # a count from zero since the plan's start
    LEVEL = "level"  # a level, from its base value
    SHARE = "share"  # a level in %, from 0 to 100; recomputed as numerator ÷ denominator
    ANNUAL_GROWTH = "annual_growth"  # a compound average annual rate over the base year
    GROWTH_OVER_BASE = "growth_over_base"  # a rate over the base year
    DECREASE = "decrease"  # a fall from the base year, in %


@dataclass(frozen=True)
class Kind:
    """One kind of indicator and its rules."""

    code: IndicatorKind
    quantities: frozenset[Quantity]  # what its unit may measure
    aggregation: Aggregation  # its usual region rule
    aggregations: frozenset[Aggregation]  # the region rules it allows
    formula: Formula
    components: tuple[str, ...] = ()  # the components a recomputed indicator names, by role
    optional_components: tuple[str, ...] = ()  # roles it may name without being recomputed
    needs_base: bool = False  # measured against a base year, which it must declare
    bounds: tuple[Decimal, Decimal] | None = None  # the range of its values
    never_falls: bool = False  # a value cannot be below the previous period's
    # A running total from the plan's start: what a year adds is the value less the year before's
    # (the outlier rule compares those increments, not the totals).
    running_total: bool = False
    ledger_count: CountKind | None = None  # how a ledger counts it; None: no ledger feeds it

    @property
    def zh(self) -> str:
        return self.code.zh

    @property
    def en(self) -> str:
        return self.code.en


_SUMMED = frozenset({Aggregation.SUM, Aggregation.NONE})
# The component role of a cumulative sum: the indicator of the yearly figures its running total adds
# up (planwatch.core.validation.check_running_total).
YEARLY = "yearly"
# A component's role as a reader names it (Chinese, English).
COMPONENT_ROLES = {
    "level": ("水平值", "level"),
    "numerator": ("分子", "numerator"),
    "denominator": ("分母", "denominator"),
    YEARLY: ("逐年数值", "yearly figures"),
}
_RECOMPUTED = frozenset({Aggregation.RECOMPUTE, Aggregation.NONE})
_PERCENT = frozenset({Quantity.PERCENT})

KINDS: dict[IndicatorKind, Kind] = {
    row.code: row
    for row in (
        Kind(
            IndicatorKind.CUMULATIVE_COUNT,
            quantities=frozenset({Quantity.COUNT}),
            aggregation=Aggregation.SUM,
            aggregations=_SUMMED,
            formula=Formula.COUNT,
            never_falls=True,
            running_total=True,
            ledger_count=CountKind.SINCE_START,
        ),
        Kind(
            IndicatorKind.LEVEL,
            quantities=frozenset({Quantity.COUNT, Quantity.PERSONS, Quantity.YUAN}),
            aggregation=Aggregation.SUM,
            aggregations=_SUMMED,
            formula=Formula.LEVEL,
            ledger_count=CountKind.STOCK,
        ),
        Kind(
            IndicatorKind.AVG_ANNUAL_GROWTH,
            quantities=_PERCENT,
            aggregation=Aggregation.RECOMPUTE,
            aggregations=_RECOMPUTED,
            formula=Formula.ANNUAL_GROWTH,
            components=("level",),
            needs_base=True,
            bounds=(Decimal(-100), Decimal(1000)),
        ),
        Kind(
            IndicatorKind.GROWTH_OVER_BASE,
            quantities=_PERCENT,
            aggregation=Aggregation.RECOMPUTE,
            aggregations=_RECOMPUTED,
            formula=Formula.GROWTH_OVER_BASE,
            components=("level",),
            needs_base=True,
            bounds=(Decimal(-100), Decimal(10000)),
        ),
        Kind(
            IndicatorKind.SHARE,
            quantities=_PERCENT,
            aggregation=Aggregation.RECOMPUTE,
            aggregations=_RECOMPUTED,
            formula=Formula.SHARE,
            components=("numerator", "denominator"),
            bounds=(Decimal(0), Decimal(100)),
        ),
        Kind(
            IndicatorKind.CUMULATIVE_DECREASE,
            quantities=_PERCENT,
            aggregation=Aggregation.RECOMPUTE,
            aggregations=_RECOMPUTED,
            formula=Formula.DECREASE,
            components=("level",),
            needs_base=True,
            bounds=(Decimal(-100), Decimal(100)),
        ),
        Kind(
            IndicatorKind.CUMULATIVE_SUM,
            quantities=frozenset({Quantity.YUAN}),
            aggregation=Aggregation.SUM,
            aggregations=_SUMMED,
            formula=Formula.COUNT,  # from zero at the plan's start, like a cumulative count
            optional_components=(YEARLY,),  # the indicator of the yearly figures it adds up
            never_falls=True,
            running_total=True,
        ),
    )
}


def kind_of(code: IndicatorKind | str) -> Kind:
    """The registry row of a kind, by its code."""
    return KINDS[IndicatorKind(code)]


# --- what a value may be ------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRule:
    """What a value of an indicator may be: whole or not, and its range."""

    whole: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None


def value_rule(kind: IndicatorKind | str, unit: str) -> ValueRule:
    """The rule for an indicator's values, from its kind's bounds and its unit's quantity."""
    quantity = quantity_of(unit)
    bounds = kind_of(kind).bounds
    if whole_number_unit(unit):  # counts, and persons one by one (人)
        return ValueRule(whole=True, minimum=Decimal(0))
    if bounds:
        return ValueRule(minimum=bounds[0], maximum=bounds[1])
    if quantity in NON_NEGATIVE:
        return ValueRule(minimum=Decimal(0))
    return ValueRule()
