"""An issued bulletin in its addressees' inbox: listed there (not counted as work), and each
addressee told once when it is issued; nobody else told or shown it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from planwatch.bulletins.issuing import withdraw
from planwatch.inbox.sources import inbox
from planwatch.notifications.models import Notification
from tests.test_bulletin_issue import issued
from tests.test_bulletin_issue import sample as sample  # a fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def listed(plan, user):
    return next(box for box in inbox(plan, user, dt.date.today()) if box.source.key == "bulletins")


def test_the_addressees_are_told_once_and_find_it_in_their_inbox(
    sample,  # noqa: F811
    cast,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        b = issued(cast, sample, to=("ZH",))
    told = Notification.objects.filter(link=reverse("bulletins:detail", args=[sample.code, b.pk]))
    assert sorted(n.user.username for n in told) == ["zack", "zoe"]  # 珠海's, not 佛山's, not the province's
    assert all("pat 签发了 1 个通报" in n.text_zh for n in told)
    box = listed(sample, cast.zoe)
    assert [item.link for item in box.items] == [reverse("bulletins:detail", args=[sample.code, b.pk])]
    assert box.count == 0  # read, not work: no number in the badge
    assert listed(sample, cast.fred).items == [] and listed(sample, cast.pat).items == []
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(cast.pat, b, "数据有误，重新印发")
    assert told.all().count() == 4  # withdrawn: told again, once each
    assert listed(sample, cast.zoe).items == []
