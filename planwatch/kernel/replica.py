"""An optional read replica for the dashboards (docs/deployment.md, "A read replica").

With DATABASE_REPLICA_URL set, settings add a `replica` database. The dashboards' pages (the URL
namespace `dashboards`, GET and HEAD only) read from it; everything else reads and writes the
primary (`default`), as without a replica. Two exceptions keep a page right when the replica lags:

- who is signed in (sessions, users, profiles and tokens, login failures) is always read from the
  primary: a session written by the login a moment ago may not have reached the replica yet;
- inside a transaction on the primary (a page that stores an evaluation run) reads stay there, so
  the transaction reads what it wrote.

The choice is explicit: the middleware marks the request, the router reads the mark.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
NAMESPACES = frozenset({"dashboards"})  # the URL namespaces whose reads may come from the replica
READ_METHODS = frozenset({"GET", "HEAD"})
# Who is signed in: read from the primary always.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes"})

_reading_dashboards: ContextVar[bool] = ContextVar("planwatch_reading_dashboards", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class DashboardReadsRouter:
    """DATABASE_ROUTERS: reads of a marked request from the replica; every write, and every
    migration, on the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if (
            _reading_dashboards.get()
            and configured()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows: one database to the ORM

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary, migrations included


class DashboardReadsMiddleware:
    """Marks a GET or HEAD of a dashboards page for the router, only when a replica is set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reading_dashboards.set(False)
        try:
            return self.get_response(request)
        finally:
            _reading_dashboards.reset(token)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        if configured() and request.method in READ_METHODS and match and match.namespace in NAMESPACES:
            _reading_dashboards.set(True)
