from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.models import Profile
from planwatch.cli import Command as PlanWatchCommand
from planwatch.kernel import audit
from planwatch.plans.models import Plan

# One demo user per role: the province, a lead unit, and 珠海's reporter and approver.
DEMO_ROLES = [
    ("province", Profile.Role.PROVINCE_REVIEWER, None, "EIC"),
    ("lead_dst", Profile.Role.LEAD_UNIT, None, "DST"),
    ("zhuhai_reporter", Profile.Role.LOCALITY_REPORTER, "ZH", None),
    ("zhuhai_approver", Profile.Role.LOCALITY_APPROVER, "ZH", None),
    ("foshan_reporter", Profile.Role.LOCALITY_REPORTER, "FS", None),
    ("leader", Profile.Role.VIEWER, None, None),
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
            for username, role, locality, unit in DEMO_ROLES:
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
