"""The ledger import writes its rows as a set (services.save_items): many rows, each with its audit
event, in a fixed number of queries; one bad row among many writes nothing and is named by its cell;
a changed row is one update event; the chain holds after (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planwatch.core.errors import WorkbookRejected
from planwatch.kernel import audit
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.test_ledger_excel import workbook


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def rows(n: int, **extra: object) -> list[dict[str, object]]:
    return [
        {
            "locality": "ZH",
            "name": f"项目{k}",
            "identifier": f"B-{k:05d}",
            "investment": 1000 + k,
            "signed_on": dt.date(2018, 1 + k % 12, 1),
            **extra,
        }
        for k in range(n)
    ]


def queries(ledger, user, n: int) -> int:
    data = workbook(ledger, rows(n))
    with CaptureQueriesContext(connection) as captured:
        excel.import_ledger(ledger, data, f"{n}.xlsx", user)
    return len(captured)


def test_many_rows_are_written_each_with_its_event_in_a_fixed_number_of_queries(plan, cast, ledger):
    few = queries(ledger, cast.zoe, 3)
    LedgerItem.objects.all().delete()
    many = queries(ledger, cast.zoe, 240)
    assert many < few + 240 // 10  # not a query per row (SQLite takes an INSERT of 40-odd rows at most)
    saved = LedgerItem.objects.order_by("pk")
    assert saved.count() == 240 and {i.review for i in saved} == {LedgerItem.Review.DRAFT}
    assert all(i.created_by_id == cast.zoe.pk and i.normalized_name for i in saved)
    created = events(kind="ledger_row", type="ledger_row.create", source_detail="240.xlsx")
    assert list(created.values_list("subject_id", flat=True)) == [str(i.pk) for i in saved]
    assert created.first().new["name"] == "项目0" and created.first().private
    assert audit.verify().broken is None


def test_one_bad_row_among_many_writes_nothing_and_is_named_by_its_cell(plan, cast, ledger):
    bad = rows(150)
    bad[120]["investment"] = -5  # row 122 of the sheet (the header is row 1)
    before = events().count()
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_ledger(ledger, workbook(ledger, bad), "bad.xlsx", cast.zoe)
    cols = {c.key: chr(ord("A") + i) for i, c in enumerate(excel.columns(ledger))}
    assert [str(p) for p in caught.value.problems] == [
        f"Ledger!{cols['investment']}{120 + excel.FIRST_ROW}: 总投资不能为负数 / the total investment cannot be negative"
    ]
    assert not LedgerItem.objects.exists() and events().count() == before


def test_changed_rows_are_one_update_each_and_unchanged_rows_nothing(plan, cast, ledger):
    excel.import_ledger(ledger, workbook(ledger, rows(4)), "first.xlsx", cast.zoe)
    stored = list(LedgerItem.objects.order_by("pk"))
    again = [dict(row, id=item.pk) for row, item in zip(rows(4), stored, strict=True)]
    again[1]["investment"] = 9999
    again.append({"locality": "ZH", "name": "新项目", "investment": 1})
    excel.import_ledger(ledger, workbook(ledger, again), "second.xlsx", cast.zoe)
    second = events(kind="ledger_row", source_detail="second.xlsx")
    assert [(e.type, e.subject_id) for e in second] == [
        ("ledger_row.update", str(stored[1].pk)),
        ("ledger_row.create", str(LedgerItem.objects.get(name="新项目").pk)),
    ]
    update = second.first()
    assert update.old["investment"] == "1001" and update.new["investment"] == "9999"
    changed = LedgerItem.objects.get(pk=stored[1].pk)
    assert changed.version == 2 and changed.investment == 9999
    assert LedgerItem.objects.get(pk=stored[0].pk).version == 1
    assert audit.verify().broken is None


def test_a_row_of_a_closed_period_is_refused_by_its_cell_as_save_item_refuses_it(plan, cast, ledger):
    period = yearly_period(plan, 2018)
    period.locks_on = dt.date(2019, 3, 31)
    period.save()
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_ledger(ledger, workbook(ledger, rows(2)), "late.xlsx", cast.zoe)
    assert len(caught.value.problems) == 2
    assert all("period 2018 closed on 2019-03-31" in str(p) for p in caught.value.problems)
    assert not LedgerItem.objects.exists()
