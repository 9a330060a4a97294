"""A bulletin's draft built on the job runner (planwatch.kernel.jobs): the 通报 page hands the
request over and shows the job's steps; the build is the same `services.build_bulletin` as the
command line's."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from planwatch.kernel.jobs import JobKind, Link, Outcome, Progress, register
from planwatch.kernel.models import Job
from planwatch.plans.models import Plan

from . import issuing, services
from .models import Bulletin

BUILD = "bulletin_build"
REGENERATE = "bulletin_regenerate"
ISSUE = "bulletin_issue"

# The build's steps as it says them (services, core.bulletin), for the job page's translation.
STEPS = (
    gettext_noop("evaluating the year"),
    gettext_noop("evaluating the earlier years (trend)"),
    gettext_noop("gathering supervision, reporting and the map"),
    gettext_noop("drawing charts"),
    gettext_noop("writing docx"),
    gettext_noop("writing pdf"),
    gettext_noop("writing xlsx"),
    gettext_noop("storing"),
)


def build_draft(job: Job, progress: Progress) -> Outcome:
    plan = Plan.objects.get(code=job.plan_code)
    asked = job.params
    bulletin = services.build_bulletin(
        plan,
        asked["period"],
        formats=asked["formats"],
        include_unaccepted=asked["include_unaccepted"],
        user=job.user,
        series=asked["series"] or None,
        progress=progress.step,
    )
    return Outcome(
        f"{bulletin.period_code} 通报草稿已生成（用时 {bulletin.build_seconds:.1f} 秒）：请修改文字、预览后签发。",
        f"The {bulletin.period_code} draft bulletin is built ({bulletin.build_seconds:.1f} s): "
        "edit its words, preview it, then issue it.",
        [Link(reverse("bulletins:detail", args=[plan.code, bulletin.pk]), "打开通报草稿", "Open the draft")],
    )


def _draft_link(bulletin: Bulletin) -> Link:
    return Link(
        reverse("bulletins:detail", args=[bulletin.plan.code, bulletin.pk]), "打开通报", "Open the bulletin"
    )


def regenerate_draft(job: Job, progress: Progress) -> Outcome:
    bulletin = Bulletin.objects.select_related("plan").get(pk=job.params["bulletin"])
    made = issuing.regenerate_draft(job.user, bulletin, refill=job.params["refill"], progress=progress.step)
    return Outcome(
        f"通报草稿已按当前数据重新生成（{made.period_code}）。",
        f"The draft is made again from the data as it is now ({made.period_code}).",
        [_draft_link(made)],
    )


def issue_bulletin(job: Job, progress: Progress) -> Outcome:
    bulletin = Bulletin.objects.select_related("plan").get(pk=job.params["bulletin"])
    form = issuing.from_params(bulletin.plan, job.params["form"])
    issued = issuing.issue(job.user, bulletin, form, progress=progress.step)
    return Outcome(
        f"已签发：{issued.number_label}。主送、抄送单位可在待办中查看。",
        f"Issued as {issued.number_label}; its addressees find it in their inbox.",
        [_draft_link(issued)],
    )


register(JobKind(BUILD, "生成通报", "Bulletin build", build_draft))
register(JobKind(REGENERATE, "重新生成通报", "Bulletin rebuild", regenerate_draft))
register(JobKind(ISSUE, "签发通报", "Bulletin issue", issue_bulletin))
