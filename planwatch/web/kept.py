"""Pages kept while the data have not changed: the most-read pages, answered again from the
process's cache to the same user while nothing they show can have changed.

A page is kept under everything its answer depends on, so a kept answer is the answer the view
would give again:

- who asks: the signed-in user, or the user of an API token (the token is checked on every request,
  as the API checks it: a revoked or expired token is refused, never answered from the cache). The
  page's forms are given the asking session's own CSRF token when it is answered, so a user's
  sessions share their kept pages;
- what is asked: the path with its query string, the language;
- when: the site's date (what is late, what is open) and the data mark (kernel.unchanged: the last
  audit event — every change of data is one action writing one, so a new event is a new key).

It is kept only when the view's answer is whole and final: a 200 that sets no cookie, leaves the
session as it was, shows no message (a request with messages waiting is not answered from the
cache either) and holds nothing that changes without a change of the data (a newer evaluation
run being made on the job runner: `kernel.unchanged.provisional`). GET only.

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

# The pages kept, by view name: the pages officials read most, each shown from the data alone.
KEPT_VIEWS = frozenset(
    {
        "dashboards:overview",
        "dashboards:locality",
        "dashboards:indicator",
        "reporting:entry",
        "ledgers:list",
        "api-1:list_values",
    }
)

_KEY = "_planwatch_kept_key"
# A form's CSRF token (Django's {% csrf_token %}, the only way a template holds one): kept as a mark,
# given the asking session's own token when the page is answered.
CSRF_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(">)')
CSRF_MARK = b"\x00planwatch-csrf\x00"
_SKIPPED_HEADERS = {"set-cookie"}


def _caller(request: HttpRequest) -> str | None:
    """Who asks, as the key names them (the user); None when the page is not to be kept for them."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        token = ApiToken.authenticate(raw.strip())
        return str(token.user_id) if token is not None else None
    user: Any = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else None


def _key(request: HttpRequest) -> str | None:
    caller = _caller(request)
    if caller is None or len(get_messages(request)):
        return None
    parts = (
        caller,
        request.get_full_path(),
        translation.get_language() or "",
        timezone.localdate().isoformat(),
        unchanged.data_mark(),
    )
    return "planwatch:page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    session: Any = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
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
        key = getattr(request, _KEY, None)
        if key is not None and _keepable(request, response):
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
        key = _key(request)
        if key is None:
            return None
        kept = caches["pages"].get(key)
        if kept is None:
            setattr(request, _KEY, key)
            return None
        content, headers = kept
        if CSRF_MARK in content:
            content = content.replace(CSRF_MARK, get_token(request).encode())
        return HttpResponse(content, headers=dict(headers))
