"""The model's choices and the plan file's vocabularies are one list, kept equal."""

import pytest

from planwatch.core import planfile
from planwatch.plans.models import Indicator, Locality, Rule, Target, Unit


@pytest.mark.parametrize(
    ("choices", "enum"),
    [
        (Indicator.Kind, planfile.IndicatorKind),
        (Indicator.Direction, planfile.Direction),
        (Indicator.Aggregation, planfile.Aggregation),
        (Indicator.Frequency, planfile.Frequency),
        (Rule.Kind, planfile.RuleKind),
        (Locality.Level, planfile.LocalityLevel),
        (Unit.Kind, planfile.UnitKind),
        (Target.Qualifier, planfile.Qualifier),
    ],
)
def test_model_choices_equal_plan_file_vocabulary(choices, enum):
    assert list(choices.values) == [member.value for member in enum]
