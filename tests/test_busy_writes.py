"""A request's write waits a bounded time for the audit log (kernel.audit.bounded_writes): while a
long load holds the chain's lock, a save answers Busy — on the web a message on the page it came
from, in the API a 503 in the one shape — with nothing written, before the web worker's timeout;
the command line and the job runner wait as long as it takes. PostgreSQL's advisory lock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from planwatch.core.errors import Busy
from planwatch.kernel import audit
from planwatch.kernel.models import Job
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from tests.test_bulk_values import DVS, units, value_set
from tests.test_bulk_values import template as template  # noqa: F401 - the fixture
from tests.test_jobs import GOOD, upload

pytestmark = [
    pytest.mark.django_db(
        transaction=True
    ),  # the fixtures' audit events committed: the lock free for another
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the chain's advisory lock is PostgreSQL's"),
]


@pytest.fixture
def long_load() -> Iterator[None]:
    """Another connection holding the audit log's lock, as a long `load_sample` does."""
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "host", "port", "user", "password")}
    )
    other.execute("BEGIN")
    other.execute("SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK])
    try:
        yield
    finally:
        other.rollback()
        other.close()


@pytest.fixture
def short_wait(settings):
    settings.PLANWATCH_WRITE_WAIT_SECONDS = 0.5


def test_a_write_that_may_wait_only_so_long_is_busy_and_writes_nothing(plan, cast, long_load):
    token = audit.WRITE_WAIT.set(0.3)
    try:
        started = time.monotonic()
        with pytest.raises(Busy) as busy, transaction.atomic():
            audit.record("test.busy", cast.zoe, audit.Subject("plan", plan.pk, plan.code))
        assert time.monotonic() - started < 5
    finally:
        audit.WRITE_WAIT.reset(token)
    assert busy.value.status == 503 and "稍后重试" in busy.value.zh


def test_an_upload_on_the_web_says_busy_on_its_page(client, plan, cast, short_wait, long_load):
    ledger = plan.ledger_types.get(code="investment_projects")
    client.force_login(cast.zoe)
    page = reverse("ledgers:list", args=[plan.code, ledger.code])
    response = upload(client, plan, ledger, GOOD, follow=True, HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 200 and "系统正忙" in response.content.decode()
    assert not Job.objects.exists() and not LedgerItem.objects.exists()


def test_a_value_set_in_the_api_is_answered_503_in_the_one_shape(plan, cast, template, short_wait, long_load):  # noqa: F811
    client = Client()
    client.force_login(cast.alice)
    codes = units(plan, 1, 2)
    response = client.post(DVS, data=value_set("busy", codes, template, 5).encode(), content_type="text/csv")
    assert response.status_code == 503
    (issue,) = response.json()["errors"]
    assert issue["kind"] == "busy" and "try again" in issue["message_en"].lower()
    assert not ReportedValue.objects.filter(locality__code__in=codes).exists()
