"""Counts are shown as officials write them, thousands grouped (30,100: numbers.grouped, the `num`
filter): a job's counts and messages, the evaluation's header and the dashboards' run line, the
reporting home's totals. Identifiers, years and codes are left alone (run #…, 2018)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planwatch.evaluation import report
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import run_evaluation
from planwatch.kernel import jobs
from planwatch.kernel.models import Job
from planwatch.reporting import jobs as reporting_jobs
from planwatch.reporting.datavaluesets import ImportResult

pytestmark = pytest.mark.django_db


def test_a_jobs_counts_are_grouped(client, cast):
    job = Job.objects.create(
        kind=reporting_jobs.IMPORT, user=cast.zoe, step="Saving the rows", done=12345, total=30100
    )
    client.force_login(cast.zoe)
    page = client.get(reverse("web:job", args=[job.pk])).content.decode()
    assert "12,345 / 30,100" in page
    assert client.get(reverse("web:job_status", args=[job.pk])).json()["count"] == "12,345 / 30,100"


def test_a_value_set_jobs_message_groups_its_counts(client, plan, cast, monkeypatch):
    done = ImportResult("big-1", False, 30100, created=30000, updated=100, unchanged=0)
    monkeypatch.setattr(
        reporting_jobs.dvs, "parse_json", lambda body: type("Set", (), {"rows": [1] * 30100})()
    )
    monkeypatch.setattr(reporting_jobs.dvs, "import_value_set", lambda *args: done)
    job = jobs.start(
        reporting_jobs.IMPORT, cast.zoe, plan_code=plan.code, payload=b"{}", params={"format": "json"}
    )
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.outcome
    assert "已检查 30,100 个数值——新增 30,000 个、修改 100 个" in job.outcome["zh"]
    assert "30,100 values checked — 30,000 new and 100 changed" in job.outcome["en"]
    assert "“big-1”" in job.outcome["zh"]  # the import id as it is


def test_the_run_line_and_the_report_group_the_values_read(client, sampled, cast):
    run = run_evaluation(sampled, 2018)
    EvaluationRun.objects.filter(pk=run.pk).update(data_version={**run.data_version, "count": 30100})
    run.refresh_from_db()
    assert "数据版本 Data version: 30,100 个数值 values" in report.header_lines(run)[2]
    client.force_login(cast.vic)
    page = client.get(f"/plans/{sampled.code}/dashboard/?year=2018").content.decode()
    assert "30,100 个已确认数值" in page and f'data-run="{run.pk}"' in page
