"""Long work on the job runner (planwatch.kernel.jobs): a ledger workbook uploaded on the web is
imported by a worker of the database backend, outside the request; its page shows the step and the
counts, then what was done with the ways on, or every problem with its cell; only its starter sees it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from planwatch.core.errors import Busy, Conflict, Kind
from planwatch.kernel import jobs
from planwatch.kernel.models import AuditEvent, Job
from planwatch.ledgers import jobs as ledger_jobs
from planwatch.ledgers.models import LedgerItem
from tests.test_ledger_excel import GOOD, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(plan):
    return plan.ledger_types.get(code="investment_projects")


@pytest.fixture
def on_the_database_backend(settings):
    """The production runner: jobs wait in the database until a worker takes them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def upload(client, plan, ledger, rows, name="zh.xlsx", **kw):
    data = io.BytesIO(workbook(ledger, rows))
    data.name = name
    return client.post(reverse("ledgers:import", args=[plan.code, ledger.code]), {"file": data}, **kw)


def test_an_upload_waits_for_a_worker_and_the_page_says_so(
    client, plan, cast, ledger, on_the_database_backend, monkeypatch
):
    client.force_login(cast.zoe)
    response = upload(client, plan, ledger, GOOD)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[job.pk])
    assert job.state == Job.State.QUEUED and job.user == cast.zoe and job.payload_name == "zh.xlsx"
    assert DBTaskResult.objects.filter(pk=job.task_id).exists()
    assert not LedgerItem.objects.exists()  # nothing imported in the request
    page = client.get(response["Location"]).content.decode()
    assert 'data-finished="0"' in page and "等待" in page
    assert client.get(reverse("web:job_status", args=[job.pk])).json()["state"] == "queued"

    # The worker closes old connections between tasks: here that is the test's own transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.finished_at is not None
    assert LedgerItem.objects.count() == len(GOOD)
    assert all(item.review == LedgerItem.Review.DRAFT for item in LedgerItem.objects.all())
    status = client.get(reverse("web:job_status", args=[job.pk])).json()
    assert status["finished"] and "已导入 2 行" in status["message"]
    page = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert 'id="job-links"' in page and "?review=draft" in page and "funnel" in page


def test_a_rejected_workbook_lists_every_cell_and_writes_nothing(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    bad = [{"locality": "ZH", "name": "x", "investment": "abc"}, {"locality": "XX", "name": "y"}]
    page = upload(client, plan, ledger, bad, name="bad.xlsx", follow=True).content.decode()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert [p["path"].split("!")[0] for p in job.outcome["problems"]] == ["Ledger", "Ledger"]
    assert 'id="job-problems"' in page and "bad.xlsx" in page and "未保存任何数据" in page
    assert f'id="job-back" href="{reverse("ledgers:list", args=[plan.code, ledger.code])}"' in page
    assert not LedgerItem.objects.exists()


def test_a_rejected_file_is_corrected_and_uploaded_again_not_retried(client, plan, cast, ledger):
    """The same file would fail the same way: no 重试, but what to do instead, and the way back."""
    client.force_login(cast.zoe)
    page = upload(client, plan, ledger, [{"locality": "XX", "name": "y"}], name="bad.xlsx", follow=True)
    page = page.content.decode()
    job = Job.objects.get()
    assert jobs.failure_kind(job) == Kind.INVALID and not jobs.retryable(job)
    assert 'id="job-retry"' not in page and 'id="job-correct"' in page and 'id="job-back"' in page
    refused = client.post(reverse("web:job_retry", args=[job.pk]), follow=True).content.decode()
    assert "重试会以同样方式失败" in refused
    with pytest.raises(jobs.NotRetryable, match="the same way"):
        jobs.retry(job, cast.zoe)
    with pytest.raises(CommandError, match="failed on its input"):
        call_command("retry_job", str(job.pk), "--user", "alice")
    assert Job.objects.count() == 1


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (Busy(), Kind.BUSY),
        (OperationalError("lock"), Kind.SERVER_ERROR),
        (Conflict("另一通报正在签发，请重试", "another bulletin is being issued: try again"), Kind.CONFLICT),
    ],
)
def test_a_job_that_failed_for_a_passing_cause_is_offered_again(
    client, plan, cast, ledger, monkeypatch, cause, kind
):
    def failing(*args, **kwargs):
        raise cause

    monkeypatch.setattr(ledger_jobs.excel, "import_ledger", failing)
    client.force_login(cast.zoe)
    page = upload(client, plan, ledger, GOOD, follow=True).content.decode()
    job = Job.objects.get()
    assert jobs.failure_kind(job) == kind and jobs.retryable(job)
    assert 'id="job-retry"' in page and 'id="job-correct"' not in page


