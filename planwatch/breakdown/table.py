"""Reading a breakdown as the annex lays it out (附件：发展目标各地分解表): one indicator, the pilot units
as rows, the plan's years as columns, and under each column the localities' total by the region's
rule beside the region's target (planwatch.core.evaluation.breakdown). The page, the workbook and the
API read the same `Table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from planwatch.core import hierarchy
from planwatch.core.evaluation.breakdown import (
    BreakdownTotal,
    TotalState,
    area_target_words,
    area_totals,
    breakdown_totals,
    describe_total,
)
from planwatch.core.evaluation.planinput import indicator_spec, pilot_units
from planwatch.core.evaluation.types import REGION, AreaSpec, LocalitySpec, PlanPeriod, TargetSpec
from planwatch.core.hierarchy import LocalityNode, included_in
from planwatch.core.numbers import plain
from planwatch.kernel.review import STATE_WORDS, State
from planwatch.plans.models import Indicator, Locality, Plan, Target, TargetRevision, hierarchy_nodes, pick

from .models import Breakdown, broken_down


@dataclass(frozen=True)
class Cell:
    """A locality's target for a year; `fixed` when the plan text sets it (not the breakdown's to
    change); `adjusted`: its latest change since the province approved the breakdown."""

    locality: Locality
    year: int
    target: Target | None
    adjusted: TargetRevision | None = None

    @property
    def value(self) -> Decimal | None:
        return self.target.value if self.target else None

    @property
    def fixed(self) -> bool:
        return self.target is not None and self.target.origin == Target.Origin.PLAN

    @property
    def sample(self) -> bool:
        return self.target is not None and self.target.is_sample

    @property
    def key(self) -> str:
        """The cell's name in problems: ZH-2018."""
        return f"{self.locality.code}-{self.year}"

    @property
    def field(self) -> str:
        """The cell's input on the page: t-ZH-2018."""
        return f"t-{self.key}"

    @property
    def plain(self) -> str:
        """The target as an input field holds it: digits, no grouping (1200, 35.5)."""
        return "" if self.value is None else plain(self.value)


@dataclass(frozen=True)
class Row:
    locality: Locality
    cells: list[Cell]
    included_in: list[Locality] = field(default_factory=list)  # whose figures include it (顺德区: 佛山市)

    @property
    def counted(self) -> bool:
        return not self.included_in


@dataclass(frozen=True)
class Column:
    """A year: the region's target, the localities' total, and one line on them."""

    year: int
    region_target: Target | None
    total: BreakdownTotal
    zh: str
    en: str

    @property
    def text(self) -> str:
        return pick(self.zh, self.en)

    @property
    def shortfall(self) -> bool:
        return self.total.shortfall

    @property
    def summed(self) -> bool:
        return self.total.state != TotalState.NOT_SUMMED


@dataclass(frozen=True)
class AreaTotals:
    """A city above its reporting counties that the plan gives a target of its own: year by year,
    its target and its counties' total by the region rule, checked as the region's are."""

    area: Locality
    columns: list[Column]


def shortfalls(columns: Iterable[Column], areas: Iterable[AreaTotals]) -> list[Column]:
    """The years whose total falls short: the region's, then each area's."""
    return [c for c in (*columns, *(c for a in areas for c in a.columns)) if c.shortfall]


@dataclass(frozen=True)
class Table:
    indicator: Indicator
    breakdown: Breakdown
    years: list[int]
    rows: list[Row]
    columns: list[Column]
    areas: list[AreaTotals] = field(default_factory=list)

    @property
    def sample(self) -> bool:
        """Some target shown is sample data (示例数据) of `planwatch load_sample`."""
        return any(c.sample for r in self.rows for c in r.cells)

    @property
    def summed(self) -> bool:
        """The indicator's region rule adds the localities up (else no column has a total)."""
        return any(c.summed for c in self.columns)

    @property
    def shortfalls(self) -> list[Column]:
        return shortfalls(self.columns, self.areas)

    @property
    def shortfall_is_error(self) -> bool:
        """The plan file makes a shortfall an error (`plan.breakdown_check: error`): not submitted."""
        return self.indicator.plan.breakdown_check == "error"

    @property
    def blocking(self) -> bool:
        return self.shortfall_is_error and bool(self.shortfalls)

    @property
    def state_words(self) -> tuple[str, str]:
        return STATE_WORDS[State(self.breakdown.status)]

    def cell(self, key: str) -> Cell | None:
        return next((c for r in self.rows for c in r.cells if c.key == key), None)


