"""Reminders: milestones and reporting due soon or overdue, notified and e-mailed once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from planwatch.notifications.models import Notification
from planwatch.supervision import actions
from planwatch.supervision.models import Milestone
from planwatch.supervision.services import remind

D = dt.date


@pytest.fixture
def milestone(plan, cast):
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    return actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(),
            title="建成示范车间",
            due_on=D(2018, 6, 30),
            owner_unit=plan.units.get(code="DST"),
        ),
    )


def test_milestone_due_soon_then_overdue_each_sent_once(plan, cast, milestone):
    assert remind(plan, D(2018, 5, 1), window_days=14).created == 0
    first = remind(plan, D(2018, 6, 20), window_days=14)
    # 珠海's reporter and approver, and the owner unit's lead-unit user (Lena, 省科技厅)
    assert first.created == 3 and first.emailed == 3
    assert {n.user.username for n in Notification.objects.all()} == {"zoe", "zack", "lena"}
    assert len(mail.outbox) == 3 and "建成示范车间" in mail.outbox[0].body
    again = remind(plan, D(2018, 6, 25), window_days=14)
    assert (again.created, again.skipped) == (0, 3)
    assert len(mail.outbox) == 3
    late = remind(plan, D(2018, 7, 2), window_days=14)
    assert late.created == 3 and len(mail.outbox) == 6
    assert remind(plan, D(2018, 7, 9), window_days=14).created == 0
    assert len(mail.outbox) == 6


def test_done_milestones_are_not_reminded(plan, cast, milestone):
    actions.post_update(cast.zoe, milestone, Milestone.Status.DONE, 100)
    assert remind(plan, D(2018, 7, 2), window_days=14).created == 0


def test_reporting_due_soon_only_for_localities_that_have_not_submitted(plan, cast, period):
    from planwatch.reporting.models import ReportedValue

    for indicator in plan.indicators.filter(frequency=period.frequency):
        ReportedValue.objects.create(
            indicator=indicator,
            locality=plan.localities.get(code="ZH"),
            period=period,
            value=1,
            status="submitted",
        )
    result = remind(plan, D(2019, 3, 25), window_days=14)
    users = {n.user.username for n in Notification.objects.all()}
    assert users == {"fred", "fay"}  # 珠海 has submitted everything; 佛山 has not
    assert result.created == 2
    note = Notification.objects.get(user=cast.fred)
    assert "2018" in note.text_zh and note.link.endswith("/FS/2018/")
    assert remind(plan, D(2019, 3, 26), window_days=14).created == 0


def test_remind_command_prints_counts_and_sends_once(plan, cast, milestone, capsys):
    call_command("remind", "--as-of", "2018-07-02")
    call_command("remind", "--as-of", "2018-07-02")
    out = capsys.readouterr().out
    assert "3 new notification(s)" in out and "3 already sent" in out
    assert len(mail.outbox) == 3


def test_cron_queues_the_reminders_for_a_worker(plan, cast, milestone, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("remind", "--as-of", "2018-07-02", "--queue", stdout=out)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "planwatch.supervision.tasks.remind_plan"
    assert f"Queued as task {queued.pk}" in out.getvalue()
    assert not Notification.objects.exists() and not mail.outbox  # nothing sent by cron itself
    # The worker closes old connections between tasks: here that is the test's own transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and "3 new notification(s)" in queued.return_value
    assert len(mail.outbox) == 3


def test_the_base_year_is_not_reminded(plan, cast):
    from planwatch.reporting.sample import yearly_period

    yearly_period(plan, plan.base_year)  # due 2017-03-31, nothing reported
    assert remind(plan, D(2017, 3, 25), window_days=14).created == 0
    assert not Notification.objects.exists()
