"""The locality hierarchy (planwatch.core.hierarchy): counted in the region total, whose figures
include whose. Plain tuples, no database."""

from __future__ import annotations

import random

from planwatch.core.hierarchy import (
    LocalityNode,
    areas,
    by_code,
    counted_in_region_total,
    included_in,
    including,
    pilots_within,
)


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


def test_areas_are_each_non_top_localitys_pilots_within_in_one_walk():
    """`areas` (one walk up from each pilot unit) gives what `pilots_within` gives each area, in the
    order of the localities: four levels, a pilot city whose districts report, a cycle, an unknown
    parent, and many random shapes."""
    shape = by_code(
        [
            LocalityNode("CN", None, False, False),
            LocalityNode("P1", "CN", False, False),
            LocalityNode("C1", "P1", False, False),
            LocalityNode("K1", "C1", True, False),
            LocalityNode("C2", "P1", True, True),
            LocalityNode("K2", "C2", True, False),
            LocalityNode("K3", "C1", True, False),
            LocalityNode("P2", None, False, False),  # a second top: not an area
            LocalityNode("C3", "P2", False, False),
            LocalityNode("K4", "C3", True, False),
            LocalityNode("X", "Y", False, False),  # a cycle
            LocalityNode("Y", "X", True, False),
            LocalityNode("Z", "nowhere", True, False),
        ]
    )
    assert areas(shape) == {"P1": ("K1", "C2", "K2", "K3"), "C1": ("K1", "K3"), "C3": ("K4",), "X": ("Y",)}
    rng = random.Random(5)
    for _ in range(200):
        nodes = []
        for n in range(rng.randint(1, 25)):
            parent = f"L{rng.randrange(n + 3)}" if n and rng.random() < 0.9 else None
            nodes.append(LocalityNode(f"L{n}", parent, rng.random() < 0.5, rng.random() < 0.3))
        localities = by_code(nodes)
        expected = {
            code: members
            for code, node in localities.items()
            if not node.pilot and node.parent is not None and (members := pilots_within(code, localities))
        }
        assert areas(localities) == expected
