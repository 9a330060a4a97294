"""Sample ledger rows (示例数据) behind the sample values of the indicators the ledgers feed.

Called by planwatch.demo.sample.load_sample once its sample values are written. For each
declared ledger and pilot locality, rows are made up so that the counts derived from them equal the
sample values of the years the plan counts (its start year to its end year); where the sample
values cannot be reached by rows (a count that falls, or more projects started than signed), the
sample value is replaced by the derived count, so that value and rows always agree.

The rows are obviously sample: named "示例项目 ZH-001" and so on, no identifier, labelled is_sample,
accepted, and the notes say so. No real project, enterprise or platform is named.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from planwatch.core.ledger import normalize_name
from planwatch.kernel import audit
from planwatch.plans import revision as data_revision
from planwatch.plans.models import Locality, Plan
from planwatch.reporting import freshness
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import SAMPLE_LABEL

from . import services
from .models import LedgerItem, LedgerType

NOTE = f"{SAMPLE_LABEL}，非真实条目。"
SHORT = {"investment_projects": "项目"}
# Month and day of each stage's sample date, so that stages within one year stay in order.
STAGE_DAYS = [(3, 1), (6, 1), (10, 1)]


def _label(ledger: LedgerType) -> str:
    return SHORT.get(ledger.code, ledger.name_zh.removesuffix("台账"))


def _sample_values(plan: Plan) -> dict[tuple[str, str, int], int]:
    rows = ReportedValue.objects.filter(indicator__plan=plan, is_sample=True, value__isnull=False)
    return {
        (ind, loc, int(period)): int(value or 0)
        for ind, loc, period, value in rows.values_list(
            "indicator__code", "locality__code", "period__code", "value"
        )
        if period.isdecimal()
    }


def _own_values(
    values: dict[tuple[str, str, int], int], including: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str, int], int]:
    """The counts each locality's own rows must reach: a locality's counts include the rows of the
    pilot units inside it (佛山市's include 顺德区's), so 佛山市's own rows are its value less 顺德区's.
    Never below 0: where an inner unit's value exceeded its city's, the city's value then becomes
    the derived count (its own rows plus the inner unit's), see _align_values."""
    out = dict(values)
    for (ind, loc, year), value in values.items():
        outer = including.get(loc)
        if outer:  # the nearest only: its value already includes any unit further inside
            key = (ind, outer[0], year)
            if key in out:
                out[key] = max(0, out[key] - value)
    return out


def _years_of(counts: dict[int, int], first: int, last: int, stock: bool) -> list[int]:
    """The year of each row, oldest first, so that the rows counted by each year's end are that
    year's (cumulative) count; a stock's rows before the plan's start are dated the year before."""
    years: list[int] = []
    reached = 0
    for year in range(first, last + 1):
        target = max(reached, counts.get(year, reached))
        years += [year] * (target - reached)
        reached = target
    if stock and counts.get(first - 1) is not None:
        before = min(counts[first - 1], len(years))
        years = [first - 1] * before + years[before:]
    return years


def _date(year: int, stage_index: int, n: int) -> dt.date:
    month, day = STAGE_DAYS[min(stage_index, len(STAGE_DAYS) - 1)]
    return dt.date(year, month, day + n % 27)


def _attributes(ledger: LedgerType, where: dict[str, str], n: int) -> dict[str, str]:
    out = dict(where)
    for attr in ledger.attributes:
        if attr["code"] in out or not attr.get("required"):
            continue
        choices = attr.get("choices") or ["示例"]
        out[attr["code"]] = choices[n % len(choices)]
    return out


def _rows_for(
    ledger: LedgerType,
    locality: Locality,
    values: dict[tuple[str, str, int], int],
    first: int,
    last: int,
) -> list[LedgerItem]:
    label = _label(ledger)
    items: list[LedgerItem] = []
    stages = ledger.stage_codes
    chained = [f for f in ledger.feeds if not f.get("where")]
    if len(chained) > 1:  # one row per thing, through the stages (the projects)
        per_stage = []
        for feed in sorted(chained, key=lambda f: stages.index(f["stage"])):
            counts = {y: values.get((feed["indicator"], locality.code, y), 0) for y in range(first, last + 1)}
            per_stage.append((feed["stage"], _years_of(counts, first, last, False)))
        total = len(per_stage[0][1])
        for n in range(total):
            item = LedgerItem(ledger=ledger, locality=locality, attributes=_attributes(ledger, {}, n))
            previous = 0
            for stage, years in per_stage:
                if n >= len(years) or years[n] < previous:
                    break  # not reached, or it would come before the stage before it
                item.set_stage_date(stage, _date(years[n], stages.index(stage), n))
                previous = years[n]
            items.append(item)
        if ledger.threshold is not None:  # one below the threshold: recorded, not counted
            below = LedgerItem(ledger=ledger, locality=locality, attributes=_attributes(ledger, {}, 0))
            below.set_stage_date(stages[0], _date(last, 0, 0))
            below.investment = Decimal(ledger.threshold) * Decimal("0.8")
            items.append(below)
    else:
        for k, feed in enumerate(ledger.feeds):
            counts = {
                y: values[(feed["indicator"], locality.code, y)]
                for y in range(first - 1, last + 1)
                if (feed["indicator"], locality.code, y) in values
            }
            stock = feed.get("count") == "stock"
            for n, year in enumerate(_years_of(counts, first, last, stock)):
                item = LedgerItem(
                    ledger=ledger,
                    locality=locality,
                    attributes=_attributes(ledger, feed.get("where", {}), n + k),
                )
                item.set_stage_date(feed["stage"], _date(year, stages.index(feed["stage"]), n))
                items.append(item)
    for n, item in enumerate(items, start=1):
        item.name = f"示例{label} {locality.code}-{n:03d}"
        item.normalized_name = normalize_name(item.name)
        item.is_sample = True
        item.review = LedgerItem.Review.ACCEPTED
        item.notes = NOTE
        if ledger.threshold is not None and item.investment is None:
            item.investment = Decimal(ledger.threshold) * (1 + Decimal(n % 7))
    return items


@transaction.atomic
def load_sample_ledgers(plan: Plan) -> int:
    """Replace the plan's sample ledger rows; then make the sample values of the fed indicators the
    counts derived from them. Returns the number of rows."""
    LedgerItem.objects.filter(ledger__plan=plan, is_sample=True).delete()
    values = _own_values(_sample_values(plan), services.including(plan))
    first, last = plan.start_year, plan.end_year
    made: list[LedgerItem] = []
    ledgers = services.ensure_default_ledgers(plan)
    for ledger in ledgers:
        for locality in plan.localities.filter(pilot=True).order_by("order"):
            made += _rows_for(ledger, locality, values, first, last)
    LedgerItem.objects.bulk_create(made, batch_size=500)
    created = LedgerItem.objects.filter(ledger__plan=plan, is_sample=True).select_related(
        "locality", "key_field"
    )
    sample = audit.Via(audit.Source.SAMPLE, SAMPLE_LABEL)
    audit.record_many(
        audit.event("ledger_row.create", None, item.audit_subject(), via=sample, new=item.snapshot())
        for item in created.select_related("ledger__plan")
    )
    _align_values(plan, ledgers, first, last)
    return len(made)


def _align_values(plan: Plan, ledgers: list[LedgerType], first: int, last: int) -> int:
    """The sample values of the fed indicators, for the plan's counted years, become the counts of
    the accepted rows (they already are, but where a sample value could not be reached by rows)."""
    derived: dict[tuple[str, str, int], int] = defaultdict(int)
    for ledger in ledgers:
        for (loc, year, ind), cell in services.feed_counts(ledger, accepted_only=True).items():
            derived[(ind, loc, year)] = len(cell.cumulative)
    codes = {f["indicator"] for lt in ledgers for f in lt.feeds}
    changed: list[Any] = []
    for value in ReportedValue.objects.filter(
        indicator__plan=plan,
        indicator__code__in=codes,
        is_sample=True,
        period__code__in=[str(y) for y in range(first, last + 1)],
    ).select_related("indicator", "locality", "period"):
        count = Decimal(derived.get((value.indicator.code, value.locality.code, int(value.period.code)), 0))
        if value.value != count:
            value.value = count
            changed.append(value)
    ReportedValue.objects.bulk_update(changed, ["value"])
    if changed:
        data_revision.bump(plan.pk)
        freshness.touch(changed)
    return len(changed)
