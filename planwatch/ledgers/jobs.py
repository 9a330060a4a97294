"""A ledger workbook imported on the job runner (planwatch.kernel.jobs): the web page hands the
upload over and shows the job; the import is the same `excel.import_ledger` as the command line's."""

from __future__ import annotations

from django.urls import reverse

from planwatch.core.numbers import grouped
from planwatch.kernel.jobs import JobKind, Link, Outcome, Progress, register
from planwatch.kernel.models import Job

from . import excel
from .models import LedgerType

IMPORT = "ledger_import"


def import_workbook(job: Job, progress: Progress) -> Outcome:
    ledger = LedgerType.objects.select_related("plan").get(pk=job.params["ledger"])
    saved = excel.import_ledger(ledger, bytes(job.payload), job.payload_name, job.user, progress)
    args = [ledger.plan.code, ledger.code]
    return Outcome(
        f"{job.payload_name}：已导入 {grouped(len(saved))} 行到台账“{ledger.name_zh}”，均为草稿，请核对后提交。",
        f"{job.payload_name}: {grouped(len(saved))} row(s) imported into the ledger “{ledger.name_en}”, "
        "each a draft to check and submit.",
        [
            Link(
                reverse("ledgers:list", args=args) + "?review=draft",
                "查看并提交导入的行",
                "Check and submit the rows",
            ),
            Link(
                reverse("ledgers:funnel", args=args),
                "台账计数与待写入的指标值",
                "Counts and the values still to write",
            ),
        ],
    )


register(JobKind(IMPORT, "导入台账", "Ledger import", import_workbook))
