"""Who a reminder goes to: a locality's own users, a unit's lead-unit users, those who may do a thing
(active ones)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from planwatch.accounts.models import Profile
from planwatch.accounts.permissions import has_perm, stands_in


def locality_users(locality_id: int) -> list[Any]:
    """The locality's reporters and approvers."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True, profile__locality_id=locality_id, profile__role__in=list(Profile.LOCALITY_ROLES)
        )
        .order_by("pk")
    )


def unit_users(unit_id: int | None) -> list[Any]:
    if unit_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(is_active=True, profile__unit_id=unit_id, profile__role=Profile.Role.LEAD_UNIT)
        .order_by("pk")
    )


def who_may(permission: str, *args: Any) -> list[Any]:
    """Those who may do `permission` (accounts.permissions); the administrator only when nobody else
    may — as for the review kernel's moves (planwatch.inbox.events.next_actors)."""
    people = get_user_model().objects.filter(is_active=True).select_related("profile").order_by("pk")
    return in_person_first([u for u in people if has_perm(permission, u, *args)])


def in_person_first(may: list[Any]) -> list[Any]:
    """Of those who may act, the ones who act in person; the administrator (who stands in for
    anyone) only when nobody else may."""
    return [u for u in may if not stands_in(u)] or may


def called(user: Any) -> str:
    """How a notification names a person: the full name, else the username (PlanWatch for none)."""
    return (user.get_full_name() or user.get_username()) if user is not None else "PlanWatch"
