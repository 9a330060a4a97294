"""Sample action plans and milestones (示例数据): a mix of states for every pilot unit, replaced on
reload without touching real action plans, and labelled wherever they show."""

from __future__ import annotations

import datetime as dt
import json
import re
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from planwatch.core.bulletin.content import SAMPLE_MILESTONE, MilestoneRow, SupervisionInput, _supervision
from planwatch.demo.sample import load_sample
from planwatch.reporting.models import Period
from planwatch.supervision import actions, services
from planwatch.supervision.models import ActionPlan, Milestone
from planwatch.supervision.sample import demo_year, load_sample_supervision
from planwatch.web.context_processors import plan_has_sample
from tests.audit import events

TODAY = dt.date(2026, 5, 15)
PILOTS = {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
SAMPLE_TAG = 'class="sample-tag"'
SAMPLE_FLAG = 'class="flag sample"'


def rows_of(plan):
    """Every sample milestone, by its fields (not its id)."""
    return sorted(
        (
            m.action_plan.locality.code,
            m.action_plan.year,
            m.task.code,
            m.title,
            m.owner_unit.code if m.owner_unit else None,
            m.owner_person,
            m.starts_on,
            m.due_on,
            m.deliverable,
            m.status,
            m.percent,
            tuple(sorted(i.code for i in m.indicators.all())),
            tuple((u.status, u.percent, u.narrative) for u in m.updates.all()),
        )
        for m in Milestone.objects.filter(action_plan__plan=plan, action_plan__is_sample=True)
    )


@pytest.fixture
def sample(plan):
    return load_sample(plan, TODAY)


@pytest.fixture
def real(plan, cast):
    """A real action plan of 珠海 for 2018 with one milestone, entered by its reporter."""
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    task = plan.tasks.order_by("order").first()
    m = actions.add_milestone(
        cast.zoe, ap, actions.MilestoneData(task=task, title="真实节点", due_on=dt.date(2018, 3, 31))
    )
    return ap, m


def test_every_pilot_unit_has_overdue_at_risk_in_progress_and_done(plan, sample):
    assert sample.supervision_year == 2020  # no period open on TODAY: the year after 2016–2019
    flagged = {r.milestone.pk: r.finding.flag.value for r in services.supervision_list(plan, TODAY)}
    aps = ActionPlan.objects.filter(plan=plan, is_sample=True)
    assert {ap.locality.code for ap in aps} == PILOTS and {ap.year for ap in aps} == {2020}
    for ap in aps:
        ms = list(ap.milestones.select_related("task", "owner_unit").prefetch_related("indicators"))
        assert 3 <= len(ms) <= 5
        kinds = {flagged.get(m.pk) or m.status for m in ms}
        assert {"overdue", "at_risk", "in_progress", "done"} <= kinds, ap
        for m in ms:
            assert m.title.startswith("示例：") and m.owner_person.startswith("示例联系人")
            assert m.owner_unit == m.task.lead_unit()
            assert set(m.indicators.all()) <= set(m.task.indicators.all())
            if m.status == "in_progress" and m.pk not in flagged:
                assert m.due_on > TODAY
            if flagged.get(m.pk) == "overdue":
                assert m.due_on < TODAY and m.status != "done"
        assert any(m.indicators.exists() for m in ms)
        assert ap.milestones.filter(updates__narrative__startswith="示例数据").exists()
    # Audited as the other sample loaders are: no user, source "sample".
    audit = events(plan_code=plan.code, subject_type__in=["action_plan", "milestone"])
    assert audit.exists() and set(audit.values_list("source", flat=True)) == {"sample"}
    assert audit.filter(type="milestone.create").count() == Milestone.objects.count()


def test_the_open_demo_year_is_used(plan):
    load_sample(plan, TODAY)
    Period.objects.create(
        plan=plan,
        code="2021",
        frequency="yearly",
        year=2021,
        starts_on=dt.date(2021, 1, 1),
        ends_on=dt.date(2021, 12, 31),
        due_on=TODAY + dt.timedelta(60),
    )
    assert demo_year(plan, TODAY) == 2021
    assert load_sample_supervision(plan, TODAY).year == 2021
    assert set(ActionPlan.objects.filter(is_sample=True).values_list("year", flat=True)) == {2021}


def test_loading_twice_gives_the_same_rows_and_leaves_real_plans_alone(plan, real, cast):
    real_ap, real_m = real
    load_sample(plan, TODAY)
    first = rows_of(plan)
    load_sample(plan, TODAY)
    assert rows_of(plan) == first
    assert ActionPlan.objects.filter(is_sample=True).count() == len(PILOTS)
    real_ap.refresh_from_db()
    assert not real_ap.is_sample and list(real_ap.milestones.all()) == [real_m]
    assert [e.type for e in events(real_ap)] + [e.type for e in events(real_m)] == [
        "action_plan.create",
        "milestone.create",
    ]


def test_a_locality_with_a_real_plan_for_the_year_gets_no_sample_one(plan, cast):
    fs = actions.open_action_plan(cast.fred, plan, plan.localities.get(code="FS"), 2020)
    load_sample(plan, TODAY)
    load_sample(plan, TODAY)
    assert ActionPlan.objects.filter(plan=plan, locality__code="FS", year=2020).get() == fs
    assert not fs.milestones.exists()
    samples = ActionPlan.objects.filter(is_sample=True)
    assert set(samples.values_list("locality__code", flat=True)) == PILOTS - {"FS"}


def test_command_prints_and_lists_the_sample_overdue_milestones(plan, capsys):
    call_command("load_sample")
    assert "sample action plans (示例数据) for 2020" in capsys.readouterr().out
    load_sample(plan, TODAY)  # the command dates from the real today: date it from TODAY
    call_command("supervision", "--format", "json", "--as-of", TODAY.isoformat())
    data = json.loads(capsys.readouterr().out)
    overdue = [m for m in data["milestones"] if m["flag"] == "overdue"]
    assert {m["locality"] for m in overdue} == PILOTS
    assert all(m["sample"] and m["milestone"].startswith("示例：") for m in data["milestones"])
    assert data["milestones"][0]["flag"] == "overdue"


def test_xlsx_and_bulletin_label_sample_rows(plan, sample, real):
    rows = services.supervision_list(plan, TODAY)
    ws = load_workbook(BytesIO(services.as_xlsx(rows, TODAY))).active
    assert "示例数据" in ws["K2"].value
    labels = {ws.cell(r, 3).value: ws.cell(r, 11).value for r in range(3, ws.max_row + 1)}
    assert labels.pop("真实节点") is None  # the real one, overdue since 2018
    assert labels and set(labels.values()) == {"示例数据"}

    base = dict(
        task="T1.1", owner="省经信委", due_on=TODAY, flag="overdue", reasons="已逾期", days_late=3, percent=0
    )
    section = _supervision(
        SupervisionInput(
            2,
            (
                MilestoneRow("ZH", milestone="示例：甲", sample=True, **base),
                MilestoneRow("FS", milestone="乙", **base),
            ),
        ),
        ["ZH", "FS"],
        None,  # type: ignore[arg-type]  # names are not read here
        TODAY,
    )
    assert section is not None
    assert [r.milestone for r in section.rows] == [f"{SAMPLE_MILESTONE}示例：甲", "乙"]
    assert "示例数据" in section.summary


def _row_of(html: str, title: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + re.escape(title) + r"(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, title
    return match.group(0)


def test_pages_label_sample_rows_and_not_real_ones(client, plan, cast, sample, real):
    real_ap, real_m = real
    client.force_login(cast.alice)
    base = f"/plans/{plan.code}/supervision"

    html = client.get(f"{base}/?as_of={TODAY}").content.decode()
    sample_overdue = Milestone.objects.filter(action_plan__is_sample=True, due_on__lt=TODAY).exclude(
        status="done"
    )
    assert SAMPLE_TAG in _row_of(html, sample_overdue.first().title)
    assert re.search(r"珠海[^<]*2020</a> <span " + SAMPLE_TAG, html)
    assert not re.search(r"珠海[^<]*2018</a> <span " + SAMPLE_TAG, html)
    html = client.get(f"{base}/?as_of=2018-04-10").content.decode()
    assert SAMPLE_TAG not in _row_of(html, "真实节点")

    html = client.get(f"{base}/ZH/2020/?as_of={TODAY}").content.decode()
    assert SAMPLE_FLAG in html and 'id="sample-note"' in html
    assert (
        html.count(SAMPLE_TAG)
        == 2 * ActionPlan.objects.get(is_sample=True, locality__code="ZH").milestones.count()
    )
    html = client.get(f"{base}/ZH/2018/").content.decode()
    assert SAMPLE_FLAG not in html and SAMPLE_TAG not in html and 'id="sample-note"' not in html

    m = Milestone.objects.filter(action_plan__is_sample=True, task=real_m.task).first()
    assert SAMPLE_FLAG in client.get(f"{base}/milestone/{m.pk}/").content.decode()
    assert SAMPLE_FLAG not in client.get(f"{base}/milestone/{real_m.pk}/").content.decode()

    html = client.get(f"{base}/task/{real_m.task.code}/").content.decode()
    assert SAMPLE_TAG in _row_of(html, m.title)
    assert SAMPLE_TAG not in _row_of(html, "真实节点")


def test_banner_counts_sample_action_plans(plan):
    assert not plan_has_sample(plan.code)
    ActionPlan.objects.create(plan=plan, locality=plan.localities.get(code="ZH"), year=2020, is_sample=True)
    assert plan_has_sample(plan.code)
