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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import lru_cache
from itertools import islice
from operator import attrgetter, itemgetter
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
_TEXT = frozenset({str})
_ALIKE = frozenset({str, bool, type(None), dt.datetime})  # equal values of these are written alike
_SORTED = sorted(HASHED)  # the order json.dumps(sort_keys=True) writes the fields in
_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes a string as (C)
_LITERAL = {True: "true", False: "false", None: "null"}
_FLAT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def _dumped(value: Any) -> str:
    """The value as json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",",
    ":")) writes it — byte for byte — the common cases (a text; a time; a flat dict of texts, flags
    and nulls, as the old and new of a value's event are) without making it canonical first."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is bool or value is None:
        return _LITERAL[value]
    if kind is dt.datetime:
        return _string(_utc(value))
    if kind is dict and _TEXT.issuperset(map(type, value)) and _AS_IS.issuperset(map(type, value.values())):
        return _FLAT(value)  # already canonical
    return json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _column(values: list[Any]) -> str | list[str]:
    """One field of many events, each written as `_dumped` writes it; one text if all are alike (the
    time, type, actor and source of a bulk write's events)."""
    first = values[0]
    kinds = set(map(type, values))
    if len(kinds) == 1 and kinds <= _ALIKE and values.count(first) == len(values):
        return _dumped(first)  # (equal numbers or dicts may be spelled apart: 1 and True, 1.0 and 1)
    if kinds <= _TEXT:
        return list(map(_string, values))
    if kinds == {dict} and (flat := _flat_dicts(values)) is not None:
        return flat
    return list(map(_dumped, values))


def _flat_dicts(values: list[dict[Any, Any]]) -> list[str] | None:
    """Dicts of the same text keys and of texts, flags and nulls (the old and new of a bulk write's
    value events), written key by key for all of them at once; None if they are not such."""
    keys = values[0].keys()
    if list(map(dict.keys, values)).count(keys) != len(values) or not _TEXT.issuperset(map(type, keys)):
        return None
    template: list[str] = []
    varying: list[list[str]] = []
    for key in sorted(keys):
        column = list(map(itemgetter(key), values))
        if not _AS_IS.issuperset(map(type, column)):
            return None
        written = _column(column)
        name = _string(key).replace("%", "%%")
        if isinstance(written, str):
            template.append(name + ":" + written.replace("%", "%%"))
        else:
            template.append(name + ":%s")
            varying.append(written)
    return _filled("{" + ",".join(template) + "}", varying, len(values))


def _filled(form: str, varying: list[list[str]], count: int) -> list[str]:
    if not varying:
        return [form % ()] * count
    return [form % row for row in zip(*varying, strict=True)]


def canonical_many(events: Sequence[Any]) -> list[str]:
    """`canonical_json` of each of `events` (events, or dicts of their fields), the same texts,
    written field by field for all of them at once (`canonical_columns`)."""
    if not events:
        return []
    get = itemgetter if isinstance(events[0], dict) else attrgetter
    return canonical_columns({name: list(map(get(name), events)) for name in _SORTED}, len(events))


def canonical_columns(columns: Mapping[str, list[Any]], count: int) -> list[str]:
    """`canonical_json` of `count` events given field by field (each hashed field a list of one
    value per event): a field alike in every event (the time, type, actor and source of a bulk
    write) is written once into a template that the others fill in."""
    if not count:
        return []
    template: list[str] = []
    varying: list[list[str]] = []
    for name in _SORTED:
        column = _column(columns[name])
        if isinstance(column, str):
            template.append(f'"{name}":' + column.replace("%", "%%"))  # constant
        else:
            template.append(f'"{name}":%s')
            varying.append(column)
    return _filled("{" + ",".join(template) + "}", varying, count)


def canonical_json(event: Any) -> str:
    """The event's hashed fields as one line of JSON, keys sorted, numbers in one spelling (an
    event, or its fields as a dict: audit.record_rows): json.dumps(…, sort_keys=True,
    ensure_ascii=False, separators=(",", ":")) of the fields made canonical (`_canonical`)."""
    values = [event[n] for n in _SORTED] if isinstance(event, dict) else [getattr(event, n) for n in _SORTED]
    return "{" + ",".join([f'"{n}":' + _dumped(v) for n, v in zip(_SORTED, values, strict=True)]) + "}"


def _next(previous: str, text: str) -> str:
    return hashlib.sha256((previous + text).encode("utf-8")).hexdigest()


def link(previous: str, event: Any) -> str:
    """The hash of `event` following the event whose hash is `previous`."""
    return _next(previous, canonical_json(event))


def seal(previous: str, events: Iterable[Any]) -> str:
    """Give each event (or dict of an event's fields), in order, its hash after `previous`; the
    last hash. The canonical texts are written for all the events at once (`canonical_many`), only
    the hashes one after the other."""
    events = list(events)
    hashes = chained(previous, canonical_many(events))
    for event, hashed in zip(events, hashes, strict=True):
        if isinstance(event, dict):
            event["hash"] = hashed
        else:
            event.hash = hashed
    return hashes[-1] if hashes else previous


def chained(previous: str, texts: Iterable[str]) -> list[str]:
    """The hash of each of the events whose canonical texts are `texts`, in order, the first after
    the event whose hash is `previous`."""
    out: list[str] = []
    for text in texts:
        previous = _next(previous, text)
        out.append(previous)
    return out


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


def walk(events: Iterator[Any], chunk: int = 2000) -> Walk:
    """Walk the events in id order, stopping at the first that does not follow the one before; their
    canonical texts written `chunk` events at a time (`canonical_many`)."""
    previous, head, count = None, GENESIS, 0
    while batch := list(islice(events, chunk)):
        for event, text in zip(batch, canonical_many(batch), strict=True):
            if not event.hash or _next(head, text) != event.hash:
                return Walk(count, head, Break(event, previous))
            previous, head, count = event, event.hash, count + 1
    return Walk(count, head, None)
