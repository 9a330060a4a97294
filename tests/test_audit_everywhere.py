"""Every change anywhere writes one event of the one audit log: users and roles, tokens, periods
and their locks, exceptions, targets, plan loads (values, ledger rows and supervision have their
own tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from planwatch.accounts.actions import Account, issue_token, revoke_token, save_user
from planwatch.accounts.models import Profile
from planwatch.core.errors import PlanWatchError
from planwatch.kernel.models import AuditEvent, name_fields
from planwatch.plans.actions import revise_target, set_locality_target
from planwatch.plans.loader import load_plan_file
from planwatch.reporting.periods import create_periods, grant_exception, set_dates
from tests.audit import events
from tests.conftest import SEED_PLAN

pytestmark = pytest.mark.django_db


def test_a_user_created_and_given_a_role(plan, cast):
    zh = plan.localities.get(code="ZH")
    user = save_user(
        cast.alice, Account("ann", Profile.Role.LOCALITY_REPORTER, locality=zh, password="a-long-password")
    )
    created = events(kind="user").get()
    assert (created.type, created.actor, created.subject_label, created.plan_code) == (
        "user.create",
        cast.alice,
        "ann",
        plan.code,
    )
    assert created.new["role"] == "locality_reporter" and created.new["locality"] == "ZH"
    assert created.new["password_changed"] is True and "a-long-password" not in str(created.new)
    save_user(cast.alice, Account("ann", Profile.Role.LOCALITY_APPROVER, locality=zh), editing=user)
    changed = events(kind="user").last()
    assert (changed.type, changed.old["role"], changed.new["role"]) == (
        "user.update",
        "locality_reporter",
        "locality_approver",
    )
    save_user(cast.alice, Account("ann", Profile.Role.LOCALITY_APPROVER, locality=zh), editing=user)
    assert events(kind="user").count() == 2  # saved unchanged: nothing written


def test_a_role_without_its_scope_is_refused_and_writes_nothing(cast):
    with pytest.raises(PlanWatchError, match="needs their locality"):
        save_user(cast.alice, Account("bea", Profile.Role.LOCALITY_REPORTER, password="a-long-password"))
    assert not events(kind="user").exists()


def test_the_command_line_is_audited_as_such(plan):
    call_command("create_user", username="cli", password="a-long-password", role="viewer", plan=plan.code)
    event = events(kind="user").get()
    assert (event.source, event.actor) == ("cli", None)


def test_tokens_issued_and_revoked(cast):
    token, raw = issue_token(cast.alice, cast.zoe, "script")
    revoke_token(cast.alice, token)
    assert [e.type for e in events(kind="token")] == ["token.create", "token.revoke"]
    assert raw not in str([e.new for e in events(kind="token")])  # never the token itself


def test_periods_their_dates_and_exceptions(plan, cast):
    ((period, done),) = create_periods(plan, 2021, "yearly", due_after_days=90, user=cast.alice)
    assert done == "created"
    set_dates(cast.pat, period, dt.date(2022, 4, 30), dt.date(2022, 5, 15))
    set_dates(cast.pat, period, dt.date(2022, 4, 30), dt.date(2022, 5, 15))  # unchanged: nothing
    grant_exception(cast.pat, period, plan.localities.get(code="ZH"), dt.date(2022, 6, 30), "系统故障")
    assert [e.type for e in events(plan_code=plan.code, subject_type__in=["period", "exception"])] == [
        "period.create",
        "period.dates",
        "exception.grant",
    ]
    dates = events(verb="dates").get()
    assert dates.old == {"due_on": "2022-03-31", "locks_on": "2022-04-15"}
    assert dates.new == {"due_on": "2022-04-30", "locks_on": "2022-05-15"}
    assert events(verb="grant").get().locality_code == "ZH"


def test_targets_set_and_revised(plan, cast):
    indicator = plan.indicators.get(code="I07")
    target = set_locality_target(
        indicator, plan.localities.get(code="ZH"), 2018, Decimal(10), "分解", cast.lena
    )
    revise_target(target, Decimal(12), "按2017年完成情况调整", cast.lena)
    assert [(e.type, e.new) for e in events(kind="target")] == [
        ("target.create", {"value": "10"}),
        ("target.revise", {"value": "12"}),
    ]
    assert events(kind="target").last().comment == "按2017年完成情况调整"


def test_a_plan_load(db):
    plan = load_plan_file(SEED_PLAN).plan
    event = events(kind="plan").get()
    assert (event.type, event.plan_code, event.source) == ("plan.create", plan.code, "cli")
    load_plan_file(SEED_PLAN)  # the same file: unchanged, nothing written
    assert events(kind="plan").count() == 1


def test_the_audit_log_names_codes_and_fields_for_a_reader(client, plan, cast):
    """地区 ZH reads 珠海市, 单位 DST its unit's name, a ledger row's approvals their label."""
    dst = plan.units.get(code="DST")
    event = AuditEvent(
        type="user.update",
        subject_type="user",
        plan_code=plan.code,
        old={"locality": "ZH", "unit": ""},
        new={"locality": "FS", "unit": "DST"},
    )
    milestone = AuditEvent(
        type="milestone.create", subject_type="milestone", plan_code=plan.code, new={"owner_unit": "DST"}
    )
    row = AuditEvent(
        type="ledger_row.approve", subject_type="ledger_row", plan_code=plan.code, new={"approvals": 1}
    )
    with translation.override("zh-hans"):
        name_fields([event, row, milestone])
        assert event.old_shown == "地区：珠海市；单位：—"
        assert event.new_shown == f"地区：佛山市；单位：{dst.name_zh}"
        assert row.new_shown == "已完成审核级数：1"
        assert milestone.new_shown.endswith(f"：{dst.name_zh}")
