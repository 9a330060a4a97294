"""Supervision pages: action plan, milestone updates, province review, list and XLSX download, task."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from planwatch.supervision import actions
from planwatch.supervision.models import Milestone, ProgressUpdate
from tests.audit import events


@pytest.fixture
def base(plan):
    return f"/plans/{plan.code}/supervision/"


def _login(client, user):
    client.force_login(user)
    return client


def test_locality_adds_a_milestone_and_an_update(client, plan, cast, base):
    c = _login(client, cast.zoe)
    task = plan.tasks.order_by("order").first()
    page = c.get(f"{base}ZH/2018/")
    assert page.status_code == 200 and "milestone-form" in page.content.decode()
    response = c.post(
        f"{base}ZH/2018/",
        {
            "task": task.code,
            "title": "建成示范车间",
            "owner_unit": "DST",
            "owner_person": "张三",
            "due_on": "2018-03-31",
        },
    )
    assert response.status_code == 302
    m = Milestone.objects.get()
    assert m.owner_unit.code == "DST"
    response = c.post(
        f"{base}milestone/{m.pk}/",
        {"action": "update", "status": "in_progress", "percent": "30", "narrative": "开工"},
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.percent) == ("in_progress", 30)
    bad = c.post(f"{base}milestone/{m.pk}/", {"action": "update", "status": "done", "percent": "50"})
    assert bad.status_code == 200 and "100" in bad.content.decode()
    page = c.get(f"{base}ZH/2018/?as_of=2018-04-10").content.decode()
    assert "建成示范车间" in page and 'class="bar overdue"' in page


def test_a_form_with_several_problems_names_each_once(client, plan, cast, base):
    c = _login(client, cast.zoe)
    c.cookies["django_language"] = "en"
    form = {"task": "", "title": "", "due_on": "31/03/2018", "starts_on": "2018-01-01", "indicators": ["X9"]}
    page = c.post(f"{base}ZH/2018/", form).content.decode()
    # the unknown indicator by its whole message: "X9" alone is found in a CSRF token now and then
    unknown = "no indicator &#x27;X9&#x27; in this plan"
    for said in ("choose a task", "the milestone needs a title", "Give the due date as YYYY-MM-DD.", unknown):
        assert page.count(said) == 1, said
    assert "the due date is required" not in page  # unreadable, not missing: said once
    assert not Milestone.objects.exists()


def test_other_locality_cannot_write(client, plan, cast, base):
    c = _login(client, cast.fred)
    task = plan.tasks.order_by("order").first()
    page = c.get(f"{base}ZH/2018/")
    assert page.status_code == 200 and "milestone-form" not in page.content.decode()
    assert (
        c.post(f"{base}ZH/2018/", {"task": task.code, "title": "x", "due_on": "2018-03-31"}).status_code
        == 403
    )
    assert not Milestone.objects.exists()


@pytest.fixture
def late(plan, cast):
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    m = actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(), title="逾期事项", due_on=dt.date(2018, 3, 31)
        ),
    )
    actions.post_update(cast.zoe, m, "in_progress", 60, "进行中")
    return m


def test_province_finds_overdue_and_returns_update(client, plan, cast, base, late):
    c = _login(client, cast.pat)
    page = c.get(f"{base}?as_of=2018-04-10").content.decode()
    assert "逾期事项" in page and f"milestone-{late.pk}" in page
    page = c.get(f"{base}?as_of=2018-04-10&locality=FS").content.decode()
    assert "逾期事项" not in page
    xlsx = c.get(f"{base}?as_of=2018-04-10&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(BytesIO(xlsx.content)).active["C3"].value == "逾期事项"
    update = ProgressUpdate.objects.get()
    response = c.post(
        f"{base}milestone/{late.pk}/", {"action": "return", "update": update.pk, "comment": "请补充材料"}
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.returned and update.province_comment == "请补充材料"


def test_locality_cannot_return(client, plan, cast, base, late):
    c = _login(client, cast.zack)
    update = ProgressUpdate.objects.get()
    page = c.post(f"{base}milestone/{late.pk}/", {"action": "return", "update": update.pk, "comment": "x"})
    assert page.status_code == 200
    update.refresh_from_db()
    assert not update.returned


def test_task_page_shows_milestones_across_localities(client, plan, cast, base, late):
    c = _login(client, cast.vic)
    page = c.get(f"{base}task/{late.task.code}/?as_of=2018-04-10").content.decode()
    assert "逾期事项" in page and "10" in page


def test_anonymous_is_sent_to_login(client, plan, base):
    assert client.get(base).status_code == 302


def test_notifications_page_and_mark_read(client, plan, cast, base, late):
    from planwatch.notifications.models import Notification
    from planwatch.supervision.services import remind

    remind(plan, dt.date(2018, 4, 2), window_days=14)
    c = _login(client, cast.zoe)
    # The old reminders address leads to the inbox, which shows the notifications (and what waits).
    assert c.get(f"{base}notifications/")["Location"] == f"/plans/{plan.code}/inbox/"
    page = c.get(f"/plans/{plan.code}/inbox/").content.decode()
    assert "逾期事项" in page
    assert c.post(f"/plans/{plan.code}/inbox/read/").status_code == 302
    assert not Notification.objects.filter(user=cast.zoe, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=cast.zack, read_at__isnull=True).exists()


# --- evidence files and deleting milestones ------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _milestone(plan, cast, title="示范车间"):
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2018)
    task = plan.tasks.order_by("order").first()
    return actions.add_milestone(
        cast.zoe, ap, actions.MilestoneData(task=task, title=title, due_on=dt.date(2018, 6, 30))
    )


def test_update_evidence_is_checked_stored_and_downloadable(client, plan, cast, base, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = _milestone(plan, cast)
    c = _login(client, cast.zoe)
    pdf = SimpleUploadedFile(
        "验收报告.pdf", b"%PDF-1.4 minutes of the acceptance", content_type="application/pdf"
    )
    response = c.post(
        f"{base}milestone/{m.pk}/",
        {
            "action": "update",
            "status": "in_progress",
            "percent": "40",
            "narrative": "验收中",
            "evidence": pdf,
        },
    )
    assert response.status_code == 302
    page = c.get(f"{base}milestone/{m.pk}/").content.decode()
    evidence = ProgressUpdate.objects.get().evidence.get()
    link = f"{base}evidence/{evidence.pk}/"
    assert link in page and "验收报告.pdf" in page

    # Any signed-in user of the plan reads supervision, evidence included; anonymous users do not.
    _login(client, cast.fred)
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.4")
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    client.logout()
    assert client.get(link).status_code == 302  # to the login page


def test_update_evidence_that_lies_about_its_kind_is_refused_whole(client, plan, cast, base, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = _milestone(plan, cast)
    c = _login(client, cast.zoe)
    fake = SimpleUploadedFile("报告.pdf", b"MZ this is a program", content_type="application/pdf")
    response = c.post(
        f"{base}milestone/{m.pk}/",
        {"action": "update", "status": "in_progress", "percent": "40", "evidence": fake},
    )
    assert response.status_code == 200
    assert "报告.pdf" in response.content.decode()
    assert not ProgressUpdate.objects.exists()  # the update is not saved without its file either
    m.refresh_from_db()
    assert (m.status, m.percent) == ("not_started", 0)
    assert not list(media.rglob("*.pdf"))


def test_locality_deletes_a_milestone_without_updates(client, plan, cast, base):
    m = _milestone(plan, cast, "多余的里程碑")
    c = _login(client, cast.zoe)
    assert 'value="delete"' in c.get(f"{base}ZH/2018/").content.decode()
    response = c.post(f"{base}ZH/2018/", {"action": "delete", "milestone": m.pk})
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=m.pk).exists()
    entry = events(kind="milestone", verb="delete").get()
    assert entry.actor == cast.zoe and entry.old["title"] == "多余的里程碑"


def test_a_milestone_with_updates_is_not_deleted(client, plan, cast, base, late):
    c = _login(client, cast.zoe)
    response = c.post(f"{base}ZH/2018/", {"action": "delete", "milestone": late.pk})
    assert response.status_code == 200
    assert "已有进展报告的里程碑不能删除" in response.content.decode()
    assert Milestone.objects.filter(pk=late.pk).exists()


def test_other_locality_cannot_delete(client, plan, cast, base):
    m = _milestone(plan, cast)
    c = _login(client, cast.fred)
    assert 'value="delete"' not in c.get(f"{base}ZH/2018/").content.decode()
    assert c.post(f"{base}ZH/2018/", {"action": "delete", "milestone": m.pk}).status_code == 403
    assert Milestone.objects.filter(pk=m.pk).exists()


def test_action_plans_are_for_the_plans_years_only(client, plan, cast, base):
    c = _login(client, cast.zoe)
    assert c.get(f"{base}ZH/1900/").status_code == 404
    assert c.get(f"{base}ZH/2026/").status_code == 404  # after the plan's horizon (2025)
    page = c.get(f"{base}ZH/2017/").content.decode()
    assert f'href="{base}ZH/2025/"' in page and f'href="{base}ZH/2016/"' not in page
    overview = c.get(base).content.decode()  # the locality's own plans, one link per year
    assert all(f'href="{base}ZH/{y}/"' in overview for y in range(2017, 2026))


def test_an_empty_action_plan_has_no_empty_timeline(client, plan, cast, base):
    page = _login(client, cast.zoe).get(f"{base}ZH/2019/").content.decode()
    assert "尚无里程碑。" in page
    assert 'class="gantt"' not in page and "进度甘特图" not in page


def test_the_timeline_widens_to_milestones_outside_the_year(client, plan, cast, base):
    """A 2018 plan with a step due in 2019: the timeline runs by year over both, the bar in 2019."""
    _milestone(plan, cast)
    ap = plan.action_plans.get(year=2018)
    task = plan.tasks.order_by("order").first()
    late = actions.add_milestone(
        cast.zoe,
        ap,
        actions.MilestoneData(
            task=task, title="跨年验收", starts_on=dt.date(2019, 1, 1), due_on=dt.date(2019, 12, 31)
        ),
    )
    response = _login(client, cast.zoe).get(f"{base}ZH/2018/")
    assert [c.label for c in response.context["months"]] == ["2018年", "2019年"]
    bar = next(b for b in response.context["bars"] if b.milestone.pk == late.pk)
    assert bar.left == pytest.approx(50, abs=0.2) and bar.width == pytest.approx(50, abs=0.2)
    late.delete()  # within the year again: by month
    assert len(_login(client, cast.zoe).get(f"{base}ZH/2018/").context["months"]) == 12


def test_the_timeline_spans_the_plan_year_and_the_milestones_own_dates(client, plan, cast, base):
    """A 2020 plan: from the earlier of 1 January 2020 and the first start to the later of
    31 December 2020 and the last due date, no further; each year's column as wide as its days."""
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2020)
    task = plan.tasks.order_by("order").first()

    def add(title, starts_on, due_on):
        data = actions.MilestoneData(task=task, title=title, starts_on=starts_on, due_on=due_on)
        return actions.add_milestone(cast.zoe, ap, data)

    inside = add("年内", dt.date(2020, 3, 1), dt.date(2020, 6, 30))
    c = _login(client, cast.zoe)
    response = c.get(f"{base}ZH/2020/")
    months = response.context["months"]
    assert [m.label for m in months][0] == "1月" and len(months) == 12
    assert sum(m.days for m in months) == 366  # 2020 is a leap year, nothing beyond it
    page = response.content.decode()
    assert "2027" not in page and "grid-template-columns: 31fr 29fr 31fr" in page
    add("提前启动", dt.date(2019, 10, 1), dt.date(2020, 2, 29))
    late = add("跨年验收", dt.date(2021, 1, 1), dt.date(2021, 6, 30))
    response = c.get(f"{base}ZH/2020/")
    columns = response.context["months"]
    assert [(m.label, m.days) for m in columns] == [("2019年", 92), ("2020年", 366), ("2021年", 181)]
    span = 92 + 366 + 181  # 1 October 2019 to 30 June 2021, not 31 December 2021
    bars = {b.milestone.pk: b for b in response.context["bars"]}
    assert bars[late.pk].left == pytest.approx(100 * (92 + 366) / span, abs=0.01)
    assert bars[late.pk].left + bars[late.pk].width == pytest.approx(100, abs=0.01)
    assert bars[inside.pk].left == pytest.approx(100 * (92 + 31 + 29) / span, abs=0.01)


def test_milestones_all_outside_the_plan_year_are_drawn_over_their_own_years(client, plan, cast, base):
    """The demo's 2020 action plan with milestones around today (2026–27): no empty band of years
    before them, and a note that says why the timeline is not 2020's."""
    ap = actions.open_action_plan(cast.zoe, plan, plan.localities.get(code="ZH"), 2020)
    data = actions.MilestoneData(
        task=plan.tasks.order_by("order").first(),
        title="示例：年内验收",
        starts_on=dt.date(2026, 10, 1),
        due_on=dt.date(2027, 3, 31),
    )
    actions.add_milestone(cast.zoe, ap, data)
    response = _login(client, cast.zoe).get(f"{base}ZH/2020/")
    assert [m.label for m in response.context["months"]] == ["2026年", "2027年"]
    assert 'id="outside-year"' in response.content.decode()
    (bar,) = response.context["bars"]
    assert bar.left == pytest.approx(100 * 273 / 730, abs=0.01)  # 1 October of 2026–27's 730 days
