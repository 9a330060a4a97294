"""The reporting workflow: every transition, every illegal one, scope, locks, conflicts, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planwatch.plans import revision as data_revision
from planwatch.plans.actions import revise_target
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import (
    PeriodException,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)
from planwatch.reporting.sample import yearly_period
from tests.audit import events, log
from tests.fed import save_reported
from tests.test_web_reporting import bring_to

S = ReportedValue.Status


def entries(plan, **values):
    return [
        wf.Entry(plan.indicators.get(code=code), Decimal(str(v)), expected_version=0)
        for code, v in values.items()
    ]


def fill_all(plan, user, locality, period, **overrides):
    """Every indicator of the period, with plausible values; overrides by code."""
    values = {i.code: Decimal(10) for i in wf.required_indicators(period)}
    values.update({"I22": Decimal(20), "I24": Decimal(7), "I25": Decimal(35)})
    values.update({"C05": Decimal(8), "C06": Decimal(6), "I28": Decimal(75)})
    values.update({k: Decimal(str(v)) for k, v in overrides.items()})
    items = [wf.Entry(plan.indicators.get(code=c), v, expected_version=0) for c, v in values.items()]
    return save_reported(user, locality, period, items)  # I01, I10…: as the ledger writes them


@pytest.fixture
def zh(plan):
    return plan.localities.get(code="ZH")


@pytest.fixture
def fs(plan):
    return plan.localities.get(code="FS")


def statuses(locality, period):
    return set(
        ReportedValue.objects.filter(locality=locality, period=period).values_list("status", flat=True)
    )


def test_the_whole_way_draft_submitted_approved_accepted(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    assert statuses(zh, period) == {S.DRAFT}
    wf.submit(cast.zoe, zh, period)
    assert statuses(zh, period) == {S.SUBMITTED}
    wf.approve(cast.zack, zh, period)
    assert statuses(zh, period) == {S.APPROVED}
    wf.accept(cast.pat, zh, period)
    assert statuses(zh, period) == {S.ACCEPTED}
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    assert log(value) == [
        ("save", "zoe", "", "draft"),
        ("submit", "zoe", "draft", "submitted"),
        ("approve", "zack", "submitted", "approved"),
        ("accept", "pat", "approved", "accepted"),
    ]


def test_accepted_values_are_locked(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    wf.accept(cast.alice, zh, period)
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    with pytest.raises(wf.IllegalTransition, match="request a revision"):
        wf.save_values(
            cast.zoe, zh, period, [wf.Entry(value.indicator, Decimal(11), expected_version=value.version)]
        )
    with pytest.raises(wf.NotAllowed):
        wf.return_values(cast.alice, zh, period, "again")


def test_lead_unit_accepts_only_its_indicators(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    accepted = wf.accept(cast.lena, zh, period)
    led = {"I22", "I23", "I24", "I25", "I26", "C04", "I27", "C05", "C06", "I28"}
    assert {v.indicator.code for v in accepted} == led
    assert ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07").status == S.APPROVED


@pytest.mark.parametrize("who", ["zoe", "zack", "fred", "fay", "lena", "vic", "pat"])
def test_only_the_localitys_approver_or_admin_approves(plan, cast, period, zh, who):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    if who == "zack":
        wf.approve(getattr(cast, who), zh, period)
        assert statuses(zh, period) == {S.APPROVED}
    else:
        with pytest.raises(wf.NotAllowed):
            wf.approve(getattr(cast, who), zh, period)
        assert statuses(zh, period) == {S.SUBMITTED}


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("zoe", True),
        ("zack", True),
        ("alice", True),
        ("fred", False),
        ("fay", False),
        ("pat", False),
        ("vic", False),
    ],
)
def test_who_may_enter_a_localitys_values(plan, cast, period, zh, who, may):
    action = lambda: wf.save_values(getattr(cast, who), zh, period, entries(plan, I07=5))  # noqa: E731
    if may:
        action()
        assert ReportedValue.objects.filter(locality=zh, period=period).count() == 1
    else:
        with pytest.raises(wf.NotAllowed):
            action()
        assert not ReportedValue.objects.exists()


def test_lead_unit_enters_its_own_indicators_anywhere_but_no_others(plan, cast, period, zh, fs):
    wf.save_values(cast.lena, fs, period, entries(plan, I28=12))
    with pytest.raises(wf.NotAllowed):
        wf.save_values(cast.lena, zh, period, entries(plan, I07=5))


@pytest.mark.parametrize("who", ["zoe", "fred", "zack"])
def test_accepting_needs_the_province_or_lead_unit(plan, cast, period, zh, who):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    with pytest.raises(wf.NotAllowed):
        wf.accept(getattr(cast, who), zh, period)


def test_illegal_transitions(plan, cast, period, zh):
    with pytest.raises(wf.IllegalTransition):
        wf.submit(cast.zoe, zh, period)  # nothing to submit
    fill_all(plan, cast.zoe, zh, period)
    with pytest.raises(wf.IllegalTransition):
        wf.approve(cast.zack, zh, period)  # not submitted yet
    with pytest.raises(wf.IllegalTransition):
        wf.accept(cast.pat, zh, period)  # not approved yet
    wf.submit(cast.zoe, zh, period)
    with pytest.raises(wf.IllegalTransition):
        wf.submit(cast.zoe, zh, period)  # already submitted
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    with pytest.raises(wf.IllegalTransition, match="returned first"):
        wf.save_values(
            cast.zoe, zh, period, [wf.Entry(value.indicator, Decimal(3), expected_version=value.version)]
        )


def test_submit_needs_every_indicator(plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, entries(plan, I07=5))
    with pytest.raises(wf.IllegalTransition, match="not reported yet"):
        wf.submit(cast.zoe, zh, period)


def test_return_with_comment_at_each_step(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    with pytest.raises(wf.CommentRequired):
        wf.return_values(cast.zack, zh, period, "  ")
    wf.return_values(cast.zack, zh, period, "I07 与台账不符")
    assert statuses(zh, period) == {S.RETURNED}
    assert ValueComment.objects.filter(text="I07 与台账不符").count() == len(wf.required_indicators(period))
    # the reporter corrects and resubmits; the province returns from approved
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    wf.save_values(
        cast.zoe, zh, period, [wf.Entry(value.indicator, Decimal(12), expected_version=value.version)]
    )
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    wf.return_values(cast.pat, zh, period, "请补充佐证材料", codes=["I07"])
    assert ReportedValue.objects.get(pk=value.pk).status == S.RETURNED
    assert ReportedValue.objects.get(locality=zh, period=period, indicator__code="I08").status == S.APPROVED


def test_conflict_second_save_gets_the_current_value(plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, entries(plan, I07=5))
    value = ReportedValue.objects.get(locality=zh, period=period)
    seen = value.version
    wf.save_values(cast.zack, zh, period, [wf.Entry(value.indicator, Decimal(6), expected_version=seen)])
    with pytest.raises(wf.Conflict) as caught:
        wf.save_values(cast.zoe, zh, period, [wf.Entry(value.indicator, Decimal(7), expected_version=seen)])
    assert "zack" in caught.value.zh and "修改为 6" in caught.value.zh and "to 6" in caught.value.en
    assert caught.value.indicator == "I07"
    assert ReportedValue.objects.get(pk=value.pk).value == 6


def test_new_value_saved_twice_from_stale_forms_conflicts(plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, entries(plan, I07=5))
    with pytest.raises(wf.Conflict):
        wf.save_values(cast.zack, zh, period, entries(plan, I07=6))


def test_validation_errors_save_nothing(plan, cast, period, zh):
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, I07=5, I08="-1", I25=130, I13="2.5"))
    codes = {(f.indicator, f.code) for f in caught.value.findings}
    assert codes == {("I08", "negative"), ("I25", "out_of_range"), ("I13", "not_integer")}
    assert not ReportedValue.objects.exists()


def test_cross_checks_from_the_plan_file(plan, cast, period, zh):
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, I22=20, I24=25))
    assert caught.value.findings[0].code == "high_skilled_within_skilled"
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, I22=20, I24=7, I25=50))
    assert caught.value.findings[0].code == "high_skilled_share"
    wf.save_values(cast.zoe, zh, period, entries(plan, I22=20, I24=7, I25="35.2"))


def test_key_manufacturing_bases_are_whole_and_keep_i28_consistent(plan, cast, period, zh):
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, C05="8.5", C06="6.5"))
    assert {(f.indicator, f.code) for f in caught.value.findings} == {
        ("C05", "not_integer"),
        ("C06", "not_integer"),
    }
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, C05=8, C06=9))
    assert [f.code for f in caught.value.findings] == ["bases_with_college_within_bases"]
    with pytest.raises(wf.InvalidValues) as caught:
        wf.save_values(cast.zoe, zh, period, entries(plan, C05=8, C06=6, I28=100))
    assert [(f.indicator, f.code) for f in caught.value.findings] == [("I28", "bases_with_college_share")]
    assert not ReportedValue.objects.exists()
    wf.save_values(cast.zoe, zh, period, entries(plan, C05=8, C06=6, I28="75.2"))


def test_cumulative_count_never_falls(plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    fill_all(plan, cast.zoe, zh, p2017, I07=50)
    wf.submit(cast.zoe, zh, p2017)
    wf.approve(cast.zack, zh, p2017)
    wf.accept(cast.pat, zh, p2017)
    with pytest.raises(wf.InvalidValues, match="cannot fall"):
        wf.save_values(cast.zoe, zh, p2018, entries(plan, I07=40))


def test_outlier_warning_needs_a_comment_before_submit(plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    fill_all(plan, cast.zoe, zh, p2017)
    wf.submit(cast.zoe, zh, p2017)
    wf.approve(cast.zack, zh, p2017)
    wf.accept(cast.pat, zh, p2017)
    result = fill_all(plan, cast.zoe, zh, p2018, I13=40)  # 10 → 40: a 300 % jump
    assert [w.indicator for w in result.warnings] == ["I13"]
    with pytest.raises(wf.CommentRequired, match="I13"):
        wf.submit(cast.zoe, zh, p2018)
    value = ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="I13")
    wf.add_comment(cast.zoe, value, "新培育一批机器人骨干企业")
    wf.submit(cast.zoe, zh, p2018)


def test_a_growth_rate_that_disagrees_with_its_level_needs_a_comment(plan, cast, zh):
    """I23 is the growth of I22 over 2016: 20 → 22 万人 is +10 %; −0.47 % typed by mistake is flagged."""
    p2016, p2017 = yearly_period(plan, 2016), yearly_period(plan, 2017)
    wf.save_values(cast.zoe, zh, p2016, entries(plan, I22=20))
    wf.submit(cast.zoe, zh, p2016, codes=["I22"])
    consistent = fill_all(plan, cast.zoe, zh, p2017, I22=22, I24=7.7, I23=10)
    assert "I23" not in [w.indicator for w in consistent.warnings]
    result = wf.save_values(cast.zoe, zh, p2017, entries_of(plan, zh, p2017, I23=-0.47))
    [warning] = [w for w in result.warnings if w.code == "growth_mismatch"]
    assert warning.indicator == "I23" and "10.00%" in warning.zh
    with pytest.raises(wf.CommentRequired, match="I23"):
        wf.submit(cast.zoe, zh, p2017)


def test_a_returned_level_can_be_resubmitted_when_its_approved_growth_rate_now_disagrees(plan, cast, zh):
    """The approver returned I22 only; corrected, it puts the approved I23 out of line: the warning
    shows on I23, but the resubmission of I22 is not held up by a value nobody can touch now."""
    p2016, p2017 = yearly_period(plan, 2016), yearly_period(plan, 2017)
    wf.save_values(cast.zoe, zh, p2016, entries(plan, I22=20))
    wf.submit(cast.zoe, zh, p2016, codes=["I22"])
    fill_all(plan, cast.zoe, zh, p2017, I22=22, I24=7.7, I23=10)
    wf.submit(cast.zoe, zh, p2017)
    wf.return_values(cast.zack, zh, p2017, "I22 请核对", codes=["I22"])
    result = wf.save_values(cast.zoe, zh, p2017, entries_of(plan, zh, p2017, I22=25))
    assert "I23" in [w.indicator for w in result.warnings if w.code == "growth_mismatch"]
    moved = wf.submit(cast.zoe, zh, p2017, codes=["I22"])
    assert [v.indicator.code for v in moved] == ["I22"]


def entries_of(plan, locality, period, **values):
    """Changes to saved values, with the versions they have now."""
    current = {
        v.indicator.code: v.version
        for v in ReportedValue.objects.filter(locality=locality, period=period).select_related("indicator")
    }
    return [
        wf.Entry(plan.indicators.get(code=code), Decimal(str(v)), expected_version=current.get(code, 0))
        for code, v in values.items()
    ]


def test_closed_period_and_exception(plan, cast, period, zh, fs):
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    late = dt.date(2019, 5, 1)
    with pytest.raises(wf.PeriodClosed):
        wf.save_values(cast.zoe, zh, period, entries(plan, I07=5), today=late)
    PeriodException.objects.create(
        period=period, locality=zh, open_until=dt.date(2019, 5, 10), reason="系统故障"
    )
    wf.save_values(cast.zoe, zh, period, entries(plan, I07=5), today=late)
    with pytest.raises(wf.PeriodClosed):
        wf.save_values(cast.fred, fs, period, entries(plan, I07=5), today=late)


def test_a_period_not_yet_started_says_so_and_when_it_opens(plan, cast, period, zh):
    """Before its first day a period is not open yet, which is not "closed" (nor closed on None)."""
    period.locks_on = None
    period.save()
    early = period.starts_on - dt.timedelta(days=3)
    with pytest.raises(wf.PeriodClosed) as refused:
        wf.save_values(cast.zoe, zh, period, entries(plan, I07=5), today=early)
    assert refused.value.zh == f"{period.code} 填报期尚未开始，{period.starts_on} 起开放填报"
    assert "None" not in refused.value.en and str(period.starts_on) in refused.value.en


def test_revision_request_accepted_by_the_province(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    wf.accept(cast.pat, zh, period)
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    with pytest.raises(wf.CommentRequired):
        wf.request_revision(cast.zoe, value, Decimal(12), "")
    with pytest.raises(wf.NotAllowed):
        wf.request_revision(cast.fred, value, Decimal(12), "not mine")
    request = wf.request_revision(cast.zoe, value, Decimal(12), "统计口径更正")
    with pytest.raises(wf.IllegalTransition):
        wf.request_revision(cast.zoe, value, Decimal(13), "again")
    with pytest.raises(wf.NotAllowed):
        wf.decide_revision(cast.zack, request, approve=True)
    wf.decide_revision(cast.alice, request, approve=True, comment="同意")
    value.refresh_from_db()
    assert (value.value, value.status) == (12, S.ACCEPTED)
    revise = events(value, verb="revise").get()
    assert (revise.old_value, revise.new_value, revise.actor) == (10, 12, cast.alice)
    assert RevisionRequest.objects.get(pk=request.pk).status == RevisionRequest.Status.ACCEPTED


def test_revision_request_rejected(plan, cast, period, zh):
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    wf.accept(cast.pat, zh, period)
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    request = wf.request_revision(cast.zoe, value, Decimal(12), "统计口径更正")
    with pytest.raises(wf.CommentRequired):
        wf.decide_revision(cast.pat, request, approve=False, comment=" ")
    wf.decide_revision(cast.pat, request, approve=False, comment="依据不足")
    value.refresh_from_db()
    assert value.value == 10
    with pytest.raises(wf.IllegalTransition):
        wf.decide_revision(cast.pat, request, approve=True)


def test_drafts_are_hidden_from_other_localities(plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, entries(plan, I07=5))
    everything = ReportedValue.objects.all()
    assert wf.visible_values(cast.zoe, everything).count() == 1
    assert wf.visible_values(cast.zack, everything).count() == 1
    assert wf.visible_values(cast.fred, everything).count() == 0
    assert wf.visible_values(cast.pat, everything).count() == 0
    assert wf.visible_values(cast.vic, everything).count() == 0
    assert wf.visible_values(cast.alice, everything).count() == 1


@pytest.mark.parametrize("who", ["fred", "fay", "pat", "vic"])
def test_submit_is_refused_outright_to_those_who_may_not(plan, cast, period, zh, who):
    """Not "there is no draft": whether 珠海 has drafts is none of their business."""
    with pytest.raises(wf.NotAllowed):
        wf.submit(getattr(cast, who), zh, period)
    fill_all(plan, cast.zoe, zh, period)
    with pytest.raises(wf.NotAllowed):
        wf.submit(getattr(cast, who), zh, period)


@pytest.mark.parametrize("who", ["zoe", "zack", "fred", "vic"])
def test_accept_is_refused_outright_to_those_who_may_not(plan, cast, period, zh, who):
    with pytest.raises(wf.NotAllowed):
        wf.accept(getattr(cast, who), zh, period)


def test_accepting_and_revising_bump_the_plans_data_revision_drafts_and_submits_do_not(
    plan, cast, period, zh
):
    """What a dashboard's freshness reads (planwatch.plans.revision): only changes of what an
    evaluation reads — values accepted or revised, targets — bump it; the reporters' work does not."""
    start = data_revision.current(plan)
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    wf.approve(cast.zack, zh, period)
    assert data_revision.current(plan) == start
    wf.accept(cast.pat, zh, period)
    assert data_revision.current(plan) == start + 1
    value = ReportedValue.objects.get(locality=zh, period=period, indicator__code="I07")
    asked = wf.request_revision(cast.zoe, value, value.value + 1, "统计口径更正")
    assert data_revision.current(plan) == start + 1  # asked, not yet decided
    wf.decide_revision(cast.pat, asked, approve=True, comment="同意")
    assert data_revision.current(plan) == start + 2
    target = plan.indicators.get(code="I07").targets.first()
    revise_target(target, target.value + 1, "2017年完成情况较好，上调目标", cast.alice)
    assert data_revision.current(plan) == start + 3


def test_a_submit_says_what_is_missing_and_what_needs_a_comment_at_once(plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    bring_to("accepted", plan, cast, zh, p2017)
    fill_all(plan, cast.zoe, zh, p2018, I11="40")  # 10 → 40: a warning without a comment
    c01 = ReportedValue.objects.get(locality=zh, period=p2018, indicator__code="C01")
    wf.save_values(cast.zoe, zh, p2018, [wf.Entry(c01.indicator, None, expected_version=c01.version)])
    with pytest.raises(wf.PlanWatchError) as caught:
        wf.submit(cast.zoe, zh, p2018)
    said = [issue.en for issue in caught.value.issues]
    assert len(said) == 2, said
    assert "not reported yet: C01" in said[0] and "add a comment before submitting: I11" in said[1]
