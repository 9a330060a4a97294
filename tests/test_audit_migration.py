"""The migration into the one audit log: a database holding every kind of row of the three old audit
tables (values, ledger rows, supervision) comes out with one event per row, none lost, in order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

# The migrations just before the one under test (the migrator also applies whatever comes before
# the last of them; nothing that depends on the old audit tables' going does).
BEFORE = [
    ("kernel", "0001_initial"),
    ("reporting", "0005_approvals"),
    ("ledgers", "0004_ledgeritem_approvals"),
    ("supervision", "0003_progress_update_review"),
]
AFTER = [
    ("kernel", "0002_old_audit_rows"),
    ("reporting", "0006_delete_auditentry"),
    ("ledgers", "0005_delete_ledgeraudit"),
    ("supervision", "0004_delete_supervisionaudit"),
]


def at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2019, 3, day, hour))


def _plan(apps: Any) -> dict[str, Any]:
    """A plan with one pilot unit, one indicator, one period, one task: what old rows refer to."""
    Plan = apps.get_model("plans", "Plan")
    plan = Plan.objects.create(
        code="p",
        title_zh="方案",
        title_en="Plan",
        issuer_zh="省政府",
        issuer_en="Province",
        issued_on=dt.date(2017, 4, 21),
        region_zh="区域",
        region_en="Region",
        base_year=2016,
        start_year=2017,
        end_year=2019,
        source_text="原文",
    )
    zh = apps.get_model("plans", "Locality").objects.create(
        plan=plan, code="ZH", name_zh="珠海市", name_en="Zhuhai", level="city", pilot=True
    )
    indicator = apps.get_model("plans", "Indicator").objects.create(
        plan=plan,
        code="I07",
        name_zh="指标",
        name_en="Indicator",
        clause="三（一）",
        quote="原句",
        unit="个",
        kind="level",
        direction="higher_is_better",
        aggregation="sum",
    )
    period = apps.get_model("reporting", "Period").objects.create(
        plan=plan,
        code="2018",
        frequency="yearly",
        year=2018,
        starts_on=dt.date(2018, 1, 1),
        ends_on=dt.date(2018, 12, 31),
    )
    group = apps.get_model("plans", "TaskGroup").objects.create(
        plan=plan, code="T1", number=1, title_zh="任务组", title_en="Tasks", clause="三", quote="原句"
    )
    task = apps.get_model("plans", "Task").objects.create(
        plan=plan, group=group, code="T1.1", title_zh="任务", title_en="Task", clause="三（一）", quote="原句"
    )
    return {"plan": plan, "zh": zh, "indicator": indicator, "period": period, "task": task}


VALUE_ACTIONS = [  # (action, old value, new value, old status, new status)
    ("save", None, "5", "", "draft"),
    ("comment", "5", "5", "draft", "draft"),
    ("evidence", "5", "5", "draft", "draft"),
    ("submit", "5", "5", "draft", "submitted"),
    ("return", "5", "5", "submitted", "returned"),
    ("save", "5", "6", "returned", "draft"),
    ("submit", "6", "6", "draft", "submitted"),
    ("approve", "6", "6", "submitted", "approved"),
    ("accept", "6", "6", "approved", "accepted"),
    ("request_revision", "6", "6", "accepted", "accepted"),
    ("revise", "6", "7", "accepted", "accepted"),
    ("reject_revision", "7", "7", "accepted", "accepted"),
]
LEDGER_ACTIONS = ["create", "update", "evidence", "submit", "approve", "accept", "return", "keep", "merge"]
SUPERVISION_ACTIONS = [
    "create_plan",
    "add_milestone",
    "edit_milestone",
    "post_update",
    "comment_update",
    "return_update",
    "delete_milestone",
]


def _old_rows(apps: Any, made: dict[str, Any], user: Any) -> None:
    value = apps.get_model("reporting", "ReportedValue").objects.create(
        indicator=made["indicator"], locality=made["zh"], period=made["period"], value=7, status="accepted"
    )
    AuditEntry = apps.get_model("reporting", "AuditEntry")
    for n, (action, old, new, old_status, new_status) in enumerate(VALUE_ACTIONS):
        entry = AuditEntry.objects.create(
            value=value,
            action=action,
            old_value=Decimal(old) if old else None,
            new_value=Decimal(new),
            old_status=old_status,
            new_status=new_status,
            comment=f"v{n}",
            user=user,
            source="excel" if n == 0 else "web",
            source_detail="zh.xlsx" if n == 0 else "",
        )
        AuditEntry.objects.filter(pk=entry.pk).update(at=at(1, n))
    ledger = apps.get_model("ledgers", "LedgerType").objects.create(
        plan=made["plan"], code="projects", name_zh="项目台账", name_en="Projects"
    )
    Item = apps.get_model("ledgers", "LedgerItem")
    item = Item.objects.create(ledger=ledger, locality=made["zh"], name="项目甲", normalized_name="项目甲")
    gone = Item.objects.create(ledger=ledger, locality=made["zh"], name="项目乙", normalized_name="项目乙")
    LedgerAudit = apps.get_model("ledgers", "LedgerAudit")
    for n, action in enumerate(LEDGER_ACTIONS):
        row = LedgerAudit.objects.create(
            item=item,
            ledger=ledger,
            action=action,
            old={"review": "draft"},
            new={"review": "submitted"},
            user=user,
        )
        LedgerAudit.objects.filter(pk=row.pk).update(at=at(2, n))
    deleted = LedgerAudit.objects.create(
        item=gone,
        ledger=ledger,
        action="delete",
        old={"name": "项目乙", "locality": "ZH", "review": "draft"},
        user=user,
    )
    LedgerAudit.objects.filter(pk=deleted.pk).update(at=at(2, 20))
    gone.delete()  # its audit rows stay, with no item
    ap = apps.get_model("supervision", "ActionPlan").objects.create(
        plan=made["plan"], locality=made["zh"], year=2019
    )
    milestone = apps.get_model("supervision", "Milestone").objects.create(
        action_plan=ap, task=made["task"], title="建成车间", due_on=dt.date(2019, 6, 30)
    )
    SupervisionAudit = apps.get_model("supervision", "SupervisionAudit")
    for n, action in enumerate(SUPERVISION_ACTIONS):
        row = SupervisionAudit.objects.create(
            action_plan=ap,
            milestone=milestone if action != "create_plan" else None,
            user=user,
            action=action,
            new={"update": 4, "comment": "请补充"} if "update" in action else {"title": "建成车间"},
            source="excel:zh.xlsx" if n == 1 else "web",
        )
        SupervisionAudit.objects.filter(pk=row.pk).update(at=at(3, n))


def test_every_old_audit_row_comes_into_the_one_log(migrator: Any) -> None:
    old = migrator.apply_initial_migration(BEFORE)
    made = _plan(old.apps)
    user = old.apps.get_model("auth", "User").objects.create(username="zoe")
    _old_rows(old.apps, made, user)
    new = migrator.apply_tested_migration(AFTER)
    events = list(new.apps.get_model("kernel", "AuditEvent").objects.order_by("at", "id"))
    assert len(events) == len(VALUE_ACTIONS) + len(LEDGER_ACTIONS) + 1 + len(SUPERVISION_ACTIONS)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {e.actor_name for e in events} == {"zoe"} and {e.plan_code for e in events} == {"p"}

    values = [e for e in events if e.subject_type == "value"]
    assert [e.type for e in values] == [
        f"value.{a if a != 'evidence' else 'attach'}" for a, *_ in VALUE_ACTIONS
    ]
    first, revise = values[0], values[10]
    assert (first.old, first.new, first.source, first.source_detail) == (
        None,
        {"value": "5", "state": "draft"},
        "excel",
        "zh.xlsx",
    )
    assert (revise.old, revise.new, revise.comment) == (
        {"value": "6", "state": "accepted"},
        {"value": "7", "state": "accepted"},
        "v10",
    )
    assert (first.locality_code, first.indicator_code, first.period_code, first.subject_label) == (
        "ZH",
        "I07",
        "2018",
        "I07 珠海市 2018",
    )
    # the changes of a draft are its locality's business; a submit or a return is not
    assert [e.private for e in values[:5]] == [True, True, True, False, False]

    rows = [e for e in events if e.subject_type == "ledger_row"]
    assert [e.type.partition(".")[2] for e in rows] == [
        *LEDGER_ACTIONS[:2],
        "attach",
        *LEDGER_ACTIONS[3:],
        "delete",
    ]
    assert rows[3].old == {"state": "draft"} and rows[3].new == {"state": "submitted"}
    assert (
        rows[-1].subject_id == ""
        and rows[-1].subject_label == "项目台账：项目乙"
        and rows[-1].locality_code == "ZH"
    )

    supervision = [e for e in events if e.subject_type in {"action_plan", "milestone", "progress_update"}]
    assert [e.type for e in supervision] == [
        "action_plan.create",
        "milestone.create",
        "milestone.update",
        "milestone.progress",
        "progress_update.comment",
        "progress_update.return",
        "milestone.delete",
    ]
    assert (supervision[1].source, supervision[1].source_detail) == ("excel", "zh.xlsx")
    assert supervision[5].subject_id == "4" and supervision[5].comment == "请补充"
    migrator.reset()
