"""A bulletin's page as its files were built: the title block and the body's skeleton
(`tables.skeleton`, the office's sections as slots) as plain JSON data. planwatch.bulletins keeps it
with every draft's and issued bulletin's files, so its page shows what the files say without
reading the evaluation run again (at 3,000 units, reading the run and making the content takes
minutes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from planwatch.core.bulletin.content import BulletinContent, OfficeWords
from planwatch.core.bulletin.tables import Block, filled, skeleton
from planwatch.core.evaluation.types import UnreadableResults, from_jsonable, to_jsonable

# The data's shape: a preview kept in another shape is not read (the page makes it from the run).
VERSION = 1


@dataclass(frozen=True)
class Preview:
    title: str
    subtitle: str
    heading_lines: tuple[str, ...]
    notices: tuple[str, ...]
    body: tuple[Block, ...]  # the skeleton: no figures (the page draws none), words as slots

    def blocks(self, words: OfficeWords) -> list[Block]:
        """The body as the files have it with these words of the office."""
        return filled(self.body, words)


def preview_of(c: BulletinContent) -> Preview:
    body = skeleton(replace(c, charts=()))
    return Preview(c.title, c.subtitle, c.heading_lines, c.notices, tuple(body))


def to_data(p: Preview) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(p)
    return {"version": VERSION, **data}


def from_data(data: Any) -> Preview | None:
    """The preview kept as `to_data` gave it; None for data of another version or shape."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    try:
        return from_jsonable(Preview, data)
    except UnreadableResults:
        return None
