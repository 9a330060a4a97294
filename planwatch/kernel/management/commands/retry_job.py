"""planwatch retry_job: start a failed job again (planwatch.kernel.jobs.retry), as its page's 重试."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user
from planwatch.core.errors import NotFound
from planwatch.kernel import audit, jobs
from planwatch.kernel.models import Job


class Command(PlanWatchCommand):
    help = (
        "Start a failed job again: a new job of the same kind with the same file and choices, linked to "
        "the first, for its starter (a worker, planwatch db_worker, runs it). Its starter or the province "
        "administrator may; a job that did not fail is refused (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", type=int, help="the failed job's number (/jobs/<id>/)")
        parser.add_argument("--user", required=True, help="who retries it: its starter or the administrator")

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["user"])
        job = Job.objects.select_related("user").filter(pk=options["job"]).first()
        if job is None:
            raise NotFound(f"没有任务 #{options['job']}。", f"No job #{options['job']}.")
        again = jobs.retry(job, user, via=audit.Via(audit.Source.COMMAND, "planwatch retry_job"))
        self.stdout.write(
            f"任务 #{again.pk}（重试 #{job.pk}）：{again.state}\n"
            f"Job #{again.pk} (retry of #{job.pk}): {again.state}, /jobs/{again.pk}/"
        )