@dataclass(frozen=True)
class PlanFacts:
    """What every breakdown of a plan reads alike, fetched once: its years, its pilot units (each
    counted in the region total or not) and the localities' nodes of the hierarchy."""

    plan: Plan
    years: list[int]
    pilots: list[Locality]
    nodes: dict[str, LocalityNode]
    by_code: dict[str, Locality]
    by_id: dict[int, Locality]

    @classmethod
    def of(cls, plan: Plan) -> PlanFacts:
        localities = list(plan.localities.all())
        return cls(
            plan,
            list(range(plan.start_year, plan.end_year + 1)),
            [loc for loc in localities if loc.pilot],
            hierarchy_nodes(localities),
            {loc.code: loc for loc in localities},
            {loc.pk: loc for loc in localities},
        )

    def placed(self, targets: Iterable[Target]) -> list[Target]:
        """The targets, each given its locality from the plan's, read once here: not a copy of the
        locality joined to each target (a national plan's four breakdowns: 34,000 of them)."""
        out = list(targets)
        for target in out:
            if target.locality_id is not None and (loc := self.by_id.get(target.locality_id)):
                target.locality = loc
        return out

    @property
    def period(self) -> PlanPeriod:
        plan = self.plan
        return PlanPeriod(plan.base_year, plan.start_year, plan.end_year)

    @cached_property
    def areas(self) -> dict[str, tuple[str, ...]]:
        """Each area (a city above its reporting counties) → its pilot units (core.hierarchy.areas)."""
        return hierarchy.areas(self.nodes)

    @cached_property
    def units(self) -> tuple[LocalitySpec, ...]:
        """The pilot units as the totals count them (planinput.pilot_units), made once for every
        indicator's totals and every area's."""
        return pilot_units(self.nodes.values())

    def names(self) -> dict[str, tuple[str, str]]:
        return {loc.code: (loc.name_zh, loc.name_en) for loc in self.pilots}


@dataclass(frozen=True)
class Summary:
    """What the list of breakdowns shows of one (the index page, the API's list): its state, whether
    a pilot unit's target in it is sample data, and the years whose total falls short (the region's,
    then each area's) — made from the stored targets' figures by the same totals as its `Table`, but
    no row of every unit (a national plan's 2,867 per indicator). The shortfalls' region targets are
    not read (None): the list shows the year and its line."""

    indicator: Indicator
    breakdown: Breakdown
    sample: bool
    shortfalls: list[Column]


# A stored target's figures: its locality's id (None: the region's), its year, its value.
Figures = tuple[int | None, int, Decimal]


def _specs(facts: PlanFacts, indicator: Indicator, figures: Iterable[Figures]) -> list[TargetSpec]:
    return [
        TargetSpec(indicator.code, facts.by_id[loc].code if loc is not None else REGION, year, float(value))
        for loc, year, value in figures
    ]


def _totals(
    facts: PlanFacts, indicator: Indicator, specs: list[TargetSpec], area: str | None = None
) -> tuple[BreakdownTotal, ...]:
    """Year by year, the pilot units' total against the region's target; with `area`, its own pilot
    units' total against the area's target."""
    spec = indicator_spec(
        indicator.code,
        indicator.kind,
        indicator.aggregation,
        indicator.direction,
        binding=indicator.binding,
        region_target=indicator.region_target,
        base_year=indicator.base_year,
        base_value=None,
        components={},
        dimension=None,
    )
    if area is None:
        return breakdown_totals(facts.period, spec, facts.units, specs, facts.years)
    return area_totals(facts.period, spec, facts.units, specs, AreaSpec(area, facts.areas[area]), facts.years)


