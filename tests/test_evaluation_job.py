"""An evaluation asked for on the dashboard runs on the job runner (planwatch.evaluation.jobs): the
request only starts the job; its page shows the steps, then the run with the ways on. (The test
settings' immediate backend ends a job before its page is shown; tests/test_jobs.py runs a worker.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from planwatch.evaluation import jobs as evaluation_jobs
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import run_evaluation
from planwatch.kernel.models import AuditEvent, Job
from planwatch.reporting.models import ReportedValue

pytestmark = pytest.mark.django_db


def evaluate(client, plan, **data):
    return client.post(reverse("dashboards:evaluate", args=[plan.code]), data)


class Told:
    """The steps a run tells (kernel.jobs.Steps)."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def step(self, label: str, total: int = 0) -> None:
        self.steps.append(label)

    def advance(self, done: int) -> None:
        return None


def test_the_dashboards_form_evaluates_on_the_job_runner(client, sampled, cast):
    client.force_login(cast.pat)
    page = client.get(reverse("dashboards:overview", args=[sampled.code]) + "?year=2018").content.decode()
    assert 'id="evaluate-form"' in page and reverse("dashboards:evaluate", args=[sampled.code]) in page
    EvaluationRun.objects.all().delete()  # the page's own run: the form's is to be a new one

    response = evaluate(client, sampled, year="2018")
    job = Job.objects.get(user=cast.pat)  # (the page's own is nobody's: evaluation.jobs.request_run)
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[job.pk])
    assert (job.kind, job.user, job.plan_code, job.state) == (
        "evaluation_run",
        cast.pat,
        sampled.code,
        "done",
    )
    assert job.params == {
        "year": 2018,
        "include_unaccepted": False,
        "back": f"/plans/{sampled.code}/dashboard/?year=2018",
    }
    run = EvaluationRun.objects.get()
    assert (run.year, run.created_by, run.label, run.includes_unaccepted) == (2018, cast.pat, "web", False)
    assert f"评估运行 #{run.pk}" in job.outcome["zh"]
    urls = [url for url, _zh, _en in job.outcome["links"]]
    assert urls == [f"/plans/{sampled.code}/dashboard/?year=2018", f"/api/v1/evaluations/{run.pk}"]
    page = client.get(response["Location"]).content.decode()
    assert "评估运行" in page and 'id="job-links"' in page
    assert AuditEvent.objects.filter(type="job.start", subject_id=str(job.pk), actor=cast.pat).exists()

    evaluate(client, sampled, year="2018")  # the same data again: the stored run stands
    again = Job.objects.filter(user=cast.pat).exclude(pk=job.pk).get()
    assert EvaluationRun.objects.count() == 1 and "未重新计算" in again.outcome["zh"]


def test_a_run_tells_its_steps(sampled):
    told = Told()
    run_evaluation(sampled, 2018, progress=told)
    assert told.steps == ["Reading the values", "Evaluating", "Storing the run"]


def test_who_may_not_evaluate_sees_no_form_and_is_refused(client, sampled, cast):
    client.force_login(cast.vic)
    page = client.get(reverse("dashboards:overview", args=[sampled.code])).content.decode()
    assert 'id="evaluate-form"' not in page
    assert evaluate(client, sampled, year="2018").status_code == 403
    assert not Job.objects.filter(user=cast.vic).exists()


def test_a_year_outside_the_plan_is_refused_in_the_request(client, sampled, cast):
    client.force_login(cast.pat)
    response = evaluate(client, sampled, year="1999")
    assert response.status_code == 302 and response["Location"] == f"/plans/{sampled.code}/dashboard/"
    assert not Job.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "请选择方案年份" in page


def test_a_refused_run_fails_the_job_with_its_reason(client, sampled, cast):
    client.force_login(cast.pat)
    ReportedValue.objects.filter(period__year=2019).update(status="draft")  # nothing accepted for 2019
    evaluate(client, sampled, year="2019")
    job = Job.objects.get()
    assert (job.kind, job.state) == (evaluation_jobs.RUN, Job.State.FAILED)
    assert "无法评估" in job.outcome["zh"] and not EvaluationRun.objects.filter(year=2019).exists()
