"""A large data value set imported on the job runner (planwatch.kernel.jobs): the API stores the
body and answers with the job; the import is the same `datavaluesets.import_value_set`, all or
nothing, as a set sent in a request."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from planwatch.core.numbers import grouped
from planwatch.kernel.jobs import JobKind, Outcome, Progress, register
from planwatch.kernel.models import Job
from planwatch.plans.models import Plan

from . import datavaluesets as dvs

IMPORT = "value_set_import"
CSV = "csv"
JSON = "json"


def import_value_set(job: Job, progress: Progress) -> Outcome:
    plan = Plan.objects.get(code=job.plan_code)
    progress.step(gettext_noop("Reading the values"))
    body = bytes(job.payload)
    value_set = dvs.parse_csv(body) if job.params.get("format") == CSV else dvs.parse_json(body)
    progress.step(gettext_noop("Checking and saving the values"), len(value_set.rows))
    result = dvs.import_value_set(job.user, plan, value_set)
    progress.advance(len(value_set.rows))
    if result.already_imported:
        return Outcome(
            f"导入编号“{result.import_id}”已导入过（{grouped(result.value_count)} 个数值），本次未重复写入。",
            f"import id {result.import_id!r} was imported before ({grouped(result.value_count)} values): "
            "nothing written again.",
        )
    return Outcome(
        f"导入编号“{result.import_id}”：已检查 {grouped(result.value_count)} 个数值——"
        f"新增 {grouped(result.created)} 个、修改 {grouped(result.updated)} 个，已保存为草稿；"
        f"未变 {grouped(result.unchanged)} 个；预警 {grouped(len(result.warnings))} 条。",
        f"import id {result.import_id!r}: {grouped(result.value_count)} values checked — "
        f"{grouped(result.created)} new and {grouped(result.updated)} changed, saved as drafts; "
        f"{grouped(result.unchanged)} unchanged; {grouped(len(result.warnings))} warnings.",
    )


register(JobKind(IMPORT, "导入数据值集", "Data value set import", import_value_set))
