"""Who is told of a move of the review kernel: the one listener of its `transitioned` signal.

For every subject moved, the people concerned are
- those who may take the next move on it now (the review kernel's `may`, that is the permission
  rules of planwatch.accounts.permissions): its approver once it is submitted, the province or its
  lead unit once it is approved, its reporters once it is returned. The administrator, who may act
  in anyone's place, is told only when nobody else may;
- its reporter: whoever last submitted it (its audit log), or its author.
The one who moved it is not told. Each person is told once per move, however many subjects it
moved (one notification naming them), in the app and through the transports of
planwatch.notifications.delivery (e-mail, the group robot).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from planwatch.breakdown.actions import BREAKDOWN
from planwatch.kernel.models import AuditEvent
from planwatch.kernel.review import ACTION_WORDS, ACTIONS, Action, SubjectKind, transitioned
from planwatch.ledgers.services import LEDGER_ROW
from planwatch.notifications.delivery import notify
from planwatch.notifications.people import called, in_person_first
from planwatch.reporting.workflow import VALUE
from planwatch.supervision.actions import PROGRESS_UPDATE

log = logging.getLogger("planwatch.notifications")

# The kinds of subject whose moves are told; an app above the inbox adds its own (`tell_of`).
KINDS: dict[str, SubjectKind] = {k.name: k for k in (VALUE, LEDGER_ROW, PROGRESS_UPDATE, BREAKDOWN)}

# Where a subject is acted on, per kind.
LINKS: dict[str, Callable[[Any], str]] = {
    VALUE.name: lambda v: reverse(
        "reporting:entry", args=[v.indicator.plan.code, v.locality.code, v.period.code]
    ),
    LEDGER_ROW.name: lambda r: reverse("ledgers:item", args=[r.ledger.plan.code, r.ledger.code, r.pk]),
    PROGRESS_UPDATE.name: lambda u: reverse(
        "supervision:milestone", args=[u.milestone.action_plan.plan.code, u.milestone_id]
    ),
    BREAKDOWN.name: lambda b: reverse("breakdown:table", args=[b.indicator.plan.code, b.indicator.code]),
}


# Where one who may now approve or accept the subject acts on it, where that is not LINKS' page: a
# value's approver and the province open the reviewer's workbench, its reporter the entry form.
REVIEW_LINKS: dict[str, Callable[[Any], str]] = {
    VALUE.name: lambda v: reverse(
        "review:locality", args=[v.indicator.plan.code, v.locality.code, v.period.code]
    ),
}


def link_for(kind: SubjectKind, subject: Any, user: Any) -> str:
    """The page where `user` acts on the subject of a notification."""
    if kind.name in REVIEW_LINKS and {Action.APPROVE, Action.ACCEPT} & set(kind.actions(user, subject)):
        return REVIEW_LINKS[kind.name](subject)
    return LINKS[kind.name](subject) if kind.name in LINKS else ""


# Who is told of a kind's moves, where it is not the next actors and the reporter (a bulletin:
# its addressees): audience(subjects, action, people) → each person with the subjects for them.
Audience = Callable[[list[Any], str, list[Any]], dict[Any, list[Any]]]
AUDIENCES: dict[str, Audience] = {}


def tell_of(kind: SubjectKind, link: Callable[[Any], str], audience: Audience | None = None) -> None:
    """Tell the moves of `kind` too (from an app above the inbox), acted on at `link`."""
    KINDS[kind.name] = kind
    LINKS[kind.name] = link
    if audience is not None:
        AUDIENCES[kind.name] = audience


def reporters(kind: SubjectKind, subjects: list[Any]) -> dict[Any, Any]:
    """Who reported each subject (by pk): the last to submit it (the audit log, one query for all),
    else its author."""
    about = {str(kind.audit_subject(s).id): s.pk for s in subjects}
    types = {kind.audit_subject(s).type for s in subjects}
    events = (
        AuditEvent.objects.filter(
            type=kind.event(Action.SUBMIT), subject_type__in=types, subject_id__in=list(about)
        )
        .exclude(actor=None)
        .select_related("actor")
        .order_by("id")
    )
    found = {about[e.subject_id]: e.actor for e in events}  # the last submit wins
    return {s.pk: found.get(s.pk) or getattr(s, "author", None) for s in subjects}


def next_actors(kind: SubjectKind, subject: Any, people: list[Any]) -> list[Any]:
    """Those who may move the subject now; the administrator only when nobody else may."""
    return in_person_first([u for u in people if kind.actions(u, subject)])


def concerned(kind: SubjectKind, subjects: list[Any], actor: Any, action: str = "") -> dict[Any, list[Any]]:
    """Each person concerned, with the subjects that concern them (in order), the actor left out."""
    people = list(get_user_model().objects.filter(is_active=True).select_related("profile").order_by("pk"))
    if kind.name in AUDIENCES:
        told = AUDIENCES[kind.name](subjects, action, people)
        return {user: subs for user, subs in told.items() if user.pk != getattr(actor, "pk", None)}
    out: dict[int, tuple[Any, list[Any]]] = {}
    authors = reporters(kind, subjects)
    for subject in subjects:
        found = next_actors(kind, subject, people)
        author = authors[subject.pk]
        if author is not None and author.is_active:
            found.append(author)
        for user in found:
            if user.pk == getattr(actor, "pk", None):
                continue
            entry = out.setdefault(user.pk, (user, []))
            if subject not in entry[1]:
                entry[1].append(subject)
    return {user: subs for user, subs in out.values()}


def message(kind: SubjectKind, action: str, subjects: list[Any], actor: Any, comment: str) -> tuple[str, str]:
    verb_zh, verb_en = ACTION_WORDS[ACTIONS[action]]
    who = called(actor)
    labels = [kind.audit_subject(s).label for s in subjects]
    shown = "、".join(labels[:5]) + ("…" if len(labels) > 5 else "")
    shown_en = ", ".join(labels[:5]) + ("…" if len(labels) > 5 else "")
    zh = f"{who} {verb_zh}了 {len(subjects)} 个{kind.noun[0]}：{shown}"
    en = f"{who} {verb_en} {len(subjects)} {kind.noun[1]}(s): {shown_en}"
    if comment:
        zh, en = f"{zh}。意见：{comment}", f"{en}. Comment: {comment}"
    return zh, en


def tell(kind_name: str, action: str, ids: list[int], actor: Any, comment: str) -> int:
    """Notify everyone a move concerns, once each; the number of notifications made."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return 0
    rows = kind.queryset() if kind.queryset else kind.model._default_manager.all()
    subjects = list(rows.filter(pk__in=ids).order_by("pk"))
    moment = timezone.now().isoformat()
    digest = hashlib.sha256(f"{kind_name}:{action}:{sorted(ids)}:{moment}".encode()).hexdigest()[:16]
    event = f"{kind.event(action)}:{digest}"
    made = 0
    for user, mine in concerned(kind, subjects, actor, action).items():
        zh, en = message(kind, action, mine, actor, comment)
        link = link_for(kind, mine[0], user)
        if notify(user, f"{event}:{user.pk}", zh, en, link, event=event) is not None:
            made += 1
    return made


@receiver(transitioned, dispatch_uid="inbox.notify")
def on_transition(
    sender: Any, kind: str, action: str, ids: list[int], actor: Any, comment: str, **kw: Any
) -> None:
    """After a committed move: tell the people concerned. A failure here is logged, never raised:
    the move is done and stays done."""
    try:
        tell(kind, action, ids, actor, comment)
    except Exception:
        log.exception("notifying %s.%s of %s failed", kind, action, ids)