def test_a_job_that_ended_before_its_outcome_named_its_kind(cast):
    """Jobs failed before the outcome said how: by their message, the server error's or else input's."""
    failed = Job.State.FAILED
    broken = Job.objects.create(
        kind=ledger_jobs.IMPORT, user=cast.zoe, state=failed, outcome={"zh": jobs.SERVER_ERROR[0]}
    )
    rejected = Job.objects.create(
        kind=ledger_jobs.IMPORT, user=cast.zoe, state=failed, outcome={"source": "x.xlsx", "problems": []}
    )
    done = Job.objects.create(kind=ledger_jobs.IMPORT, user=cast.zoe, state=Job.State.DONE, outcome={})
    assert [jobs.failure_kind(j) for j in (broken, rejected, done)] == [Kind.SERVER_ERROR, Kind.INVALID, None]
    assert [jobs.retryable(j) for j in (broken, rejected, done)] == [True, False, False]


def test_an_unexpected_failure_is_logged_and_said_plainly(client, plan, cast, ledger, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ledger_jobs.excel, "import_ledger", broken)
    client.force_login(cast.zoe)
    page = upload(client, plan, ledger, GOOD, follow=True).content.decode()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and "系统错误" in job.outcome["zh"]
    assert "disk on fire" not in page and "Traceback" not in page
    assert "disk on fire" in caplog.text


