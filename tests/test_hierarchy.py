"""The locality hierarchy (planwatch.core.hierarchy): counted in the region total, whose figures
include whose. Plain tuples, no database."""

from __future__ import annotations

from planwatch.core.hierarchy import LocalityNode, by_code, counted_in_region_total, included_in, including


def seed() -> dict[str, LocalityNode]:
    """The seed plan's shape: the province, six pilot cities, 顺德区 (a pilot unit) inside 佛山市,
    whose figures include it, and a city that is no pilot unit."""
    return by_code(
        [
            LocalityNode("GD", None, False, False),
            LocalityNode("ZH", "GD", True, False),
            LocalityNode("FS", "GD", True, True),
            LocalityNode("SD", "FS", True, False),
            LocalityNode("GZ", "GD", False, False),
        ]
    )


def test_shunde_is_a_pilot_unit_not_counted_in_the_region_total():
    localities = seed()
    counted = {code: counted_in_region_total(code, localities) for code in localities}
    assert counted == {"GD": False, "ZH": True, "FS": True, "SD": False, "GZ": False}
    assert included_in("SD", localities) == ("FS",)
    assert including(localities) == {"SD": ("FS",)}


def test_a_city_whose_figures_do_not_include_its_districts_adds_them():
    localities = by_code([LocalityNode("FS", None, True, False), LocalityNode("SD", "FS", True, False)])
    assert counted_in_region_total("SD", localities) and counted_in_region_total("FS", localities)
    assert including(localities) == {}


def test_every_including_ancestor_is_named_nearest_first_across_a_non_pilot_level():
    localities = by_code(
        [
            LocalityNode("CITY", None, True, True),
            LocalityNode("COUNTY", "CITY", False, True),  # not a pilot unit: it includes nothing
            LocalityNode("MID", "COUNTY", True, True),
            LocalityNode("TOWN", "MID", True, False),
        ]
    )
    assert included_in("TOWN", localities) == ("MID", "CITY")
    assert including(localities) == {"MID": ("CITY",), "TOWN": ("MID", "CITY")}
    assert not counted_in_region_total("TOWN", localities)


def test_a_cycle_or_an_unknown_parent_ends_the_walk():
    cycle = by_code([LocalityNode("A", "B", True, True), LocalityNode("B", "A", True, True)])
    assert included_in("A", cycle) == ("B",)
    assert included_in("B", cycle) == ("A",)
    orphan = by_code([LocalityNode("SD", "NOWHERE", True, False)])
    assert counted_in_region_total("SD", orphan)
