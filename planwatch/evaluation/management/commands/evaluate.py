"""planwatch evaluate: evaluate a year on the stored values, store the run, and show it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_output_arguments, add_plan_argument, output_of, write_output
from planwatch.evaluation import report
from planwatch.evaluation.runs import (
    BINDING,
    METHODS,
    WEIGHTS,
    parameters_from_options,
    run_evaluation,
    run_record,
)
from planwatch.plans.lookup import find_plan

FORMATS = ["table", "json", "xlsx"]


def read_json(path: str, option: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{option}: cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{option}: {path} is not UTF-8 JSON: {exc}") from None


class Command(PlanWatchCommand):
    help = (
        "Evaluate a year on the stored values (accepted ones unless --include-submitted): completion, "
        "pace and forecast of every indicator, the region's values, the composite index with its "
        "ranking and, unless --no-sensitivity, the stability of the ranks. The run is stored with its "
        "parameters and data version, then shown as a table, JSON or an Excel workbook. An identical "
        "stored run (same input, parameters and data) is shown instead of storing another, unless --new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="the year to evaluate, e.g. 2018")
        add_plan_argument(parser)
        parser.add_argument("--method", choices=METHODS, default="weighted_sum", help="composite aggregation")
        parser.add_argument("--normalization", choices=["target", "minmax"], default="target")
        parser.add_argument(
            "--weights",
            choices=WEIGHTS,
            help="indicator weights within each dimension (default: equal; ahp/expert with a file)",
        )
        parser.add_argument(
            "--ahp-file",
            help='pairwise matrices as JSON: {"dimensions": {"codes": [...], "matrix": [[...]]}, '
            '"indicators": {"<dimension>": {"codes": [...], "matrix": [[...]]}}} (either part)',
        )
        parser.add_argument(
            "--expert-file",
            help='expert weights as JSON: {"dimensions": {"<code>": w}, "indicators": {"<code>": w}} (either part)',
        )
        parser.add_argument(
            "--binding",
            choices=BINDING,
            default="mark",
            help="what failing a binding (约束性) indicator does to a locality's rank: none, mark (flagged; "
            "the default), cap (ranked below every locality passing them) or exclude (not ranked)",
        )
        parser.add_argument(
            "--include-submitted",
            action="store_true",
            help="also read submitted and approved values (the run is marked as including unaccepted values)",
        )
        parser.add_argument("--no-sensitivity", action="store_true", help="skip the sensitivity of the ranks")
        parser.add_argument("--label", default="", help="a label for the run, e.g. 2018年度通报")
        parser.add_argument("--notes", default="", help="notes kept with the run")
        parser.add_argument(
            "--new", action="store_true", help="store a new run even if an identical one exists"
        )
        add_output_arguments(parser, FORMATS, "table")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = output_of(options)
        plan = find_plan(options["plan"])
        ahp = read_json(options["ahp_file"], "--ahp-file") if options["ahp_file"] else None
        expert = read_json(options["expert_file"], "--expert-file") if options["expert_file"] else None
        params = parameters_from_options(
            method=options["method"],
            normalization=options["normalization"],
            weights=options["weights"],
            ahp=ahp,
            expert=expert,
            sensitivity=not options["no_sensitivity"],
            binding=options["binding"],
        )
        with self.steps() as steps:
            run = run_evaluation(
                plan,
                options["year"],
                params=params,
                include_unaccepted=options["include_submitted"],
                label=options["label"],
                notes=options["notes"],
                reuse=not options["new"],
                progress=steps,
            )
        content: str | bytes
        if fmt == "json":
            content = json.dumps(run_record(run), ensure_ascii=False, indent=2) + "\n"
        elif fmt == "xlsx":
            content = report.as_workbook(run)
        else:
            content = report.as_table(run)
        write_output(self, content, output)
        what = "reused stored run" if run.reused else "stored run"
        self.stderr.write(
            f"{what} #{run.pk} ({plan.code} {run.year}, data {run.data_hash[:12]})"
            + (f"; wrote {output}" if output else "")
        )
