"""The server log's line for a refusal: an ordinary 403 is one WARNING line, not a traceback.

Django logs a refused request on `django.request` with the exception attached, so every
PermissionDenied (and every NotAllowed the web's middleware turns into a 403 page) wrote a full
traceback. `OneLineRefusals` (a filter on that logger, settings.LOGGING) rewrites such a record to
`Forbidden: <method> <path> user=<username> reason=<reason>` and drops the traceback; server errors
(5xx) and other statuses pass unchanged. This module imports no models: logging is configured before
the apps are loaded.
"""

from __future__ import annotations

import logging
from typing import Any


def _username(request: Any) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return str(user.get_username())


def _one_line(text: str) -> str:
    return " ".join(text.split())


class OneLineRefusals(logging.Filter):
    """A 403 on django.request: one line (method, path, user, reason) at WARNING, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403 or getattr(record, "one_line", False):
            return True  # not a refusal, or made one line already (the filter may be met twice)
        request = getattr(record, "request", None)
        exc = record.exc_info[1] if record.exc_info else None
        reason = _one_line(str(exc)) if exc is not None and str(exc) else "Forbidden"
        record.msg = "Forbidden: %s %s user=%s reason=%s"
        record.args = (
            getattr(request, "method", "?"),
            _one_line(getattr(request, "path", "?")),
            _username(request),
            reason,
        )
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        record.one_line = True
        return True
