"""Bulletins in the inbox: the issued ones addressed to the user are listed there, and their
addressees are told (in the app, by e-mail, to the group robot) when one is issued, withdrawn or
superseded. Registered with the inbox (planwatch.inbox, below this app) by BulletinsConfig.ready."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from planwatch.accounts.permissions import has_perm, is_province
from planwatch.bulletins.issuing import BULLETIN, bulletins_for
from planwatch.bulletins.models import Bulletin
from planwatch.inbox.events import tell_of
from planwatch.inbox.sources import Item, Source, register
from planwatch.kernel.review import IssueAction
from planwatch.plans.models import Plan

TOLD = {IssueAction.ISSUE, IssueAction.WITHDRAW, IssueAction.SUPERSEDE}
LISTED = 10  # the latest issued bulletins addressed to the user, in the inbox


def link(bulletin: Bulletin) -> str:
    return reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk])


def addressees(bulletins: list[Any], action: str, people: list[Any]) -> dict[Any, list[Any]]:
    """Who reads the bulletin: its addressees (主送, 抄送), not the province that issued it."""
    if action not in TOLD:
        return {}
    out: dict[Any, list[Any]] = {}
    for bulletin in bulletins:
        for user in people:
            if not is_province(user) and has_perm("bulletin.view", user, bulletin):
                out.setdefault(user, []).append(bulletin)
    return out


def issued_to_me(plan: Plan, user: Any, today: dt.date) -> list[Item]:
    """Not work waiting (no count in the badge): the latest bulletins addressed to the user."""
    return [
        Item(
            f"{b.title}（{b.number_label}，{b.issued_on:%Y-%m-%d} 签发）",
            f"{b.title} ({b.number_label}, issued {b.issued_on:%Y-%m-%d})",
            link(b),
            count=0,
        )
        for b in bulletins_for(user, plan)[:LISTED]
    ]


def register_with_the_inbox() -> None:
    tell_of(BULLETIN, link, addressees)
    register(Source("bulletins", ("收到的通报", "Bulletins issued to you"), issued_to_me))
