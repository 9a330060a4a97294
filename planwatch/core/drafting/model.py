"""What the drafter finds in a document: typed items, each tied to its verbatim sentence, with a
confidence and, where it is unsure, the reason it needs a person's review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# Below this confidence an item is marked for review (a `review:` line in the draft).
REVIEW_BELOW = 0.7


@dataclass
class Evidence:
    """Where an item comes from: the clause (三（一）1), the verbatim sentence, its offset in the
    document, how sure the drafter is (0–1) and why it is unsure (empty: it is not)."""

    clause: str
    quote: str
    start: int = -1  # offset of the quote in the document; -1: not located
    confidence: float = 1.0
    review: list[str] = field(default_factory=list)

    def doubt(self, reason: str, confidence: float) -> None:
        """Lower the confidence to at most `confidence` and say why."""
        self.confidence = min(self.confidence, confidence)
        if reason not in self.review:
            self.review.append(reason)

    @property
    def needs_review(self) -> bool:
        return bool(self.review) and self.confidence < REVIEW_BELOW


@dataclass
class DraftHeader:
    title: str
    issuer: str
    issued_on: dt.date | None
    document_number: str
    region: str
    base_year: int
    start_year: int
    end_year: int
    horizon_year: int | None
    evidence: Evidence
    code: str = ""  # the plan's code as the reviewer gives it; "" until then: draft-<end year>

    @property
    def plan_code(self) -> str:
        return self.code or f"draft-{self.end_year}"


@dataclass
class DraftLocality:
    code: str
    name: str  # the national division name: 佛山市
    level: str  # province, city, district, county
    parent: str | None
    pilot: bool
    figures_include_children: bool
    mentions: list[str]  # as the text names it: 佛山
    evidence: Evidence


@dataclass
class DraftUnit:
    code: str
    name: str
    kind: str  # provincial_department, local_government, group
    evidence: Evidence


@dataclass
class DraftTask:
    code: str
    group: str  # the group's code
    number: int | None
    title: str
    lead: str | None  # unit code
    participants: list[str]
    evidence: Evidence


@dataclass
class DraftTaskGroup:
    code: str
    number: int
    title: str
    evidence: Evidence
    tasks: list[DraftTask] = field(default_factory=list)


@dataclass
class DraftKeyField:
    code: str
    number: int
    name: str
    evidence: Evidence


@dataclass
class DraftKeyFieldGroup:
    code: str
    number: int
    name: str
    evidence: Evidence
    fields: list[DraftKeyField] = field(default_factory=list)


@dataclass
class DraftDimension:
    """An evaluation dimension. Texts name dimensions (创新能力、质量效益……) but do not assign
    indicators to them nor weigh them: the draft proposes one dimension holding every indicator with
    a target, so that an evaluation can rank the reporting units, marked for review."""

    code: str
    name: str
    weight: int
    evidence: Evidence


@dataclass
class DraftTarget:
    """A quantitative target as the text states it."""

    name: str  # the indicator's name, as drafted
    value: Decimal
    unit: str  # a unit of measure of planwatch.core.kinds.UNITS, or what the text says
    year: int
    year_implied: bool  # the sentence does not say the year
    qualifier: str  # a planwatch.core.kinds.Qualifier value
    kind: str  # a planwatch.core.kinds.IndicatorKind value
    base_year: int | None
    base_value: Decimal | None
    base_implied: bool
    task: str | None  # the task's code
    scope: str  # "region" or a locality code
    evidence: Evidence
    indicator: str = ""  # the indicator's code, set when the draft groups targets into indicators
    line_year: bool = False  # the year is the one its line gives (——2018年：…), a yearly figure
    figure_note: str = ""  # why the figure is not written in its sentence (a running total)
    # The name of the indicator of yearly figures it is made from: a cumulative sum's yearly
    # component (the figures it adds up), an average annual growth's level.
    component: str = ""


@dataclass
class Draft:
    source_text: str
    header: DraftHeader
    localities: list[DraftLocality]
    units: list[DraftUnit]
    key_field_groups: list[DraftKeyFieldGroup]
    task_groups: list[DraftTaskGroup]
    targets: list[DraftTarget]
    dimensions: list[DraftDimension] = field(default_factory=list)
    # Figures of the text read but not drafted, in a unit PlanWatch does not have (25万元/人): the
    # reviewer is told of them, never left to find them missing.
    left_out: list[str] = field(default_factory=list)

    def tasks(self) -> list[DraftTask]:
        return [task for group in self.task_groups for task in group.tasks]

    def review_count(self) -> int:
        items: list[Evidence] = [self.header.evidence]
        items += [loc.evidence for loc in self.localities]
        items += [unit.evidence for unit in self.units]
        items += [task.evidence for task in self.tasks()]
        items += [target.evidence for target in self.targets]
        items += [dimension.evidence for dimension in self.dimensions]
        return sum(1 for item in items if item.needs_review)
