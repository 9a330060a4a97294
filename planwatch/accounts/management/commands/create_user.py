from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.models import Profile
from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.kernel import audit
from planwatch.plans.lookup import find_locality, find_plan
from planwatch.plans.models import Unit


class Command(PlanWatchCommand):
    help = "Create or update a user with a role and scope (for batch set-up of accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=[role.value for role in Profile.Role])
        parser.add_argument("--locality", help="for locality roles: the locality of the plan by code or name")
        parser.add_argument("--unit", help="for the lead-unit role: the unit's code, e.g. DST")
        add_plan_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        locality = find_locality(plan, options["locality"]) if options["locality"] else None
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(plan=plan, code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit {options['unit']!r} in plan {plan.code}")
        editing = get_user_model().objects.filter(username=options["username"]).first()
        account = Account(
            username=options["username"],
            role=options["role"],
            locality=locality,
            unit=unit,
            password=options["password"],
        )
        user = save_user(None, account, editing=editing, plan=plan, via=audit.Via(audit.Source.COMMAND))
        scope = locality.name_zh if locality else (unit.name_zh if unit else "—")
        self.stdout.write(
            f"{'updated' if editing else 'created'} {user.username}: {options['role']}, {scope}"
        )
