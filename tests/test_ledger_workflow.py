"""The workflow of ledger rows, as for reported values: draft → submitted → approved → accepted, return
with a comment, period locks, one audit row per transition; role × action × own/other locality on
the functions, the web and the import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from planwatch.core.errors import (
    CommentRequired,
    IllegalTransition,
    NotAllowed,
    PeriodClosed,
    WorkbookRejected,
)
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import PeriodException
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.test_ledger_derive import add, approved_station
from tests.test_ledger_excel import workbook

D = dt.date
R = LedgerItem.Review


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


@pytest.fixture
def zh_row(cast, ledger):
    return add(cast.zoe, ledger, "ZH", "示例项目 01", signed=D(2018, 3, 1))


def _at(item: LedgerItem, review: str) -> LedgerItem:
    LedgerItem.objects.filter(pk=item.pk).update(review=review)
    item.refresh_from_db()
    return item


# Who may take each step on a 珠海 row: (action, from, user) → allowed.
CASES = [
    ("submit", R.DRAFT, "zoe", True),
    ("submit", R.DRAFT, "zack", True),  # the approver is a locality user too
    ("submit", R.RETURNED, "zoe", True),
    ("submit", R.DRAFT, "fred", False),  # another locality
    ("submit", R.DRAFT, "pat", False),
    ("submit", R.DRAFT, "vic", False),
    ("submit", R.DRAFT, "lena", False),
    ("submit", R.DRAFT, "alice", True),
    ("submit", R.SUBMITTED, "zoe", False),  # not a draft
    ("approve", R.SUBMITTED, "zack", True),
    ("approve", R.SUBMITTED, "zoe", False),  # the reporter does not approve
    ("approve", R.SUBMITTED, "fay", False),  # another locality's approver
    ("approve", R.SUBMITTED, "pat", False),
    ("approve", R.DRAFT, "zack", False),
    ("accept", R.APPROVED, "pat", True),
    ("accept", R.APPROVED, "alice", True),
    ("accept", R.APPROVED, "zack", False),
    ("accept", R.APPROVED, "lena", False),  # DST leads none of I01–I03
    ("accept", R.APPROVED, "vic", False),
    ("accept", R.SUBMITTED, "pat", False),
    ("return", R.SUBMITTED, "zack", True),
    ("return", R.SUBMITTED, "fay", False),
    ("return", R.SUBMITTED, "pat", False),
    ("return", R.APPROVED, "pat", True),
    ("return", R.APPROVED, "zack", False),
    ("return", R.ACCEPTED, "pat", True),
    ("return", R.ACCEPTED, "zoe", False),
    ("return", R.DRAFT, "alice", False),
]
NEXT = {"submit": R.SUBMITTED, "approve": R.APPROVED, "accept": R.ACCEPTED, "return": R.RETURNED}


def _take(action: str, user, item: LedgerItem) -> None:  # type: ignore[no-untyped-def]
    if action == "return":
        services.return_item(user, item, "请补充合同")
    else:
        services.TRANSITIONS[action](user, item)


@pytest.mark.parametrize(("action", "start", "who", "allowed"), CASES)
def test_role_action_and_locality(cast, zh_row, action, start, who, allowed):  # type: ignore[no-untyped-def]
    item = _at(zh_row, start)
    audit_before = events().count()
    if allowed:
        _take(action, getattr(cast, who), item)
        item.refresh_from_db()
        assert item.review == NEXT[action]
        entry = events(item).last()
        assert entry.verb == action and entry.actor == getattr(cast, who)
        assert entry.old_state == start and entry.new_state == NEXT[action]
    else:
        with pytest.raises((NotAllowed, IllegalTransition)):
            _take(action, getattr(cast, who), item)
        item.refresh_from_db()
        assert item.review == start and events().count() == audit_before


@pytest.mark.parametrize(("action", "start", "who", "allowed"), [c for c in CASES if c[1] != R.RETURNED])
def test_the_same_rules_on_the_web(client, plan, cast, ledger, zh_row, action, start, who, allowed):  # type: ignore[no-untyped-def]
    item = _at(zh_row, start)
    client.force_login(getattr(cast, who))
    visible = services.visible_items(getattr(cast, who), ledger.items.filter(pk=item.pk)).exists()
    url = reverse("ledgers:transition", args=[plan.code, ledger.code, item.pk])
    response = client.post(url, {"action": action, "comment": "请补充合同"})
    item.refresh_from_db()
    if not visible:  # another locality's row, or a draft: as absent as a missing one
        assert response.status_code == 404
    elif allowed or services.LEDGER_ROW.move(start, action) is None:
        assert response.status_code == 302  # done; or said on the row's page: not from this state
    else:
        assert response.status_code == 403  # the state allows it, the user may not
    assert item.review == (NEXT[action] if allowed else start)


def test_lead_unit_accepts_the_rows_of_the_indicators_it_leads(plan, cast):
    item = approved_station(cast, plan, "示例工作站")  # I26, led by DST (lena)
    services.accept_item(cast.lena, item)
    item.refresh_from_db()
    assert item.review == R.ACCEPTED


def test_return_needs_a_comment_and_shows_on_the_history(client, plan, cast, ledger, zh_row):
    services.submit_item(cast.zoe, zh_row)
    with pytest.raises(CommentRequired, match="needs a comment"):
        services.return_item(cast.zack, zh_row, "  ")
    services.return_item(cast.zack, zh_row, "请补充合同")
    client.force_login(cast.zoe)
    page = client.get(reverse("ledgers:item", args=[plan.code, ledger.code, zh_row.pk])).content.decode()
    assert "请补充合同" in page


def test_only_a_draft_or_returned_row_can_be_changed(cast, zh_row):
    services.submit_item(cast.zoe, zh_row)
    zh_row.refresh_from_db()
    zh_row.notes = "改"
    with pytest.raises(IllegalTransition, match="have it returned first"):
        services.save_item(cast.zoe, zh_row)
    services.return_item(cast.zack, zh_row, "改一下")
    zh_row.refresh_from_db()
    zh_row.notes = "改"
    services.save_item(cast.zoe, zh_row)
    zh_row.refresh_from_db()
    assert zh_row.review == R.RETURNED and zh_row.notes == "改"


def test_a_flagged_row_is_resolved_before_it_is_accepted(cast, ledger, zh_row):
    twin = add(cast.zoe, ledger, "ZH", "示例项目01", signed=D(2018, 4, 1))
    for item in (zh_row, twin):
        item.refresh_from_db()
        services.submit_item(cast.zoe, item)
        services.approve_item(cast.zack, item)
    with pytest.raises(IllegalTransition, match="duplicate"):
        services.accept_item(cast.pat, zh_row)
    services.merge(cast.pat, twin, zh_row)
    services.accept_item(cast.pat, zh_row)
    zh_row.refresh_from_db()
    assert zh_row.review == R.ACCEPTED


def test_a_row_counted_in_a_locked_period_cannot_be_changed_by_the_locality(plan, cast, ledger, zh_row):
    period = yearly_period(plan, 2018)
    period.locks_on = D(2019, 1, 31)
    period.save()
    zh_row.notes = "晚了"
    with pytest.raises(PeriodClosed, match="period 2018 closed"):
        services.save_item(cast.zoe, zh_row, today=D(2019, 3, 1))
    with pytest.raises(PeriodClosed, match="period 2018 closed"):
        services.submit_item(cast.zoe, zh_row, today=D(2019, 3, 1))
    with pytest.raises(PeriodClosed, match="period 2018 closed"):  # a new row dated in 2018
        add(cast.zoe, ledger, "ZH", "示例项目 02", signed=D(2018, 12, 1))  # today is after the lock
    # Moving the row out of the locked year is a change of it too.
    zh_row.refresh_from_db()
    zh_row.signed_on = D(2019, 1, 1)
    with pytest.raises(PeriodClosed, match="period 2018 closed"):
        services.save_item(cast.zoe, zh_row, today=D(2019, 3, 1))
    services.save_item(cast.alice, zh_row, today=D(2019, 3, 1))  # the administrator may
    # An exception opens it again for 珠海.
    PeriodException.objects.create(period=period, locality=zh_row.locality, open_until=D(2099, 1, 1))
    zh_row.refresh_from_db()
    zh_row.signed_on = D(2018, 6, 1)
    services.save_item(cast.zoe, zh_row)


def test_import_refuses_rows_not_editable_and_locked_periods_whole(plan, cast, ledger, zh_row):
    services.submit_item(cast.zoe, zh_row)
    rows = [
        {"id": zh_row.pk, "locality": "ZH", "name": "改名", "investment": 20000},
        {"locality": "ZH", "name": "新", "investment": 20000},
    ]
    with pytest.raises(WorkbookRejected, match=r"Ledger!A2: .*cannot be changed"):
        excel.import_ledger(ledger, workbook(ledger, rows), "x.xlsx", cast.zoe)
    assert LedgerItem.objects.count() == 1

    period = yearly_period(plan, 2018)
    period.locks_on = D(2018, 12, 31)
    period.save()
    late = [
        {"locality": "ZH", "name": "新 2019", "investment": 20000, "signed_on": D(2019, 1, 2)},
        {"locality": "ZH", "name": "新 2018", "investment": 20000, "signed_on": D(2018, 5, 1)},
    ]
    with pytest.raises(WorkbookRejected, match=r"Ledger!A3: .*period 2018 closed"):
        excel.import_ledger(ledger, workbook(ledger, late), "late.xlsx", cast.zoe)
    assert LedgerItem.objects.count() == 1  # the good first row was rolled back too


def test_item_page_offers_only_the_allowed_actions(client, plan, cast, ledger, zh_row):
    url = reverse("ledgers:item", args=[plan.code, ledger.code, zh_row.pk])
    client.force_login(cast.zoe)
    assert client.get(url).context["actions"] == ["submit"]
    services.submit_item(cast.zoe, zh_row)
    assert client.get(url).context["actions"] == []
    client.force_login(cast.zack)
    assert client.get(url).context["actions"] == ["approve", "return"]
    client.force_login(cast.pat)
    assert client.get(url).context["actions"] == []


@pytest.mark.parametrize(
    ("who", "locality", "allowed"),
    [
        ("zoe", "ZH", True),
        ("zack", "ZH", True),
        ("zoe", "FS", False),
        ("fred", "ZH", False),
        ("fay", "FS", True),
        ("alice", "FS", True),
        ("pat", "ZH", False),
        ("lena", "ZH", False),
        ("vic", "ZH", False),
    ],
)
def test_import_by_role_and_locality(plan, cast, ledger, who, locality, allowed):  # type: ignore[no-untyped-def]
    rows = [{"locality": locality, "name": "示例项目 导入", "investment": 20000, "signed_on": D(2018, 2, 1)}]
    data = workbook(ledger, rows)
    if allowed:
        (item,) = excel.import_ledger(ledger, data, "x.xlsx", getattr(cast, who))
        assert item.review == R.DRAFT and events(item).get().source == "excel"
    else:
        with pytest.raises(WorkbookRejected, match=r"Ledger!B2: "):
            excel.import_ledger(ledger, data, "x.xlsx", getattr(cast, who))
        assert not LedgerItem.objects.exists()


# --- moving every row of a list at once -----------------------------------------------------------


def test_a_locality_submits_every_draft_of_its_list_at_once(client, cast, ledger):
    mine = [add(cast.zoe, ledger, "ZH", f"示例项目 {n:02d}", signed=D(2018, 3, 1)) for n in range(3)]
    theirs = add(cast.fred, ledger, "FS", "示例项目 佛山", signed=D(2018, 3, 1))
    client.force_login(cast.zoe)
    url = reverse("ledgers:move_all", args=[ledger.plan.code, ledger.code])
    response = client.post(url, {"action": "submit", "query": ""}, follow=True)
    assert "3" in response.content.decode()
    assert {i.review for i in LedgerItem.objects.filter(pk__in=[m.pk for m in mine])} == {R.SUBMITTED}
    theirs.refresh_from_db()
    assert theirs.review == R.DRAFT  # 佛山's draft is not 珠海's to submit (nor even to see)
    assert events(kind="ledger_row", verb="submit").count() == 3
    # The approver approves the rows the list's filter shows: the submitted ones of 2018's signings.
    late = add(cast.zoe, ledger, "ZH", "示例项目 2019", signed=D(2019, 3, 1))
    services.submit_item(cast.zoe, late)
    client.force_login(cast.zack)
    client.post(url, {"action": "approve", "query": "locality=ZH&review=submitted&stage=signed&year=2018"})
    assert set(LedgerItem.objects.filter(review=R.APPROVED).values_list("pk", flat=True)) == {
        m.pk for m in mine
    }


def test_moving_all_is_all_or_nothing(client, plan, cast, ledger):
    rows = [add(cast.zoe, ledger, "ZH", f"示例项目 {n:02d}", signed=D(2018 + n, 3, 1)) for n in range(2)]
    period = yearly_period(plan, 2019)
    period.locks_on = D(2019, 4, 15)
    period.save()  # the 2019 row now sits in a locked period
    client.force_login(cast.zoe)
    url = reverse("ledgers:move_all", args=[plan.code, ledger.code])
    response = client.post(url, {"action": "submit", "query": ""}, follow=True)
    assert "2019" in response.content.decode()
    assert {r.review for r in LedgerItem.objects.filter(pk__in=[r.pk for r in rows])} == {R.DRAFT}


def test_an_unknown_action_is_404(client, cast, ledger):
    client.force_login(cast.alice)
    url = reverse("ledgers:move_all", args=[ledger.plan.code, ledger.code])
    assert client.post(url, {"action": "delete"}).status_code == 404
