"""GET /healthz: whether this web process can serve (docs/deployment.md, "The health endpoint").

A proxy or a load balancer asks it every few seconds, so it is cheap — two queries, the applied
migrations and the job queue — never writes, and is answered before every other middleware: no
session is read or renewed, no login, no HTTPS redirect or host check (a balancer asks by address).
It names no secret: only states and two numbers.

    200 {"status": "ok", "database": "ok", "migrations": "ok",
         "jobs": {"queued": 3, "oldest_queued_seconds": 12}}
    503 {"status": "failing", "failing": ["database"], "database": "unreachable", ...}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

PATH = "/healthz"
log = logging.getLogger(__name__)

Migration = tuple[str, str]


@cache
def migrations_on_disk() -> dict[Migration, tuple[Migration, ...]]:
    """Every migration of the code this process runs, with the ones it replaces (a squash): read
    from disk once per process — the code does not change under a running process."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return {key: tuple(graph.nodes[key].replaces or ()) for key in graph.nodes}


def unapplied(applied: set[Migration]) -> list[Migration]:
    """The migrations of the code not recorded as applied (a squash counts when all it replaces are)."""
    return sorted(
        key
        for key, replaces in migrations_on_disk().items()
        if key not in applied and not (replaces and all(r in applied for r in replaces))
    )


def status() -> tuple[bool, dict[str, Any]]:
    """(healthy, the answer's body)."""
    body: dict[str, Any] = {"status": "ok", "database": "ok", "migrations": "ok", "jobs": None}
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.ensure_connection()
        recorder = MigrationRecorder(connection)
        applied = set(recorder.migration_qs.values_list("app", "name"))
    except DatabaseError:
        log.warning("health: the database does not answer", exc_info=True)
        body.update(status="failing", failing=["database"], database="unreachable", migrations="unknown")
        return False, body
    missing = unapplied(applied)
    if missing:
        body.update(migrations=f"{len(missing)} unapplied")
    try:
        queue = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
            queued=Count("id"), oldest=Min("enqueued_at")
        )
    except DatabaseError:  # the queue's table itself is one of the migrations not applied
        queue = None
    if queue is not None:
        oldest = queue["oldest"]
        age = max(0, round((timezone.now() - oldest).total_seconds())) if oldest else 0
        body["jobs"] = {"queued": queue["queued"], "oldest_queued_seconds": age}
    if missing:
        body.update(status="failing", failing=["migrations"])
        return False, body
    return True, body


def answer() -> HttpResponse:
    healthy, body = status()
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


def middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """First in MIDDLEWARE: GET or HEAD /healthz is answered here, before anything else runs."""

    def respond(request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return answer()
        return get_response(request)

    return respond
