"""A dashboard page never evaluates in its request (planwatch.dashboards.data.run_for): when the
year's stored run no longer holds the accepted data, the page shows the run it has with a notice and
asks the job runner for one automatic evaluation_run job per plan and year, however many pages ask;
after the worker, the page shows the new run. On the database backend, as in production."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from planwatch.evaluation import jobs as evaluation_jobs
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import run_evaluation
from planwatch.kernel import jobs
from planwatch.kernel.models import AuditEvent, Job
from planwatch.notifications.models import Notification
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue

pytestmark = pytest.mark.django_db

PENDING = "数据已更新，新的评估正在进行，完成后刷新本页"
FIRST = "年的首次评估正在进行"


@pytest.fixture
def on_the_database_backend(settings):
    """The production runner: jobs wait in the database until a worker takes them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker(monkeypatch):
    """Run what is queued (the worker closes old connections between tasks: here that is the test's
    own transaction)."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def revise(cast, locality: str, year: int, more: Decimal) -> None:
    """An accepted value of I01 revised through the workflow (asked by 珠海, approved by the province)."""
    value = ReportedValue.objects.get(
        indicator__code="I01", locality__code=locality, period__year=year, status="accepted"
    )
    asked = wf.request_revision(cast.zoe, value, value.value + more, "统计口径更正")
    wf.decide_revision(cast.pat, asked, approve=True, comment="同意")


def pages(plan, year: int) -> list[str]:
    """Every page that shows a run of the year: overview, a pilot unit, an area, an indicator."""
    base = f"/plans/{plan.code}/dashboard/"
    return [
        f"{base}?year={year}",
        f"{base}localities/ZH/?year={year}",
        f"{base}localities/FS/?year={year}",
        f"{base}indicators/I01/",
    ]


def test_no_run_yet_the_page_says_the_first_is_being_made_and_one_job_is_queued(
    client, sampled, cast, on_the_database_backend, worker
):
    client.force_login(cast.vic)
    for _ in range(3):
        for address in pages(sampled, 2019):
            response = client.get(address)
            assert response.status_code == 200, address
    assert not EvaluationRun.objects.exists()  # nothing evaluated in a request
    job = Job.objects.get()  # one job, however many views
    assert (job.kind, job.state, job.user, job.plan_code) == (
        evaluation_jobs.RUN,
        "queued",
        None,
        sampled.code,
    )
    assert job.params == {"year": 2019, "include_unaccepted": False, "automatic": True}
    page = client.get(pages(sampled, 2019)[0]).content.decode()
    assert 'id="run-pending"' in page and f"2019{FIRST}" in page
    assert not AuditEvent.objects.filter(type="job.start").exists()  # a page view is no one's act

    worker()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    run = EvaluationRun.objects.get()
    assert (run.year, run.created_by, run.label) == (2019, None, "dashboard")
    assert not Notification.objects.exists()  # an automatic run tells no one
    page = client.get(pages(sampled, 2019)[0]).content.decode()
    assert f'data-run="{run.pk}"' in page and 'id="run-pending"' not in page
    assert Job.objects.count() == 1  # the run holds the data: nothing more asked


def test_changed_data_shows_the_stored_run_with_a_notice_until_the_worker_made_the_new_one(
    client, sampled, cast, on_the_database_backend, worker
):
    old = run_evaluation(sampled, 2018)
    revise(cast, "ZH", 2018, Decimal(3))  # 珠海's accepted value, revised: the plan's data revision
    client.force_login(cast.pat)
    for _ in range(5):
        page = client.get(pages(sampled, 2018)[0]).content.decode()
        assert f'data-run="{old.pk}"' in page and PENDING in page
    assert EvaluationRun.objects.count() == 1 and Job.objects.count() == 1

    worker()
    new = EvaluationRun.objects.exclude(pk=old.pk).get()
    page = client.get(pages(sampled, 2018)[0]).content.decode()
    assert f'data-run="{new.pk}"' in page and PENDING not in page
    # a later change asks again: the first job has ended
    revise(cast, "ZH", 2018, Decimal(4))
    client.get(pages(sampled, 2018)[0])
    assert Job.objects.filter(state="queued").count() == 1 and Job.objects.count() == 2


def test_the_page_does_not_call_the_evaluation(client, sampled, cast, monkeypatch):
    """Even with the immediate backend (the tests' default), the evaluation runs in the job, never by
    the view itself: the job's run shows at once."""
    called: list[str] = []
    real = evaluation_jobs.run_evaluation

    def through_the_job(*args, **kwargs):
        called.append(kwargs.get("label", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation_jobs, "run_evaluation", through_the_job)
    client.force_login(cast.pat)
    response = client.get(pages(sampled, 2019)[0])
    assert called == ["dashboard"] and response.context["choice"].made_now
    assert 'id="run-pending"' not in response.content.decode()


def test_a_year_without_accepted_values_asks_for_no_job(client, sampled, cast, on_the_database_backend):
    ReportedValue.objects.filter(period__year=2019).update(status="draft")
    client.force_login(cast.pat)
    page = client.get(pages(sampled, 2019)[0]).content.decode()
    assert 'id="empty-state"' in page and 'id="run-pending"' not in page
    assert not Job.objects.exists()


def test_one_active_job_per_key(sampled, on_the_database_backend):
    first = evaluation_jobs.request_run(sampled, 2018)
    assert evaluation_jobs.request_run(sampled, 2018).pk == first.pk
    assert evaluation_jobs.request_run(sampled, 2019).pk != first.pk
    # two requests at once: the database lets one in
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind=evaluation_jobs.RUN, plan_code=sampled.code, key=first.key)
    # ended, the key is free again
    Job.objects.filter(pk=first.pk).update(state=Job.State.DONE)
    again = jobs.start(evaluation_jobs.RUN, None, plan_code=sampled.code, params=first.params, key=first.key)
    assert again.pk != first.pk
