from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from planwatch.accounts.models import Profile
from planwatch.cli import Command as PlanWatchCommand
from planwatch.plans.lookup import find_locality, find_plan
from planwatch.plans.models import Unit


class Command(PlanWatchCommand):
    help = "Create or update a user with a role and scope (for batch set-up of accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Profile.Role.values)
        parser.add_argument("--locality", help="for locality roles: code or name, e.g. ZH or 珠海")
        parser.add_argument("--unit", help="for the lead-unit role: the unit's code, e.g. DST")
        parser.add_argument("--plan", help="the plan's code (default: the only plan)")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        plan = find_plan(options["plan"])
        locality = find_locality(plan, options["locality"]) if options["locality"] else None
        role = options["role"]
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(plan=plan, code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit {options['unit']!r} in plan {plan.code}")
        if locality is not None and not locality.pilot:
            raise CommandError(f"{locality.name_zh} is not a pilot unit of plan {plan.code}")
        if role in Profile.LOCALITY_ROLES and locality is None:
            raise CommandError(f"the role {role} needs --locality")
        if role == Profile.Role.LEAD_UNIT and unit is None:
            raise CommandError("the role lead_unit needs --unit")
        user, created = get_user_model().objects.get_or_create(username=options["username"])
        user.set_password(options["password"])
        user.is_active = True
        user.save()
        Profile.objects.update_or_create(
            user=user, defaults={"role": role, "locality": locality, "unit": unit}
        )
        scope = locality.name_zh if locality else (unit.name_zh if unit else "—")
        self.stdout.write(f"{'created' if created else 'updated'} {user.username}: {role}, {scope}")
