"""Long work outside the web request, on the job runner (django-tasks with its database backend:
no extra server; workers, `planwatch db_worker`, on any machine that reaches the database).

A kind of job is one row of KINDS (`register(JobKind(...))` from the app that owns the work); a
web page calls `start(kind, user, payload=…)`, which records a Job and enqueues `run_job`; the page
then shows the job (planwatch.web: /jobs/<id>/), which reads its step and counts until it ends.

The handler does the work through the same actions as the web form (each change audited by them),
tells its progress through `Progress`, and returns what happened (`Outcome`); an input problem
(a PlanWatchError, e.g. WorkbookRejected with its cells) ends the job as failed with the problems
listed; anything else ends it as failed with a plain message, and is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, router, transaction
from django.dispatch import Signal
from django.utils import timezone
from django_tasks import task

from planwatch.core.errors import IllegalTransition, InputRejected, Kind, NotAllowed, PlanWatchError
from planwatch.core.numbers import grouped
from planwatch.kernel import audit
from planwatch.kernel.models import Job
from planwatch.kernel.review import allowed

log = logging.getLogger(__name__)

# Progress is written at most this often (seconds): a page polls; the work should not wait on it.
WRITE_EVERY = 0.5


@dataclass(frozen=True)
class Link:
    """The way on from a finished job: a page, with its label in Chinese and English."""

    url: str
    zh: str
    en: str


@dataclass(frozen=True)
class Outcome:
    """What a job did, said in Chinese and English, with the ways on."""

    zh: str
    en: str
    links: list[Link] = field(default_factory=list)


Handler = Callable[[Job, "Progress"], Outcome]


@dataclass(frozen=True)
class JobKind:
    """One kind of long work: its code, its name (zh, en) and the function that does it."""

    code: str
    zh: str
    en: str
    handler: Handler


KINDS: dict[str, JobKind] = {}

# The states of a job not ended yet: at most one of a key (Job.key) is in one of them.
ACTIVE = (Job.State.QUEUED, Job.State.RUNNING)

# Sent when a job has ended (done or failed), with `job`: the notifications tell its starter.
job_finished = Signal()


def register(kind: JobKind) -> JobKind:
    KINDS[kind.code] = kind
    return kind


class Steps(Protocol):
    """What long work tells of its progress: a step (by its English name, translated where shown)
    with the number of items it goes through, and how many are done."""

    def step(self, label: str, total: int = 0) -> None: ...

    def advance(self, done: int) -> None: ...


class _Silent:
    """Progress told to no one: the command line, the tests."""

    def step(self, label: str, total: int = 0) -> None:
        return None

    def advance(self, done: int) -> None:
        return None


SILENT: Steps = _Silent()


class Progress:
    """A handler's steps and counts, written to its Job for the page to show.

    Inside an import's one transaction the job's own connection cannot show anything before the
    commit; on PostgreSQL the counts go through a second connection of their own, on SQLite (one
    writer at a time) the step is shown as it was when the transaction began, and the counts when
    it ends."""

    def __init__(self, job: Job):
        self.job = job
        self._written = 0.0
        self._side: Any = None

    def step(self, label: str, total: int = 0) -> None:
        """A new step, by its English name (translated on the page); `total` items to go through."""
        self.job.step, self.job.done, self.job.total = label, 0, total
        self._write(force=True)

    def advance(self, done: int) -> None:
        self.job.done = done
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < WRITE_EVERY:
            return
        self._written = now
        fields = {"step": self.job.step, "done": self.job.done, "total": self.job.total}
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(**fields)
        elif connection.vendor == "postgresql":
            self._write_aside(fields)

    def _write_aside(self, fields: dict[str, Any]) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET step = %s, done = %s, total = %s WHERE id = %s",  # noqa: S608
                [fields["step"], fields["done"], fields["total"], self.job.pk],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def start(
    kind: str,
    user: Any,
    *,
    plan_code: str = "",
    payload: bytes = b"",
    payload_name: str = "",
    params: dict[str, Any] | None = None,
    retry_of: Job | None = None,
    by: Any = None,
    via: audit.Via = audit.WEB,
    key: str = "",
) -> Job:
    """Record a job of `kind` for `user`, audit its start (`job.start`, by `by`: `user` unless said;
    a job started by nobody is no one's act and is not audited) and put it on the runner's queue.

    `key`: work asked for once however often it is asked. While a job of that key waits or runs,
    that job is returned and nothing is started (a unique index on the waiting and running jobs'
    keys, so two requests at once start one job)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    fields: dict[str, Any] = {
        "kind": kind,
        "user": user,
        "plan_code": plan_code,
        "payload": payload,
        "payload_name": payload_name,
        "params": params or {},
        "retry_of": retry_of,
        "key": key,
    }
    if key:
        active = _active(key)
        if active is not None:
            return active
    # The job, its audit event and its task on the runner's queue (a row of the database backend's)
    # in one transaction: a request that dies on the way (a worker killed while it waited for the
    # audit log's lock) leaves no job waiting for a task that was never queued.
    with transaction.atomic():
        job, made = _create(fields)
        if not made:  # another request's, started meanwhile
            return job
        if (by or user) is not None:  # started by nobody (a dashboard's automatic run): no one's act
            started: dict[str, Any] = {"kind": kind, "file": payload_name} if payload_name else {"kind": kind}
            if retry_of is not None:
                started["retry_of"] = retry_of.pk
            audit.record("job.start", by or user, subject_of(job), via=via, new=started)
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    job.refresh_from_db(using=router.db_for_write(Job))  # not a replica's older copy
    return job


def _create(fields: dict[str, Any]) -> tuple[Job, bool]:
    """A new job of these fields, and True; with a key, the job of that key that another request
    started meanwhile and still waits or runs (the unique index on the active jobs' keys), and False."""
    if not fields["key"]:
        return Job.objects.create(**fields), True
    try:
        with transaction.atomic():
            return Job.objects.create(**fields), True
    except IntegrityError:  # started by another request meanwhile
        active = _active(fields["key"])
        if active is not None:
            return active, False
        return Job.objects.create(**fields), True  # ... and already ended: start it again


def _active(key: str) -> Job | None:
    """The job of `key` that waits or runs, if any: read where jobs are written (a dashboard's
    request reads from the replica, when there is one, which may not have it yet)."""
    jobs = Job.objects.using(router.db_for_write(Job))
    return jobs.filter(key=key, state__in=ACTIVE).order_by("id").first()


def subject_of(job: Job) -> audit.Subject:
    """What a job's audit events are about: the job, by its kind's name (and its file)."""
    kind = KINDS.get(job.kind)
    label = f"{kind.zh if kind else job.kind} #{job.pk}" + (
        f" {job.payload_name}" if job.payload_name else ""
    )
    return audit.Subject("job", job.pk, label, plan=job.plan_code)


class NotRetryable(IllegalTransition):
    """Only a failed job is done again, and only one that failed for a cause that may pass (409)."""


# What a failed job said it was (its outcome's "kind", an errors.Kind): a server error (an
# unexpected exception, a lock or a timeout of the database), a busy audit log or a conflict with a
# write that came first (another bulletin of the series being issued: "try again") may pass, and the
# same work may succeed again; rejected or refused input (a file with problems, a rule of the plan)
# fails the same way however often it is tried: it is corrected and sent again instead.
PASSING = frozenset({Kind.SERVER_ERROR, Kind.BUSY, Kind.CONFLICT})
KNOWN = frozenset(kind.value for kind in Kind)

SERVER_ERROR = (
    "处理时出现系统错误，任务未完成；错误已记录，请联系管理员。",
    "A server error stopped the work. It was logged: tell the administrator.",
)


def failure_kind(job: Job) -> Kind | None:
    """How a failed job failed (None: it did not fail). A job that ended before its outcome said
    (its "kind"), by its message: the server error's, or else its input's."""
    if job.state != Job.State.FAILED:
        return None
    outcome = job.outcome or {}
    said = outcome.get("kind")
    if said in KNOWN:
        return Kind(said)
    return Kind.SERVER_ERROR if outcome.get("zh") == SERVER_ERROR[0] else Kind.INVALID


def retryable(job: Job) -> bool:
    """The one rule of retrying (the page's 重试, `retry`, `planwatch retry_job`): a job that failed
    for a cause that may pass; not one whose input was rejected or refused."""
    return failure_kind(job) in PASSING


def retry(job: Job, user: Any, *, via: audit.Via = audit.WEB) -> Job:
    """Start `job` again, a failed one that may succeed now (`retryable`): a new Job of the same kind
    for the same plan, with the same payload (the file kept in the database) and params, linked to it
    (`retry_of`). Its starter or the province administrator may (`job.retry`); the new job is the
    starter's still — the work runs in their scope, and they are told when it ends — while the audit
    names who retried it."""
    if not allowed("job.retry", user, job):
        raise NotAllowed(
            "只有任务的发起人或省级管理员可以重试该任务。",
            "Only who started the job (or the province administrator) may retry it.",
        )
    if job.state != Job.State.FAILED:
        raise NotRetryable(
            f"任务 #{job.pk} 没有失败，不能重试：只有未成功的任务可以重试。",
            f"Job #{job.pk} did not fail ({job.state}): only a failed job can be retried.",
        )
    if not retryable(job):
        raise NotRetryable(
            f"任务 #{job.pk} 的输入有问题，重试会以同样方式失败：请按列出的问题修改后重新提交。",
            f"Job #{job.pk} failed on its input: it would fail the same way again. "
            "Correct what its problems say and send it again.",
        )
    return start(
        job.kind,
        job.user or user,
        plan_code=job.plan_code,
        payload=bytes(job.payload),
        payload_name=job.payload_name,
        params=job.params,
        retry_of=job,
        by=user,
        via=via,
    )


def _finish(job: Job, state: str, outcome: dict[str, Any]) -> None:
    job.state, job.outcome, job.finished_at = state, outcome, timezone.now()
    job.save(update_fields=["state", "outcome", "finished_at", "done", "total"])
    try:
        job_finished.send(sender=Job, job=job)
    except Exception:  # telling must not turn a finished job into a failed one
        log.exception("telling that job %s ended failed", job.pk)


@task()
def run_job(job_id: int) -> str:
    """Run one job to its end; whatever happens, the job says how it ended."""
    job = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).select_related("user").first()
    if job is None:
        return "gone"
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=timezone.now())
    progress = Progress(job)
    try:
        outcome = KINDS[job.kind].handler(job, progress)
    except InputRejected as rejected:
        problems = [{"path": p.path, "line": p.line, "message": p.message} for p in rejected.problems]
        failed = {"kind": rejected.kind, "source": rejected.source, "problems": problems}
        _finish(job, Job.State.FAILED, failed)
        return "rejected"
    except PlanWatchError as refused:
        issues = refused.issues if len(refused.issues) > 1 else []
        problems = [{"path": i.path or "", "line": i.row, "zh": i.zh, "en": i.en} for i in issues]
        said = (refused.zh, refused.en)  # one problem: said whole; several: counted, each in its row
        if issues:
            said = (
                f"{grouped(len(issues))} 个问题，未写入任何内容。",
                f"{grouped(len(issues))} problems: nothing was written.",
            )
        failed = {"kind": refused.kind, "zh": said[0], "en": said[1], "problems": problems}
        _finish(job, Job.State.FAILED, failed)
        return "refused"
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job,
            Job.State.FAILED,
            {"kind": Kind.SERVER_ERROR, "zh": SERVER_ERROR[0], "en": SERVER_ERROR[1], "problems": []},
        )
        return "error"
    finally:
        progress.close()
    links = [[link.url, link.zh, link.en] for link in outcome.links]
    _finish(job, Job.State.DONE, {"zh": outcome.zh, "en": outcome.en, "links": links})
    return "done"
