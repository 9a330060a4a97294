"""Changes to targets by users. Each goes through one function, in a transaction, with its revision
(the target's own history) and one event of the audit log.

Who may change which target, and when a reason is needed, is the breakdown's business
(planwatch.breakdown.actions, the lead units' 分解表 under review); here is only how a change is kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from planwatch.core.errors import CommentRequired
from planwatch.kernel import audit
from planwatch.plans import revision as data_revision
from planwatch.plans.models import Indicator, Locality, Target, TargetRevision


class TargetChangeRefused(CommentRequired):
    """A target change that the plan's rules do not allow."""


def _revision(
    target: Target, old: Decimal | None, new: Decimal | None, reason: str, user: Any
) -> TargetRevision:
    return TargetRevision.objects.create(
        target=target if target.pk else None,
        indicator_id=target.indicator_id,
        locality_id=target.locality_id,
        year=target.year,
        old_value=old,
        new_value=new,
        reason=reason,
        changed_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def revise_target(
    target: Target, new_value: Decimal, reason: str, user: Any, *, via: audit.Via = audit.WEB
) -> TargetRevision | None:
    """Change a target's value with a reason (the text: 2018/2019 targets follow the 2017 results)."""
    reason = reason.strip()
    if not reason:
        raise TargetChangeRefused("调整目标须说明理由", "a target is only revised with a reason")
    target = Target.objects.select_for_update().get(pk=target.pk)
    if target.value == new_value:
        return None
    revision = _revision(target, target.value, new_value, reason, user)
    target.value = new_value
    if target.origin == Target.Origin.SAMPLE:
        target.origin = Target.Origin.USER  # a person has now set it: it is no longer made up
    target.save(update_fields=["value", "origin", "updated_at"])
    _record("target.revise", user, target, old=revision.old_value, reason=reason, via=via)
    return revision


def _record(
    type: str, user: Any, target: Target, *, old: Decimal | None, reason: str, via: audit.Via
) -> None:
    data_revision.bump(target.indicator.plan_id)  # what an evaluation reads has changed
    audit.record(
        type,
        user,
        target.audit_subject(),
        via=via,
        old=None if old is None else {"value": old},
        new=None if type == "target.delete" else {"value": target.value},
        comment=reason,
    )


@transaction.atomic
def set_locality_target(
    indicator: Indicator,
    locality: Locality,
    year: int,
    value: Decimal,
    reason: str,
    user: Any,
    *,
    via: audit.Via = audit.WEB,
) -> Target:
    """Enter or change a locality's target: the breakdown the text leaves to the lead units."""
    if refusal := locality.not_a_pilot(indicator.plan_id):
        raise refusal
    target = Target.objects.filter(indicator=indicator, locality=locality, year=year).first()
    if target is not None:
        revise_target(target, value, reason, user, via=via)
        target.refresh_from_db()
        return target
    target = Target.objects.create(
        indicator=indicator, locality=locality, year=year, value=value, origin=Target.Origin.USER
    )
    _revision(target, None, value, reason.strip() or "entered", user)
    _record("target.create", user, target, old=None, reason=reason.strip(), via=via)
    return target


@transaction.atomic
def remove_locality_target(target: Target, reason: str, user: Any, *, via: audit.Via = audit.WEB) -> None:
    """Take a locality's target away, with a reason; its history (a last revision to nothing) stays."""
    reason = reason.strip()
    if not reason:
        raise TargetChangeRefused("删除目标须说明理由", "a target is only removed with a reason")
    target = (
        Target.objects.select_for_update().select_related("indicator__plan", "locality").get(pk=target.pk)
    )
    _revision(target, target.value, None, reason, user)
    _record("target.delete", user, target, old=target.value, reason=reason, via=via)
    target.delete()
