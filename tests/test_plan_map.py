"""Each plan's map fits its own places (planwatch/core/geo.py `plan_map`, planwatch/plans/maps.py):
the boundaries of its cities, districts and counties from the npm packages `make install` copies to
vendor/maps, the bounds of its pilot units, a label point for each; served per plan as map.json."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from planwatch.core import geo
from planwatch.plans import maps
from planwatch.plans.loader import load_plan_file

CODED = Path(__file__).resolve().parent / "plans" / "coded_cities.yaml"


def boundaries() -> geo.Boundaries:
    return geo.Boundaries(Path(settings.PLANWATCH_MAPS_DIR))


def within(point: tuple[float, float], bounds) -> bool:  # type: ignore[no-untyped-def]
    (west, south), (east, north) = bounds
    return west <= point[0] <= east and south <= point[1] <= north


def rings(feature) -> list:  # type: ignore[no-untyped-def]
    return [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon[:1]]


def test_a_city_a_district_and_a_county_have_their_own_boundaries():
    b = boundaries()
    stem, shaoguan = b.city("韶关市")
    assert stem == "guangdong" and shaoguan.polygons
    assert "顺德区" in b.counties("佛山市") and "仁化县" in b.counties("韶关市")
    assert b.counties("北京市")["东城区"].polygons  # a municipality's districts
    assert b.city("不存在市") is None and b.counties("不存在市") == {}


def test_the_bounds_hold_every_pilot_unit_and_the_labels_lie_inside_them():
    P = geo.MapPlace
    places = (
        P("440000", "广东省", "province", False),
        P("440200", "韶关市", "city", True),
        P("440500", "汕头市", "city", True),
        P("440600", "佛山市", "city", True),
        P("440606", "顺德区", "district", True, city="佛山市"),
        P("440224", "仁化县", "county", True, city="韶关市"),
    )
    found = geo.plan_map(places, boundaries())
    features = {f["properties"]["name"]: f for f in found.features}
    # every pilot unit is drawn by its own boundary, a district after (over) its city
    names = [f["properties"]["name"] for f in found.features]
    assert names.index("440606") > names.index("440600") and names.index("440224") > names.index("440200")
    assert "广州市" in features and "韶关市" not in features  # context by name; the plan's cities by code
    assert found.unmapped == () and found.points == {}
    for code in ("440200", "440500", "440600", "440606", "440224"):
        assert within(found.labels[code], found.bounds), code
        for ring in rings(features[code]):
            assert all(within(tuple(p), found.bounds) for p in ring), code
    # Shunde's label is inside Shunde; Foshan's is outside Shunde (not written over its district)
    assert any(geo.inside(found.labels["440606"], [tuple(p) for p in r]) for r in rings(features["440606"]))
    assert not any(
        geo.inside(found.labels["440600"], [tuple(p) for p in r]) for r in rings(features["440606"])
    )
    # the view reaches from 佛山 in the west to 汕头 in the east and 仁化 in the north
    (west, south), (east, north) = found.bounds
    assert west < 113.0 and east > 116.7 and north > 25.3 and south < 22.7


def test_a_place_without_a_boundary_is_a_point_or_said_unmapped():
    P = geo.MapPlace
    places = (
        P("A", "珠海市", "city", True),
        P("B", "无此区", "district", True, city="珠海市", point=(113.5, 22.2)),
        P("C", "无此县", "county", True, city="珠海市"),
    )
    found = geo.plan_map(places, boundaries())
    assert found.points == {"B": (113.5, 22.2)} and found.unmapped == ("C",)
    assert within((113.5, 22.2), found.bounds)


def test_missing_boundary_files_are_a_clear_error(tmp_path):
    with pytest.raises(geo.MapFileMissing, match="make install"):
        geo.Boundaries(tmp_path).city("韶关市")


@pytest.mark.django_db
def test_the_seed_plan_map_fits_the_west_bank(plan, client, bob):
    found = maps.plan_map(plan)
    assert set(found.labels) == {"ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"}
    assert found.points == {}  # 顺德区 has its own boundary now
    (west, south), (east, north) = found.bounds
    assert 110.5 < west < 111.6 and 113.9 < east < 114.8 and 21.0 < south < 21.8 and 24.0 < north < 24.9
    response = client.get(f"/plans/{plan.code}/dashboard/map.json")
    assert response.status_code == 302  # signed-in users only
    client.force_login(bob)
    body = client.get(f"/plans/{plan.code}/dashboard/map.json").json()
    assert body["type"] == "FeatureCollection" and body["bounds"] == [list(c) for c in found.bounds]
    assert {"ZH", "SD"} <= {f["properties"]["name"] for f in body["features"]}
    assert client.get("/plans/nope/dashboard/map.json").status_code == 404


@pytest.mark.django_db
def test_a_plan_by_codes_draws_its_cities_and_county():
    coded = load_plan_file(CODED).plan
    found = maps.plan_map(coded)
    assert set(found.labels) == {"440200", "440500", "440600", "440606", "440224"}
    assert within(found.labels["440200"], found.bounds) and within(found.labels["440500"], found.bounds)
