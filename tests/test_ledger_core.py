"""The Django-free ledger derivation: stages, years, the 1亿元 threshold, stage order, duplicates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planwatch.core.ledger import Item, derive, duplicate_groups, normalize_name, order_problems

D = dt.date


def test_project_signed_2017_producing_2019_counts_once_per_stage_in_its_year():
    items = [Item(1, "ZH", Decimal(20000), D(2017, 3, 1), D(2018, 6, 1), D(2019, 9, 1))]
    counts = derive(items, 2017, 2019)
    assert counts[("ZH", 2017, "signed")].new == [1]
    assert counts[("ZH", 2018, "signed")].new == []
    assert counts[("ZH", 2019, "signed")].cumulative == [1]
    assert counts[("ZH", 2017, "started")].cumulative == []
    assert counts[("ZH", 2018, "started")].new == [1]
    assert counts[("ZH", 2018, "producing")].cumulative == []
    assert counts[("ZH", 2019, "producing")].new == [1]
    assert counts[("ZH", 2019, "producing")].cumulative == [1]


def test_cumulative_adds_up_across_years_and_localities():
    items = [
        Item(1, "ZH", Decimal(10000), D(2017, 1, 1)),
        Item(2, "ZH", Decimal(15000), D(2018, 1, 1)),
        Item(3, "FS", Decimal(50000), D(2018, 12, 31), D(2019, 1, 1)),
    ]
    counts = derive(items, 2017, 2019)
    assert counts[("ZH", 2017, "signed")].cumulative == [1]
    assert counts[("ZH", 2018, "signed")].cumulative == [1, 2]
    assert counts[("ZH", 2018, "signed")].new == [2]
    assert counts[("FS", 2019, "signed")].cumulative == [3]
    assert counts[("FS", 2019, "started")].new == [3]


def test_threshold_one_yi_yuan():
    items = [
        Item(1, "ZH", Decimal("9999.99"), D(2018, 1, 1)),
        Item(2, "ZH", Decimal(10000), D(2018, 1, 1)),
        Item(3, "ZH", None, D(2018, 1, 1)),
    ]
    assert derive(items, 2017, 2019)[("ZH", 2018, "signed")].cumulative == [2]


def test_stage_dates_out_of_order_do_not_count():
    bad = Item(1, "ZH", Decimal(20000), D(2018, 5, 1), D(2018, 4, 1))
    assert order_problems(bad) == ["started<signed"]
    assert order_problems(Item(2, "ZH", None, D(2019, 1, 1), None, D(2018, 1, 1))) == ["producing<signed"]
    assert order_problems(Item(3, "ZH", None, D(2018, 1, 1), D(2018, 1, 1), D(2018, 1, 1))) == []
    assert ("ZH", 2018, "signed") not in derive([bad], 2017, 2019)


def test_dates_before_the_plan_start_are_not_counted():
    counts = derive([Item(1, "ZH", Decimal(20000), D(2016, 5, 1), D(2017, 2, 1))], 2017, 2019)
    assert counts[("ZH", 2017, "signed")].cumulative == []
    assert counts[("ZH", 2017, "started")].cumulative == [1]


def test_normalized_names_and_duplicate_groups():
    assert normalize_name("珠海 格力（智能）装备-项目") == normalize_name("珠海格力(智能)装备项目")
    assert normalize_name("ＡＢＣ　１２３") == "abc123"
    groups = duplicate_groups(
        [
            (1, "ZH", "91440400X", "a"),
            (2, "FS", "91440400x", "b"),  # same identifier, other locality
            (3, "ZH", "", "c"),
            (4, "ZH", "", "c"),  # same name, same locality
            (5, "FS", "", "c"),  # same name, other locality: not a duplicate
        ]
    )
    assert sorted(sorted(g) for g in groups) == [[1, 2], [3, 4]]
