"""Pages kept while the data have not changed: the most-read pages, answered again from the
process's cache to the same user while nothing they show can have changed.

A page is kept under everything its answer depends on, so a kept answer is the answer the view
would give again:

- who asks: the signed-in user; for the API, the user of a valid bearer token, else the signed-in
  user, as the API itself decides (the token is checked on every request: a revoked or expired
  token is refused, never answered from the cache; a page is kept only when the view answered the
  user its key names). The page's forms are given the asking session's own CSRF token when it is
  answered, so a user's sessions share their kept pages;
- what is asked: the address (scheme, host, path and query: the API's next-page link holds them),
  the language;
- when: the site's date (what is late, what is open) and the data mark (kernel.unchanged: the last
  audit event — every change of data is one action writing one, so a new event is a new key).

It is kept only when the view's answer is whole and final: a 200 of at most KEPT_MAX_BYTES that
sets no cookie, leaves the session as it was, shows no message (a request with messages waiting is
not answered from the cache either) and holds nothing that changes without a change of the data (a
newer evaluation run being made on the job runner, a run just made: `kernel.unchanged.provisional`).
GET only.

PLANWATCH_CACHE_SECONDS bounds how long (0 keeps nothing: the tests' settings);
PLANWATCH_KEPT_PAGES bounds how many answers a process keeps (the "pages" cache in settings).
Which pages are kept is the one list below: a view is added by its name."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from planwatch.accounts.models import ApiToken
from planwatch.kernel import unchanged

# Who a kept page is made for: the signed-in user (a page), or — as the API answers — the user of a
# valid bearer token, else the signed-in user.
SESSION, TOKEN_OR_SESSION = "session", "token or session"

# The pages kept, by view name, with who they are made for: the pages officials read most, each
# shown from the data alone.
KEPT_VIEWS = {
    "dashboards:overview": SESSION,
    "dashboards:locality": SESSION,
    "dashboards:indicator": SESSION,
    "reporting:entry": SESSION,
    "ledgers:list": SESSION,
    "api-1:list_values": TOKEN_OR_SESSION,
}
# A larger answer (the API's values without a limit, at national size) is made again each time.
KEPT_MAX_BYTES = 1024 * 1024

_KEY = "_planwatch_kept_key"
# A form's CSRF token (Django's {% csrf_token %}, the only way a template holds one): kept as a mark,
# given the asking session's own token when the page is answered.
CSRF_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(">)')
CSRF_MARK = b"\x00planwatch-csrf\x00"
_SKIPPED_HEADERS = {"set-cookie"}


def _caller(request: HttpRequest, who: str) -> str | None:
    """Who asks, as the key names them (the user the view will answer); None when the page is not
    to be kept for them."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if who == TOKEN_OR_SESSION and scheme.lower() == "bearer" and raw.strip():
        token = ApiToken.authenticate(raw.strip())
        return str(token.user_id) if token is not None else None
    user: Any = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else None


def _key(request: HttpRequest, caller: str) -> str:
    parts = (
        caller,
        request.build_absolute_uri(),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        unchanged.data_mark(),
    )
    return "planwatch:page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _keepable(request: HttpRequest, response: HttpResponse, caller: str) -> bool:
    session: Any = getattr(request, "session", None)
    user: Any = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and len(response.content) <= KEPT_MAX_BYTES
        and user is not None
        and str(user.pk) == caller  # made for the user the key names (the API: the token's, if any)
        and not response.cookies
        and not (session is not None and session.modified)
        and not len(get_messages(request))
        and not unchanged.is_provisional()
    )


class KeptPages:
    """MIDDLEWARE (after sessions, language, authentication and messages): answers a kept page
    from the cache, or keeps the view's answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key, caller = getattr(request, _KEY, (None, ""))
        if key is not None and _keepable(request, response, caller):
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
            content = CSRF_INPUT.sub(rb"\g<1>" + CSRF_MARK + rb"\g<2>", response.content)
            caches["pages"].set(key, (content, headers), settings.PLANWATCH_CACHE_SECONDS)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        if (
            request.method != "GET"
            or not settings.PLANWATCH_CACHE_SECONDS
            or match is None
            or match.view_name not in KEPT_VIEWS
        ):
            return None
        caller = _caller(request, KEPT_VIEWS[match.view_name])
        if caller is None or len(get_messages(request)):
            return None
        key = _key(request, caller)
        kept = caches["pages"].get(key)
        if kept is None:
            setattr(request, _KEY, (key, caller))
            return None
        content, headers = kept
        if CSRF_MARK in content:
            content = content.replace(CSRF_MARK, get_token(request).encode())
        return HttpResponse(content, headers=dict(headers))
