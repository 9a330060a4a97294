"""Passwords: the length rule said in PlanWatch's words, and what follows a password change,
whatever changed it: the user's API tokens stop working.

Django calls `password_changed()` of every entry in AUTH_PASSWORD_VALIDATORS after a user saved
with a new password (the users page, the password page, `create_user`, `demo_user`, the Django
admin, `changepassword`). PlanWatch's own actions revoke the tokens first and say so in their audit
event; a change made elsewhere finds them still active, and this revokes and audits them.
"""

from __future__ import annotations

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


class RevokeApiTokensOnChange:
    """Not a check: every password passes; a new one revokes the user's tokens."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        with transaction.atomic():
            prefixes = ApiToken.revoke_all_of(user)
            if prefixes:
                subject = audit.Subject("user", user.pk, user.get_username())
                audit.record(
                    "token.revoke",
                    None,
                    subject,
                    via=audit.Via(audit.Source.SYSTEM, "password changed"),
                    new={"revoked": prefixes, "reason": "password changed"},
                )

    def get_help_text(self) -> str:
        return ""
