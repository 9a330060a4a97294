"""Action plans, milestones and progress updates: states, scope and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from planwatch.notifications.models import Notification
from planwatch.supervision import actions
from planwatch.supervision.models import Milestone
from tests.audit import events

S = Milestone.Status


@pytest.fixture
def zh_plan(plan, cast):
    return actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)


def data(plan, title="建成智能制造示范车间", due=dt.date(2018, 6, 30), **kw):
    task = plan.tasks.order_by("order").first()
    return actions.MilestoneData(task=task, title=title, due_on=due, **kw)


@pytest.fixture
def milestone(plan, cast, zh_plan):
    return actions.add_milestone(
        cast.zoe,
        zh_plan,
        data(
            plan,
            owner_unit=plan.units.get(code="DST"),
            owner_person="张三",
            indicators=[plan.indicators.first()],
        ),
    )


def test_add_milestone_is_audited(plan, cast, zh_plan, milestone):
    assert milestone.status == S.NOT_STARTED and milestone.percent == 0
    assert [e.type for e in events()] == ["action_plan.create", "milestone.create"]
    entry = events(milestone).get()
    assert entry.actor == cast.zoe and entry.new["owner_person"] == "张三" and entry.source == "web"


def test_edit_milestone_records_old_and_new(plan, cast, milestone):
    actions.edit_milestone(cast.zack, milestone, data(plan, title="新名称", due=dt.date(2018, 9, 30)))
    milestone.refresh_from_db()
    assert milestone.title == "新名称" and milestone.due_on == dt.date(2018, 9, 30)
    entry = events(milestone, verb="update").get()
    assert entry.old["title"] == "建成智能制造示范车间" and entry.new["title"] == "新名称"


def test_invalid_milestone_is_refused(plan, cast, zh_plan):
    with pytest.raises(actions.InvalidMilestone):
        actions.add_milestone(
            cast.zoe, zh_plan, data(plan, title=" ", starts_on=dt.date(2018, 7, 1), due=dt.date(2018, 6, 30))
        )
    assert not Milestone.objects.exists()


def test_progress_states(plan, cast, milestone):
    actions.post_update(cast.zoe, milestone, S.IN_PROGRESS, 40, "采购设备")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.percent) == (S.IN_PROGRESS, 40)
    for status, percent in [(S.NOT_STARTED, 10), (S.DONE, 90), (S.IN_PROGRESS, 100), (S.IN_PROGRESS, 101)]:
        with pytest.raises(actions.IllegalTransition):
            actions.post_update(cast.zoe, milestone, status, percent)
    with pytest.raises(actions.IllegalTransition):
        actions.post_update(cast.zoe, milestone, S.AT_RISK, 40, "")  # at risk needs a reason
    actions.post_update(cast.zoe, milestone, S.AT_RISK, 40, "资金未到位")
    actions.post_update(cast.zoe, milestone, S.DONE, 100, "已验收")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.percent) == (S.DONE, 100)
    assert milestone.updates.count() == 3
    assert events(milestone, verb="progress").count() == 3


def test_province_comments_and_returns(plan, cast, milestone):
    actions.post_update(cast.zoe, milestone, S.IN_PROGRESS, 30, "开工")
    second = actions.post_update(cast.zoe, milestone, S.DONE, 100, "完成")
    actions.comment_update(cast.pat, second, "请补充验收报告")
    with pytest.raises(actions.CommentRequired):
        actions.return_update(cast.pat, second, " ")
    actions.return_update(cast.pat, second, "缺少验收材料")
    second.refresh_from_db()
    milestone.refresh_from_db()
    assert second.returned and second.province_comment == "缺少验收材料"
    assert (milestone.status, milestone.percent) == (S.IN_PROGRESS, 30)  # back to the last standing update
    with pytest.raises(actions.IllegalTransition):
        actions.return_update(cast.pat, second, "again")
    assert [e.verb for e in events(kind="progress_update")] == ["comment", "return"]


@pytest.mark.parametrize("who", ["fred", "fay", "lena", "vic", "pat"])
def test_only_the_locality_writes_its_action_plan(plan, cast, zh_plan, milestone, who):
    user = getattr(cast, who)
    with pytest.raises(actions.NotAllowed):
        actions.open_action_plan(user, plan, plan.localities.get(code="ZH"), 2019)
    with pytest.raises(actions.NotAllowed):
        actions.add_milestone(user, zh_plan, data(plan))
    with pytest.raises(actions.NotAllowed):
        actions.edit_milestone(user, milestone, data(plan, title="x"))
    with pytest.raises(actions.NotAllowed):
        actions.post_update(user, milestone, S.IN_PROGRESS, 10)
    assert Milestone.objects.get().title == "建成智能制造示范车间"


def test_admin_writes_any_locality(plan, cast):
    fs = actions.open_action_plan(cast.alice, plan, plan.localities.get(code="FS"), 2018)
    actions.add_milestone(cast.alice, fs, data(plan))
    assert fs.milestones.count() == 1


@pytest.mark.parametrize("who", ["zoe", "zack", "fred", "lena", "vic"])
def test_only_the_province_comments_or_returns(plan, cast, milestone, who):
    update = actions.post_update(cast.zoe, milestone, S.IN_PROGRESS, 10)
    with pytest.raises(actions.NotAllowed):
        actions.comment_update(getattr(cast, who), update, "x")
    with pytest.raises(actions.NotAllowed):
        actions.return_update(getattr(cast, who), update, "x")


def test_the_author_is_told_when_the_province_returns_or_comments(
    plan, cast, django_capture_on_commit_callbacks, mailoutbox
):
    cast.zoe.email = "zoe@example.org"
    cast.zoe.save()
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    m = actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(), title="示范车间", due_on=dt.date(2018, 6, 30)
        ),
    )
    update = actions.post_update(cast.zoe, m, "in_progress", 40, "进行中")
    with django_capture_on_commit_callbacks(execute=True):
        actions.comment_update(cast.pat, update, "请补充验收材料")
    with django_capture_on_commit_callbacks(execute=True):
        actions.return_update(cast.pat, update, "材料不全")
    notes = list(Notification.objects.filter(user=cast.zoe).order_by("id"))
    assert [n.text_zh for n in notes] == [
        "您的进展报告（示范车间）收到省级审核意见：请补充验收材料",
        "pat 退回了 1 个进展报告：珠海市 2018：示范车间（40%）。意见：材料不全",
    ]
    assert notes[1].link == f"/plans/{plan.code}/supervision/milestone/{m.pk}/"
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["zoe@example.org"]
    assert not Notification.objects.exclude(user=cast.zoe).exists()  # the reviewer is not told


def test_a_progress_update_is_told_to_the_province(plan, cast, django_capture_on_commit_callbacks):
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    m = actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(), title="示范车间", due_on=dt.date(2018, 6, 30)
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_update(cast.zoe, m, "in_progress", 50, "设备已到货")
    told = {n.user.username: n for n in Notification.objects.filter(event__startswith="progress.posted")}
    assert "pat" in told and "zoe" not in told  # the province reviews it; its author is not told
    assert told["pat"].text_zh == "zoe 报告了 珠海市 2018：示范车间 的进展：进行中，50%。说明：设备已到货"
    assert told["pat"].text_en == "zoe reported progress on 示范车间: In progress, 50%. Note: 设备已到货"
    assert told["pat"].link == f"/plans/{plan.code}/supervision/milestone/{m.pk}/"
