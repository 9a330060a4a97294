"""A policy document's text, from plain text, Word (DOCX), a PDF with a text layer or a saved web page.
Anything else — empty, binary, a scanned PDF without text — is refused with a clear message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import docx.table
import pypdf
from bs4 import BeautifulSoup

from planwatch.core.errors import PlanWatchError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MIN_TEXT_CHARS = 20  # fewer Chinese characters than this is no policy document


class DocumentUnreadable(PlanWatchError):
    """The document cannot be drafted from: no text can be read from it (nothing is written)."""


def _refuse(name: str, zh: str, en: str) -> DocumentUnreadable:
    return DocumentUnreadable(f"{name}：{zh}", f"{name}: {en}")


def read_document(data: bytes, name: str) -> str:
    """The document's text, by its content (not trusting its name's extension alone)."""
    if not data.strip():
        raise _refuse(name, "文件为空，未生成草稿。", "the file is empty: no draft was written.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _refuse(name, "文件超过20 MB。", "the file is larger than 20 MB.")
    suffix = Path(name).suffix.lower()
    if data.startswith(b"%PDF"):
        text = _pdf_text(data, name)
    elif data.startswith(b"PK") and (suffix == ".docx" or _is_docx(data)):
        text = _docx_text(data, name)
    else:
        raw = _decode(data, name)
        head = raw.lstrip()[:1000].lower()
        if (
            suffix in {".html", ".htm", ".mhtml"}
            or head.startswith(("<!doctype html", "<html"))
            or ("<body" in head or "<p" in head or "<div" in head)
        ):
            text = _html_text(raw)
        else:
            text = raw
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\ufeff")
    chinese = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if chinese < MIN_TEXT_CHARS:
        if data.startswith(b"%PDF"):
            raise _refuse(
                name,
                "PDF没有可读取的文字层（可能是扫描件），请先进行文字识别（OCR）或提供Word/文本版本。",
                "the PDF has no text layer (a scan?): run OCR on it first, or give the Word or text version.",
            )
        raise _refuse(
            name,
            "未读到中文正文，不是可起草的政策文件。",
            "no Chinese text found: not a policy document to draft from.",
        )
    return text


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise _refuse(
            name, "这是二进制文件，不是文本、Word、PDF或网页。", "a binary file, not text, Word, PDF or HTML."
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(name, "无法识别文字编码（UTF-8或GB18030）。", "the text is neither UTF-8 nor GB18030.")


def _docx_text(data: bytes, name: str) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a broken file: all mean "unreadable"
        raise _refuse(
            name, "Word文件已损坏，无法读取。", "the Word file is damaged and cannot be read."
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():  # paragraphs and tables, in the document's order
        if isinstance(block, docx.table.Table):
            for row in block.rows:  # a row a line, its cells separated by tabs (a merged cell once)
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if not cells or text != cells[-1]:
                        cells.append(text)
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _pdf_text(data: bytes, name: str) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception:  # pypdf raises many kinds for a broken file: all mean "unreadable"
        raise _refuse(name, "PDF文件已损坏或加密，无法读取。", "the PDF is damaged or encrypted.") from None
    return "\n".join(pages)


_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "td", "section", "article")


def _html_text(raw: str) -> str:
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "head"]):
        tag.decompose()
    for row in soup.find_all("tr"):  # a table row a line, its cells separated by tabs
        cells = [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"])]
        row.replace_with("\n" + "\t".join(cells) + "\n")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    return "\n".join(line.strip(" \u3000\xa0") for line in text.splitlines())