@pytest.mark.parametrize("who", ["fred", "alice", "vic"])
def test_a_job_is_its_starters_only(client, plan, cast, ledger, who):
    client.force_login(cast.zoe)
    upload(client, plan, ledger, GOOD)
    job = Job.objects.get()
    client.force_login(getattr(cast, who))
    assert client.get(reverse("web:job", args=[job.pk])).status_code == 403
    assert client.get(reverse("web:job_status", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("web:job", args=[job.pk])).status_code == 302


def test_who_writes_no_rows_cannot_start_an_import(client, plan, cast, ledger):
    client.force_login(cast.vic)
    assert upload(client, plan, ledger, GOOD).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_for_the_page_outside_a_transaction(django_user_model):
    """(Inside the import's transaction, PostgreSQL takes a second connection; SQLite waits for the end.)"""
    zoe = django_user_model.objects.create_user("zoe")
    job = Job.objects.create(kind=ledger_jobs.IMPORT, user=zoe)
    progress = jobs.Progress(job)
    progress.step("Checking the rows", total=200)
    progress.advance(50)  # within half a second of the step: kept for the next write
    assert Job.objects.values_list("step", "done", "total").get(pk=job.pk) == ("Checking the rows", 0, 200)
    progress.step("Saving the rows", total=10)
    job.refresh_from_db()
    assert (job.step, job.total, job.percent) == ("Saving the rows", 10, 0)


def test_the_page_translates_the_step(client, cast):
    job = Job.objects.create(kind=ledger_jobs.IMPORT, user=cast.zoe, step="Saving the rows", done=5, total=20)
    client.force_login(cast.zoe)
    page = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert "导入台账" in page and "5 / 20" in page and 'value="25"' in page
    assert "Saving the rows" not in page


def test_an_unknown_kind_is_refused_before_anything_is_queued(cast):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.start("nothing", cast.zoe)
    assert not Job.objects.exists()


# --- retrying a failed job ----------------------------------------------------------------------


def failed_import(client, plan, cast, ledger, monkeypatch):
    """An upload of zoe's that failed for a passing cause (a broken import); then the cause is gone."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    client.force_login(cast.zoe)
    with monkeypatch.context() as patched:
        patched.setattr(ledger_jobs.excel, "import_ledger", broken)
        upload(client, plan, ledger, GOOD)
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    return job


def test_a_failed_job_is_retried_by_its_starter_with_the_same_file(client, plan, cast, ledger, monkeypatch):
    first = failed_import(client, plan, cast, ledger, monkeypatch)
    page = client.get(reverse("web:job", args=[first.pk])).content.decode()
    assert 'id="job-retry"' in page and reverse("web:job_retry", args=[first.pk]) in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(reverse("web:job_retry", args=[first.pk]))
    again = Job.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[again.pk])
    assert (again.kind, again.user, again.retry_of) == (first.kind, cast.zoe, first)
    assert bytes(again.payload) == bytes(first.payload) and again.params == first.params
    assert again.state == Job.State.DONE and LedgerItem.objects.count() == len(GOOD)

    first_page = client.get(reverse("web:job", args=[first.pk])).content.decode()
    assert 'id="job-retries"' in first_page and reverse("web:job", args=[again.pk]) in first_page
    again_page = client.get(reverse("web:job", args=[again.pk])).content.decode()
    assert 'id="job-retry-of"' in again_page and 'id="job-retry"' not in again_page  # done: no retry

    starts = AuditEvent.objects.filter(type="job.start").order_by("id")
    zoe = cast.zoe.pk
    assert [(e.subject_id, e.actor_id) for e in starts] == [(str(first.pk), zoe), (str(again.pk), zoe)]
    assert starts[1].new == {"kind": ledger_jobs.IMPORT, "file": "zh.xlsx", "retry_of": first.pk}


def test_a_job_that_did_not_fail_is_not_retried(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    upload(client, plan, ledger, GOOD)
    done = Job.objects.get()
    assert done.state == Job.State.DONE
    assert 'id="job-retry"' not in client.get(reverse("web:job", args=[done.pk])).content.decode()
    response = client.post(reverse("web:job_retry", args=[done.pk]), follow=True)
    assert "没有失败" in response.content.decode() and Job.objects.count() == 1
    with pytest.raises(jobs.NotRetryable) as refused:
        jobs.retry(done, cast.zoe)
    assert refused.value.status == 409 and "did not fail" in refused.value.en
    with pytest.raises(CommandError, match="did not fail"):
        call_command("retry_job", str(done.pk), "--user", "zoe")
    assert Job.objects.count() == 1


def test_only_the_starter_or_the_administrator_retries(client, plan, cast, ledger, monkeypatch):
    first = failed_import(client, plan, cast, ledger, monkeypatch)
    client.force_login(cast.fred)
    assert client.post(reverse("web:job_retry", args=[first.pk])).status_code == 403
    with pytest.raises(CommandError, match="Only who started the job"):
        call_command("retry_job", str(first.pk), "--user", "pat")
    assert Job.objects.count() == 1

    out = io.StringIO()
    call_command("retry_job", str(first.pk), "--user", "alice", stdout=out)
    again = Job.objects.exclude(pk=first.pk).get()
    assert f"Job #{again.pk} (retry of #{first.pk})" in out.getvalue()
    assert again.user == cast.zoe and again.retry_of == first  # still zoe's work, in her scope
    start = AuditEvent.objects.filter(type="job.start", subject_id=str(again.pk)).get()
    assert start.actor_id == cast.alice.pk and start.source == "cli"


def test_a_jobs_life_on_the_database_backend(
    client, plan, cast, ledger, on_the_database_backend, monkeypatch
):
    """queued → running → failed → retried → queued → done, each by a worker; the audit shows both starts."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def work():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    client.force_login(cast.zoe)
    with monkeypatch.context() as patched:
        patched.setattr(ledger_jobs.excel, "import_ledger", lambda *a, **kw: 1 / 0)
        upload(client, plan, ledger, GOOD)
        first = Job.objects.get()
        assert first.state == Job.State.QUEUED
        work()
    first.refresh_from_db()
    assert first.state == Job.State.FAILED
    again = Job.objects.get(
        pk=client.post(reverse("web:job_retry", args=[first.pk]))["Location"].split("/")[2]
    )
    assert again.state == Job.State.QUEUED and again.retry_of == first and again.task_id != first.task_id
    work()
    again.refresh_from_db()
    assert again.state == Job.State.DONE and LedgerItem.objects.count() == len(GOOD)

    client.force_login(cast.alice)
    audit_page = client.get(reverse("manage:audit", args=[plan.code])).content.decode()
    assert audit_page.count(f"导入台账 #{again.pk}") == 1 and f"导入台账 #{first.pk} " in audit_page


def test_a_start_that_dies_on_the_way_leaves_no_job_waiting_for_nothing(
    plan, cast, ledger, on_the_database_backend, monkeypatch
):
    """The job, its audit event and its task are written in one transaction: a start that fails
    at its audit event (a worker killed while it waited for the audit log's lock) leaves no job that
    waits forever for a task never queued, and no task."""

    def locked(*args, **kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(jobs.audit, "record", locked)
    with pytest.raises(OperationalError):
        jobs.start("ledger_import", cast.zoe, plan_code=plan.code, payload=b"x", payload_name="zh.xlsx")
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()
    monkeypatch.undo()
    job = jobs.start("ledger_import", cast.zoe, plan_code=plan.code, payload=b"x", payload_name="zh.xlsx")
    assert job.task_id and DBTaskResult.objects.filter(pk=job.task_id).exists()
    assert AuditEvent.objects.filter(type="job.start", subject_id=str(job.pk)).exists()


# --- the sample banner -----------------------------------------------------------------------------


def test_a_job_of_a_plan_without_sample_data_shows_no_banner(client, plan, cast):
    job = Job.objects.create(kind=ledger_jobs.IMPORT, user=cast.zoe, plan_code=plan.code)
    client.force_login(cast.zoe)
    assert "sample-banner" not in client.get(reverse("web:job", args=[job.pk])).content.decode()


def test_a_job_of_a_plan_with_sample_data_shows_the_banner(client, sampled, cast):
    """As every other page of the plan does (web.context_processors.plan_has_sample)."""
    job = Job.objects.create(kind=ledger_jobs.IMPORT, user=cast.zoe, plan_code=sampled.code)
    client.force_login(cast.zoe)
    page = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert page.count('class="sample-banner"') == 1 and "示例数据" in page
