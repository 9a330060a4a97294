"""Every rule of the drafter (planwatch/core/drafting/patterns.yaml) matches its own example and
captures what the example says it does."""

from __future__ import annotations

import pytest

from planwatch.core.drafting.patterns import Pattern, patterns
from planwatch.core.drafting.text import fold

RULES = patterns().all()


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.section}.{r.name}" for r in RULES])
def test_rule_matches_its_example(rule: Pattern) -> None:
    example = fold(rule.example)
    match = rule.regex.search(example)
    assert match is not None, f"{rule.section}.{rule.name} does not match its example {rule.example!r}"
    for group, expected in rule.expect.items():
        assert match.group(group) == fold(expected), (rule.name, group)


def test_every_rule_has_an_example() -> None:
    assert RULES and all(rule.example for rule in RULES)


def test_folding_keeps_offsets() -> None:
    text = "到２０１９年，达到１２％（省科技厅）　"
    assert len(fold(text)) == len(text)
    assert fold(text) == "到2019年,达到12%(省科技厅) "
