"""The registry of indicator kinds and the vocabularies (planwatch.core.kinds): each declared once,
and read by the plan file, the database's choices, validation and the engine."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from planwatch.core import kinds, planfile
from planwatch.core.evaluation.formulas import FORMULAS, Recompute, measure_of
from planwatch.core.kinds import KINDS, Aggregation, IndicatorKind, Quantity
from planwatch.core.validation import IndicatorRules, check_value
from planwatch.plans.models import CrossCheck, Indicator, Locality, Rule, Target, Unit
from planwatch.reporting.models import Period

DOCS = Path(__file__).resolve().parent.parent / "docs"

VOCABULARIES = [
    kinds.IndicatorKind,
    kinds.Direction,
    kinds.Aggregation,
    kinds.Frequency,
    kinds.LocalityLevel,
    kinds.UnitKind,
    kinds.Qualifier,
    kinds.RuleKind,
    kinds.CheckKind,
    kinds.AttributeType,
    kinds.CountKind,
    kinds.Quantity,
    kinds.DerivedMetric,
]


def test_every_kind_has_one_row():
    assert list(KINDS) == list(IndicatorKind)
    assert all(code == row.code for code, row in KINDS.items())


@pytest.mark.parametrize("kind", list(IndicatorKind))
def test_a_row_is_consistent(kind):
    row = KINDS[kind]
    assert row.zh and row.en
    assert row.quantities and row.quantities <= set(Quantity)
    assert row.aggregation in row.aggregations and Aggregation.NONE in row.aggregations
    # Recomputed exactly when it names its components; summed only when its values add up.
    assert (Aggregation.RECOMPUTE in row.aggregations) == bool(row.components)
    assert Aggregation.SUM not in row.aggregations or Quantity.PERCENT not in row.quantities
    assert row.bounds is None or row.bounds[0] < row.bounds[1]
    # A ledger counts items: only a kind measured in counts may be fed by one.
    assert row.ledger_count is None or Quantity.COUNT in row.quantities


@pytest.mark.parametrize("kind", list(IndicatorKind))
def test_the_engine_has_the_formula_of_every_kind(kind):
    measure = measure_of(kind)
    assert measure is FORMULAS[KINDS[kind].formula]
    # The engine recomputes from the components the registry names.
    components = set(KINDS[kind].components)
    if measure.recompute == Recompute.RATIO:
        assert components == {"numerator", "denominator"}
    elif measure.recompute == Recompute.RATE_OF_LEVEL:
        assert components == {"level"}
    else:
        assert not components


def test_every_formula_key_has_its_formula():
    assert set(FORMULAS) == set(kinds.Formula)


@pytest.mark.parametrize("vocabulary", VOCABULARIES)
def test_a_vocabulary_names_every_word_in_both_languages(vocabulary):
    codes = [term.value for term in vocabulary]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z_]+", code) for code in codes)
    assert all(term.zh and term.en for term in vocabulary if term is not kinds.Qualifier.EXACT)


@pytest.mark.parametrize(
    ("model", "field", "vocabulary"),
    [
        (Indicator, "kind", kinds.IndicatorKind),
        (Indicator, "direction", kinds.Direction),
        (Indicator, "aggregation", kinds.Aggregation),
        (Indicator, "frequency", kinds.Frequency),
        (Locality, "level", kinds.LocalityLevel),
        (Unit, "kind", kinds.UnitKind),
        (Target, "qualifier", kinds.Qualifier),
        (Rule, "kind", kinds.RuleKind),
        (CrossCheck, "kind", kinds.CheckKind),
        (Period, "frequency", kinds.Frequency),
    ],
)
def test_the_database_choices_are_the_vocabulary_in_the_active_language(model, field, vocabulary):
    column = model._meta.get_field(field)
    with translation.override("zh-hans"):
        assert list(column.choices) == [(term.value, term.zh) for term in vocabulary]
    with translation.override("en"):
        assert list(column.choices) == [(term.value, term.en) for term in vocabulary]
    assert all(len(term.value) <= column.max_length for term in vocabulary)


def test_the_plan_file_reads_the_vocabularies():
    assert planfile.Indicator.model_fields["kind"].annotation is IndicatorKind
    assert planfile.Indicator.model_fields["aggregation"].annotation is Aggregation
    assert planfile.Locality.model_fields["level"].annotation is kinds.LocalityLevel


def test_units_know_their_quantity_and_whether_they_are_whole():
    assert kinds.UNITS["万元"].quantity == Quantity.YUAN and kinds.UNITS["万元"].scale == 10_000
    assert kinds.whole_number_unit("个") and kinds.whole_number_unit("人")
    assert not kinds.whole_number_unit("万人") and not kinds.whole_number_unit("%")
    assert not kinds.whole_number_unit("件")  # not a unit PlanWatch knows
    assert kinds.unit_name_en("亿元") == "100 million yuan" and kinds.unit_name_en("件") == "件"


@pytest.mark.parametrize(
    ("kind", "unit", "rule"),
    [
        (IndicatorKind.CUMULATIVE_COUNT, "个", kinds.ValueRule(whole=True, minimum=Decimal(0))),
        (IndicatorKind.LEVEL, "人", kinds.ValueRule(whole=True, minimum=Decimal(0))),
        (IndicatorKind.LEVEL, "万元", kinds.ValueRule(minimum=Decimal(0))),
        (IndicatorKind.SHARE, "%", kinds.ValueRule(minimum=Decimal(0), maximum=Decimal(100))),
        (IndicatorKind.AVG_ANNUAL_GROWTH, "%", kinds.ValueRule(minimum=Decimal(-100), maximum=Decimal(1000))),
    ],
)
def test_value_rules_come_from_the_kind_and_the_unit(kind, unit, rule):
    assert kinds.value_rule(kind, unit) == rule


@pytest.mark.parametrize("kind", [k for k in IndicatorKind if KINDS[k].bounds])
def test_validation_reads_the_bounds(kind):
    low, high = KINDS[kind].bounds
    rules = IndicatorRules("X", kind, "%")
    assert check_value(rules, low) == [] and check_value(rules, high) == []
    assert [f.code for f in check_value(rules, high + 1)] == ["out_of_range"]


def test_only_a_kind_that_never_falls_refuses_a_fall():
    falls = {k for k in IndicatorKind if KINDS[k].never_falls}
    assert falls == {IndicatorKind.CUMULATIVE_COUNT, IndicatorKind.CUMULATIVE_SUM}
    level = IndicatorRules("X", IndicatorKind.LEVEL, "个")
    assert check_value(level, Decimal(3), previous=Decimal(5)) == []


def test_the_docs_list_every_word():
    text = (DOCS / "plan-file.md").read_text(encoding="utf-8")
    missing = [
        f"{vocabulary.__name__}.{term.value}"
        for vocabulary in VOCABULARIES
        for term in vocabulary
        if f"`{term.value}`" not in text
    ]
    assert missing == []
    assert [unit for unit in kinds.UNITS if f"`{unit}`" not in text] == []
