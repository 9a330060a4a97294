"""An evaluation run made on the job runner (planwatch.kernel.jobs): the dashboard's 立即评估 form
hands the request over and shows the job's steps; the run is the same `runs.run_evaluation` as
`planwatch evaluate`'s (which stays synchronous) and the API's.

A dashboard page whose year's stored run no longer holds the current accepted data asks for one
too (`request_run`): an automatic job, started by nobody — no one's permission is checked, no one
is told when it ends — and at most one waiting or running per plan and year."""

from __future__ import annotations

from django.urls import reverse

from planwatch.kernel.jobs import JobKind, Link, Outcome, Progress, register, start
from planwatch.kernel.models import Job
from planwatch.plans import revision as data_revision
from planwatch.plans.models import Plan

from .models import DashboardRun
from .runs import check_may_run, run_evaluation

RUN = "evaluation_run"

# The params flag of a run a dashboard page asked for (request_run), not a person.
AUTOMATIC = "automatic"


def request_run(plan: Plan, year: int) -> Job:
    """Ask for the year's default run on accepted values, for the dashboards: the job that waits or
    runs for this plan and year already, else a new one (kernel.jobs.start with a key). Started
    by nobody — not audited: a page view is no one's act — and its run labelled `dashboard`."""
    params = {"year": year, "include_unaccepted": False, AUTOMATIC: True}
    key = f"{RUN}:{plan.code}:{year}"
    return start(RUN, None, plan_code=plan.code, params=params, key=key)


def evaluate_year(job: Job, progress: Progress) -> Outcome:
    """Evaluate the asked year with the default parameters and store the run (or find the stored
    identical one); its starter must still hold `evaluation.run` (a retry is checked again) unless
    a dashboard asked for it (AUTOMATIC)."""
    asked = job.params
    automatic = bool(asked.get(AUTOMATIC))
    if not automatic:
        check_may_run(job.user)
    plan = Plan.objects.get(code=job.plan_code)
    seen = data_revision.current(plan)  # before the values: a change meanwhile asks again
    run = run_evaluation(
        plan,
        asked["year"],
        include_unaccepted=asked["include_unaccepted"],
        user=job.user,
        label="dashboard" if automatic else "web",
        progress=progress,
    )
    if automatic:  # what the dashboards show until the data change again
        DashboardRun.objects.update_or_create(
            plan=plan, year=run.year, defaults={"run": run, "revision": seen}
        )
    which = "含未确认数据" if run.includes_unaccepted else "已确认数据"
    which_en = "including unaccepted values" if run.includes_unaccepted else "accepted values"
    if run.reused:
        zh = f"{run.year}年的数据自评估运行 #{run.pk} 以来未变（{which}）：沿用该运行，未重新计算。"
        en = f"The {run.year} data ({which_en}) are unchanged since evaluation run #{run.pk}: it stands."
    else:
        zh = f"{run.year}年已评估（{which}）：评估运行 #{run.pk}。"
        en = f"{run.year} is evaluated ({which_en}): evaluation run #{run.pk}."
    overview = reverse("dashboards:overview", args=[plan.code]) + f"?year={run.year}"
    return Outcome(
        zh,
        en,
        [
            Link(overview, f"打开{run.year}年看板", f"Open the {run.year} dashboard"),
            Link(
                f"/api/v1/evaluations/{run.pk}",
                f"评估运行 #{run.pk} 的完整记录（JSON）",
                f"Run #{run.pk} in full (JSON)",
            ),
        ],
    )


register(JobKind(RUN, "评估运行", "Evaluation run", evaluate_year))
