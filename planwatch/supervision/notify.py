"""In-app notifications (and their e-mail): one per dedupe key, ever."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from planwatch.accounts.models import Profile
from planwatch.supervision.models import Notification


@dataclass
class RemindResult:
    created: int = 0
    emailed: int = 0
    skipped: int = 0

    def describe(self) -> str:
        return (
            f"{self.created} 条新提醒，{self.emailed} 封邮件，{self.skipped} 条已提醒过 / "
            f"{self.created} new notification(s), {self.emailed} e-mail(s), {self.skipped} already sent"
        )


def locality_users(locality_id: int) -> list[Any]:
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


def notify(user: Any, key: str, zh: str, en: str, link: str, result: RemindResult) -> None:
    """One notification (and e-mail) per dedupe key, ever: a second run sends nothing again."""
    note, created = Notification.objects.get_or_create(
        dedupe_key=key[:200], defaults={"user": user, "text_zh": zh, "text_en": en, "link": link}
    )
    if not created:
        result.skipped += 1
        return
    result.created += 1
    if user.email:
        send_mail(
            f"[PlanWatch] {zh[:60]}",
            f"{zh}\n\n{en}\n\n{link}",
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        Notification.objects.filter(pk=note.pk).update(emailed=True)
        result.emailed += 1
