"""The bulletin as PDF: the same outline as the Word document, written as HTML and CSS and laid out
by WeasyPrint on A4, with Noto Sans CJK SC embedded (subset) so it reads on a machine without
Chinese fonts, a running header with the label and page numbers in the footer."""

from __future__ import annotations

import base64
import re
from html import escape
from typing import Any

from planwatch.core.bulletin.charts import cjk_font
from planwatch.core.bulletin.content import BulletinContent
from planwatch.core.bulletin.tables import KEEP_ROWS, Block, Table, outline

MARK_CLASSES = {"met", "ahead", "lagging", "seriously_lagging"}

CSS = """
@font-face { font-family: "PWCJK"; src: local("%(family)s"), url("%(url)s"); }
@page {
  size: A4; margin: 22mm 20mm 20mm 20mm;
  @top-center { content: "%(header)s"; font-family: "PWCJK"; font-size: 8pt; color: %(header_colour)s; }
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-family: "PWCJK";
                   font-size: 8pt; color: #555; }
}
html { font-family: "PWCJK", sans-serif; font-size: 10.5pt; line-height: 1.6; color: #111; }
.masthead { text-align: center; color: #c00000; font-size: 30pt; font-weight: bold; letter-spacing: 0.5em;
            margin: 0; }
.rule { border-top: 2.5pt solid #c00000; margin: 4pt 0 14pt 0; }
h1.title { text-align: center; font-size: 17pt; line-height: 1.45; margin: 0 0 4pt 0; }
h1.title span.phrase { white-space: nowrap; }
.subtitle { text-align: center; font-size: 12pt; margin: 0 0 6pt 0; }
.meta { text-align: center; font-size: 8.5pt; color: #444; margin: 0; }
.notice { border: 1.5pt solid #c00000; background: #fdedec; color: #c00000; font-weight: bold;
          padding: 6pt 9pt; margin: 10pt 0; }
h2 { font-size: 13pt; margin: 14pt 0 6pt 0; page-break-after: avoid; }
p.para { text-indent: 2em; margin: 0 0 6pt 0; }
p.address { margin: 6pt 0; }
ul { margin: 0 0 6pt 0; padding-left: 1.4em; }
li { margin-bottom: 2pt; }
ul.source li { font-size: 8pt; word-break: break-all; }
.caption { text-align: center; font-weight: bold; font-size: 9.5pt; margin: 8pt 0 4pt 0;
           page-break-after: avoid; }
table { border-collapse: collapse; width: 100%%; margin: 0 auto 4pt auto; font-size: 8.5pt; }
table.indicators { font-size: 7pt; line-height: 1.25; }
th, td { border: 0.6pt solid #777; padding: 2pt 3pt; vertical-align: middle; }
th { background: #d9d9d9; text-align: center; white-space: nowrap; }
td:first-child { white-space: nowrap; }
table.headlines td:last-child { white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
/* No table leaves one row alone on a page: its first row stays with the second (and the caption
   above), its last row with the one before; a short table is not split at all. */
tbody tr:first-child { break-after: avoid; }
tbody tr:last-child { break-before: avoid; }
div.keep { break-inside: avoid; }
p.note { break-before: avoid; }
table.identifiers td { word-break: break-all; font-size: 7.5pt; }
table.identifiers td:first-child { width: 28mm; }
td.num { text-align: right; white-space: nowrap; }
td.met { background: #d5f5e3; } td.ahead { background: #d6eaf8; }
td.lagging { background: #fcf3cf; } td.seriously_lagging { background: #f5b7b1; }
.note { font-size: 8pt; color: #333; margin: 0 0 8pt 0; }
figure { margin: 6pt 0 10pt 0; text-align: center; page-break-inside: avoid; }
/* A figure's caption is its last child: its own "avoid" would pass to the figure and chain every
   figure to the next, pushing them all to a new page and leaving the page before nearly empty. */
figure .caption { page-break-after: auto; }
figure img { width: 150mm; }
"""


