"""`planwatch load_sample`: deterministic sample data, labelled, consistent with the plan.

The tests that read the sample read the module's one load of it (`sampled`, tests/conftest.py: the
loader the command calls); the command itself is run where it is what is tested: loading again over
that load gives the same rows, and without a plan it says so."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from planwatch.plans.models import Target
from planwatch.reporting.models import ReportedValue


def snapshot(plan):
    values = ReportedValue.objects.filter(indicator__plan=plan).values_list(
        "indicator__code", "locality__code", "period__code", "value", "status", "is_sample"
    )
    targets = Target.objects.filter(indicator__plan=plan, origin="sample").values_list(
        "indicator__code", "locality__code", "year", "value"
    )
    return sorted(values), sorted(targets)


def test_sample_is_deterministic_and_replaces_itself(sampled, capsys):
    first = snapshot(sampled)  # the module's load (planwatch.demo.sample.load_sample, as the command)
    call_command("load_sample")
    assert snapshot(sampled) == first
    assert "示例数据" in capsys.readouterr().out


def test_sample_values_are_accepted_labelled_and_cover_2016_to_2019(sampled):
    values = ReportedValue.objects.filter(indicator__plan=sampled)
    assert values.exists()
    assert not values.exclude(is_sample=True).exists()
    assert not values.exclude(status=ReportedValue.Status.ACCEPTED).exists()
    assert sorted(set(values.values_list("period__code", flat=True))) == ["2016", "2017", "2018", "2019"]
    assert set(values.values_list("locality__code", flat=True)) == {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}


def test_locality_targets_add_up_to_the_region_without_shunde_twice(sampled):
    for code, region in [("I01", 800), ("I10", 1200), ("I16", 2800), ("I22", 108)]:
        targets = Target.objects.filter(indicator__code=code, year=2019, locality__isnull=False)
        counted = sum(t.value for t in targets if t.locality.counted_in_region_total())
        assert abs(counted - Decimal(region)) <= Decimal("0.05"), code
        assert targets.filter(locality__code="SD").exists()


def test_the_texts_targets_stay_and_are_never_sample(sampled):
    assert not Target.objects.filter(locality__isnull=True, origin="sample").exists()
    bases = Target.objects.filter(indicator__code="I11", year=2019, locality__isnull=False)
    assert {t.locality.code: (int(t.value), t.origin) for t in bases if t.origin == "plan"} == {
        "ZH": (1, "plan"),
        "FS": (2, "plan"),
        "ZS": (1, "plan"),
        "JM": (1, "plan"),
        "ZQ": (1, "plan"),
        "SD": (1, "plan"),
    }


def test_counts_are_whole_and_cumulative_counts_never_fall(sampled):
    values = ReportedValue.objects.filter(indicator__code="I01").order_by("locality__code", "period__code")
    series: dict[str, list[Decimal]] = {}
    for value in values:
        assert value.value == value.value.to_integral_value()
        series.setdefault(value.locality.code, []).append(value.value)
    for points in series.values():
        assert points == sorted(points)


def test_persons_counted_one_by_one_are_whole(sampled):
    """C04 is in 人 (persons one by one): whole; I22 in 万人 may have decimals."""
    c04 = ReportedValue.objects.filter(indicator__code="C04")
    assert c04.exists() and all(v.value == v.value.to_integral_value() for v in c04)
    i22 = ReportedValue.objects.filter(indicator__code="I22")
    assert any(v.value != v.value.to_integral_value() for v in i22)


def test_share_is_computed_from_its_parts(sampled):
    def value(code, loc):
        return ReportedValue.objects.get(indicator__code=code, locality__code=loc, period__code="2019").value

    share = value("I24", "ZH") / value("I22", "ZH") * 100
    assert abs(share - value("I25", "ZH")) < Decimal("0.1")


@pytest.mark.django_db
def test_without_a_plan_it_says_so():
    with pytest.raises(CommandError, match="no plan is loaded"):
        call_command("load_sample")


def test_key_manufacturing_bases_are_whole_and_i28_follows_them(sampled):
    """C05 and C06 are counts of bases (个): whole, C06 ≤ C05, and I28 = C06 ÷ C05 within the plan's
    0.5 points, for every pilot unit and year — so the sample passes the plan's checks."""
    got: dict[tuple[str, str], dict[str, Decimal]] = {}
    for code, loc, period, value in ReportedValue.objects.filter(
        indicator__code__in=["C05", "C06", "I28"]
    ).values_list("indicator__code", "locality__code", "period__code", "value"):
        got.setdefault((loc, period), {})[code] = value
    assert len(got) == 7 * 4
    for key, values in got.items():
        c05, c06, i28 = values["C05"], values["C06"], values["I28"]
        assert c05 == c05.to_integral_value() and c06 == c06.to_integral_value(), key
        assert 0 <= c06 <= c05 and c05 > 0, key
        assert abs(c06 / c05 * 100 - i28) <= Decimal("0.5"), key
    assert not Target.objects.filter(indicator__code__in=["C05", "C06"]).exists()  # no invented targets
