"""The PDF's break rules, on a table alone (no database): where a page break would leave a table's
first or last row alone on a page, the bulletin's CSS moves a row with it; without those rules the
print check (tests/printcheck.py) sees the lone row — so the check can fail."""

from __future__ import annotations

import pytest

from planwatch.core.bulletin import pdf
from tests.printcheck import table_fragments

RULES = ("tbody tr:first-child { break-after: avoid; }", "tbody tr:last-child { break-before: avoid; }")


@pytest.fixture(scope="module")
def css() -> dict[str, str]:
    from planwatch.core.bulletin.charts import cjk_font

    family, path = cjk_font()
    full = pdf.CSS % {"family": family, "url": path.as_uri(), "header": "页眉", "header_colour": "#555"}
    assert all(rule in full for rule in RULES)
    stripped = full
    for rule in RULES:
        stripped = stripped.replace(rule, "")
    return {"full": full, "stripped": stripped}


def _pieces(css: str, rows: int, above_mm: int = 0) -> list[int]:
    """The body rows of a table on each page it spans, after `above_mm` of other content."""
    from weasyprint import HTML

    body = "".join(f"<tr><td>{i}</td><td>内容</td></tr>" for i in range(rows))
    html = (
        f"<style>{css}</style><div style='height:{above_mm}mm'></div>"
        f"<div class='table'><p class='caption'>表1 示例</p><table class='x'>"
        f"<thead><tr><th>代码</th><th>指标</th></tr></thead><tbody>{body}</tbody></table></div>"
    )
    return [f.rows for f in table_fragments(HTML(string=html).render())]


def test_the_first_row_is_not_left_alone_at_the_foot_of_a_page(css):
    # 226 mm of text above leave room for the caption, the header and one row
    assert _pieces(css["stripped"], 20, above_mm=226)[0] == 1
    assert _pieces(css["full"], 20, above_mm=226) == [20]  # the table starts on the next page


def test_the_last_row_is_not_left_alone_at_the_top_of_a_page(css):
    fits = _pieces(css["full"], 200)[0]  # rows a page holds under the caption and header
    assert _pieces(css["stripped"], fits + 1) == [fits, 1]
    assert _pieces(css["full"], fits + 1) == [fits - 1, 2]
