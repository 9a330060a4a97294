"""The optional read replica (planwatch/kernel/replica.py): with DATABASE_REPLICA_URL, the dashboards'
reads go to `replica`, every write and every other page to `default`. Tested with the replica
pointing at the same database: the router's choices are recorded and asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, transaction

from planwatch.kernel import replica
from planwatch.kernel.replica import DashboardReadsRouter
from planwatch.plans.models import Indicator

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def choices(monkeypatch):
    """A replica that is the primary's own connection (so it holds the test's rows), and the list
    of the router's read choices: (app label, alias)."""
    monkeypatch.setattr(replica, "configured", lambda: True)
    connections[replica.REPLICA] = connections["default"]
    made: list[tuple[str, str]] = []
    choose = DashboardReadsRouter.db_for_read

    def recorded(self, model, **hints):
        alias = choose(self, model, **hints)
        made.append((model._meta.app_label, alias))
        return alias

    monkeypatch.setattr(DashboardReadsRouter, "db_for_read", recorded)
    yield made
    del connections[replica.REPLICA]


@pytest.mark.django_db(transaction=True)  # not inside a test's transaction: reads may leave the primary
def test_dashboards_read_the_replica_and_nothing_else_does(client, plan, bob, choices):
    client.force_login(bob)
    assert client.get(f"/plans/{plan.code}/dashboard/").status_code == 200
    to_replica = {app for app, alias in choices if alias == replica.REPLICA}
    assert "plans" in to_replica  # the dashboard's data
    assert not to_replica & replica.PRIMARY_ONLY_APPS  # who is signed in: the primary's
    assert ("sessions", "default") in choices and ("auth", "default") in choices

    choices.clear()
    assert client.get(f"/plans/{plan.code}/").status_code == 200  # the plan's page: not a dashboard
    assert choices and all(alias == "default" for _, alias in choices)

    choices.clear()
    client.post(f"/plans/{plan.code}/dashboard/")  # not a read
    assert all(alias == "default" for _, alias in choices)


@pytest.mark.django_db(transaction=True)
def test_the_router_writes_to_the_primary_and_reads_there_inside_a_transaction(plan, choices):
    router = DashboardReadsRouter()
    token = replica._reading_dashboards.set(True)
    try:
        assert router.db_for_read(Indicator) == replica.REPLICA
        assert Indicator.objects.filter(plan=plan).count() == 35  # read through the replica alias
        with transaction.atomic():  # a page that stores what it computed reads what it wrote
            assert router.db_for_read(Indicator) == "default"
        assert router.db_for_write(Indicator) == "default"
    finally:
        replica._reading_dashboards.reset(token)
    assert router.db_for_read(Indicator) == "default"  # unmarked: the primary
    assert router.allow_migrate("default", "plans") and not router.allow_migrate(replica.REPLICA, "plans")


def test_without_a_replica_every_read_is_on_the_primary():
    router = DashboardReadsRouter()
    token = replica._reading_dashboards.set(True)
    try:
        assert not replica.configured()
        assert router.db_for_read(Indicator) == "default"
    finally:
        replica._reading_dashboards.reset(token)


def test_the_setting_adds_a_replica_that_mirrors_the_primary_in_tests():
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "DATABASE_URL": "postgresql://planwatch@db-primary/planwatch",
        "DATABASE_REPLICA_URL": "postgresql://planwatch@db-replica/planwatch",
    }
    code = "import json, planwatch.settings as s; print(json.dumps({a: [d['HOST'], d.get('TEST')] for a, d in s.DATABASES.items()}))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {
        "default": ["db-primary", None],
        "replica": ["db-replica", {"MIRROR": "default"}],
    }
