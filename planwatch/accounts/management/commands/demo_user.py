from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.models import Profile
from planwatch.cli import Command as PlanWatchCommand
from planwatch.kernel import audit
from planwatch.plans.models import Locality, Plan

# One demo user per role: the province, a lead unit, 珠海's and 佛山's reporters and a viewer; and
# an approver for every pilot unit of the plan (demo_approvers), so that no locality's values stay stuck.
DEMO_ROLES = [
    ("province", Profile.Role.PROVINCE_REVIEWER, None, "EIC"),
    ("lead_dst", Profile.Role.LEAD_UNIT, None, "DST"),
    ("zhuhai_reporter", Profile.Role.LOCALITY_REPORTER, "ZH", None),
    ("foshan_reporter", Profile.Role.LOCALITY_REPORTER, "FS", None),
    ("leader", Profile.Role.VIEWER, None, None),
]


def demo_login_stem(locality: Locality) -> str:
    """A locality's part of a demo login: the first word of its English name in lower case (珠海市
    Zhuhai: zhuhai; 顺德区 Shunde District: shunde), else its code in lower case."""
    words = locality.name_en.split()
    word = words[0].lower() if words else ""
    return word if word.isascii() and word.isalnum() else locality.code.lower()


def demo_approvers(plan: Plan) -> list[tuple[str, str, str | None, str | None]]:
    """An approver for every pilot unit of the plan: zhuhai_approver, foshan_approver, …"""
    return [
        (f"{demo_login_stem(loc)}_approver", Profile.Role.LOCALITY_APPROVER, loc.code, None)
        for loc in plan.pilot_units().order_by("id")
    ]


class Command(PlanWatchCommand):
    help = "Create (or reset) the demo administrator and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="planwatch-demo")
        parser.add_argument(
            "--with-roles", action="store_true", help="also one demo user per role, for trying the workflow"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        editing = get_user_model().objects.filter(username=options["username"]).first()
        account = Account(
            options["username"], Profile.Role.PROVINCE_ADMIN, password=options["password"], superuser=True
        )
        user = save_user(None, account, editing=editing, via=audit.Via(audit.Source.COMMAND))
        self.stdout.write(f"demo administrator {'reset' if editing else 'created'}: {user.username}")
        if options["with_roles"]:
            plan = Plan.objects.first()
            if plan is None:
                raise CommandError("load a plan first: the demo roles need its localities and units")
            for username, role, locality, unit in [*DEMO_ROLES, *demo_approvers(plan)]:
                call_command(
                    "create_user",
                    username=username,
                    password=options["password"],
                    role=role,
                    locality=locality,
                    unit=unit,
                    plan=plan.code,
                    stdout=self.stdout,
                )
