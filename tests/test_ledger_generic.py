"""Any declared ledger end to end: the form with the ledger's attributes, counts per feed (with
`where`), stocks held from before the plan's start, Excel round trip, the list filters, the rows
behind each derived number."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from planwatch.core.errors import WorkbookRejected
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.test_ledger_derive import accept_all

D = dt.date


def add(user, ledger, locality, name, recognized, **attributes):  # type: ignore[no-untyped-def]
    item = LedgerItem(
        ledger=ledger, locality=ledger.plan.localities.get(code=locality), name=name, attributes=attributes
    )
    item.set_stage_date("recognized", recognized)
    return services.save_item(user, item)


@pytest.fixture
def centres(plan):
    return services.get_ledger(plan, "design_centres")


def test_design_centres_feed_i18_and_i19_by_level_once_in_the_year_of_recognition(plan, cast, centres):
    national = add(cast.zoe, centres, "ZH", "示例国家级中心", D(2017, 5, 1), level="国家级")
    provincial = add(cast.zoe, centres, "ZH", "示例省级中心", D(2018, 7, 1), level="省级")
    before = add(cast.zoe, centres, "ZH", "示例旧中心", D(2015, 1, 1), level="省级")
    accept_all(cast, national, provincial, before)
    counts = services.feed_counts(centres, accepted_only=True)
    assert counts[("ZH", 2017, "I18")].new == [national.pk]
    assert counts[("ZH", 2019, "I18")].cumulative == [national.pk]
    assert counts[("ZH", 2017, "I19")].cumulative == []  # recognized in 2015: before the plan's start
    assert counts[("ZH", 2018, "I19")].new == [provincial.pk]
    assert counts[("ZH", 2019, "I19")].cumulative == [provincial.pk]

    period = yearly_period(plan, 2019)
    result = services.derive_values(plan, 2019, cast.zoe)
    assert ("ZH", "I18", 1) in result.written and ("ZH", "I19", 1) in result.written
    value = ReportedValue.objects.get(period=period, locality__code="ZH", indicator__code="I19")
    assert value.value == 1 and value.source == ReportedValue.Source.LEDGER
    # The ledger is the record: no accepted row in a ledger is a count of 0.
    assert ReportedValue.objects.get(period=period, locality__code="ZH", indicator__code="I10").value == 0


def test_a_stock_counts_what_was_there_before_the_plan_started(plan, cast):
    platforms = services.get_ledger(plan, "innovation_platforms")
    old = add(cast.fred, platforms, "FS", "示例平台 01", D(2012, 3, 1), level="省级")
    new = add(cast.fred, platforms, "FS", "示例平台 02", D(2018, 3, 1), level="国家级")
    counts = services.feed_counts(platforms)
    assert counts[("FS", 2017, "I10")].cumulative == [old.pk]
    assert counts[("FS", 2018, "I10")].cumulative == [old.pk, new.pk]
    assert counts[("FS", 2018, "I10")].new == [new.pk]


def test_required_and_choice_attributes_are_checked(plan, cast, centres):
    with pytest.raises(services.InvalidRow, match="Level is required"):
        add(cast.zoe, centres, "ZH", "无级别", D(2018, 1, 1))
    with pytest.raises(services.InvalidRow, match="Level must be one of: 国家级、省级"):
        add(cast.zoe, centres, "ZH", "市级", D(2018, 1, 1), level="市级")
    assert not LedgerItem.objects.exists()


def test_web_form_shows_the_ledgers_own_fields(client, plan, cast, centres):
    client.force_login(cast.zoe)
    url = reverse("ledgers:add", args=[plan.code, centres.code])
    form = client.get(url).context["form"]
    assert "attr_level" in form.fields and "date_recognized" in form.fields
    assert "signed_on" not in form.fields and "investment" not in form.fields
    zh = plan.localities.get(code="ZH")
    bad = client.post(
        url, {"locality": zh.pk, "name": "示例中心", "status": "active", "date_recognized": "2018-02-01"}
    )
    assert bad.status_code == 200 and "attr_level" in bad.context["form"].errors
    ok = client.post(
        url,
        {
            "locality": zh.pk,
            "name": "示例中心",
            "status": "active",
            "date_recognized": "2018-02-01",
            "attr_level": "国家级",
        },
    )
    assert ok.status_code == 302
    item = LedgerItem.objects.get()
    assert item.attributes == {"level": "国家级"} and item.stage_date("recognized") == D(2018, 2, 1)
    page = client.get(reverse("ledgers:item", args=[plan.code, centres.code, item.pk])).content.decode()
    assert "2018-02-01" in page and "国家级" in page


def test_list_filters_by_a_declared_stage_and_year(client, plan, cast, centres):
    add(cast.zoe, centres, "ZH", "甲", D(2017, 5, 1), level="国家级")
    add(cast.zoe, centres, "ZH", "乙", D(2018, 5, 1), level="省级")
    client.force_login(cast.zoe)
    url = reverse("ledgers:list", args=[plan.code, centres.code])
    names = lambda q: [i.name for i in client.get(url, q).context["items"]]  # noqa: E731
    assert names({"stage": "recognized", "year": "2018"}) == ["乙"]
    assert names({"year": "2017"}) == ["甲"]
    assert sorted(names({})) == ["乙", "甲"]
    assert names({"review": "accepted"}) == []


def test_excel_round_trip_of_a_generic_ledger(plan, cast, centres):
    book = load_workbook(io.BytesIO(excel.export_ledger(centres, [])))
    sheet = book[excel.SHEET]
    keys = [c.key for c in excel.columns(centres)]
    assert "attr:level" in keys and "date:recognized" in keys and "investment" not in keys
    assert sheet.cell(1, keys.index("attr:level") + 1).value.startswith("级别*")
    rows = [
        {"locality": "ZH", "name": "示例中心 01", "attr:level": "国家级", "date:recognized": D(2018, 3, 1)},
        {"locality": "ZH", "name": "示例中心 02", "attr:level": "区级", "date:recognized": "2018-99-01"},
    ]
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            sheet.cell(r, keys.index(key) + 1, value)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookRejected) as caught:
        excel.import_ledger(centres, out.getvalue(), "c.xlsx", cast.zoe)
    text = caught.value.describe()
    col = {k: chr(ord("A") + i) for i, k in enumerate(keys)}
    assert f"Ledger!{col['attr:level']}3" in text and f"Ledger!{col['date:recognized']}3" in text
    assert not LedgerItem.objects.exists()  # all or nothing

    sheet.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    (saved,) = excel.import_ledger(centres, out.getvalue(), "c.xlsx", cast.zoe)
    assert saved.stage_date("recognized") == D(2018, 3, 1) and saved.attributes == {"level": "国家级"}
    again = load_workbook(io.BytesIO(excel.export_ledger(centres, centres.items.all())))[excel.SHEET]
    assert again.cell(2, keys.index("date:recognized") + 1).value.date() == D(2018, 3, 1)


def test_each_feed_number_links_to_exactly_its_rows(client, plan, cast, centres):
    a = add(cast.zoe, centres, "ZH", "甲", D(2017, 5, 1), level="国家级")
    b = add(cast.zoe, centres, "ZH", "乙", D(2018, 5, 1), level="省级")
    accept_all(cast, a, b)
    client.force_login(cast.pat)
    page = client.get(reverse("ledgers:funnel", args=[plan.code, centres.code]) + "?year=2018")
    zh = next(r for r in page.context["rows"] if r["locality"].code == "ZH")
    assert [(c["indicator"], c["n"], c["accepted"]) for c in zh["stages"]] == [("I18", 1, 1), ("I19", 1, 1)]
    url = reverse("ledgers:count", args=[plan.code, centres.code, "ZH", 2018, "I18", "cumulative"])
    assert f'href="{url}">1<' in page.content.decode()
    assert [i.pk for i in client.get(url).context["items"]] == [a.pk]
    url19 = reverse("ledgers:count", args=[plan.code, centres.code, "ZH", 2018, "I19", "new"])
    assert [i.pk for i in client.get(url19 + "?accepted=1").context["items"]] == [b.pk]
    assert client.get(url.replace("I18", "I99")).status_code == 404


def test_index_lists_every_declared_ledger(client, plan, cast):
    client.force_login(cast.vic)
    page = client.get(reverse("ledgers:index", args=[plan.code]))
    assert [lt.code for lt, _n, _c in page.context["ledgers"]][:2] == [
        "investment_projects",
        "innovation_platforms",
    ]
    assert len(page.context["ledgers"]) == 10


def test_the_list_comes_in_pages_and_keeps_its_filters(client, plan, cast):
    """A ledger of hundreds of rows is listed 100 at a time; the Excel download holds them all."""
    from planwatch.ledgers.models import LedgerItem, LedgerType

    ledger = LedgerType.objects.get(plan=plan, code="investment_projects")
    zh = plan.localities.get(code="ZH")
    LedgerItem.objects.bulk_create(
        LedgerItem(ledger=ledger, locality=zh, name=f"示例项目 {n:03d}", normalized_name=f"示例项目{n:03d}")
        for n in range(230)
    )
    client.force_login(cast.alice)
    base = f"/plans/{plan.code}/ledgers/{ledger.code}/"
    first = client.get(base, {"locality": "ZH"})
    assert len(first.context["items"]) == 100 and first.context["page"].paginator.count == 230
    page = first.content.decode()
    assert "?locality=ZH&amp;page=2" in page
    last = client.get(base, {"locality": "ZH", "page": 3})
    assert len(last.context["items"]) == 30
    assert client.get(base, {"page": "abc"}).status_code == 200  # a bad page number shows the first
