"""Checks of a laid-out PDF for print: no nearly empty page, no table split to leave one row alone.

- `table_fragments(document)`: per page, each table's piece on it — (the table's class, its
  caption's table number when it has one, the body rows on the page, the table's rows in all) —
  read from WeasyPrint's layout of the very HTML the PDF is written from.
- `page_fill(pdf)`: per page, the share of the body's pixel rows that carry ink, from the PDF
  rendered to images by `pdftoppm` (poppler-utils), and the lines of text `pdftotext -layout` reads.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

DPI = 40
# The running header and footer take the page's top 22 mm and bottom 20 mm (the @page margins):
# what is left is the body, whose fill is measured.
TOP_MM, BOTTOM_MM, PAGE_MM = 22, 20, 297


@dataclass(frozen=True)
class Fragment:
    page: int  # from 1
    table: str  # its class (headlines, classes, ranking, indicators …)
    rows: int  # its body rows on this page
    total: int  # its body rows in all


def table_fragments(document: Any) -> list[Fragment]:
    from weasyprint.formatting_structure import boxes

    totals: dict[int, int] = {}
    pieces: list[tuple[int, Any, int]] = []
    for number, page in enumerate(document.pages, 1):
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableBox):
                rows = sum(
                    len(group.children)
                    for group in box.children
                    if isinstance(group, boxes.TableRowGroupBox) and not (group.is_header or group.is_footer)
                )
                pieces.append((number, box.element, rows))
                totals[id(box.element)] = totals.get(id(box.element), 0) + rows
    return [
        Fragment(number, element.get("class") or "", rows, totals[id(element)])
        for number, element, rows in pieces
    ]


@dataclass(frozen=True)
class PageFill:
    page: int
    ink_rows: float  # the share of the body's pixel rows with ink
    lines: int  # lines of text on the page, header and footer included


def page_fill(pdf: bytes) -> list[PageFill]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(path), f"{tmp}/p"], check=True)
        images = sorted(Path(tmp).glob("p-*.png"))
        out = []
        for number, image in enumerate(images, 1):
            text = subprocess.run(
                ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(path), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            out.append(
                PageFill(
                    number, _ink_rows(Image.open(image)), sum(1 for line in text.splitlines() if line.strip())
                )
            )
        return out


def _ink_rows(image: Image.Image) -> float:
    grey = image.convert("L")
    width, height = grey.size
    top, bottom = round(height * TOP_MM / PAGE_MM), round(height * (1 - BOTTOM_MM / PAGE_MM))
    pixels = grey.load()
    inked = sum(1 for y in range(top, bottom) if any(pixels[x, y] < 160 for x in range(width)))
    return inked / max(bottom - top, 1)
