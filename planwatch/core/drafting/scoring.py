"""How close a draft comes to a plan file made by hand (a gold file): precision, recall and F1 for the
targets (value, unit, year and kind, at the region or a named place), the tasks (clause and title)
and the lead and participating units of each task (by name)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

from planwatch.core.drafting.model import Draft
from planwatch.core.planfile import REGION, PlanDocument

ASPECTS = ("targets", "tasks", "lead_units", "participants")


@dataclass(frozen=True)
class Score:
    aspect: str
    gold: int
    drafted: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def empty(self) -> bool:
        """Nothing to score: neither the gold file nor the draft has such items."""
        return self.gold == 0 and self.drafted == 0

    def figures(self) -> tuple[str, str, str]:
        if self.empty:
            return ("n/a", "n/a", "n/a")
        return (f"{self.precision:.3f}", f"{self.recall:.3f}", f"{self.f1:.3f}")

    def line(self) -> str:
        p, r, f1 = self.figures()
        return (
            f"{self.aspect:<13} gold {self.gold:>3}  drafted {self.drafted:>3}  matched {self.matched:>3}  "
            f"P {p}  R {r}  F1 {f1}"
        )


def _title(text: str) -> str:
    return re.sub(r"[\s。.]", "", text)


def _number(value: Decimal) -> Decimal:
    return value.normalize() if value == value else value


def gold_items(doc: PlanDocument) -> dict[str, Counter[Hashable]]:
    places = {loc.code: loc.name.zh for loc in doc.localities}
    units = {unit.code: unit.name.zh for unit in doc.units}
    targets: Counter[Hashable] = Counter()
    for ind in doc.indicators:
        for t in ind.targets:
            scope = REGION if t.scope == REGION else places[t.scope]
            targets[(scope, _number(t.value), ind.unit, t.year, str(ind.kind))] += 1
    tasks: Counter[Hashable] = Counter()
    leads: Counter[Hashable] = Counter()
    participants: Counter[Hashable] = Counter()
    for task in doc.all_tasks():
        clause = task.source.clause
        tasks[(clause, _title(task.title.zh))] += 1
        leads[(clause, units[task.lead])] += 1
        for code in task.participants:
            participants[(clause, units[code])] += 1
    return {"targets": targets, "tasks": tasks, "lead_units": leads, "participants": participants}


def draft_items(draft: Draft) -> dict[str, Counter[Hashable]]:
    places = {loc.code: loc.name for loc in draft.localities}
    units = {unit.code: unit.name for unit in draft.units}
    targets: Counter[Hashable] = Counter()
    for t in draft.targets:
        scope = REGION if t.scope == REGION else places[t.scope]
        targets[(scope, _number(t.value), t.unit, t.year, t.kind)] += 1
    tasks: Counter[Hashable] = Counter()
    leads: Counter[Hashable] = Counter()
    participants: Counter[Hashable] = Counter()
    for task in draft.tasks():
        clause = task.evidence.clause
        tasks[(clause, _title(task.title))] += 1
        if task.lead:
            leads[(clause, units[task.lead])] += 1
        for code in task.participants:
            participants[(clause, units[code])] += 1
    return {"targets": targets, "tasks": tasks, "lead_units": leads, "participants": participants}


def score(draft: Draft, gold: PlanDocument) -> list[Score]:
    """One score per aspect (ASPECTS), matching items as multisets."""
    drafted, expected = draft_items(draft), gold_items(gold)
    out = []
    for aspect in ASPECTS:
        d, g = drafted[aspect], expected[aspect]
        out.append(Score(aspect, sum(g.values()), sum(d.values()), sum((d & g).values())))
    return out


def misses(draft: Draft, gold: PlanDocument) -> dict[str, tuple[list[Hashable], list[Hashable]]]:
    """Per aspect: the gold items the draft misses, and the drafted items the gold file does not have."""
    drafted, expected = draft_items(draft), gold_items(gold)
    return {
        aspect: (
            list((expected[aspect] - drafted[aspect]).elements()),
            list((drafted[aspect] - expected[aspect]).elements()),
        )
        for aspect in ASPECTS
    }
