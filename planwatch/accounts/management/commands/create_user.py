from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from planwatch.accounts.models import Profile
from planwatch.plans.models import Locality, Plan, Unit


def find_locality(plan: Plan, name: str) -> Locality:
    """A pilot unit by code (ZH) or Chinese name, with or without 市/区 (珠海, 珠海市)."""
    for locality in plan.localities.filter(pilot=True):
        if name in {locality.code, locality.name_zh, locality.name_zh.rstrip("市区"), locality.name_en}:
            return locality
    raise CommandError(f"no pilot unit {name!r} in plan {plan.code}")


class Command(BaseCommand):
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
        plans = Plan.objects.filter(code=options["plan"]) if options["plan"] else Plan.objects.all()
        if plans.count() != 1:
            raise CommandError("name the plan with --plan" if plans.exists() else "no such plan")
        plan = plans[0]
        role = options["role"]
        locality = find_locality(plan, options["locality"]) if options["locality"] else None
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(plan=plan, code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit {options['unit']!r} in plan {plan.code}")
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
