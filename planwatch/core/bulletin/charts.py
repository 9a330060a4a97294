"""The bulletin's charts as PNG images, drawn with matplotlib in Noto Sans CJK SC.

The font is Debian's fonts-noto-cjk, found through matplotlib's font manager (or fc-match); without
it the charts would show boxes instead of Chinese, so `cjk_font()` raises FontMissing instead.
"""

from __future__ import annotations

import io
import math
import shutil
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planwatch.core.bulletin import scale
from planwatch.core.bulletin.content import BulletinContent, Chart, MapShape, RankRow, score
from planwatch.core.errors import PlanWatchError

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not with the package
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon
    from matplotlib.transforms import Bbox

FAMILY = "Noto Sans CJK SC"
DPI = 150
# One colour per pilot unit in the trend chart, and the score scale of the map.
PALETTE = ("#c0392b", "#2e86c1", "#28b463", "#d68910", "#7d3c98", "#17a589", "#566573", "#a04000")


class FontMissing(PlanWatchError):
    """The CJK font (Debian package fonts-noto-cjk) is not installed."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, Path]:
    """The family name and file of Noto Sans CJK SC. Raises FontMissing."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == FAMILY and "Regular" in Path(entry.fname).name:
            return FAMILY, Path(entry.fname)
    for entry in font_manager.fontManager.ttflist:
        if entry.name == FAMILY:
            return FAMILY, Path(entry.fname)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}|%{file}", FAMILY], capture_output=True, text=True, check=False
        ).stdout
        family, _, file = found.partition("|")
        if "CJK" in family and Path(file).exists():
            font_manager.fontManager.addfont(file)
            return FAMILY, Path(file)
    raise FontMissing(
        "未安装中文字体 Noto Sans CJK SC（请安装 fonts-noto-cjk）",
        "the CJK font Noto Sans CJK SC is not installed (apt-get install fonts-noto-cjk)",
    )


