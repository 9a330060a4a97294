"""A plan's map: its localities' own boundaries and the bounds of its pilot units
(`planwatch.core.geo.plan_map`), from the boundary files `make install` copies to vendor/maps."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from planwatch.core import geo
from planwatch.core.divisions import DIVISION_CODE, installed
from planwatch.plans.models import Locality, Plan


@lru_cache(maxsize=4)
def _boundaries(folder: Path) -> geo.Boundaries:
    return geo.Boundaries(folder)


@lru_cache(maxsize=32)
def _plan_map(places: tuple[geo.MapPlace, ...], folder: Path) -> geo.PlanMap:
    return geo.plan_map(places, _boundaries(folder))


def _city_of(loc: Locality, by_pk: dict[int, Locality]) -> str | None:
    """The Chinese name of a district's or county's city: its nearest ancestor of level city (or,
    for a municipality's district, province), else the city its division code names."""
    node = by_pk.get(loc.parent_id) if loc.parent_id else None
    while node is not None:
        if node.level in ("city", "province"):
            return node.name_zh
        node = by_pk.get(node.parent_id) if node.parent_id else None
    if DIVISION_CODE.match(loc.code):
        table = installed()
        division = table.get(loc.code)
        if division is not None:
            return table.named(division.city_code) or table.named(division.province_code)
    return None


def places(plan: Plan) -> tuple[geo.MapPlace, ...]:
    """The plan's localities as the map knows them (one query)."""
    localities = list(plan.localities.order_by("order"))
    by_pk = {loc.pk: loc for loc in localities}
    return tuple(
        geo.MapPlace(
            code=loc.code,
            name=loc.name_zh,
            level=loc.level,
            pilot=loc.pilot,
            city=_city_of(loc, by_pk) if loc.level in ("district", "county") else None,
            point=loc.map_point(),
        )
        for loc in localities
    )


def plan_map(plan: Plan) -> geo.PlanMap:
    """The plan's map (kept per set of places: the boundary files do not change while it runs)."""
    return _plan_map(places(plan), Path(settings.PLANWATCH_MAPS_DIR))


MAP_FORMAT = "plan-map-3"  # bump when the map made from the same places changes (core/geo.py)


def _made(places: tuple[geo.MapPlace, ...], folder: Path) -> bytes:
    found = _plan_map(places, folder)
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": found.features,
            "bounds": found.bounds,
            "labels": found.labels,
            "points": found.points,
            "unmapped": found.unmapped,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


@lru_cache(maxsize=32)
def _plan_map_json(places: tuple[geo.MapPlace, ...], folder: Path) -> tuple[bytes, str]:
    registry = folder / "counties" / "registry.json"  # a new copy of the packages makes a new key
    stamp = registry.stat().st_mtime_ns if registry.exists() else 0
    key = hashlib.sha256(repr((MAP_FORMAT, str(folder), stamp, places)).encode()).hexdigest()[:24]
    kept = (
        Path(settings.PLANWATCH_MAP_CACHE_DIR) / f"{key}.json" if settings.PLANWATCH_MAP_CACHE_DIR else None
    )
    if kept is not None and kept.is_file():
        body = kept.read_bytes()
    else:
        body = _made(places, folder)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            partial = kept.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(body)
            os.replace(partial, kept)  # whole or not at all, whichever worker writes it
    return body, key[:16]


def plan_map_json(plan: Plan) -> tuple[bytes, str]:
    """The plan's map as the JSON the overview fetches, and its tag: made once per set of places and
    kept (in memory, and on disk under PLANWATCH_MAP_CACHE_DIR), so a view of a national plan sends
    the same bytes without reading the boundary files or serializing again."""
    return _plan_map_json(places(plan), Path(settings.PLANWATCH_MAPS_DIR))
