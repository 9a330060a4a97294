"""The inbox page (待办): what waits on the signed-in user, their notifications, their e-mail choice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planwatch.inbox.sources import count, inbox
from planwatch.kernel import audit
from planwatch.notifications.models import Notification, Preference
from planwatch.plans.models import Plan


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _notes(user: Any) -> Any:
    return Notification.objects.filter(user=user)


@login_required
def home(request: HttpRequest, code: str) -> HttpResponse:
    """The user's landing page: what waits on them, source by source, then their notifications."""
    plan = _plan(code)
    user: Any = request.user
    boxes = inbox(plan, user, timezone.localdate())
    mine = _notes(user)
    preference = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return render(
        request,
        "inbox/inbox.html",
        {
            "plan": plan,
            "section": "inbox",
            "boxes": [b for b in boxes if b.items],
            "waiting": sum(b.count for b in boxes),
            "notes": mine[:100],
            "unread": mine.filter(read_at__isnull=True).count(),
            "email_choices": Preference.Email.choices,
            "email": preference or Preference.Email.IMMEDIATE,
        },
    )


@login_required
def badge(request: HttpRequest, code: str) -> JsonResponse:
    """The top bar's count: how many things wait on the user, and their unread notifications."""
    plan = _plan(code)
    user: Any = request.user
    unread = _notes(user).filter(read_at__isnull=True).count()
    return JsonResponse({"count": count(plan, user, timezone.localdate()), "unread": unread})


@login_required
def open_note(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Follow one of one's notifications: it is read from then on."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    inside = note.link.startswith("/") and not note.link.startswith("//")  # a path of this site only
    return redirect(note.link if inside else reverse("inbox:home", args=[code]))


@login_required
@require_POST
def mark_read(request: HttpRequest, code: str) -> HttpResponse:
    _notes(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("inbox:home", code=code)


@login_required
@require_POST
def preference(request: HttpRequest, code: str) -> HttpResponse:
    """The user's e-mail choice: at once, a daily digest, or none (one action, one audit event)."""
    user: Any = request.user
    choice = request.POST.get("email", "")
    if choice not in Preference.Email.values:
        messages.error(request, _("Choose how to receive e-mail."))
        return redirect("inbox:home", code=code)
    with transaction.atomic():
        row, _created = Preference.objects.select_for_update().get_or_create(user=user)
        old = row.email if not _created else Preference.Email.IMMEDIATE
        row.email = choice
        row.save(update_fields=["email"])
        audit.record(
            "user.notification_preference",
            user,
            audit.Subject("user", user.pk, user.get_username()),
            old={"email": old},
            new={"email": choice},
        )
    messages.success(
        request, _("E-mail preference saved: %(choice)s.") % {"choice": Preference.Email(choice).label}
    )
    return redirect("inbox:home", code=code)


def old_notifications(request: HttpRequest, code: str) -> HttpResponse:
    """The reminders page of supervision, now the inbox (which shows the notifications too)."""
    return redirect("inbox:home", code=code)
