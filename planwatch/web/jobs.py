"""The page of a background job (planwatch.kernel.jobs): its step and counts while it runs, what it
did and the ways on when it is done, every problem with its place when it failed. The page reads
/jobs/<id>/status.json every second (web/job.js); without JavaScript it reloads itself. A failed
job's starter may retry it (POST /jobs/<id>/retry/: kernel.jobs.retry) when it failed for a cause
that may pass (kernel.jobs.retryable); one whose input was rejected is corrected and sent again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from planwatch.accounts.permissions import has_perm
from planwatch.core.numbers import grouped
from planwatch.kernel import audit
from planwatch.kernel import jobs as runner
from planwatch.kernel.jobs import KINDS
from planwatch.kernel.models import Job
from planwatch.pages import refusal_goes_to
from planwatch.plans.models import Plan, pick
from planwatch.web.context_processors import plan_has_sample


def _job(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(Job, pk=pk)
    if not has_perm("job.view", request.user, job):
        raise PermissionDenied(gettext("This job was started by another user."))
    return job


def job_state(job: Job) -> dict[str, Any]:
    """What the page shows of a job, in the active language."""
    kind = KINDS.get(job.kind)
    outcome = job.outcome or {}
    return {
        "id": job.pk,
        "kind": pick(kind.zh, kind.en) if kind else job.kind,
        "state": job.state,
        "state_label": job.get_state_display(),
        "finished": job.finished,
        "step": gettext(job.step) if job.step else "",
        "done": job.done,
        "total": job.total,
        "count": f"{grouped(job.done)} / {grouped(job.total)}" if job.total else "",  # 30,100 / 30,100
        "percent": job.percent,
        "message": pick(outcome.get("zh", ""), outcome.get("en", "")),
        "source": outcome.get("source", ""),
        "problems": [_problem(p) for p in outcome.get("problems", [])],
        "links": [{"url": url, "label": pick(zh, en)} for url, zh, en in outcome.get("links", [])],
        "back": job.params.get("back", ""),  # where the work was asked for: to try again
        # Failed on its input (rejected or refused): the same again fails the same way.
        "input_failed": job.state == Job.State.FAILED and not runner.retryable(job),
        "retry_of": job.retry_of_id,
        "retries": [pk for pk in job.retries.order_by("id").values_list("id", flat=True)],
    }


def _problem(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem of a failed job, in the active language (a refusal's has both; a rejected file's
    its one message)."""
    message = problem.get("message") or pick(problem.get("zh", ""), problem.get("en", ""))
    return {"path": problem.get("path") or "", "line": problem.get("line"), "message": message}


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    plan = Plan.objects.filter(code=job.plan_code).first() if job.plan_code else None
    retryable = runner.retryable(job) and has_perm("job.retry", request.user, job)
    context = {
        "job": job,
        "state": job_state(job),
        "plan": plan,
        "retryable": retryable,
        # The page is not under /plans/<code>/: its plan's sample banner, by the one rule of all pages.
        "has_sample": plan is not None and plan_has_sample(plan.code),
    }
    return render(request, "web/job.html", context)


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a failed job again (its starter); then show the new one."""
    job = get_object_or_404(Job, pk=pk)
    refusal_goes_to(request, reverse("web:job", args=[job.pk]))  # a refusal is said on the job's page
    again = runner.retry(job, request.user, via=audit.WEB)
    return redirect("web:job", again.pk)


@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(job_state(_job(request, pk)))
