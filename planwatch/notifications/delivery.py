"""Delivery of notifications: one registry row per channel (TRANSPORTS), one entry point (deliver).

A notification is made once (`notify`, by its dedupe key) and then handed to `deliver`, which
offers it to every transport in turn and records on the notification what became of it. A
transport that fails is logged and recorded ("failed: …"); it never breaks the action that caused
the notification, nor the other transports. `deliver` is a plain function of one notification so
that it can run on the job runner later without change.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from planwatch.notifications.models import Notification, Preference

log = logging.getLogger("planwatch.notifications")

SENT = "sent"
DIGEST = "digest"  # waits for the daily digest (`planwatch send_digest`)


@dataclass
class RemindResult:
    """What a run of notifications did (the reminders, a chase of late reporters)."""

    created: int = 0
    emailed: int = 0
    skipped: int = 0

    def describe(self) -> str:
        return (
            f"{self.created} 条新提醒，{self.emailed} 封邮件，{self.skipped} 条已提醒过 / "
            f"{self.created} new notification(s), {self.emailed} e-mail(s), {self.skipped} already sent"
        )


def absolute(link: str) -> str:
    """A link as a person outside the site follows it: PLANWATCH_SITE_URL before a path."""
    return f"{settings.PLANWATCH_SITE_URL}{link}" if link.startswith("/") else link


def email_preference(user: Any) -> str:
    found = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return found or Preference.Email.IMMEDIATE


# --- the transports ---------------------------------------------------------------------------------


def _email(note: Notification) -> str:
    """The user's e-mail, at once, or kept for the daily digest, or none (their preference)."""
    user = note.user
    if not user.email:
        return "skipped: no address"
    preference = email_preference(user)
    if preference == Preference.Email.OFF:
        return "skipped: off"
    if preference == Preference.Email.DIGEST:
        return DIGEST
    send_mail(
        f"[PlanWatch] {note.text_zh[:60]}",
        f"{note.text_zh}\n\n{note.text_en}\n\n{absolute(note.link)}".rstrip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    return SENT


def webhook_body(text: str) -> bytes:
    """A text message as 企业微信 (WeCom) and 钉钉 (DingTalk) group robots both take it."""
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()


def _webhook(note: Notification) -> str:
    """The group robot, once per event (however many people the event concerns)."""
    url = settings.PLANWATCH_WEBHOOK_URL
    if not url:
        return "skipped: off"
    told = Notification.objects.filter(event=note.event or note.dedupe_key, delivery__webhook=SENT)
    if note.event and told.exclude(pk=note.pk).exists():
        return "skipped: told already"
    text = f"{note.text_zh}\n{note.text_en}\n{absolute(note.link)}".rstrip()
    request = urllib.request.Request(
        url,
        data=webhook_body(text),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.PLANWATCH_WEBHOOK_TIMEOUT) as answer:  # noqa: S310
        reply = answer.read(2000)
    # Both robots answer 200 with {"errcode": 0, …}; another errcode is a refusal (bad key, too often).
    try:
        errcode = json.loads(reply or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise RuntimeError(f"the robot answered errcode {errcode}")
    return SENT


@dataclass(frozen=True)
class Transport:
    """One channel a notification goes out by: `send` answers what became of it, or raises."""

    name: str
    label: tuple[str, str]
    send: Callable[[Notification], str]


# The in-app notification is the row itself; these are the channels beyond it.
TRANSPORTS: tuple[Transport, ...] = (
    Transport("email", ("电子邮件", "e-mail"), _email),
    Transport("webhook", ("企业微信/钉钉群机器人", "WeCom/DingTalk group robot"), _webhook),
)


def deliver(note: Notification, channels: tuple[str, ...] | None = None) -> dict[str, str]:
    """Offer the notification to every transport (or those of `channels`); record (and answer)
    what became of it."""
    outcome: dict[str, str] = {}
    for transport in TRANSPORTS:
        if channels is not None and transport.name not in channels:
            continue
        if note.delivery.get(transport.name) in (SENT, DIGEST):
            outcome[transport.name] = note.delivery[transport.name]
            continue  # never twice
        try:
            outcome[transport.name] = transport.send(note)
        except Exception as error:  # a channel's failure must not break the workflow
            log.warning("notification %s: %s failed: %s", note.pk, transport.name, error)
            outcome[transport.name] = f"failed: {error}"[:300]
    note.delivery = {**note.delivery, **outcome}
    note.emailed = note.emailed or outcome.get("email") == SENT
    Notification.objects.filter(pk=note.pk).update(delivery=note.delivery, emailed=note.emailed)
    return outcome


def notify(
    user: Any,
    key: str,
    zh: str,
    en: str,
    link: str,
    result: RemindResult | None = None,
    *,
    event: str = "",
    channels: tuple[str, ...] | None = None,
) -> Notification | None:
    """One notification per dedupe key, ever, delivered at once (by every transport, or those of
    `channels`); None when it was made before."""
    note, created = Notification.objects.get_or_create(
        dedupe_key=key[:200],
        defaults={"user": user, "text_zh": zh, "text_en": en, "link": link[:300], "event": event[:200]},
    )
    result = result if result is not None else RemindResult()
    if not created:
        result.skipped += 1
        return None
    result.created += 1
    if deliver(note, channels).get("email") == SENT:
        result.emailed += 1
    return note


# --- the daily digest ---------------------------------------------------------------------------------


def send_digest() -> int:
    """One e-mail to each user who chose the daily digest, of every notification kept for it;
    the number of e-mails sent. A user whose e-mail fails keeps theirs for the next run."""
    waiting = (
        Notification.objects.filter(delivery__email=DIGEST)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    by_user: dict[int, list[Notification]] = {}
    for note in waiting:
        by_user.setdefault(note.user_id, []).append(note)
    sent = 0
    for notes in by_user.values():
        user = notes[0].user
        if not user.email:
            continue
        lines = [f"- {n.text_zh}\n  {n.text_en}\n  {absolute(n.link)}".rstrip() for n in notes]
        try:
            send_mail(
                f"[PlanWatch] 每日提醒汇总：{len(notes)} 条 / daily digest: {len(notes)}",
                "\n\n".join(lines) + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        except Exception as error:
            log.warning("digest for %s failed: %s", user, error)
            continue
        for n in notes:
            n.delivery = {**n.delivery, "email": SENT}
            Notification.objects.filter(pk=n.pk).update(delivery=n.delivery, emailed=True)
        sent += 1
    return sent
