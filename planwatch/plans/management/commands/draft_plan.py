from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.core.drafting.extract import draft
from planwatch.core.drafting.reading import read_document
from planwatch.core.drafting.scoring import misses, score
from planwatch.core.drafting.writer import write_draft
from planwatch.core.planfile import read_plan_file


class Command(PlanWatchCommand):
    help = (
        "Draft a plan file (planwatch/plan@1) from a policy document: text, DOCX, PDF with a text layer "
        "or saved HTML. With --score GOLD.yaml, compare the draft with a plan file made by hand."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("document", help="the policy document")
        parser.add_argument("-o", "--output", help="the draft plan file to write (default: standard output)")
        parser.add_argument(
            "--score", metavar="GOLD", help="a plan file made by hand: print P/R/F1, write nothing"
        )
        parser.add_argument("--misses", action="store_true", help="with --score: list what differs")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["document"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror}") from None
        result = draft(read_document(data, path.name))
        if options["score"]:
            gold = read_plan_file(options["score"])
            self.stdout.write(f"{path.name} against {Path(options['score']).name}:")
            for item in score(result, gold):
                self.stdout.write("  " + item.line())
            if options["misses"]:
                for aspect, (missed, extra) in misses(result, gold).items():
                    for row in missed:
                        self.stdout.write(f"  {aspect}: missed {row}")
                    for row in extra:
                        self.stdout.write(f"  {aspect}: extra {row}")
            return
        text = write_draft(result, path.name)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(
                f"{options['output']}: {len(result.targets)} targets, {len(result.tasks())} tasks, "
                f"{len(result.units)} units, {len(result.localities)} localities; "
                f"{result.review_count()} item(s) marked review: (resolve them, then `planwatch load_plan`)"
            )
        else:
            self.stdout.write(text, ending="")
