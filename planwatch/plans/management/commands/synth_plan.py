from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.core.divisions import installed
from planwatch.core.synth import SynthSize, dump_synth, synth_plan


class Command(PlanWatchCommand):
    help = (
        "Write a synthetic plan file (示例数据, random figures) of real county-level units under their "
        "cities (and provinces: --provinces), for scale tests and benchmarks; the same arguments give "
        "the same file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--localities",
            type=int,
            required=True,
            help="pilot units (counties), up to 2,867 (the table's county-level divisions)",
        )
        parser.add_argument("--indicators", type=int, required=True, help="indicators, a cycle of ten kinds")
        parser.add_argument("--years", type=int, required=True, help="years from the base year, inclusive")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--base-year", type=int, default=2020)
        parser.add_argument(
            "--unit-share", type=float, default=0.05, help="the share of units with targets of their own"
        )
        parser.add_argument(
            "--provinces", action="store_true", help="a province level above the cities (plan code: …-p)"
        )
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        size = SynthSize(
            localities=options["localities"],
            indicators=options["indicators"],
            years=options["years"],
            seed=options["seed"],
            base_year=options["base_year"],
            unit_share=options["unit_share"],
            provinces=options["provinces"],
        )
        text = dump_synth(synth_plan(size, installed))
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{size.code}: written to {options['output']}")
        else:
            sys.stdout.write(text)
