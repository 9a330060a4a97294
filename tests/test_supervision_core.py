"""Overdue and at-risk detection with a controlled clock (planwatch.core.supervision, no database)."""

from __future__ import annotations

import datetime as dt

from planwatch.core.supervision import Flag, MilestoneFacts, Reason, assess, days_late, detect, due_soon

D = dt.date
JUNE_30, JAN_1 = D(2018, 6, 30), D(2018, 1, 1)


def m(key=1, status="in_progress", percent=50, due=JUNE_30, starts=JAN_1, indicators=()):
    return MilestoneFacts(key, status, percent, due, starts, tuple(indicators))


def test_overdue_counts_days_late_until_done():
    late = m(due=D(2018, 6, 30))
    assert assess(late, D(2018, 6, 30)) is None or assess(late, D(2018, 6, 30)).flag != Flag.OVERDUE
    finding = assess(late, D(2018, 7, 10))
    assert finding.flag == Flag.OVERDUE and finding.days_late == 10
    assert finding.reasons == (Reason.OVERDUE,)
    assert days_late(late, D(2018, 7, 10)) == 10
    assert assess(m(status="done", percent=100), D(2018, 7, 10)) is None
    assert days_late(m(status="done", percent=100), D(2019, 1, 1)) == 0


def test_due_on_the_day_is_not_overdue():
    finding = assess(m(percent=99), D(2018, 6, 30))
    assert finding is None or finding.flag == Flag.AT_RISK


def test_marked_at_risk():
    finding = assess(m(status="at_risk", due=D(2018, 12, 31)), D(2018, 2, 1))
    assert finding.flag == Flag.AT_RISK and Reason.MARKED_AT_RISK in finding.reasons


def test_behind_schedule_only_within_the_window():
    # 2018-01-01 .. 2018-06-30: on 2018-06-20 about 94 % of the time has passed.
    behind = m(percent=50)
    assert assess(behind, D(2018, 6, 20), window_days=14).reasons == (Reason.BEHIND_SCHEDULE,)
    assert assess(behind, D(2018, 6, 1), window_days=14) is None  # not due soon yet
    assert assess(m(percent=95), D(2018, 6, 20), window_days=14) is None  # ahead of the clock


def test_lagging_indicator_only_when_pace_is_given():
    linked = m(percent=10, due=D(2018, 12, 31), indicators=["I01", "I02"])
    assert assess(linked, D(2018, 2, 1)) is None
    finding = assess(linked, D(2018, 2, 1), pace={"I01": "on_pace", "I02": "lagging"})
    assert finding.reasons == (Reason.INDICATOR_LAGGING,) and finding.lagging_indicators == ("I02",)


def test_detect_sorts_overdue_first_most_late_first():
    ms = [
        m(1, status="at_risk", due=D(2018, 12, 31)),
        m(2, due=D(2018, 3, 1)),
        m(3, due=D(2018, 1, 15)),
        m(4, status="done", percent=100, due=D(2018, 1, 2)),
    ]
    found = detect(ms, D(2018, 4, 1))
    assert [f.key for f in found] == [3, 2, 1]
    assert [f.days_late for f in found] == [76, 31, 0]


def test_due_soon():
    assert due_soon(m(due=D(2018, 6, 30)), D(2018, 6, 20), 14)
    assert not due_soon(m(due=D(2018, 6, 30)), D(2018, 6, 1), 14)
    assert not due_soon(m(due=D(2018, 6, 30)), D(2018, 7, 1), 14)
    assert not due_soon(m(status="done", percent=100), D(2018, 6, 20), 14)
