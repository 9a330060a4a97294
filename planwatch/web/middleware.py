from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.log import log_response
from django.views.defaults import page_not_found, permission_denied

from planwatch.core import inputs
from planwatch.core.errors import Issue, PlanWatchError, errors_body
from planwatch.pages import refusal_page
from planwatch.plans.models import in_english

logger = logging.getLogger(__name__)

# The idle timeout is renewed at most this often (seconds): not a database write on every page.
RENEW_SESSION_EVERY = 60


def renew_idle_session(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A signed-in session lasts SESSION_COOKIE_AGE (PLANWATCH_IDLE_MINUTES) after its last request:
    renewed (saved again) when a request comes more than a minute after the last renewal, so a
    session ends between the idle time less a minute and the idle time after its last request.
    Saving on every request (SESSION_SAVE_EVERY_REQUEST) would write to the database on every page
    view, and on SQLite wait behind any long write (a large import on the job runner)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        session: Any = getattr(request, "session", None)
        signed_in = session is not None and session.session_key and not session.is_empty()
        if signed_in and time.time() - int(session.get(RENEWED_AT, 0)) >= RENEW_SESSION_EVERY:
            if session.modified:
                session_renewed(session)  # saved with the view's own change by SessionMiddleware
            else:
                _renewed_alone(session)
        return response

    return middleware


def _renewed_alone(session: Any) -> None:
    """Save a renewal the view did not ask for, at best: a database too busy to take the write (a
    long job holding SQLite's write lock) or a session ended meanwhile (a logout in another tab)
    leaves the session as it was, and the page still answers; the next request renews it."""
    session_renewed(session)
    try:
        session.save()
    except (DatabaseError, UpdateError) as exc:
        logger.warning("session not renewed: %s", exc)
    session.modified = False


RENEWED_AT = "_renewed_at"


def session_renewed(session: Any, **_: Any) -> None:
    session[RENEWED_AT] = int(time.time())


def renewed_at_login(sender: Any, request: HttpRequest, **_: Any) -> None:
    """A login saves the session: its renewal counts from there (web.apps connects this)."""
    session_renewed(request.session)


def chinese_first(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Serve Chinese unless the user chose English with the switch.

    Officials' machines are often set to English; the browser's Accept-Language must not override
    the product's language. The choice made with the switch is kept in the language cookie, which
    LocaleMiddleware still reads.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware


class PlanWatchErrors:
    """The web's one place for any refusal of PlanWatch (the root of its errors) that a view lets
    through: 403 and 404 pages with the reason in the page's language; after a form (POST), the
    reason as a message on the page it came from; else a page that says it, with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, PlanWatchError) or request.path.startswith("/api/"):
            return None
        message = exc.text(in_english())
        if exc.status == 403:
            response = permission_denied(request, PermissionDenied(message))
            # Logged with its reason, as Django logs a PermissionDenied (one line: planwatch.web.logs).
            log_response("Forbidden: %s", request.path, response=response, request=request, exception=exc)
            return response
        if exc.status == 404:
            return page_not_found(request, Http404(message))
        if request.method == "POST":
            messages.error(request, message)
            return redirect(_back(request))
        english = in_english()
        issues = [issue.text(english) for issue in exc.issues] if len(exc.issues) > 1 else []
        context = {"message": message, "issues": issues}
        return render(request, "400.html", context, status=exc.status)


def _back(request: HttpRequest) -> str:
    """The page the view named (planwatch.pages.refusal_goes_to), else the page the form was sent
    from (this site's own), else the address it was sent to."""
    if named := refusal_page(request):
        return named
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return request.get_full_path()


class RejectMalformedInput:
    """The one place that refuses input the database cannot hold before any view reads it: a NUL
    character in the address, a query parameter, a form field or a JSON body (PostgreSQL refuses NUL
    in text), and a JSON body nested deeper than the parser can follow. The answer names the field:
    for the API `{"errors": [...]}` with status 400, for a page the 400 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        issue = _malformed(request)
        if issue is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(errors_body([issue]), status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"message": issue.text(in_english()), "issues": []}, status=400)


_ESCAPED_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def _fields(data: QueryDict) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, values in data.lists() for value in values]


# The addresses whose body may be larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB, a limit
# for forms), up to PLANWATCH_VALUE_SET_MAX_BYTES: a data value set of the API.
LARGE_BODIES = re.compile(r"^/api/v1/plans/[^/]+/datavaluesets$")


def _body(request: HttpRequest) -> bytes | None:
    """The request's body, read once (views read it again from `request.body`); None if it is a
    data value set larger than PLANWATCH_VALUE_SET_MAX_BYTES (the view answers 413)."""
    if hasattr(request, "_body") or not LARGE_BODIES.match(request.path):
        return request.body
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.PLANWATCH_VALUE_SET_MAX_BYTES:
        return None
    body = request.read()
    request._body = body  # what `request.body` gives from now on  # type: ignore[attr-defined]
    request._stream = io.BytesIO(body)  # type: ignore[attr-defined]
    return body


def _malformed(request: HttpRequest) -> Issue | None:
    if inputs.NUL in request.path:
        return inputs.nul_issue("path")
    if issue := inputs.nul_in_fields(_fields(request.GET)):
        return issue
    content_type = (request.content_type or "").lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return inputs.nul_in_fields(_fields(request.POST))
    if content_type not in ("application/json", "") or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    body = _body(request)
    if body is None:
        return None  # larger than the endpoint takes: it says so (413)
    if issue := inputs.too_deep(body):
        return issue
    if not _ESCAPED_NUL.search(body) and b"\x00" not in body:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON: the endpoint says so
    return inputs.nul_in_json(document)
