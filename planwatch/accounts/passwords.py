"""What follows a password change, whatever changed it: the user's API tokens stop working.

Django calls `password_changed()` of every entry in AUTH_PASSWORD_VALIDATORS after a user saved
with a new password (the users page, the password page, `create_user`, `demo_user`, the Django
admin, `changepassword`). PlanWatch's own actions revoke the tokens first and say so in their audit
event; a change made elsewhere finds them still active, and this revokes and audits them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from planwatch.accounts.models import ApiToken
from planwatch.kernel import audit


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
