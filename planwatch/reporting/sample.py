"""Write the sample data (示例数据) of planwatch.core.sample into a loaded plan, replacing the last."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from planwatch.core import sample
from planwatch.core.kinds import Aggregation, IndicatorKind, whole_number_unit
from planwatch.kernel import audit
from planwatch.plans import revision as data_revision
from planwatch.plans.models import Indicator, Locality, Plan, Target
from planwatch.reporting import freshness
from planwatch.reporting.models import Period, ReportedValue

SAMPLE_LABEL = "示例数据"  # the one label of sample data, in every language (docs: README "Sample data")


def yearly_period(plan: Plan, year: int) -> Period:
    period, _ = Period.objects.get_or_create(
        plan=plan,
        code=str(year),
        defaults={
            "frequency": Period.Frequency.YEARLY,
            "year": year,
            "starts_on": dt.date(year, 1, 1),
            "ends_on": dt.date(year, 12, 31),
            "due_on": dt.date(year + 1, 3, 31),
        },
    )
    return period


@dataclass
class SampleValues:
    targets: int
    values: int
    periods: int
    last_year: int  # the last year with sample values (last_sample_year)


def last_sample_year(plan: Plan, today: dt.date) -> int:
    """The last year of a plan's sample values: its end year, or the last year that has ended by
    `today` when that comes first. Sample data claims no accepted report of a year that is not over:
    the seed plan's 2016–2019 all have; a synthetic plan of 2020–2029 stops at 2025 in 2026 (its
    later years keep their sample targets, with no value)."""
    return min(plan.end_year, today.year - 1)


def _specs(plan: Plan, indicators: list[Indicator]) -> list[sample.SampleIndicator]:
    """What planwatch.core.sample needs of each indicator (the plan's own targets held fixed)."""
    plan_targets = _plan_targets(indicators)
    return [
        sample.SampleIndicator(
            code=ind.code,
            kind=IndicatorKind(ind.kind),
            aggregation=Aggregation(ind.aggregation),
            integer=whole_number_unit(ind.unit),
            unit=ind.unit,
            region_target=plan_targets.get((ind.code, None, plan.end_year)),
            target_year=plan.end_year,
            base_year=ind.base_year,
            base_value=ind.base_value,
            components={c.role: c.component.code for c in ind.components.all()},
            fixed_targets={
                code: value
                for (ind_code, code, year), value in plan_targets.items()
                if ind_code == ind.code and code and year == plan.end_year
            },
        )
        for ind in indicators
    ]


def _plan_targets(indicators: list[Indicator]) -> dict[tuple[str, str | None, int], Decimal]:
    return {
        (t.indicator.code, t.locality.code if t.locality else None, t.year): t.value
        for ind in indicators
        for t in ind.targets.all()
    }


def _new_targets(
    data: sample.SampleData, indicators: list[Indicator], by_code: dict[str, Locality]
) -> list[Target]:
    """The sample's locality targets that the plan's text does not give itself."""
    plan_targets = _plan_targets(indicators)
    ind_by_code = {ind.code: ind for ind in indicators}
    return [
        Target(
            indicator=ind_by_code[ind_code],
            locality=by_code[loc_code],
            year=year,
            value=value,
            origin=Target.Origin.SAMPLE,
            clause="",
            quote="",
            note_zh="示例数据，非官方数字。",
            note_en="Sample data, not an official figure.",
        )
        for (ind_code, loc_code, year), value in sorted(data.targets.items())
        # The text's own targets stay: sample targets only fill what users would enter.
        if (ind_code, loc_code, year) not in plan_targets
    ]


def _accepted_values(
    plan: Plan,
    data: sample.SampleData,
    indicators: list[Indicator],
    by_code: dict[str, Locality],
    last_year: int,
) -> tuple[list[ReportedValue], int]:
    """The sample's values of the years up to `last_year`, accepted; the plan's yearly periods."""
    ind_by_code = {ind.code: ind for ind in indicators}
    periods = {year: yearly_period(plan, year) for year in range(plan.base_year, plan.end_year + 1)}
    values = [
        ReportedValue(
            indicator=ind_by_code[ind_code],
            locality=by_code[loc_code],
            period=periods[year],
            value=value,
            status=ReportedValue.Status.ACCEPTED,
            is_sample=True,
            source=ReportedValue.Source.SAMPLE,
            source_detail=SAMPLE_LABEL,
        )
        for (ind_code, loc_code, year), value in sorted(data.actuals.items())
        if year <= last_year
    ]
    return values, len(periods)


@transaction.atomic
def load_sample_values(plan: Plan, today: dt.date | None = None) -> SampleValues:
    """Replace the plan's sample targets and values with a fresh, identical, deterministic set; the
    values are accepted, and the audit says where they came from. Values stop at the last year ended
    by `today` (last_sample_year); the figures of the years before do not depend on it."""
    last_year = last_sample_year(plan, today or timezone.localdate())
    Target.objects.filter(indicator__plan=plan, origin=Target.Origin.SAMPLE).delete()
    ReportedValue.objects.filter(indicator__plan=plan, is_sample=True).delete()
    localities = list(plan.localities.filter(pilot=True).select_related("parent__parent"))
    by_code = {loc.code: loc for loc in localities}
    indicators = list(plan.indicators.prefetch_related("components__component", "targets__locality"))
    data = sample.generate(
        _specs(plan, indicators),
        [
            sample.SampleLocality(
                loc.code, loc.counted_in_region_total(), loc.parent.code if loc.parent else None
            )
            for loc in localities
        ],
        years=range(plan.base_year, plan.end_year + 1),
        start_year=plan.start_year,
        seed=plan.code,
    )
    new_targets = _new_targets(data, indicators, by_code)
    Target.objects.bulk_create(new_targets)
    values, periods = _accepted_values(plan, data, indicators, by_code, last_year)
    ReportedValue.objects.bulk_create(values)
    # Each value's indicator, locality and period are the ones in hand, not joined again per row: a
    # plan's row (its source text) read once per value grew with values × text (issue 18: 300 units
    # × 100 indicators × 10 years ran out of memory).
    indicator_of = {ind.pk: ind for ind in indicators}
    locality_of = {loc.pk: loc for loc in localities}
    period_of = {period.pk: period for period in Period.objects.filter(plan=plan)}
    for period in period_of.values():
        period.plan = plan

    def in_hand(value: ReportedValue) -> ReportedValue:
        value.indicator = indicator_of[value.indicator_id]
        value.locality = locality_of[value.locality_id]
        value.period = period_of[value.period_id]
        return value

    created = ReportedValue.objects.filter(indicator__plan=plan, is_sample=True)
    via = audit.Via(ReportedValue.Source.SAMPLE, SAMPLE_LABEL)
    audit.record_many(
        audit.event(
            "value.accept",
            None,
            in_hand(value).audit_subject(),
            via=via,
            new={"value": value.value, "state": value.status},
            comment=SAMPLE_LABEL,
        )
        for value in created.iterator(chunk_size=2000)
    )
    data_revision.bump(plan.pk)
    freshness.refresh(plan.pk)  # the values were replaced wholesale
    return SampleValues(len(new_targets), len(values), periods, last_year)
