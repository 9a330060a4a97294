from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.models import Profile
from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_plan_argument
from planwatch.core.errors import NotFound
from planwatch.kernel import audit
from planwatch.plans.lookup import find_plan
from planwatch.plans.models import Locality, Plan, Unit

# One demo user per role: the province, a lead unit, the first two pilot units' reporters and a
# viewer (demo_roles); and an approver for every locality that approves a pilot unit's values (its own,
# or a county's city: demo_approvers), so that no locality's values stay stuck. For the seed plan: province (省经信委), lead_dst (省科技厅, which leads
# the talent indicators), zhuhai_reporter, foshan_reporter, leader.


def demo_roles(plan: Plan) -> list[tuple[str, str, str | None, str | None]]:
    """The demo users of the plan's roles, from its own units and localities."""
    departments = list(plan.units.filter(kind=Unit.Kind.PROVINCIAL_DEPARTMENT).order_by("order", "id"))
    province = departments[0].code if departments else None
    # the department, other than the province's, that leads the most indicators (else the province's)
    led = Counter(plan.indicators.exclude(lead_unit=None).values_list("lead_unit__code", flat=True))
    leads = sorted((u.code for u in departments if u.code != province and led[u.code]), key=lambda c: -led[c])
    lead = leads[0] if leads else province
    roles: list[tuple[str, str, str | None, str | None]] = [
        ("province", Profile.Role.PROVINCE_REVIEWER, None, province)
    ]
    if lead is not None:
        roles.append((f"lead_{lead.lower()}", Profile.Role.LEAD_UNIT, None, lead))
    reporters = list(plan.pilot_units().order_by("id")[:2])
    stems = demo_login_stems(reporters)
    roles += [
        (f"{stems[loc.pk]}_reporter", Profile.Role.LOCALITY_REPORTER, loc.code, None) for loc in reporters
    ]
    return [*roles, ("leader", Profile.Role.VIEWER, None, None)]


def demo_login_stem(locality: Locality) -> str:
    """A locality's part of a demo login: the first word of its English name in lower case (珠海市
    Zhuhai: zhuhai; 顺德区 Shunde District: shunde), else its code in lower case."""
    words = locality.name_en.split()
    word = words[0].lower() if words else ""
    return word if word.isascii() and word.isalnum() else locality.code.lower()


def demo_login_stems(localities: list[Locality]) -> dict[int, str]:
    """Each locality's part of its demo logins, by id: `demo_login_stem`, and where two localities
    share one (宿州 and 苏州 are both Suzhou) each of them with its code after it (suzhou_ah1302)."""
    stems = {loc.pk: demo_login_stem(loc) for loc in localities}
    shared = {stem for stem, n in Counter(stems.values()).items() if n > 1}
    return {
        loc.pk: f"{stems[loc.pk]}_{loc.code.lower()}" if stems[loc.pk] in shared else stems[loc.pk]
        for loc in localities
    }


def demo_approvers(plan: Plan) -> list[tuple[str, str, str | None, str | None]]:
    """An approver for every locality that approves a pilot unit's values (its approval chain):
    every pilot unit's own by default (zhuhai_approver, foshan_approver, …); a county's city where
    the plan says `county: [parent]` (shaoguan_approver); one login each, whatever their names."""
    approving = plan.approving_localities()
    stems = demo_login_stems(approving)
    return [
        (f"{stems[loc.pk]}_approver", Profile.Role.LOCALITY_APPROVER, loc.code, None) for loc in approving
    ]


class Command(PlanWatchCommand):
    help = "Create (or reset) the demo administrator and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="planwatch-demo")
        parser.add_argument(
            "--with-roles", action="store_true", help="also one demo user per role, for trying the workflow"
        )
        add_plan_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        editing = get_user_model().objects.filter(username=options["username"]).first()
        account = Account(
            options["username"], Profile.Role.PROVINCE_ADMIN, password=options["password"], superuser=True
        )
        user = save_user(None, account, editing=editing, via=audit.Via(audit.Source.COMMAND))
        self.stdout.write(f"demo administrator {'reset' if editing else 'created'}: {user.username}")
        if options["with_roles"]:
            try:  # the plan named, or the only one: several plans and none named is refused
                plan = find_plan(options["plan"])
            except NotFound as exc:
                raise CommandError(f"{exc.en}: the demo roles need a plan's localities and units") from None
            for username, role, locality, unit in [*demo_roles(plan), *demo_approvers(plan)]:
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
