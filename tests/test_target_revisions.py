"""Revising targets: always with a reason, always recorded (who, when, old, new, why)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planwatch.core.errors import NotAllowed
from planwatch.plans.actions import TargetChangeRefused, revise_target, set_locality_target
from planwatch.plans.models import Target, TargetRevision


def test_revise_with_reason_records_the_revision(plan, alice):
    target = Target.objects.get(indicator__code="I01", locality=None, year=2019)
    revision = revise_target(target, Decimal(820), "2017年完成情况较好，上调目标", alice)
    target.refresh_from_db()
    assert target.value == 820
    assert (revision.old_value, revision.new_value, revision.changed_by) == (800, 820, alice)
    assert revision.reason == "2017年完成情况较好，上调目标"


def test_revise_without_reason_is_refused_and_changes_nothing(plan, alice):
    target = Target.objects.get(indicator__code="I01", locality=None, year=2019)
    with pytest.raises(TargetChangeRefused):
        revise_target(target, Decimal(820), "  ", alice)
    target.refresh_from_db()
    assert target.value == 800
    assert not TargetRevision.objects.exists()


def test_entering_a_locality_target(plan, alice):
    indicator = plan.indicators.get(code="I29")
    zhuhai = plan.localities.get(code="ZH")
    target = set_locality_target(indicator, zhuhai, 2017, Decimal("7.5"), "附件分解表", alice)
    assert target.origin == Target.Origin.USER
    set_locality_target(indicator, zhuhai, 2017, Decimal("7.8"), "根据2017年实际调整", alice)
    history = list(
        TargetRevision.objects.filter(indicator=indicator)
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert history == [(None, Decimal("7.5")), (Decimal("7.5"), Decimal("7.8"))]


def test_a_province_is_not_a_pilot_unit(plan, alice):
    with pytest.raises(
        NotAllowed, match="广东省不是本方案的试点单位 / Guangdong Province is not a pilot unit"
    ):
        set_locality_target(
            plan.indicators.get(code="I01"), plan.localities.get(code="GD"), 2019, Decimal(1), "x", alice
        )


def test_the_admin_shows_a_target_but_sends_its_revision_to_the_breakdown_page(client, plan, alice):
    client.force_login(alice)
    target = Target.objects.get(indicator__code="I10", locality=None, year=2019)
    url = reverse("admin:plans_target_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("breakdown:table", kwargs={"code": plan.code, "indicator_code": "I10"}) in page.text
    assert client.post(url, {"value": "1250", "reason": "按2017年实际完成情况调整"}).status_code == 403
    target.refresh_from_db()
    assert target.value == 1200 and not TargetRevision.objects.filter(target=target).exists()


def test_admin_pages_open(client, plan, alice):
    client.force_login(alice)
    for name in ["plan", "indicator", "task", "locality", "unit", "keyfield", "targetrevision"]:
        assert client.get(reverse(f"admin:plans_{name}_changelist")).status_code == 200, name
