"""The inbox (待办) and the notifications: what waits on whom, counted as each one may see it; who
is told of a move, in the app, by e-mail (a real SMTP conversation with a local server) and through
the group robot's webhook (a local stub); the daily digest; the province's 催报."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from planwatch.accounts.permissions import led_first
from planwatch.inbox.sources import SOURCES, Item, Source, count, inbox, register
from planwatch.kernel.models import AuditEvent
from planwatch.notifications.models import Notification, Preference
from planwatch.reporting import workflow as wf
from planwatch.reporting.sample import yearly_period
from tests.stubs import free_port
from tests.test_web_reporting import bring_to, fill_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh(plan):
    return plan.localities.get(code="ZH")


@pytest.fixture
def fs(plan):
    return plan.localities.get(code="FS")


def waiting(plan, user, period) -> dict[str, int]:
    """The user's inbox as {source: count}, only the sources holding something."""
    today = period.due_on
    return {box.source.key: box.count for box in inbox(plan, user, today) if box.count}


# --- the inbox ------------------------------------------------------------------------------------


def test_submitted_values_wait_on_their_approver_then_on_the_province(
    client, plan, cast, period, zh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bring_to("submitted", plan, cast, zh, period)
    required = wf.required_indicators(period).count()
    assert waiting(plan, cast.zack, period) == {"values_to_approve": required}
    for other in (cast.zoe, cast.fay, cast.fred, cast.pat, cast.vic):
        assert "values_to_approve" not in waiting(plan, other, period)
    # the badge of the top bar asks the same count
    client.force_login(cast.zack)
    answer = client.get(reverse("inbox:count", args=[plan.code])).json()
    assert answer["count"] == count(plan, cast.zack, period.due_on) > 0
    page = client.get(reverse("inbox:home", args=[plan.code])).content.decode()
    assert "待审核的数值" in page and f"珠海市 2018：{required} 项数值待审核" in page

    with django_capture_on_commit_callbacks(execute=True):
        wf.approve(cast.zack, zh, period)
    assert waiting(plan, cast.zack, period) == {}
    assert waiting(plan, cast.pat, period) == {"values_to_accept": required}
    # the lead unit accepts the indicators it leads (I22–I28 …), and only those
    led = wf.required_indicators(period).filter(lead_unit=cast.lena.profile.unit).count()
    assert waiting(plan, cast.lena, period) == {"values_to_accept": led}


def test_nobody_counts_what_they_may_not_see(plan, cast, period, zh, fs):
    """佛山's drafts and returned values are 佛山's own: nobody else counts them."""
    fill_all(plan, cast.fred, fs, period)
    wf.submit(cast.fred, fs, period)
    wf.return_values(cast.fay, fs, period, "请核对", codes=["I07"])
    assert waiting(plan, cast.fred, period) == {"values_returned": 1}
    assert waiting(plan, cast.fay, period)["values_returned"] == 1  # an approver of 佛山 may fix it too
    for outsider in (cast.zoe, cast.zack, cast.pat, cast.vic):
        assert "values_returned" not in waiting(plan, outsider, period)
    # 珠海's approver counts none of 佛山's submitted values either
    assert waiting(plan, cast.zack, period) == {}


def test_the_old_reminders_page_is_the_inbox_and_shows_what_waits(client, plan, cast, period, zh):
    bring_to("submitted", plan, cast, zh, period)
    client.force_login(cast.zack)
    old = client.get(f"/plans/{plan.code}/supervision/notifications/")
    assert old.status_code == 302 and old["Location"] == reverse("inbox:home", args=[plan.code])
    page = client.get(old["Location"]).content.decode()
    assert "待审核的数值" in page and 'id="values_to_approve"' in page
    # following a notification reads it; nobody follows another's
    note = Notification.objects.create(user=cast.zack, text_zh="甲", text_en="a", link="/x/", dedupe_key="k")
    client.force_login(cast.zoe)
    assert client.get(reverse("inbox:open", args=[plan.code, note.pk])).status_code == 404
    client.force_login(cast.zack)
    assert client.get(reverse("inbox:open", args=[plan.code, note.pk]))["Location"] == "/x/"
    note.refresh_from_db()
    assert note.read_at is not None
    # and it is every role's landing page
    assert client.get("/")["Location"] == reverse("inbox:home", args=[plan.code])


def test_a_reporter_is_told_what_is_still_to_enter_or_submit(plan, cast, period, zh):
    required = wf.required_indicators(period).count()
    assert waiting(plan, cast.zoe, period)["values_to_report"] == required  # nothing entered yet
    fill_all(plan, cast.zoe, zh, period)
    assert waiting(plan, cast.zoe, period)["values_to_report"] == required  # drafts: still to submit
    wf.submit(cast.zoe, zh, period)
    assert "values_to_report" not in waiting(plan, cast.zoe, period)
    assert "values_to_report" not in waiting(plan, cast.zack, period)  # the approver does not report


def test_another_part_adds_a_row_to_the_inbox(plan, cast, period):
    before = list(SOURCES)
    try:
        register(
            Source(
                "bulletins_to_sign",
                ("待签发的通报", "Bulletins to issue"),
                lambda plan, user, today: (
                    [Item("通报 2018", "Bulletin 2018", "/")] if user == cast.pat else []
                ),
            )
        )
        assert waiting(plan, cast.pat, period) == {"bulletins_to_sign": 1}
        assert "bulletins_to_sign" not in waiting(plan, cast.zoe, period)
    finally:
        SOURCES[:] = before


# --- who is told, and how --------------------------------------------------------------------------


def test_a_return_tells_the_reporter_in_the_app_by_email_and_the_group_robot(
    plan, cast, period, zh, smtp, robot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fill_all(plan, cast.zoe, zh, period)
        wf.submit(cast.zoe, zh, period)
    # the submission told the approver (and nobody else: the administrator only stands in)
    assert {n.user.username for n in Notification.objects.all()} == {"zack"}
    # the approver opens the reviewer's workbench; the reporter (below) her entry form
    assert Notification.objects.get().link == reverse("review:locality", args=[plan.code, "ZH", period.code])
    with django_capture_on_commit_callbacks(execute=True):
        wf.return_values(cast.zack, zh, period, "I07 与台账不符，请核对", codes=["I07"])

    note = Notification.objects.get(user=cast.zoe)
    assert note.text_zh.startswith("zack 退回了 1 个数值：") and "I07 与台账不符，请核对" in note.text_zh
    assert note.link == reverse("reporting:entry", args=[plan.code, "ZH", period.code])
    assert note.read_at is None and note.delivery == {"email": "sent", "webhook": "sent"} and note.emailed
    # the e-mail, as the SMTP server received it
    to_zoe = [body for rcpt, body in smtp.messages if rcpt == ["zoe@example.org"]]
    assert len(to_zoe) == 1 and "Subject:" in to_zoe[0]
    # the group robot: the text message of 企业微信 and 钉钉, once per event
    returned = [c for c in robot if "退回" in c["json"]["text"]["content"]]
    assert len(returned) == 1
    assert returned[0]["json"]["msgtype"] == "text"
    assert returned[0]["type"].startswith("application/json")
    assert "I07 与台账不符，请核对" in returned[0]["json"]["text"]["content"]


def test_a_failing_channel_never_breaks_the_action(
    settings, plan, cast, period, zh, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.PLANWATCH_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/robot"
    fill_all(plan, cast.zoe, zh, period)
    with django_capture_on_commit_callbacks(execute=True):
        moved = wf.submit(cast.zoe, zh, period)
    assert moved and all(v.status == "submitted" for v in moved)
    note = Notification.objects.get(user=cast.zack)
    assert note.delivery["email"].startswith("failed:") and note.delivery["webhook"].startswith("failed:")
    assert not note.emailed


def test_the_daily_digest(client, plan, cast, period, zh, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(cast.zoe)
    client.post(reverse("inbox:preference", args=[plan.code]), {"email": "digest"})
    assert Preference.objects.get(user=cast.zoe).email == "digest"
    assert AuditEvent.objects.filter(type="user.notification_preference", actor=cast.zoe).count() == 1
    fill_all(plan, cast.zoe, zh, period)
    wf.submit(cast.zoe, zh, period)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wf.return_values(cast.zack, zh, period, "请核对 I07", codes=["I07"])
        wf.return_values(cast.zack, zh, period, "请核对 I08", codes=["I08"])
    assert mailoutbox == []  # kept for the digest
    assert Notification.objects.filter(user=cast.zoe, delivery__email="digest").count() == 2
    call_command("send_digest", stdout=io.StringIO())
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["zoe@example.org"]
    assert "请核对 I07" in mailoutbox[0].body and "请核对 I08" in mailoutbox[0].body
    call_command("send_digest", stdout=io.StringIO())
    assert len(mailoutbox) == 1  # never twice
    out = io.StringIO()  # cron's --queue: a task (the test settings' backend runs it at once)
    call_command("send_digest", "--queue", stdout=out)
    assert out.getvalue() == "已发送 0 封汇总邮件 / 0 digest e-mail(s) sent\n" and len(mailoutbox) == 1


def test_the_province_chases_late_localities_in_one_click(
    client, plan, cast, zh, mailoutbox, robot, django_capture_on_commit_callbacks
):
    period = yearly_period(plan, 2019)  # due 2020-03-31: long past, nobody has reported
    url = reverse("reporting:chase", args=[plan.code, period.code])
    client.force_login(cast.zoe)
    client.post(url)
    assert not Notification.objects.exists()  # a reporter may not chase
    client.force_login(cast.pat)
    home = client.get(reverse("reporting:home", args=[plan.code]) + f"?period={period.code}").content.decode()
    assert url in home
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    told = {n.user.username for n in Notification.objects.all()}
    assert told == {"zoe", "zack", "fred", "fay"}
    assert {m.to[0] for m in mailoutbox} == {f"{u}@example.org" for u in told}
    # the group robot is told once per late locality, not once per person
    assert len(robot) == 2
    assert sum("珠海市" in c["json"]["text"]["content"] for c in robot) == 1
    assert sum("佛山市" in c["json"]["text"]["content"] for c in robot) == 1
    event = AuditEvent.objects.get(type="period.chase")
    assert event.actor == cast.pat and "ZH" in event.new["localities"] and "FS" in event.new["localities"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # the same day again: nobody is told twice
    assert Notification.objects.count() == 4


# --- lead units first --------------------------------------------------------------------------------


def test_a_lead_unit_sees_the_indicators_it_leads_first(client, plan, cast):
    indicators = list(plan.indicators.order_by("order", "id"))
    mine = [i.code for i in indicators if i.lead_unit_id == cast.lena.profile.unit_id]
    assert mine and [i.code for i in led_first(cast.lena, indicators)][: len(mine)] == mine
    assert led_first(cast.zoe, indicators) == indicators  # nobody else's order changes
    client.force_login(cast.lena)
    page = client.get(reverse("web:indicators", args=[plan.code])).content.decode()
    first_other = next(i.code for i in indicators if i.code not in mine)
    assert page.index(f">{mine[0]}<") < page.index(f">{first_other}<")
    # the entry form, and the list of breakdowns, too
    period = yearly_period(plan, 2018)
    form = client.get(reverse("reporting:entry", args=[plan.code, "ZH", period.code])).content.decode()
    rows = re.findall(r'<tr id="row-([A-Z]\d+)"', form)
    led = [c for c in rows if c in mine]
    assert led and rows[: len(led)] == led
    index = client.get(reverse("breakdown:index", args=[plan.code])).content.decode()
    assert index.index(mine[0]) < index.index(first_other)


def test_a_flagged_value_shows_in_the_inbox_of_its_approver(plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    bring_to("accepted", plan, cast, zh, p2017)
    fill_all(plan, cast.zoe, zh, p2018, I11="40")  # 10 → 40: a 300 % jump, a warning
    value = wf.VALUE.model.objects.get(locality=zh, period=p2018, indicator__code="I11")
    wf.add_comment(cast.zoe, value, "新建一批省级智能制造示范基地")
    wf.submit(cast.zoe, zh, p2018)
    assert Decimal(value.__class__.objects.get(pk=value.pk).value) == 40
    assert waiting(plan, cast.zack, p2018)["values_to_approve"] == wf.required_indicators(p2018).count()


def test_milestones_overdue_at_risk_or_due_soon_wait_on_their_locality_and_the_province(plan, cast, zh):
    import datetime as dt

    from planwatch.supervision import actions

    ap = actions.open_action_plan(cast.zoe, plan, zh, 2018)
    task = plan.tasks.order_by("order").first()

    def milestone(title: str, due: dt.date):  # type: ignore[no-untyped-def]
        return actions.add_milestone(cast.zoe, ap, actions.MilestoneData(task=task, title=title, due_on=due))

    milestone("逾期事项", dt.date(2018, 5, 31))
    soon = milestone("即将到期", dt.date(2018, 6, 30))
    actions.post_update(cast.zoe, soon, "in_progress", 90, "基本完成")  # on pace: due soon, not at risk
    milestone("年底事项", dt.date(2018, 12, 31))  # neither
    today = dt.date(2018, 6, 20)

    def texts(user) -> list[str]:  # type: ignore[no-untyped-def]
        boxes = {b.source.key: b for b in inbox(plan, user, today)}
        return [i.text_zh for i in boxes["milestones"].items]

    mine = texts(cast.zoe)
    assert len(mine) == 2 and "逾期事项" in mine[0] and "即将到期" in mine[1] and "2018-06-30" in mine[1]
    assert texts(cast.zack) == mine and texts(cast.pat) == mine
    assert texts(cast.fred) == [] and texts(cast.vic) == []


def test_a_revision_request_tells_the_province_and_its_decision_the_one_who_asked(
    plan, cast, period, zh, django_capture_on_commit_callbacks
):
    indicator = plan.indicators.get(code="I07")
    wf.save_values(cast.zoe, zh, period, [wf.Entry(indicator, Decimal(10), expected_version=0)])
    value = indicator.values.get(locality=zh, period=period)
    type(value).objects.filter(pk=value.pk).update(status="accepted")
    value.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        request = wf.request_revision(cast.zoe, value, Decimal(12), "统计口径更正")
    # the province reviewer decides (the administrator only stands in); nobody else is told
    asked = Notification.objects.get()
    assert asked.user == cast.pat and "申请将" in asked.text_zh and "统计口径更正" in asked.text_zh
    assert asked.link == reverse("manage:revisions", args=[plan.code])
    with django_capture_on_commit_callbacks(execute=True):
        wf.decide_revision(cast.pat, request, approve=False, comment="请附统计局证明")
    answer = Notification.objects.exclude(pk=asked.pk).get()
    assert answer.user == cast.zoe and "已驳回" in answer.text_zh and "请附统计局证明" in answer.text_zh
    assert answer.link == reverse("reporting:history", args=[plan.code, "ZH", period.code, "I07"])
