"""Answers kept while the data have not changed (planwatch.kernel.unchanged): computed once, then
read back until an action writes an audit event; the inbox badge, the sample banner and the latest
accepted year through it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planwatch.inbox.sources import count
from planwatch.kernel.unchanged import data_mark, while_unchanged
from planwatch.reporting import workflow as wf
from planwatch.reporting.sample import yearly_period
from tests.test_web_reporting import bring_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    """The cache on, as in production (the test settings keep nothing)."""
    settings.PLANWATCH_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_nothing_kept_with_zero_seconds(settings, plan):
    settings.PLANWATCH_CACHE_SECONDS = 0
    calls = []
    for _ in range(2):
        while_unchanged("t", (1,), lambda: calls.append(1))
    assert len(calls) == 2


def test_kept_until_an_action_writes_an_event(kept, plan, cast):
    period = yearly_period(plan, 2018)
    zh = plan.localities.get(code="ZH")
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    first = data_mark()
    assert while_unchanged("t", (plan.pk,), compute) == 1
    assert while_unchanged("t", (plan.pk,), compute) == 1  # kept
    assert while_unchanged("t", (plan.pk, "other"), compute) == 2  # another key
    bring_to("submitted", plan, cast, zh, period)  # actions: audit events
    assert data_mark() != first
    assert while_unchanged("t", (plan.pk,), compute) == 3


def test_the_badge_follows_the_workflow(kept, client, plan, cast, django_capture_on_commit_callbacks):
    period = yearly_period(plan, 2018)
    zh = plan.localities.get(code="ZH")
    with django_capture_on_commit_callbacks(execute=True):
        bring_to("submitted", plan, cast, zh, period)
    client.force_login(cast.zack)
    url = reverse("inbox:count", args=[plan.code])
    required = wf.required_indicators(period).count()
    assert client.get(url).json()["count"] == count(plan, cast.zack, period.due_on) == required
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert len(again) == len(first) < 8  # the session, the user, the plan, the mark, the unread notes
    with django_capture_on_commit_callbacks(execute=True):
        wf.approve(cast.zack, zh, period)
    assert client.get(url).json()["count"] == 0  # the approval's event: counted again


def test_a_page_reads_the_mark_once_and_a_write_reads_it_afresh(kept, client, sampled, cast):
    """The overview asks for several kept answers (the inbox badge, the sample banner, the latest
    accepted year): one read of the last audit event for all of them. A POST reads the mark each time
    it is asked (its own action may have moved it)."""
    client.force_login(cast.pat)
    url = reverse("dashboards:overview", args=[sampled.code])
    client.get(url)  # computed and kept
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    marks = [q["sql"] for q in page.captured_queries if "kernel_auditevent" in q["sql"]]
    assert len(marks) == 1, marks
    assert data_mark() == data_mark()  # outside a request: read each time, the same answer
