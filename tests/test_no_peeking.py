"""No peeking (issue 15, part 7): a row hidden from a user (another locality's draft) is neither
named nor counted for them, not in a duplicate check nor in an import's answer; the one rule is
`ledger_row.view` as a query (planwatch.ledgers.services.visible_items).

The cast (tests/conftest.py): Zoe reports for 珠海 (ZH), Fred for 佛山 (FS), Alice is the province
administrator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from planwatch.core.errors import WorkbookRejected
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from tests.test_ledger_derive import add
from tests.test_ledger_excel import workbook

pytestmark = pytest.mark.django_db
D = dt.date
HIDDEN = "示例项目 佛山草稿"


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


@pytest.fixture
def pair(cast, ledger):
    """佛山's draft and 珠海's row with the same identifier: both flagged as possible duplicates."""
    theirs = add(cast.fred, ledger, "FS", HIDDEN, identifier="P-7", signed=D(2018, 2, 1))
    mine = add(cast.zoe, ledger, "ZH", "示例项目 珠海", identifier="p-7", signed=D(2018, 2, 1))
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.duplicate_flag and mine.duplicate_flag
    return mine, theirs


def page(user, url: str) -> tuple[str, dict]:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.context


def test_similar_items_name_only_rows_the_user_may_see(plan, cast, ledger, pair):
    mine, theirs = pair
    url = reverse("ledgers:item", args=[plan.code, ledger.code, mine.pk])
    text, context = page(cast.zoe, url)
    assert context["similar"] == [] and not context["flagged"]
    assert HIDDEN not in text and "Possible duplicate" not in text and "可能重复" not in text
    text, context = page(cast.alice, url)  # the administrator sees every row
    assert [s.pk for s in context["similar"]] == [theirs.pk] and HIDDEN in text


def test_the_list_and_the_api_do_not_flag_a_row_for_a_hidden_one(plan, cast, ledger, pair):
    mine, _theirs = pair
    url = reverse("ledgers:list", args=[plan.code, ledger.code])
    text, context = page(cast.zoe, url)
    assert context["flagged"] == 0 and not context["items"][0].seen_duplicate
    _text, context = page(cast.alice, url)
    assert context["flagged"] == 2 and all(i.seen_duplicate for i in context["items"])
    client = Client()
    client.force_login(cast.zoe)
    api = f"/api/v1/plans/{plan.code}/ledgers/{ledger.code}/items"
    assert [i["duplicate_flag"] for i in client.get(api).json()] == [False]
    assert client.get(f"{api}/{mine.pk}").json()["duplicate_flag"] is False


def test_a_visible_similar_row_is_still_named(plan, cast, ledger):
    first = add(cast.zoe, ledger, "ZH", "示例项目 甲", signed=D(2018, 2, 1))
    second = add(cast.zoe, ledger, "ZH", "示例项目（甲）", signed=D(2018, 2, 1))
    url = reverse("ledgers:item", args=[plan.code, ledger.code, second.pk])
    _text, context = page(cast.zoe, url)
    assert [s.pk for s in context["similar"]] == [first.pk] and context["flagged"]


def test_an_import_naming_a_hidden_row_reads_as_no_such_row(plan, cast, ledger, pair):
    _mine, theirs = pair
    missing = LedgerItem.objects.order_by("-pk").first().pk + 100
    for pk in (theirs.pk, missing):
        rows = [{"id": pk, "locality": "ZH", "name": "改名", "investment": 20000}]
        with pytest.raises(WorkbookRejected) as refused:
            excel.import_ledger(ledger, workbook(ledger, rows), "x.xlsx", cast.zoe)
        said = str(refused.value)
        assert f"no item {pk} in this ledger" in said
        assert "佛山" not in said and "Foshan" not in said
    theirs.refresh_from_db()
    assert theirs.name == HIDDEN