def _figure(width: float, height: float) -> tuple[Any, Figure, Axes]:
    """pyplot (the Agg backend, the CJK font), a figure of the size (inches) and its axes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family, _ = cjk_font()
    plt.rcParams["font.family"] = [family]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "planwatch"
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    return plt, fig, ax


def _png(plt: Any, fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def ranking_chart(content: BulletinContent) -> bytes:
    """Horizontal bars of the composite scores, best at the top, with each score written; of many
    pilot units (`scale.many`) the best and the worst `scale.EACH`, a gap between them saying how
    many are left out, the figure as tall as its bars need."""
    top, bottom, skipped = scale.ends(content.ranking)
    height = 3.2 if len(top) + len(bottom) <= 10 else 0.8 + 0.17 * (len(top) + len(bottom) + bool(skipped))
    plt, fig, ax = _figure(6.4, height)
    gap = f"……（其余{skipped}个地区略）" if skipped else ""
    rows: list[RankRow | None] = list(reversed([*top, *([None] if skipped else []), *bottom]))
    labels = [f"{r.rank}. {r.name}" if r else gap for r in rows]
    scores = [r.score if r else 0.0 for r in rows]
    colours = ["#c0392b" if r and r.rank == 1 else "#2e86c1" for r in rows]
    bars = ax.barh(labels, scores, color=colours)
    for bar, value, r in zip(bars, scores, rows, strict=True):
        if r is not None:
            ax.text(value + 0.005, bar.get_y() + bar.get_height() / 2, score(value), va="center", fontsize=8)
    if skipped:
        ax.tick_params(axis="y", labelsize=7)
    ax.set_xlim(0, max([1.0, *scores]) * 1.08)
    ax.set_xlabel("综合得分")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(plt, fig)


# The dashboard's map scale (planwatch/dashboards/static/dashboards/dashboards.js SCALE), low → high:
# light orange for the lowest score, dark green for the highest, in print as on screen.
MAP_SCALE = ("#fbe3d6", "#f6c28b", "#cfe8b8", "#6fb36b", "#1f6b2a")


def map_chart(content: BulletinContent, shapes: Sequence[MapShape]) -> bytes:
    """The pilot cities coloured by composite score; a district without a boundary (顺德区) as a dot.
    Each pilot unit is named (short: 佛山 第7) where its label fits without touching another label,
    inside its own area if it can, else nearby with a leader line."""
    from matplotlib import patheffects
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.patches import Polygon

    plt, fig, ax = _figure(6.4, 4.6)
    scores = {r.locality: r.score for r in content.ranking}
    ranks = {r.locality: r.rank for r in content.ranking}
    low, high = (min(scores.values()), max(scores.values())) if scores else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.01, high + 0.01
    norm = Normalize(vmin=low, vmax=high)
    cmap = LinearSegmentedColormap.from_list("planwatch_score", MAP_SCALE)
    xs: list[float] = []
    ys: list[float] = []
    outlines: dict[str, list[Polygon]] = {}
    edge = 0.1 if scale.many(content) else 0.5  # thousands of outlines at 0.5 pt would be black
    for shape in shapes:
        code = shape.locality
        colour = cmap(norm(scores[code])) if code in scores else "#eeeeee"
        for polygon in shape.polygons:
            for k, ring in enumerate(polygon):
                patch = Polygon(
                    ring,
                    closed=True,
                    facecolor=colour if k == 0 else "white",
                    edgecolor="#555555",
                    linewidth=edge,
                )
                ax.add_patch(patch)
                if code in scores:  # the view keeps to the pilot units; other cities are context
                    xs += [p[0] for p in ring]
                    ys += [p[1] for p in ring]
                    if k == 0:
                        outlines.setdefault(code, []).append(patch)
    points = [s for s in shapes if s.locality in scores and s.point is not None and not s.polygons]
    for shape in points:
        assert shape.point is not None
        x, y = shape.point
        xs.append(x)
        ys.append(y)
        ax.scatter([x], [y], s=60, color=cmap(norm(scores[shape.locality])), edgecolor="black", zorder=5)
    if xs:
        pad = 0.2
        ax.set_xlim(min(xs) - pad, max(xs) + pad + 0.35)  # room east, over the estuary, for names
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.6, label="综合得分")
    labeller = _MapLabeller(ax, outlines, points)
    # Points first, then the smallest areas: they have the fewest good places.
    named = _map_named(content)
    pilots = [s for s in shapes if s.locality in named and (s.polygons or s.point is not None)]
    pilots.sort(key=lambda s: (bool(s.polygons), _area(s)))
    stroke = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for shape in pilots:
        name = content.names.locality(shape.locality).removesuffix("市")
        labeller.label(shape, f"{name} 第{ranks[shape.locality]}", stroke)
    return _png(plt, fig)


MAP_EACH = 5  # of many units, the map names the five best and the five worst


def _map_named(content: BulletinContent) -> set[str]:
    """The pilot units the map names: every one, or of many the best and the worst `MAP_EACH` (three
    thousand names would be a black blot, and placing them takes minutes)."""
    if not scale.many(content):
        return {r.locality for r in content.ranking}
    top, bottom, _ = scale.ends(content.ranking, MAP_EACH)
    return {r.locality for r in (*top, *bottom)}


# Directions and distances (points) from a label's anchor to the nearest side of the label: the
# anchor itself, then places around it at growing distances.
_OFFSETS = [(0.0, 0.0, 0.0)] + [
    (math.cos(math.radians(a)), math.sin(math.radians(a)), float(d))
    for d in (4, 10, 18, 28, 40, 54, 70)
    for a in range(0, 360, 30)
]


class _MapLabeller:
    """Writes each pilot unit's name and rank where it overlaps no other label nor a point: the
    candidates are `_OFFSETS` from the unit's anchor; a place inside the unit's own area (or, for a
    point, outside every other unit's area) is preferred; a label moved off its unit is joined to
    it by a thin line. Works in pixels, on the drawn figure."""

    def __init__(self, ax: Axes, outlines: Mapping[str, list[Polygon]], points: Sequence[MapShape]):
        from matplotlib.transforms import Bbox

        fig = ax.figure
        fig.canvas.draw()
        self.ax = ax
        self.outlines = outlines
        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.axes_box = ax.get_window_extent(self.renderer)
        self.scale = float(fig.dpi) / 72.0  # points to pixels
        self.taken: list[Bbox] = []
        for shape in points:
            assert shape.point is not None
            px, py = ax.transData.transform(shape.point)
            r = 5 * self.scale
            self.taken.append(Bbox.from_extents(px - r, py - r, px + r, py + r))

    def anchor(self, shape: MapShape) -> tuple[float, float]:
        """A point's place; for an area, the centroid of its largest ring when that lies inside it
        (the map file's centre, `cp`, can be the seat of government at the area's edge)."""
        if shape.point is not None and not shape.polygons:
            return shape.point
        ring = max((p[0] for p in shape.polygons if p), key=lambda r: abs(_signed_area(r)))
        centroid = _centroid(ring)
        patches = self.outlines.get(shape.locality, [])
        if any(p.get_path().contains_point(centroid) for p in patches):
            return centroid
        if shape.centre is not None:
            return shape.centre
        return centroid

    def inside(self, code: str, box: Bbox) -> bool:
        corners = [(box.x0, box.y0), (box.x0, box.y1), (box.x1, box.y0), (box.x1, box.y1)]
        return any(all(p.get_path().contains_point(c) for c in corners) for p in self.outlines.get(code, []))

    def label(self, shape: MapShape, text: str, stroke: list[Any]) -> None:
        code = shape.locality
        is_point = shape.point is not None and not shape.polygons
        anchor = self.anchor(shape)
        ax_, ay_ = self.ax.transData.transform(anchor)
        artist = self.ax.text(0, 0, text, ha="center", va="center", fontsize=7, zorder=6, path_effects=stroke)
        extent = artist.get_window_extent(self.renderer)
        w, h = extent.width, extent.height
        cx, cy = self._place(code, is_point, (ax_, ay_), (w, h))
        x, y = self.ax.transData.inverted().transform((cx, cy))
        artist.set_position((x, y))
        box = _box(cx, cy, w, h)
        self.taken.append(box)
        gap = math.hypot(max(box.x0 - ax_, 0, ax_ - box.x1), max(box.y0 - ay_, 0, ay_ - box.y1))
        if gap > 8 * self.scale or (not is_point and not box.contains(ax_, ay_)):
            self.ax.annotate(
                "",
                xy=anchor,
                xytext=(x, y),
                arrowprops={
                    "arrowstyle": "-",
                    "color": "#333333",
                    "linewidth": 0.6,
                    "shrinkA": 5,
                    "shrinkB": 2,
                },
                zorder=5,
            )

    def _place(
        self, code: str, is_point: bool, anchor: tuple[float, float], size: tuple[float, float]
    ) -> tuple[float, float]:
        """The label's centre (pixels) of least cost; at the anchor when no place is free."""
        from matplotlib.transforms import Bbox

        (ax_, ay_), (w, h) = anchor, size
        best: tuple[float, float, float] | None = None
        for ux, uy, d in _OFFSETS:
            if is_point and d == 0:
                continue
            cx = ax_ + ux * d * self.scale + (math.copysign(w / 2, ux) if abs(ux) > 0.3 else 0)
            cy = ay_ + uy * d * self.scale + (math.copysign(h / 2, uy) if abs(uy) > 0.3 else 0)
            box = _box(cx, cy, w, h)
            a = self.axes_box
            if box.x0 < a.x0 or box.x1 > a.x1 or box.y0 < a.y0 or box.y1 > a.y1:
                continue
            if any(box.overlaps(t) for t in self.taken):
                continue
            data_box = Bbox(self.ax.transData.inverted().transform(box.get_points()))
            cost = d
            if not is_point and not self.inside(code, data_box):
                cost += 40
            if any(self.inside(other, data_box) for other in self.outlines if other != code):
                cost += 25  # wholly over another unit reads as that unit's name
            if best is None or cost < best[0]:
                best = (cost, cx, cy)
        return (best[1], best[2]) if best is not None else (ax_, ay_)


def _box(cx: float, cy: float, w: float, h: float) -> Bbox:
    """A label's box in pixels, with a pixel to spare on each side."""
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(cx - w / 2 - 1, cy - h / 2 - 1, cx + w / 2 + 1, cy + h / 2 + 1)


def _area(shape: MapShape) -> float:
    return sum(abs(_signed_area(polygon[0])) for polygon in shape.polygons if polygon)


def _signed_area(ring: Sequence[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True)) / 2


def _centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The area centroid of a ring (the mean of its vertices if it has no area)."""
    a = _signed_area(ring)
    if abs(a) < 1e-12:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    pairs = list(zip(ring, [*ring[1:], ring[0]], strict=True))
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * a)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (6 * a)
    return cx, cy


def _trend_lines(content: BulletinContent) -> list[tuple[str, str]]:
    """The units the trend draws, with their colours: every pilot unit, or of many the best and the
    worst few of the year's ranking (`TREND_EACH`), best first."""
    if not scale.many(content):
        return [(loc, PALETTE[k % len(PALETTE)]) for k, loc in enumerate(content.pilots)]
    top, bottom, _ = scale.ends(content.ranking, TREND_EACH)
    return [(r.locality, "#1f6b2a") for r in top] + [(r.locality, "#c0392b") for r in bottom]


TREND_EACH = 3  # of many units, the trend draws the three best and the three worst and the spread


def _spread(ax: Axes, content: BulletinContent, years: list[int]) -> None:
    """The middle half of all pilot units' scores each year (a band) and its median (a line)."""
    quartiles = []
    for year in years:
        values = sorted(p.score for p in content.trend if p.year == year)
        quartiles.append(statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3)
    ax.fill_between(
        years, [q[0] for q in quartiles], [q[2] for q in quartiles], color="#d5dbdb", label="中间50%地区"
    )
    ax.plot(years, [q[1] for q in quartiles], color="#566573", linewidth=1.6, linestyle="--", label="中位数")


def trend_chart(content: BulletinContent) -> bytes:
    """Each pilot unit's composite score by year (from the stored runs of those years); of many, the
    spread of all and the best and worst few. The legend sits below the axes in as many rows as it
    needs, the figure taller by them, so it never runs off the page."""
    years = sorted({p.year for p in content.trend})
    lines = _trend_lines(content)
    entries = len(lines) + (2 if scale.many(content) else 0)
    ncol = 4 if entries <= 8 else 5
    rows = -(-entries // ncol)
    plt, fig, ax = _figure(6.4, 3.4 if rows <= 2 else 3.0 + 0.2 * rows)
    if scale.many(content):
        _spread(ax, content, years)
    for loc, colour in lines:
        points = sorted((p.year, p.score) for p in content.trend if p.locality == loc)
        if not points:
            continue
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            markersize=3,
            linewidth=1.4,
            color=colour,
            label=content.names.locality(loc),
        )
    ax.set_xticks(years)
    ax.set_xticklabels([f"{y}年" for y in years])
    ax.set_ylabel("综合得分")
    ax.grid(axis="y", linewidth=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, ncol=ncol, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    return _png(plt, fig)


def _ranking_caption(content: BulletinContent) -> str:
    caption = f"{content.year}年综合评估得分与排名"
    if scale.ends(content.ranking)[2]:
        caption += f"（前{scale.EACH}名和后{scale.EACH}名，共{len(content.ranking)}个地区）"
    return caption


def _map_caption(content: BulletinContent) -> str:
    caption = f"{content.year}年各试点地区综合得分分布图"
    if scale.many(content):
        caption += f"（标注前{MAP_EACH}名和后{MAP_EACH}名）"
    return caption


def draw_charts(content: BulletinContent, shapes: Sequence[MapShape] = ()) -> tuple[Chart, ...]:
    """The charts a bulletin shows: ranking bars, the map (if shapes are given), the trend (if more
    than one year is known). Captions are numbered in that order."""
    charts: list[Chart] = []
    if content.ranking:
        charts.append(Chart("ranking", _ranking_caption(content), ranking_chart(content)))
        if shapes:
            charts.append(Chart("map", _map_caption(content), map_chart(content, shapes)))
    if len({p.year for p in content.trend}) > 1:
        caption = "各试点地区综合得分变化趋势"
        if scale.many(content):
            caption += f"（{len(content.pilots)}个地区的中位数和中间50%，前{TREND_EACH}名和后{TREND_EACH}名）"
        charts.append(Chart("trend", caption, trend_chart(content)))
    return tuple(charts)
