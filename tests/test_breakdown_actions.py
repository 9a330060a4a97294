"""The breakdown (分解表) as a workflow: who may enter, submit, approve, return and revise an
indicator's locality targets, and what each keeps (revisions, audit events).

The cast (tests/conftest.py): Lena leads 省科技厅 (DST), which leads I22–I28; Eric leads 省经信委
(EIC), which leads I01; Pat reviews at the province; Zoe reports for 珠海; Alice administers.
I22 (制造业技能人才, 万人) is summed over the localities; its region target for 2019 is 108.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planwatch.accounts.models import Profile
from planwatch.breakdown import actions
from planwatch.breakdown.actions import Entry
from planwatch.breakdown.models import Breakdown, adjustments
from planwatch.breakdown.table import read_table
from planwatch.core.errors import CommentRequired, IllegalTransition, Locked, NotAllowed, Refused
from planwatch.core.evaluation.breakdown import TotalState
from planwatch.evaluation.runs import build_input
from planwatch.kernel.models import AuditEvent
from planwatch.kernel.review import State
from planwatch.plans.models import Target, TargetRevision
from tests.conftest import _person

# 2019 targets of I22 (万人): the six counted localities add up to 83, below the region's 108;
# 顺德区's 12 is inside 佛山市's 30 and not added again.
I22_2019 = {"ZH": 10, "FS": 30, "ZS": 15, "JM": 15, "YJ": 5, "ZQ": 8, "SD": 12}


@pytest.fixture
def eric(django_user_model, plan):
    """Eric works for 省经信委 (EIC), the lead unit of I01–I03, not of I22."""
    return _person(django_user_model, plan, "eric", Profile.Role.LEAD_UNIT, unit="EIC")


def i22(plan):
    return plan.indicators.get(code="I22")


def entries(values: dict[str, int], year: int = 2019) -> list[Entry]:
    return [Entry(code, year, Decimal(v), f"{code}-{year}") for code, v in values.items()]


def locality_targets(indicator) -> dict[tuple[str, int], Decimal]:
    return {(t.locality.code, t.year): t.value for t in indicator.targets.filter(locality__isnull=False)}


def test_the_lead_unit_enters_a_draft_breakdown_without_a_reason(plan, cast):
    saved = actions.save_targets(cast.lena, i22(plan), entries(I22_2019))
    assert (saved.created, saved.changed, saved.removed) == (7, 0, 0)
    assert locality_targets(i22(plan))[("FS", 2019)] == 30
    assert Target.objects.get(indicator__code="I22", locality__code="ZH", year=2019).origin == "user"
    events = AuditEvent.objects.filter(type="target.create", indicator_code="I22")
    assert events.count() == 7 and {e.actor_name for e in events} == {"lena"}
    assert Breakdown.objects.get(indicator__code="I22").status == State.DRAFT
    # saving the same again changes nothing and writes nothing
    again = actions.save_targets(cast.lena, i22(plan), entries(I22_2019))
    assert (again.touched, again.unchanged) == (0, 7)
    assert AuditEvent.objects.filter(indicator_code="I22").count() == 7


def test_the_lead_unit_of_another_indicator_is_refused(plan, cast, eric):
    with pytest.raises(NotAllowed, match="不是.*牵头单位"):
        actions.save_targets(eric, i22(plan), entries(I22_2019))
    with pytest.raises(NotAllowed):
        actions.submit(eric, i22(plan))
    assert not locality_targets(i22(plan))
    # Eric's own indicator is his to break down
    actions.save_targets(eric, plan.indicators.get(code="I01"), entries({"ZH": 100}))


def test_a_locality_user_cannot_edit_the_breakdown(plan, cast):
    with pytest.raises(NotAllowed):
        actions.save_targets(cast.zoe, i22(plan), entries({"ZH": 10}))
    assert actions.mode(cast.zoe, actions.breakdown_of(i22(plan))) == actions.Mode.READ
    assert not locality_targets(i22(plan))
    assert not TargetRevision.objects.exists()


def test_submit_return_with_a_comment_resubmit_approve(plan, cast):
    ind = i22(plan)
    with pytest.raises(IllegalTransition, match="还没有填写任何地区目标"):
        actions.submit(cast.lena, ind)  # nothing entered yet
    actions.save_targets(cast.lena, ind, entries(I22_2019))
    assert actions.submit(cast.lena, ind).status == State.SUBMITTED
    with pytest.raises(Locked):  # waiting for the province: not changed meanwhile
        actions.save_targets(cast.lena, ind, entries({"ZH": 11}))
    with pytest.raises(NotAllowed):  # the lead unit does not approve its own breakdown
        actions.approve(cast.lena, ind)
    with pytest.raises(CommentRequired):  # a return needs a comment
        actions.return_breakdown(cast.pat, ind, "  ")
    assert Breakdown.objects.get(indicator=ind).status == State.SUBMITTED
    returned = actions.return_breakdown(cast.pat, ind, "合计低于区域目标，请补足")
    assert (returned.status, returned.comment) == (State.RETURNED, "合计低于区域目标，请补足")
    event = AuditEvent.objects.get(type="breakdown.return")
    assert (event.actor_name, event.comment, event.new_state) == (
        "pat",
        "合计低于区域目标，请补足",
        "returned",
    )
    actions.save_targets(cast.lena, ind, entries({"ZH": 20, "FS": 45}))  # returned: editable again
    actions.submit(cast.lena, ind)
    approved = actions.approve(cast.pat, ind)
    assert approved.status == State.ACCEPTED and approved.approved_at is not None and approved.comment == ""
    assert [e.type for e in AuditEvent.objects.filter(subject_type="breakdown").order_by("id")] == [
        "breakdown.submit",
        "breakdown.return",
        "breakdown.submit",
        "breakdown.approve",
    ]


def approved_i22(plan, cast):
    ind = i22(plan)
    actions.save_targets(cast.lena, ind, entries(I22_2019))
    actions.submit(cast.lena, ind)
    actions.approve(cast.pat, ind)
    return ind


def test_a_locked_breakdown_is_revised_only_with_a_reason_and_keeps_its_history(plan, cast):
    ind = approved_i22(plan, cast)
    assert actions.mode(cast.lena, actions.breakdown_of(ind)) == actions.Mode.REVISE
    before = AuditEvent.objects.count()  # the plan load's, the drafts', the moves'
    with pytest.raises(CommentRequired, match="须说明理由"):
        actions.save_targets(cast.lena, ind, entries({"ZH": 12}))
    assert locality_targets(ind)[("ZH", 2019)] == 10 and AuditEvent.objects.count() == before
    with pytest.raises(NotAllowed):  # the province approves, it does not enter
        actions.save_targets(cast.pat, ind, entries({"ZH": 12}), reason="x")

    actions.save_targets(cast.lena, ind, entries({"ZH": 12}), reason="根据2017年实际完成情况上调")
    assert locality_targets(ind)[("ZH", 2019)] == 12
    revision = TargetRevision.objects.filter(indicator=ind, locality__code="ZH").order_by("id").last()
    assert (revision.old_value, revision.new_value, revision.changed_by) == (10, 12, cast.lena)
    assert revision.reason == "根据2017年实际完成情况上调"
    event = AuditEvent.objects.filter(type="target.revise").get()
    assert (event.old_value, event.new_value, event.comment) == (10, 12, "根据2017年实际完成情况上调")
    assert list(adjustments(indicator=ind)) == [revision]  # the draft's own entries are not adjustments
    cell = read_table(ind, actions.breakdown_of(ind)).cell("ZH-2019")
    assert cell.adjusted == revision


def test_cells_are_checked_all_at_once_and_nothing_is_written(plan, cast):
    ind = i22(plan)
    bad = [
        Entry("ZH", 2019, Decimal(10), "a"),
        Entry("GD", 2019, Decimal(10), "b"),  # the province is no pilot unit
        Entry("XX", 2019, Decimal(10), "c"),  # no such locality
        Entry("FS", 2031, Decimal(10), "d"),  # outside the plan's years
        Entry("ZS", 2019, Decimal(-3), "e"),  # persons are not negative
        Entry("ZH", 2019, Decimal(11), "f"),  # the same cell twice
    ]
    with pytest.raises(Refused) as caught:
        actions.save_targets(cast.lena, ind, bad)
    assert [i.path for i in caught.value.issues] == ["b", "c", "d", "f", "e"]
    assert "广东省不是本方案的试点单位" in caught.value.zh
    assert not locality_targets(ind) and not AuditEvent.objects.filter(subject_type="target").exists()


def test_a_cumulative_count_target_does_not_fall_from_the_year_before(plan, cast, eric):
    i01 = plan.indicators.get(code="I01")  # projects introduced, counted from the plan's start
    with pytest.raises(Refused, match="累计数不能小于"):
        actions.save_targets(eric, i01, [Entry("ZH", 2017, Decimal(40)), Entry("ZH", 2018, Decimal(30))])


def test_the_plan_texts_own_locality_targets_are_not_changed_in_the_breakdown(plan, cast, eric):
    i11 = plan.indicators.get(code="I11")  # the text sets 珠海's 2019 target (1)
    with pytest.raises(Refused, match="方案原文"):
        actions.save_targets(eric, i11, [Entry("ZH", 2019, Decimal(3))])
    saved = actions.save_targets(eric, i11, [Entry("ZH", 2019, Decimal(1)), Entry("ZH", 2018, Decimal(1))])
    assert (saved.created, saved.unchanged) == (1, 1)
    assert read_table(i11, actions.breakdown_of(i11)).cell("ZH-2019").fixed


def test_the_table_adds_up_by_the_region_rule_and_flags_the_shortfall(plan, cast):
    ind = i22(plan)
    actions.save_targets(cast.lena, ind, entries(I22_2019) + entries({"ZH": 9}, 2018))
    table = read_table(ind, actions.breakdown_of(ind))
    assert [r.locality.code for r in table.rows] == ["ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"]
    sd = table.rows[-1]
    assert not sd.counted and [loc.code for loc in sd.included_in] == ["FS"]
    by_year = {c.year: c for c in table.columns}
    y2019 = by_year[2019]
    assert y2019.total.state == TotalState.SHORTFALL
    assert (y2019.total.total, y2019.total.region_target, y2019.total.gap) == (83, 108, 25)
    assert y2019.zh == "合计低于区域目标：合计 83 万人，区域目标 108 万人，相差 25 万人"
    assert y2019.shortfall and table.shortfalls == [y2019]
    assert by_year[2018].total.state == TotalState.INCOMPLETE  # only 珠海 entered
    assert by_year[2018].zh.startswith("尚缺佛山市、中山市")
    # raised to the region's target, the flag goes
    actions.save_targets(cast.lena, ind, entries({"FS": 55}))
    y2019 = {c.year: c for c in read_table(ind, actions.breakdown_of(ind)).columns}[2019]
    assert y2019.total.state == TotalState.COVERED and "达到区域目标" in y2019.zh


def test_a_recomputed_share_shows_that_no_sum_applies(plan, cast):
    i25 = plan.indicators.get(code="I25")  # 高技能人才占比: a share recomputed from its components
    actions.save_targets(cast.lena, i25, entries({"ZH": 30, "FS": 40}))
    columns = read_table(i25, actions.breakdown_of(i25)).columns
    assert {c.total.state for c in columns} == {TotalState.NOT_SUMMED}
    assert columns[-1].zh.startswith("不适用合计：本指标的区域值由构成项重新计算")
    assert not any(c.shortfall for c in columns)


def test_the_sample_breakdown_stays_sample_until_someone_sets_a_target(plan, cast):
    from planwatch.reporting.sample import load_sample_values

    load_sample_values(plan)
    ind = i22(plan)
    table = read_table(ind, actions.breakdown_of(ind))
    assert table.sample and table.cell("ZH-2019").sample
    current = table.cell("ZH-2019").value
    actions.save_targets(cast.lena, ind, [Entry("ZH", 2019, current + 1)])
    table = read_table(ind, actions.breakdown_of(ind))
    assert not table.cell("ZH-2019").sample and table.cell("FS-2019").sample


def test_the_evaluation_reads_a_breakdown_only_once_the_province_has_approved_it(plan, cast):
    """A draft or submitted breakdown judges nobody: 珠海's I22 result has no 2019 target until Pat
    approves, then its final target is the 10 the lead unit entered."""

    def zhuhai_target() -> list[float]:
        inp, _ = build_input(plan)
        return [t.value for t in inp.targets if (t.indicator, t.scope, t.year) == ("I22", "ZH", 2019)]

    actions.save_targets(cast.lena, i22(plan), entries(I22_2019))
    assert zhuhai_target() == []
    actions.submit(cast.lena, i22(plan))
    assert zhuhai_target() == []
    actions.approve(cast.pat, i22(plan))
    assert zhuhai_target() == [10.0]
