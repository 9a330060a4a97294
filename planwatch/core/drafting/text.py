"""The text as the drafter reads it: full-width ASCII folded to half-width one character for one (so
that an offset in the folded text is the same offset in the original, and a quote is taken from the
original), paragraphs with their offsets, sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20  # the ideographic space
_FOLD[0xFF0E] = ord(".")


def fold(text: str) -> str:
    """Full-width ASCII (（ ， ： ； ％ １ ．) as half-width, and the ideographic space as a space:
    the same length, character for character."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Line:
    """A non-blank line of the document: where it starts in the text, its original and folded text,
    stripped of surrounding spaces."""

    start: int
    text: str  # original, stripped
    folded: str  # folded, stripped

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lines_of(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip(" \t\u3000\ufeff")
        if stripped:
            start = pos + body.index(stripped)
            out.append(Line(start, stripped, fold(stripped)))
        pos += len(raw)
    return out


_SENTENCE_END = re.compile(r"[。!?！？]")


@dataclass(frozen=True)
class Sentence:
    start: int  # offset in the line's text
    text: str  # original
    folded: str


def sentences_of(line: Line) -> list[Sentence]:
    """The line's sentences, each ending with its full stop (a closing parenthesis of units that
    follows a sentence stays a sentence of its own)."""
    out: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(line.folded):
        end = match.end()
        if line.folded[start:end].strip():
            out.append(Sentence(start, line.text[start:end], line.folded[start:end]))
        start = end
    if line.folded[start:].strip():
        out.append(Sentence(start, line.text[start:], line.folded[start:]))
    return out
