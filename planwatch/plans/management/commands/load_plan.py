from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.plans.loader import load_plan_file


class Command(PlanWatchCommand):
    help = "Check a plan file whole and load it: a changed file makes a new plan version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the plan file (YAML or JSON)")
        parser.add_argument("--user", help="the user recorded as having loaded it")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
        result = load_plan_file(options["file"], user=user)
        plan = result.plan
        for warning in result.warnings:
            self.stdout.write(f"  warning: {warning}")
        if result.status == "unchanged":
            self.stdout.write(f"{plan.code}: unchanged, still version {result.version}")
            return
        self.stdout.write(
            f"{plan.code}: {result.status}, version {result.version} — "
            f"{plan.indicators.count()} indicators, {plan.tasks.count()} tasks, "
            f"{plan.key_fields.count()} key fields"
        )
        for change in result.changes:
            self.stdout.write(f"  target revised: {change}")
