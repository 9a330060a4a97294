"""Answers kept while the data have not changed: what a page computes from the data on every view
(the top bar's inbox count, the sample-data banner, a form's ledger counts), kept in the process's
cache under the last event of the audit log.

Every change of data is one action writing one audit event in its own transaction
(planwatch.kernel.audit), and the events are chained one after the other (the chain's lock), so
the last event — its id and its hash, one read of the primary key's index — names the state of the
data: a new event, a new key, the answer computed again. A key is never reused: the hash differs
even where an id comes again after a rolled-back transaction. The answer is read after the mark,
so it is at least as new as its key says. Nothing else is kept: a web process still holds no state
of its own (docs/deployment.md), only copies it computes again after any change.

PLANWATCH_CACHE_SECONDS (300 by default) bounds how long an answer is kept; 0 keeps nothing (the
test settings: tests change rows without actions).

A reading request (GET, HEAD) reads the mark once, however many kept answers its page asks for
(`middleware`): it changes no data before it answers, so the mark cannot move under it in a way
that matters — an answer computed after another process's change is newer than its key says, never
older.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from planwatch.kernel.models import AuditEvent
from planwatch.kernel.replica import READ_METHODS

T = TypeVar("T")
_MISSING = object()
# The mark read by this reading request: None outside one, "" until first read.
_request_mark: ContextVar[str | None] = ContextVar("planwatch_request_mark", default=None)
# Set when this request's answer holds a state that may change without a change of the data (a
# newer evaluation run being made on the job runner): such a page is never kept (web.kept).
_provisional: ContextVar[bool] = ContextVar("planwatch_provisional", default=False)


def data_mark() -> str:
    """The state of the data: the last audit event's id and hash ("0" before the first event); read
    once per reading request."""
    kept = _request_mark.get()
    if kept:
        return kept
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    mark = f"{last[0]}.{last[1]}" if last else "0"
    if kept is not None:
        _request_mark.set(mark)
    return mark


def middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """MIDDLEWARE: a reading request reads the data mark once."""

    def respond(request: HttpRequest) -> HttpResponse:
        token = _request_mark.set("" if request.method in READ_METHODS else None)
        flag = _provisional.set(False)
        try:
            return get_response(request)
        finally:
            _provisional.reset(flag)
            _request_mark.reset(token)

    return respond


def provisional() -> None:
    """This request's answer shows a state the data mark does not name (a run still being made):
    the page is not kept (planwatch.web.kept)."""
    _provisional.set(True)


def is_provisional() -> bool:
    return _provisional.get()


def while_unchanged(name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`, or the answer it gave for the same `name` and `parts` since the last change of
    the data (one query for the mark when kept)."""
    seconds = settings.PLANWATCH_CACHE_SECONDS
    if not seconds:
        return compute()
    key = ":".join(["planwatch", name, *(str(p) for p in parts), data_mark()])
    kept = cache.get(key, _MISSING)
    if kept is not _MISSING:
        answer: T = kept
        return answer
    answer = compute()
    cache.set(key, answer, seconds)
    return answer
