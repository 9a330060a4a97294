"""planwatch evaluations: the stored evaluation runs, newest first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.report import aligned, clip
from planwatch.evaluation.runs import parameters_summary
from planwatch.plans.lookup import find_plan
from planwatch.reporting import exports


class Command(PlanWatchCommand):
    help = "List the stored evaluation runs: id, year, when, parameters, data version, flags."

    def add_arguments(self, parser: CommandParser) -> None:
        add_plan_argument(parser)
        parser.add_argument("--year", type=int, help="only the runs of this year")
        parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        runs = EvaluationRun.objects.filter(plan=plan).select_related("created_by").defer("summary")
        if options["year"] is not None:
            runs = runs.filter(year=options["year"])
        rows = []
        for run in runs[: max(options["limit"], 0)]:
            flags = [
                *(["含未确认 unaccepted"] if run.includes_unaccepted else []),
                *(["示例 sample"] if run.sample else []),
            ]
            moment = exports.local_time(run.created_at)
            rows.append(
                [
                    str(run.pk),
                    str(run.year),
                    moment.strftime("%Y-%m-%d %H:%M") if moment else "",
                    run.created_by.get_username() if run.created_by else "—",
                    parameters_summary(run.params),
                    f"{run.data_hash[:12]} ({run.version.count})",
                    ", ".join(flags) or "—",
                    clip(run.label, 30),
                ]
            )
        if not rows:
            self.stdout.write(
                f"no evaluation runs of plan {plan.code} yet: run `planwatch evaluate --year …`"
            )
            return
        header = [
            "id",
            "年份",
            "创建时间",
            "创建人",
            "参数 parameters",
            "数据版本 data",
            "标记 flags",
            "标签 label",
        ]
        for line in aligned(header, rows, [True, True, False, False, False, False, False, False]):
            self.stdout.write(line)