# Where a title may break: after a closing quote or bracket, after 创建/关于, before 工作进展情况通报.
_TITLE_BREAK = re.compile(r"(?<=[”」》）)])|(?<=创建)|(?<=关于)|(?=工作进展情况通报$)")
_PHRASE_MAX = 24  # a phrase longer than this may break inside (a line of the title holds ~28)


def title_html(title: str) -> str:
    """The title as phrases that do not break inside, so that a long title wraps between them
    (…“中国制造2025” / 试点示范城市群工作进展情况通报), never mid-word."""
    parts = [p for p in _TITLE_BREAK.split(title) if p]
    return "".join(
        f'<span class="phrase">{escape(p)}</span>' if len(p) <= _PHRASE_MAX else escape(p) for p in parts
    )


def _table(t: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = []
    for i, row in enumerate(t.rows):
        cells = []
        for k, text in enumerate(row):
            classes = []
            if t.numeric[k]:
                classes.append("num")
            mark = t.marks[i][k] if t.marks else ""
            if mark in MARK_CLASSES:
                classes.append(mark)
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{escape(text).replace(chr(10), '<br>')}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    note = f'<p class="note">注：{escape(t.note)}</p>' if t.note else ""
    keep = " keep" if len(t.rows) <= KEEP_ROWS else ""
    return (
        f'<div class="table{keep}"><p class="caption">{escape(t.caption)}</p>'
        f'<table class="{t.key}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f"{note}</div>"
    )


def _block(block: Block) -> str:
    if block.kind == "heading":
        return f"<h2>{escape(block.text)}</h2>"
    if block.kind == "para":
        return f'<p class="para">{escape(block.text)}</p>'
    if block.kind == "address":
        return f'<p class="address">{escape(block.text)}</p>'
    if block.kind == "bullets":
        source = ' class="source"' if block.items and block.items[0].startswith("评估运行") else ""
        return f"<ul{source}>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if block.kind == "table" and block.table is not None:
        return _table(block.table)
    if block.kind == "figure" and block.chart is not None:
        data = base64.b64encode(block.chart.png).decode("ascii")
        return (
            f'<figure><img src="data:image/png;base64,{data}" alt="{escape(block.text)}">'
            f'<p class="caption">{escape(block.text)}</p></figure>'
        )
    return ""


def to_html(c: BulletinContent) -> str:
    family, path = cjk_font()
    css = CSS % {
        "family": family,
        "url": path.as_uri(),
        "header": c.header_label.replace('"', "'"),
        "header_colour": "#c00000" if (c.run.sample or c.run.includes_unaccepted) else "#555",
    }
    parts = [
        '<p class="masthead">通报</p><div class="rule"></div>',
        f'<h1 class="title">{title_html(c.title)}</h1>',
        f'<p class="subtitle">{escape(c.subtitle)}</p>',
        *(f'<p class="meta">{escape(line)}</p>' for line in c.heading_lines),
        *(f'<div class="notice">{escape(n)}</div>' for n in c.notices),
        *(_block(b) for b in outline(c)),
    ]
    created = c.as_of.isoformat()
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(c.title)} {escape(c.subtitle)}</title>"
        f'<meta name="author" content="PlanWatch"><meta name="dcterms.created" content="{created}">'
        f'<meta name="dcterms.modified" content="{created}">'
        f'<meta name="keywords" content="evaluation run {c.run.id}, data {c.run.data_sha256}">'
        f"<style>{css}</style></head><body>{''.join(parts)}</body></html>"
    )


def layout(c: BulletinContent) -> Any:
    """The bulletin laid out on its pages (a WeasyPrint Document: `.pages`, `.write_pdf()`)."""
    from weasyprint import HTML

    return HTML(string=to_html(c)).render()


def build_pdf(c: BulletinContent) -> bytes:
    data = layout(c).write_pdf()
    assert data is not None
    return bytes(data)
