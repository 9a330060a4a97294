"""The bulletin as an editable Word document (python-docx): real headings (Heading 1), tables with a
header row and captions (the Caption style), figures as pictures, a page header with the label and
a footer with page numbers.

The bytes are the same for the same content: the package's timestamps are the bulletin's date.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from planwatch.core.bulletin.content import BulletinContent
from planwatch.core.bulletin.tables import KEEP_ROWS, Block, Table, outline
from planwatch.core.bulletin.zipfix import fixed_zip

BODY_FONT = "SimSun"  # 宋体 on a Chinese Windows; other machines substitute their CJK serif
HEADING_FONT = "SimHei"  # 黑体
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
MARK_COLOURS = {
    "met": "D5F5E3",
    "ahead": "D6EAF8",
    "on_pace": "FFFFFF",
    "lagging": "FCF3CF",
    "seriously_lagging": "F5B7B1",
}


def _fonts(style_or_run, east_asian: str, latin: str = LATIN_FONT) -> None:  # type: ignore[no-untyped-def]
    style_or_run.font.name = latin
    element = style_or_run.element if hasattr(style_or_run, "element") else style_or_run._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _shade(cell, colour: str) -> None:  # type: ignore[no-untyped-def]
    pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    pr.append(shading)


def _page_number(paragraph) -> None:  # type: ignore[no-untyped-def]
    """第 N 页 with a PAGE field."""
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run(" 页")


def _keep_row(row, *, with_next: bool) -> None:  # type: ignore[no-untyped-def]
    pr = row._tr.get_or_add_trPr()
    pr.append(OxmlElement("w:cantSplit"))
    if with_next:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    pr.append(header)


def _widths(t: Table) -> list[float] | None:
    """Column widths in cm for the tables whose columns are known (text width 16.6 cm)."""
    n = len(t.header)
    if t.key == "headlines" and n == 7:  # the final year: no 目标进程 and 时序进度
        return [1.1, 5.9, 1.1, 2.2, 2.0, 1.9, 2.4]
    if t.key == "headlines":
        return [1.1, 4.9, 1.1, 1.8, 1.5, 1.5, 1.5, 1.5, 1.7]
    if t.key == "identifiers":
        return [3.2, 13.4]
    if t.key == "indicators":
        return [1.0, 4.4, *([11.2 / (n - 2)] * (n - 2))]
    if t.key == "ranking":
        return [1.1, 1.8, *([12.6 / (n - 2)] * (n - 2))]
    if t.key == "classes":
        return [2.6, *([14.0 / (n - 1)] * (n - 1))]
    if t.key == "binding":
        return [1.0, 4.4, *([11.2 / (n - 2)] * (n - 2))]
    return None


def _table(doc, t: Table, font_size: float) -> None:  # type: ignore[no-untyped-def]
    caption = doc.add_paragraph(t.caption, style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(t.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = _widths(t)
    if widths:
        table.autofit = False
    for k, text in enumerate(t.header):
        cell = table.rows[0].cells[k]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(font_size)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell, "D9D9D9")
    _repeat_header(table.rows[0])
    _keep_row(table.rows[0], with_next=True)
    for i, row in enumerate(t.rows):
        cells = table.add_row().cells
        for k, text in enumerate(row):
            cell = cells[k]
            paragraph = cell.paragraphs[0]
            for n, line in enumerate(text.split("\n")):
                if n:
                    paragraph.add_run().add_break()
                run = paragraph.add_run(line)
                run.font.size = Pt(font_size)
            if t.numeric[k]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            mark = t.marks[i][k] if t.marks else ""
            if mark in MARK_COLOURS and mark != "on_pace":
                _shade(cell, MARK_COLOURS[mark])
        # As in the PDF, no row alone on a page: a row is not split, the header and the first row
        # keep with the next one, and so does the row before the last (Word's "keep with next" on a
        # row's paragraphs); a short table (KEEP_ROWS) keeps together whole.
        last = len(t.rows) - 1
        _keep_row(table.rows[-1], with_next=i < last and (i in (0, last - 1) or len(t.rows) <= KEEP_ROWS))
    if widths:
        # Word reads the cells' widths, LibreOffice and WPS the table grid's: set both.
        for k, column in enumerate(table.columns):
            column.width = Cm(widths[k])
        for row in table.rows:
            for k, cell in enumerate(row.cells):
                cell.width = Cm(widths[k])
    if t.note:
        note = doc.add_paragraph()
        run = note.add_run(f"注：{t.note}")
        run.font.size = Pt(8)


def build_docx(c: BulletinContent) -> bytes:
    doc = Document()
    styles = doc.styles
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT)
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        _fonts(styles[name], HEADING_FONT)
    styles["Heading 1"].font.size = Pt(14)
    styles["Heading 1"].font.color.rgb = RGBColor(0, 0, 0)
    styles["Caption"].font.size = Pt(10)
    styles["Caption"].font.color.rgb = RGBColor(0, 0, 0)
    styles["Caption"].font.italic = False
    styles["Caption"].font.bold = True

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    header = section.header.paragraphs[0]
    header.text = c.header_label
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if c.run.sample or c.run.includes_unaccepted:
        for run in header.runs:
            run.font.color.rgb = RED
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)

    # The title block: a red masthead, the title, the period and serial, the issuer and the run.
    masthead = doc.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = masthead.add_run("通  报")
    run.bold = True
    run.font.size = Pt(28)
    run.font.color.rgb = RED
    _fonts(run, HEADING_FONT)
    title = doc.add_heading(c.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in title.runs:
        run.font.size = Pt(18)
        run.font.color.rgb = RGBColor(0, 0, 0)
    subtitle = doc.add_paragraph(c.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in c.heading_lines:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = p.add_run(line)
        r.font.size = Pt(9)
    for notice in c.notices:
        box = doc.add_table(rows=1, cols=1)
        box.style = "Table Grid"
        cell = box.rows[0].cells[0]
        _shade(cell, "FDEDEC")
        r = cell.paragraphs[0].add_run(notice)
        r.bold = True
        r.font.color.rgb = RED
        doc.add_paragraph()

    for block in outline(c):
        _block(doc, block)

    core = doc.core_properties
    moment = dt.datetime.combine(c.as_of, dt.time(0, 0))
    core.title = f"{c.title} {c.subtitle}"
    core.subject = c.header_label
    core.author = "PlanWatch"
    core.last_modified_by = "PlanWatch"
    core.created = core.modified = moment
    core.revision = 1
    core.keywords = f"evaluation run {c.run.id}; data {c.run.data_sha256}"
    out = io.BytesIO()
    doc.save(out)
    return fixed_zip(out.getvalue(), c.as_of)


def _block(doc, block: Block) -> None:  # type: ignore[no-untyped-def]
    if block.kind == "heading":
        h = doc.add_heading(block.text, level=block.level)
        for run in h.runs:
            run.font.color.rgb = RGBColor(0, 0, 0)
    elif block.kind == "para":
        p = doc.add_paragraph(block.text)
        p.paragraph_format.first_line_indent = Pt(22)
    elif block.kind == "address":
        doc.add_paragraph(block.text)
    elif block.kind == "bullets":
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
    elif block.kind == "table" and block.table is not None:
        size = 7.5 if block.table.key == "indicators" else 9
        _table(doc, block.table, size)
    elif block.kind == "figure" and block.chart is not None:
        doc.add_picture(io.BytesIO(block.chart.png), width=Cm(15.5))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        caption = doc.add_paragraph(block.text, style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
