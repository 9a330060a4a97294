"""Bulletins (通报): a content model built from plain data, its charts, and three builders.

    content = build_content(BulletinInput(...))        # content.py, Django-free
    content = content.with_charts(draw_charts(content, shapes))   # charts.py (matplotlib, Noto CJK)
    build_docx(content), build_pdf(content), build_xlsx(content)  # docx.py, pdf.py, xlsx.py

The Django side (planwatch.bulletins) gathers the input from a stored evaluation run and the
database, and keeps the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planwatch.core.bulletin.charts import FontMissing, cjk_font, draw_charts
from planwatch.core.bulletin.content import (
    BulletinContent,
    BulletinError,
    BulletinInput,
    IssueInfo,
    LateRow,
    MapShape,
    MilestoneRow,
    Names,
    OfficeWords,
    RunInfo,
    SupervisionInput,
    TrendPoint,
    build_content,
)
from planwatch.core.bulletin.docx import build_docx
from planwatch.core.bulletin.pdf import build_pdf
from planwatch.core.bulletin.words import prefill
from planwatch.core.bulletin.xlsx import build_xlsx

__all__ = [
    "FORMATS",
    "BulletinContent",
    "BulletinError",
    "BulletinInput",
    "FontMissing",
    "Format",
    "IssueInfo",
    "LateRow",
    "MapShape",
    "MilestoneRow",
    "Names",
    "OfficeWords",
    "RunInfo",
    "SupervisionInput",
    "TrendPoint",
    "build_content",
    "cjk_font",
    "draw_charts",
    "prefill",
    "render",
]


@dataclass(frozen=True)
class Format:
    """A format a bulletin is written in: one registry row (and a builder module) each."""

    code: str
    build: Callable[[BulletinContent], bytes]
    content_type: str
    charts: bool  # its content carries the charts (drawn once for every format that needs them)


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format(
            "docx",
            build_docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            True,
        ),
        Format("pdf", build_pdf, "application/pdf", True),
        Format(
            "xlsx", build_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False
        ),
    )
}


def render(content: BulletinContent, fmt: str) -> bytes:
    """The bulletin in one of FORMATS."""
    if fmt not in FORMATS:
        known_zh, known_en = "、".join(FORMATS), ", ".join(FORMATS)
        raise BulletinError(f"未知格式 {fmt!r}：应为 {known_zh}", f"unknown format {fmt!r}: use {known_en}")
    return FORMATS[fmt].build(content)


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
