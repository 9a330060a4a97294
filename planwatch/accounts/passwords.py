"""Passwords: the length rule said in PlanWatch's words, and what follows a password change,
whatever changed it: the user's API tokens stop working.

Django calls `password_changed()` of every entry in AUTH_PASSWORD_VALIDATORS after a user saved
with a new password (the users page, the password page, `create_user`, `demo_user`, the Django
admin, `changepassword`). PlanWatch's own actions (accounts.actions) revoke the tokens and audit
the change themselves, inside `audited_here()`; a change made anywhere else (the Django admin,
`changepassword`, `createsuperuser`) is audited here: one `user.password_change` event, source
system, naming the tokens it revoked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.db import transaction
from django.utils.translation import ngettext

from planwatch.accounts.models import ApiToken
from planwatch.kernel import audit


class MinimumLength(MinimumLengthValidator):
    """Django's length rule (12 characters in settings), with a message translated here: Django
    5.2's own wording has no Chinese yet."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.", "At least %(min_length)d characters.", self.min_length
        ) % {"min_length": self.min_length}


_AUDITED_HERE: ContextVar[bool] = ContextVar("password_change_audited_by_an_action", default=False)


@contextmanager
def audited_here() -> Iterator[None]:
    """A password set by one of PlanWatch's actions, which audits it in its own event."""
    token = _AUDITED_HERE.set(True)
    try:
        yield
    finally:
        _AUDITED_HERE.reset(token)


class RevokeApiTokensOnChange:
    """Not a check: every password passes; a new one revokes the user's tokens, and a change made
    outside PlanWatch's actions is audited."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None or _AUDITED_HERE.get():
            return
        with transaction.atomic():
            revoked = ApiToken.revoke_all_of(user)
            subject = audit.Subject("user", user.pk, user.get_username())
            audit.record(
                "user.password_change",
                None,
                subject,
                via=audit.Via(audit.Source.SYSTEM, "outside PlanWatch's pages (Django admin or command)"),
                new={"tokens_revoked": revoked},
            )

    def get_help_text(self) -> str:
        return ""
