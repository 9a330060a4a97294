"""Who may call the API: a signed-in browser session, or a script holding an API token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from planwatch.accounts.models import ApiToken


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer pw_…`, checked against the stored hashes of unrevoked tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = ApiToken.authenticate(token.strip())
        if api_token is None:
            return None
        # The endpoints see the same `request.user` whichever way the caller signed in.
        request.user = api_token.user
        return api_token.user


# The token is tried first: a script that sends one is not asked for a session cookie, and a wrong
# token still falls through to the session, so a signed-in browser is never locked out by a header.
API_AUTH = [ApiTokenAuth(), django_auth]
