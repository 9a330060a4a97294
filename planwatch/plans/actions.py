"""Changes to targets by users. Each goes through one function, in a transaction, with its revision
(the target's own history) and one event of the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from planwatch.core.errors import PlanWatchError
from planwatch.kernel import audit
from planwatch.plans.models import Indicator, Locality, Target, TargetRevision


class TargetChangeRefused(PlanWatchError):
    """A target change that the plan's rules do not allow."""


@transaction.atomic
def revise_target(target: Target, new_value: Decimal, reason: str, user: Any) -> TargetRevision | None:
    """Change a target's value with a reason (the text: 2018/2019 targets follow the 2017 results)."""
    reason = reason.strip()
    if not reason:
        raise TargetChangeRefused("a target is only revised with a reason")
    target = Target.objects.select_for_update().get(pk=target.pk)
    if target.value == new_value:
        return None
    revision = TargetRevision.objects.create(
        target=target,
        indicator_id=target.indicator_id,
        locality_id=target.locality_id,
        year=target.year,
        old_value=target.value,
        new_value=new_value,
        reason=reason,
        changed_by=user if getattr(user, "pk", None) else None,
    )
    target.value = new_value
    if target.origin == Target.Origin.SAMPLE:
        target.origin = Target.Origin.USER  # a person has now set it: it is no longer made up
    target.save(update_fields=["value", "origin", "updated_at"])
    _record("target.revise", user, target, old=revision.old_value, reason=reason)
    return revision


def _record(type: str, user: Any, target: Target, *, old: Decimal | None, reason: str) -> None:
    audit.record(
        type,
        user,
        target.audit_subject(),
        old=None if old is None else {"value": old},
        new={"value": target.value},
        comment=reason,
    )


@transaction.atomic
def set_locality_target(
    indicator: Indicator, locality: Locality, year: int, value: Decimal, reason: str, user: Any
) -> Target:
    """Enter or change a locality's target: the breakdown the text leaves to the lead units."""
    if refusal := locality.not_a_pilot(indicator.plan_id):
        raise refusal
    target = Target.objects.filter(indicator=indicator, locality=locality, year=year).first()
    if target is not None:
        revise_target(target, value, reason, user)
        target.refresh_from_db()
        return target
    target = Target.objects.create(
        indicator=indicator, locality=locality, year=year, value=value, origin=Target.Origin.USER
    )
    TargetRevision.objects.create(
        target=target,
        indicator=indicator,
        locality=locality,
        year=year,
        old_value=None,
        new_value=value,
        reason=reason.strip() or "entered",
        changed_by=user if getattr(user, "pk", None) else None,
    )
    _record("target.create", user, target, old=None, reason=reason.strip())
    return target
