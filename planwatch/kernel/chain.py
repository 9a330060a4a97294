"""The audit log's hash chain: each event's hash is SHA-256 of the previous event's hash and the
canonical JSON of the event's own fields, so that an event edited, deleted or slipped in between
breaks the chain at the first event after it (`planwatch verify_audit`).

Events follow each other by id. The canonical form leaves out the id and the link to the user (the
link goes to NULL when the user is deleted; the name stays and is hashed) and spells every number
one way, so that an event hashes alike before it is saved and when read back from SQLite or
PostgreSQL (whose jsonb writes 1e30 as 1000000000000000000000000000000)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import lru_cache
from typing import Any

# The fields an event's hash covers, in the order they are written (the JSON's keys are sorted).
HASHED = (
    "at",
    "type",
    "actor_name",
    "source",
    "source_detail",
    "plan_code",
    "locality_code",
    "indicator_code",
    "period_code",
    "subject_type",
    "subject_id",
    "subject_label",
    "old",
    "new",
    "comment",
    "private",
)
GENESIS = ""  # what the first event "follows"
_EXACT = Context(prec=1000)  # normalizing rounds no digit off (28 by default)


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if type(value) is dict:  # old and new: no ABC check
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value) if isinstance(value, float) else value)
        return "0" if number.is_zero() else f"{_EXACT.normalize(number):f}"
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.datetime):
        return _utc(value)
    return str(value)


@lru_cache(maxsize=256)
def _utc(value: dt.datetime) -> str:
    """A time in UTC to the microsecond (the events of one bulk write share theirs: kept a while)."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


_AS_IS = frozenset({str, bool, type(None)})  # what _canonical gives back unchanged: not asked (speed)


def canonical_json(event: Any) -> str:
    """The event's hashed fields as one line of JSON, keys sorted, numbers in one spelling (an
    event, or its fields as a dict: audit.record_rows)."""
    values = [event[n] for n in HASHED] if isinstance(event, dict) else [getattr(event, n) for n in HASHED]
    fields = {
        name: value if type(value) in _AS_IS else _canonical(value)
        for name, value in zip(HASHED, values, strict=True)
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link(previous: str, event: Any) -> str:
    """The hash of `event` following the event whose hash is `previous`."""
    return hashlib.sha256((previous + canonical_json(event)).encode("utf-8")).hexdigest()


def seal(previous: str, events: Iterable[Any]) -> str:
    """Give each event (or dict of an event's fields), in order, its hash after `previous`; the
    last hash."""
    for event in events:
        previous = link(previous, event)
        if isinstance(event, dict):
            event["hash"] = previous
        else:
            event.hash = previous
    return previous


@dataclass(frozen=True)
class Break:
    """The first broken link: the event whose hash does not follow, and the one before it."""

    event: Any
    previous: Any  # None: the first event

    def describe(self) -> tuple[str, str]:
        """What went wrong, in Chinese and in English."""
        e, p = self.event, self.previous
        what = f"#{e.id} {e.type} {e.subject_label} ({e.at:%Y-%m-%d %H:%M:%S})"
        after = f"#{p.id}" if p is not None else "the start"
        after_zh = f"#{p.id}" if p is not None else "日志开头"
        if not e.hash:
            return (
                f"审计事件 {what} 没有哈希值：它不是由审计日志写入的（被插入？）",
                f"audit event {what} has no hash: it was not written by the audit log (inserted?)",
            )
        gap = ""
        gap_zh = ""
        if p is not None and e.id != p.id + 1:
            gap = f"; events #{p.id + 1}–#{e.id - 1} are missing (deleted, or a rolled-back write)"
            gap_zh = f"；缺少事件 #{p.id + 1}–#{e.id - 1}（被删除，或写入已回滚）"
        return (
            f"审计链在事件 {what} 处断开：它与前一事件 {after_zh} 不相接——该事件被修改，"
            f"或其前有事件被删除或插入{gap_zh}",
            f"the audit chain breaks at event {what}: it does not follow {after} — the event was "
            f"edited, or an event before it was deleted or inserted{gap}",
        )


@dataclass(frozen=True)
class Walk:
    """What walking the chain found: how many events, the last hash, the first break if any."""

    count: int
    head: str
    broken: Break | None


def walk(events: Iterator[Any]) -> Walk:
    """Walk the events in id order, stopping at the first that does not follow the one before."""
    previous, head, count = None, GENESIS, 0
    for event in events:
        if not event.hash or link(head, event) != event.hash:
            return Walk(count, head, Break(event, previous))
        previous, head, count = event, event.hash, count + 1
    return Walk(count, head, None)
