"""The bulletin's charts as PNG images, drawn with matplotlib in Noto Sans CJK SC.

The font is Debian's fonts-noto-cjk, found through matplotlib's font manager (or fc-match); without
it the charts would show boxes instead of Chinese, so `cjk_font()` raises FontMissing instead.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from planwatch.core.bulletin.content import BulletinContent, Chart, MapShape
from planwatch.core.errors import PlanWatchError

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
        "the CJK font Noto Sans CJK SC is not installed (apt-get install fonts-noto-cjk) / "
        "未安装中文字体 Noto Sans CJK SC（请安装 fonts-noto-cjk）"
    )


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family, _ = cjk_font()
    plt.rcParams["font.family"] = [family]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "planwatch"
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    return plt, fig, ax


def _png(plt, fig) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def ranking_chart(content: BulletinContent) -> bytes:
    """Horizontal bars of the composite scores, best at the top, with each score written."""
    plt, fig, ax = _figure(6.4, 3.2)
    rows = list(reversed(content.ranking))
    labels = [f"{r.rank}. {r.name}" for r in rows]
    scores = [r.score for r in rows]
    colours = ["#c0392b" if r.rank == 1 else "#2e86c1" for r in rows]
    bars = ax.barh(labels, scores, color=colours)
    for bar, value in zip(bars, scores, strict=True):
        ax.text(value + 0.005, bar.get_y() + bar.get_height() / 2, f"{value:.4f}", va="center", fontsize=8)
    ax.set_xlim(0, max([1.0, *scores]) * 1.08)
    ax.set_xlabel("综合得分")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(plt, fig)


def map_chart(content: BulletinContent, shapes: Sequence[MapShape]) -> bytes:
    """The pilot cities coloured by composite score; a district without a boundary (顺德区) as a dot."""
    from matplotlib import colormaps, patheffects
    from matplotlib.colors import Normalize
    from matplotlib.patches import Polygon

    plt, fig, ax = _figure(6.4, 4.2)
    scores = {r.locality: r.score for r in content.ranking}
    ranks = {r.locality: r.rank for r in content.ranking}
    low, high = (min(scores.values()), max(scores.values())) if scores else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.01, high + 0.01
    norm = Normalize(vmin=low, vmax=high)
    cmap = colormaps["YlOrRd"]
    xs: list[float] = []
    ys: list[float] = []
    for shape in shapes:
        code = shape.locality
        colour = cmap(norm(scores[code])) if code in scores else "#eeeeee"
        for polygon in shape.polygons:
            for k, ring in enumerate(polygon):
                ax.add_patch(
                    Polygon(
                        ring,
                        closed=True,
                        facecolor=colour if k == 0 else "white",
                        edgecolor="#555555",
                        linewidth=0.5,
                    )
                )
                if code in scores:  # the view keeps to the pilot units; other cities are context
                    xs += [p[0] for p in ring]
                    ys += [p[1] for p in ring]
    for shape in shapes:
        code = shape.locality
        if code not in scores:
            continue
        if shape.point is not None and not shape.polygons:
            x, y = shape.point
            ax.scatter([x], [y], s=70, color=cmap(norm(scores[code])), edgecolor="black", zorder=5)
            ax.annotate(
                f"{content.names.locality(code)} 第{ranks[code]}",
                (x, y),
                xytext=(6, -10),
                textcoords="offset points",
                fontsize=7,
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
            )
        elif shape.polygons:
            if shape.centre is not None:
                cx, cy = shape.centre
            else:
                ring = max((p[0] for p in shape.polygons), key=len)
                cx, cy = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
            ax.text(
                cx,
                cy,
                f"{content.names.locality(code)}\n第{ranks[code]}",
                ha="center",
                va="center",
                fontsize=7,
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
            )
    if xs:
        pad = 0.25
        ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.6, label="综合得分")
    return _png(plt, fig)


def trend_chart(content: BulletinContent) -> bytes:
    """Each pilot unit's composite score by year (from the stored runs of those years)."""
    plt, fig, ax = _figure(6.4, 3.4)
    years = sorted({p.year for p in content.trend})
    for k, loc in enumerate(content.pilots):
        points = sorted((p.year, p.score) for p in content.trend if p.locality == loc)
        if not points:
            continue
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            markersize=3,
            linewidth=1.4,
            color=PALETTE[k % len(PALETTE)],
            label=content.names.locality(loc),
        )
    ax.set_xticks(years)
    ax.set_xticklabels([f"{y}年" for y in years])
    ax.set_ylabel("综合得分")
    ax.grid(axis="y", linewidth=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    return _png(plt, fig)


def draw_charts(content: BulletinContent, shapes: Sequence[MapShape] = ()) -> tuple[Chart, ...]:
    """The charts a bulletin shows: ranking bars, the map (if shapes are given), the trend (if more
    than one year is known). Captions are numbered in that order."""
    charts: list[Chart] = []
    if content.ranking:
        charts.append(Chart("ranking", f"{content.year}年综合评估得分与排名", ranking_chart(content)))
        if shapes:
            charts.append(
                Chart("map", f"{content.year}年各试点地区综合得分分布图", map_chart(content, shapes))
            )
    if len({p.year for p in content.trend}) > 1:
        charts.append(Chart("trend", "各试点地区综合得分变化趋势", trend_chart(content)))
    return tuple(charts)
