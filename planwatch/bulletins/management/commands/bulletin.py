"""planwatch bulletin: build a bulletin (通报) of a year or quarter and write its files to a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.bulletins import services
from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import active_user, add_plan_argument
from planwatch.core.bulletin import FORMATS
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import BINDING, METHODS, WEIGHTS, parameters_from_options
from planwatch.kernel import audit
from planwatch.plans.lookup import find_plan


class Command(PlanWatchCommand):
    help = (
        "Build a draft bulletin of a period (a year such as 2018, or a quarter such as 2018Q3) from one "
        "evaluation run — the stored run given with --run, or the period's year evaluated now on accepted "
        "values (a stored identical run is reused) — store it, and write its files to DIR. Steps are "
        "shown on standard error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2018 or 2018Q3")
        add_plan_argument(parser)
        parser.add_argument(
            "--format", default=",".join(FORMATS), help="comma-separated: docx,pdf,xlsx (default: all three)"
        )
        parser.add_argument("-o", "--output", required=True, help="the folder to write the files into")
        parser.add_argument("--run", type=int, help="cite this stored evaluation run instead of evaluating")
        parser.add_argument(
            "--include-unaccepted",
            "--include-submitted",
            dest="include_unaccepted",
            action="store_true",
            help="also read submitted and approved values; the first page says so",
        )
        parser.add_argument("--method", choices=METHODS, default="weighted_sum")
        parser.add_argument("--normalization", choices=["target", "minmax"], default="target")
        parser.add_argument("--weights", choices=[w for w in WEIGHTS if w not in ("ahp", "expert")])
        parser.add_argument(
            "--binding",
            choices=BINDING,
            default="mark",
            help="what failing a binding (约束性) indicator does to the rank (default mark)",
        )
        parser.add_argument(
            "--no-sensitivity", action="store_true", help="skip the rank stability (faster evaluation)"
        )
        parser.add_argument(
            "--as-of",
            help="the bulletin's day: values are read as they stood at its end, supervision and late "
            "reporting judged on it (default today)",
        )
        parser.add_argument("--user", help="record this user as the bulletin's author")
        parser.add_argument(
            "--series",
            choices=["yearly", "quarterly", "special"],
            help="the series it is numbered in when issued (default: yearly for a year, quarterly for a "
            "quarter; special: 专报)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        formats = [f for f in options["format"].split(",") if f.strip()]
        out = Path(options["output"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"-o {out}: not a folder")
        user = active_user(options["user"]) if options["user"] else None
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(f"--as-of {options['as_of']!r}: write a date as 2019-04-30") from None
        run = None
        if options["run"] is not None:
            run = EvaluationRun.objects.filter(pk=options["run"]).select_related("plan").first()
            if run is None:
                raise CommandError(f"--run {options['run']}: no such evaluation run")
        params = parameters_from_options(
            method=options["method"],
            normalization=options["normalization"],
            weights=options["weights"],
            sensitivity=not options["no_sensitivity"],
            binding=options["binding"],
        )
        with self.steps() as steps:
            bulletin = services.build_bulletin(
                plan,
                options["period"],
                formats=formats,
                include_unaccepted=options["include_unaccepted"],
                user=user,
                run=run,
                params=params,
                as_of=as_of,
                progress=steps.step,
                series=options["series"],
                via=audit.Via(audit.Source.COMMAND, "planwatch bulletin"),
            )
        try:
            out.mkdir(parents=True, exist_ok=True)
            for fmt in bulletin.formats:
                target = out / bulletin.file_name(fmt)
                with bulletin.file_of(fmt).open("rb") as fh:  # type: ignore[union-attr]
                    target.write_bytes(fh.read())
                self.stdout.write(str(target))
        except OSError as exc:
            raise CommandError(f"cannot write into {out}: {exc.strerror or exc}") from None
        flags = (" [示例数据 sample]" if bulletin.sample else "") + (
            " [含未确认数据 includes unaccepted]" if bulletin.includes_unaccepted else ""
        )
        self.stderr.write(
            f"bulletin #{bulletin.pk} (草稿 draft) ({plan.code} {bulletin.period_code}), "
            f"evaluation run #{bulletin.run_id}, data {bulletin.data_hash[:12]}{flags}"
        )
