"""Notifications: what a user was told (in the app), how it went out (e-mail, webhook), and how
each user wants e-mail (at once, in a daily digest, or not at all)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notification; `dedupe_key` makes sure the same thing is never sent twice.

    `event` names the event it tells of (several people may be told of one event: the group robot
    is told once); `delivery` holds, per transport (planwatch.notifications.delivery.TRANSPORTS),
    what became of it: "sent", "digest" (waiting for the daily digest), "skipped: …" or "failed: …"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    text_zh = models.TextField()
    text_en = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    dedupe_key = models.CharField(max_length=200, unique=True)
    event = models.CharField(max_length=200, blank=True, db_index=True)
    delivery = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text_en


class Preference(models.Model):
    """How a user wants their notifications by e-mail; without a row: at once."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("No e-mail")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=20, choices=Email.choices, default=Email.IMMEDIATE)

    class Meta:
        verbose_name = _("Notification preference")
        verbose_name_plural = _("Notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.email}"