def _columns(
    facts: PlanFacts,
    indicator: Indicator,
    specs: list[TargetSpec],
    by_cell: Mapping[tuple[int | None, int], Target | None],
) -> tuple[list[Column], list[AreaTotals]]:
    """The region's columns and each area's that has a target of its own (`by_cell`: the targets by
    locality id and year; a summary's hold None, their targets not made)."""
    names = facts.names()
    columns = []
    for total in _totals(facts, indicator, specs):
        zh, en = describe_total(total, indicator.unit, names)
        columns.append(Column(total.year, by_cell.get((None, total.year)), total, zh, en))
    areas = []
    for code in facts.areas:
        area = facts.by_code[code]
        if not any((area.pk, year) in by_cell for year in facts.years):
            continue  # no target of its own: nothing to check
        words = area_target_words(area.name_zh, area.name_en)
        area_columns = []
        for total in _totals(facts, indicator, specs, area=code):
            zh, en = describe_total(total, indicator.unit, names, words)
            area_columns.append(Column(total.year, by_cell.get((area.pk, total.year)), total, zh, en))
        areas.append(AreaTotals(area, area_columns))
    return columns, areas


def build_table(
    facts: PlanFacts,
    indicator: Indicator,
    breakdown: Breakdown,
    targets: Iterable[Target],
    adjustments: Iterable[TargetRevision] = (),
) -> Table:
    """The table of one indicator from its targets (each with its locality) and its adjustments."""
    targets = list(targets)
    by_cell = {(t.locality_id, t.year): t for t in targets}
    latest: dict[tuple[int | None, int], TargetRevision] = {}
    for revision in adjustments:  # newest first: keep the first of each cell
        latest.setdefault((revision.locality_id, revision.year), revision)
    rows = [
        Row(
            loc,
            [
                Cell(loc, year, by_cell.get((loc.pk, year)), latest.get((loc.pk, year)))
                for year in facts.years
            ],
            [facts.by_code[code] for code in included_in(loc.code, facts.nodes)],
        )
        for loc in facts.pilots
    ]
    specs = _specs(facts, indicator, ((t.locality_id, t.year, t.value) for t in targets))
    columns, areas = _columns(facts, indicator, specs, by_cell)
    return Table(indicator, breakdown, facts.years, rows, columns, areas)


def read_table(indicator: Indicator, breakdown: Breakdown) -> Table:
    """The table of one indicator, read from the database (three queries and the plan's localities)."""
    facts = PlanFacts.of(indicator.plan)
    targets = facts.placed(indicator.targets.all())
    adjustments = breakdown.adjustments() if breakdown.pk else []
    return build_table(facts, indicator, breakdown, targets, adjustments)


def read_summaries(plan: Plan) -> list[Summary]:
    """Every breakdown of the plan as its list shows it (`Summary`), in the plan's order: the same
    states, sample marks and shortfalls as each one's `read_table`, from the targets' figures read as plain
    rows in one query (no target, cell or row object made): three queries and the plan's localities."""
    facts = PlanFacts.of(plan)
    indicators = list(broken_down(plan))
    stored = {b.indicator_id: b for b in Breakdown.objects.filter(indicator__in=indicators)}
    figures: dict[int, list[Figures]] = {ind.pk: [] for ind in indicators}
    sample: set[int] = set()
    pilots, years = {loc.pk for loc in facts.pilots}, set(facts.years)
    for indicator_id, loc, year, value, origin in Target.objects.filter(indicator__in=indicators).values_list(
        "indicator_id", "locality_id", "year", "value", "origin"
    ):
        figures[indicator_id].append((loc, year, value))
        if origin == Target.Origin.SAMPLE and loc in pilots and year in years:  # a cell (`Table.sample`)
            sample.add(indicator_id)
    summaries = []
    for ind in indicators:
        cells = dict.fromkeys(((loc, year) for loc, year, _ in figures[ind.pk]), None)
        columns, areas = _columns(facts, ind, _specs(facts, ind, figures[ind.pk]), cells)
        breakdown = stored.get(ind.pk) or Breakdown(indicator=ind)
        summaries.append(Summary(ind, breakdown, ind.pk in sample, shortfalls(columns, areas)))
    return summaries
