"""Bulletins (通报): a content model built from plain data, its charts, and three builders.

    content = build_content(BulletinInput(...))        # content.py, Django-free
    content = content.with_charts(draw_charts(content, shapes))   # charts.py (matplotlib, Noto CJK)
    build_docx(content), build_pdf(content), build_xlsx(content)  # docx.py, pdf.py, xlsx.py

The Django side (planwatch.bulletins) gathers the input from a stored evaluation run and the
database, and keeps the files.
"""

from __future__ import annotations

from collections.abc import Callable

from planwatch.core.bulletin.charts import FontMissing, cjk_font, draw_charts
from planwatch.core.bulletin.content import (
    BulletinContent,
    BulletinError,
    BulletinInput,
    LateRow,
    MapShape,
    MilestoneRow,
    Names,
    RunInfo,
    SupervisionInput,
    TrendPoint,
    build_content,
)
from planwatch.core.bulletin.docx import build_docx
from planwatch.core.bulletin.pdf import build_pdf
from planwatch.core.bulletin.xlsx import build_xlsx

FORMATS = ("docx", "pdf", "xlsx")

__all__ = [
    "FORMATS",
    "BulletinContent",
    "BulletinError",
    "BulletinInput",
    "FontMissing",
    "LateRow",
    "MapShape",
    "MilestoneRow",
    "Names",
    "RunInfo",
    "SupervisionInput",
    "TrendPoint",
    "build_content",
    "cjk_font",
    "draw_charts",
    "render",
]


def render(content: BulletinContent, fmt: str) -> bytes:
    """The bulletin in one format: docx, pdf or xlsx."""
    if fmt == "docx":
        return build_docx(content)
    if fmt == "pdf":
        return build_pdf(content)
    if fmt == "xlsx":
        return build_xlsx(content)
    raise BulletinError(
        f"未知格式 {fmt!r}：应为 docx、pdf 或 xlsx", f"unknown format {fmt!r}: use docx, pdf or xlsx"
    )


def render_all(
    content: BulletinContent,
    formats: tuple[str, ...] | list[str],
    progress: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    out = {}
    for fmt in formats:
        if progress:
            progress(f"writing {fmt}")
        out[fmt] = render(content, fmt)
    return out
