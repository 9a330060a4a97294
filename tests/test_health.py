"""GET /healthz (planwatch/kernel/health.py): 200 and the queue when all is well, 503 naming the
failing part; two queries, no write, no session touched, no login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from planwatch.kernel import health

pytestmark = pytest.mark.django_db


def _queued(seconds_ago: int) -> None:
    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="planwatch.kernel.jobs.run_job",
        backend_name="default",
        run_after=timezone.now(),
    )
    DBTaskResult.objects.filter(pk=result.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_ok_with_the_queue(client, bob):
    _queued(90)
    _queued(5)
    DBTaskResult.objects.create(  # running: not queued
        args_kwargs={}, task_path="x", backend_name="default", run_after=timezone.now(), status="RUNNING"
    )
    client.force_login(bob)  # a session cookie is sent: it is neither read nor renewed
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a balancer asks by address
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == body["database"] == body["migrations"] == "ok"
    assert body["jobs"]["queued"] == 2 and 89 <= body["jobs"]["oldest_queued_seconds"] <= 95
    assert len(queries) <= 2
    sql = " ".join(q["sql"] for q in queries).lower()
    assert "session" not in sql and "insert" not in sql and "update" not in sql
    assert "Set-Cookie" not in answer.headers and answer.headers["Cache-Control"] == "no-store"
    assert client.post("/healthz").status_code != 200  # only GET and HEAD are answered here


def test_no_secrets_and_no_login(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "jobs": {"queued": 0, "oldest_queued_seconds": 0},
    }


def test_unapplied_migrations_answer_503(client, monkeypatch):
    on_disk = dict(health.migrations_on_disk())
    on_disk[("kernel", "9999_not_yet")] = ()
    monkeypatch.setattr(health, "migrations_on_disk", lambda: on_disk)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "failing" and body["failing"] == ["migrations"]
    assert body["migrations"] == "1 unapplied" and body["database"] == "ok"


def test_an_unreachable_database_answers_503(client, monkeypatch, tmp_path):
    gone = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "no" / "such" / "db.sqlite3")}
    monkeypatch.setattr(health, "connections", ConnectionHandler({"default": gone}))
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["failing"] == ["database"] and body["database"] == "unreachable"
    assert "no/such" not in answer.content.decode()  # nothing of the settings
