"""A background job's end told to whoever started it (in the app and by e-mail, not to the group
robot: it is nobody else's business)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from planwatch.kernel.jobs import KINDS
from planwatch.kernel.models import Job
from planwatch.notifications.delivery import notify


def tell_the_starter(sender: Any, job: Job, **_: Any) -> None:
    if job.user is None:
        return
    kind = KINDS.get(job.kind)
    name_zh, name_en = (kind.zh, kind.en) if kind else (job.kind, job.kind)
    outcome = job.outcome or {}
    if job.state == Job.State.DONE:
        zh, en = f"{name_zh}已完成：{outcome.get('zh', '')}", f"{name_en} done: {outcome.get('en', '')}"
    else:
        what = outcome.get("source") or job.payload_name
        zh = f"{name_zh}未成功{f'（{what}）' if what else ''}：请查看原因。"
        en = f"{name_en} failed{f' ({what})' if what else ''}: see why."
    notify(job.user, f"job:{job.pk}", zh, en, reverse("web:job", args=[job.pk]), channels=("email",))
