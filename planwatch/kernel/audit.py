"""Writing the audit log: one function, record(), for every change anywhere."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from planwatch.core import copytext
from planwatch.core.errors import Busy
from planwatch.core.numbers import canonical_decimal
from planwatch.kernel import chain
from planwatch.kernel.models import AuditEvent, Source

__all__ = [
    "WEB",
    "Source",
    "Subject",
    "Via",
    "fields",
    "jsonable",
    "like",
    "record",
    "record_fields",
    "Prepared",
    "prepare",
    "record_columns",
    "record_many",
    "record_prepared",
    "record_rows",
    "verify",
]


@dataclass(frozen=True)
class Via:
    """Where a change comes from: the web, the API, an Excel file by name, the command line …"""

    source: str = Source.WEB
    detail: str = ""


WEB = Via()  # the default: a change made on a page


@dataclass(frozen=True)
class Subject:
    """What an event is about: its type and id, a label a person reads, and the codes of the plan,
    locality, indicator and period it concerns (what the audit pages filter and scope by)."""

    type: str
    id: object
    label: str = ""
    plan: str = ""
    locality: str = ""
    indicator: str = ""
    period: str = ""

    def part(self, type: str, id: object, label: str, **codes: str) -> Subject:
        """A subject within this one (a milestone's progress update, a period's exception): its
        own type, id and label, this one's plan, locality, indicator and period unless `codes`
        says otherwise."""
        return replace(self, type=type, id=id, label=label, **codes)


_AS_IS = frozenset({str, int, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Old and new as JSON: numbers in their canonical spelling (800, 12.5), dates in ISO."""
    if type(value) in _AS_IS:
        return value
    if type(value) is dict:  # the common case first (a bulk import's events): no ABC check
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return f"{canonical_decimal(value):f}"
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def fields(
    type: str,
    actor: Any,
    subject: Subject,
    *,
    via: Via = WEB,
    old: Any = None,
    new: Any = None,
    comment: str = "",
    private: bool = False,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """An event's fields (`event()` makes the event of them; `record_rows()` writes many without
    making a model object of each)."""
    user = actor if getattr(actor, "pk", None) else None
    return dict(
        at=at or timezone.now(),
        type=type,
        actor_id=user.pk if user is not None else None,
        actor_name=getattr(user, "username", "") or "",
        source=via.source,
        source_detail=via.detail[:300],
        **_about(subject),
        old=jsonable(old),
        new=jsonable(new),
        comment=comment,
        private=private,
    )


def _about(subject: Subject) -> dict[str, Any]:
    """The fields of an event that say what it is about."""
    return dict(
        plan_code=subject.plan,
        locality_code=subject.locality,
        indicator_code=subject.indicator,
        period_code=subject.period,
        subject_type=subject.type,
        subject_id=str(subject.id if subject.id is not None else ""),
        subject_label=subject.label[:300],
    )


def like(
    base: dict[str, Any], subject: Subject, *, old: Any, new: Any, comment: str = "", private: bool
) -> dict[str, Any]:
    """The fields of an event like `base` (`fields()`: its time, type, actor and source) about
    `subject`: the many events of one bulk write, without working out again what they share."""
    row = base.copy()
    row.update(_about(subject))
    row.update(old=jsonable(old), new=jsonable(new), comment=comment, private=private)
    return row


def event(type: str, actor: Any, subject: Subject, **kwargs: Any) -> AuditEvent:
    """The event, not yet saved (record() saves one, record_many() many at once); the keywords of
    `fields()`."""
    return AuditEvent(**fields(type, actor, subject, **kwargs))


# The key of the PostgreSQL advisory lock that makes writers of the audit log take turns.
CHAIN_LOCK = 0x504C414E57415443  # "PLANWATC"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock waited for past lock_timeout


# How long a web or API request's write may wait for the chain (seconds; None: as long as it takes,
# the command line's and the job runner's): set for the request by `bounded_writes`.
WRITE_WAIT: ContextVar[float | None] = ContextVar("write_wait", default=None)


def bounded_writes(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: a request's writes wait at most PLANWATCH_WRITE_WAIT_SECONDS for the audit log's
    lock, then answer Busy (503, nothing written) — never a worker killed at its timeout."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = WRITE_WAIT.set(settings.PLANWATCH_WRITE_WAIT_SECONDS or None)
        try:
            return get_response(request)
        finally:
            WRITE_WAIT.reset(token)

    return middleware


def _last_hash(using: str) -> str:
    """The hash of the last event, with the chain locked until the transaction ends: on PostgreSQL
    by an advisory lock, so that concurrent writers chain one after the other (a request's waiting
    at most WRITE_WAIT, then Busy); SQLite lets one writer at a time in (PlanWatch's transactions
    begin IMMEDIATE, and wait for the database's busy timeout)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        _lock_chain(connection)
    last = AuditEvent.objects.using(using).order_by("-id").values_list("hash", flat=True).first()
    return last or chain.GENESIS


def _lock_chain(connection: Any) -> None:
    wait = WRITE_WAIT.get()
    with connection.cursor() as cursor:
        if wait is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            return
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(wait * 1000)}ms"])
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise Busy() from exc
            raise
        cursor.execute("SELECT set_config('lock_timeout', '0', true)")  # the rest as ever


def record(type: str, actor: Any, subject: Subject, **fields: Any) -> AuditEvent:
    """Write one event of the audit log, in the caller's transaction, chained to the last one."""
    return record_many([event(type, actor, subject, **fields)])[0]


def record_fields(row: dict[str, Any]) -> AuditEvent:
    """Write one event given as its fields (`fields()`)."""
    return record_many([AuditEvent(**row)])[0]


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # made once, not by each json.dumps


def record_rows(rows: Sequence[dict[str, Any]]) -> int:
    """Write many events given as their fields (`fields()`), in order, each chained to the one
    before (`record_columns`)."""
    if not rows:
        return 0
    return record_columns({name: [row[name] for row in rows] for name in FIELDS})


# The fields of an event as `fields()` gives them: what `record_columns` takes, a list each.
FIELDS = (*chain.HASHED, "actor_id")
COPIED = (*FIELDS, "hash")  # the columns an event is COPYed into, in order


def record_columns(columns: Mapping[str, list[Any]]) -> int:
    """Write many events given field by field (each of `FIELDS` a list of one value per event, as
    `fields()` would give it), in order, each chained to the one before: on PostgreSQL by one COPY
    (`prepare`, then `record_prepared`), elsewhere by record_many()."""
    count = len(columns["type"])
    if not count:
        return 0
    using = router.db_for_write(AuditEvent)
    if connections[using].vendor != "postgresql":
        names = list(FIELDS)
        rows = zip(*(columns[name] for name in names), strict=True)
        return len(record_many(AuditEvent(**dict(zip(names, row, strict=True))) for row in rows))
    return record_prepared(prepare(columns))


@dataclass(frozen=True)
class Prepared:
    """Events made ready to be COPYed (`prepare`): their canonical texts and their COPY columns,
    all but the hash, which needs the last event's, read under the chain's lock."""

    count: int
    texts: list[str]
    spelled: list[str | list[str]]


def prepare(columns: Mapping[str, list[Any]]) -> Prepared:
    """All of the events' COPY that needs nothing of the database (PostgreSQL): the canonical texts
    (`chain.canonical_columns`) and the columns in COPY's text format (`copytext`), made field by
    field, without a dict or model object per event — so that a bulk write can make them while the
    database takes in something else (workflow._write_set: the new values)."""
    count = len(columns["type"])
    if not count:
        return Prepared(0, [], [])
    spelled = [copytext.column(_json_texts(columns[c]) if c in _JSON_FIELDS else columns[c]) for c in FIELDS]
    return Prepared(count, chain.canonical_columns(columns, count), spelled)


CHUNK = 20_000  # events hashed, then sent, at a time: the database takes in one while the next is hashed


def record_prepared(events: Prepared) -> int:
    """Write prepared events, in order, each chained to the one before, by one COPY (PostgreSQL):
    the events follow each other by id (the COPY takes the ids of the table's sequence in the order
    of the rows, and the chain's lock keeps every other writer out meanwhile). The hashes are worked
    out a chunk at a time, each chunk sent by psycopg's writer thread while the next is hashed."""
    if not events.count:
        return 0
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"COPY {table} ({', '.join(COPIED)}) FROM STDIN"
    with transaction.atomic(using=using):
        previous = _last_hash(using)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                for start in range(0, events.count, CHUNK):
                    end = min(start + CHUNK, events.count)
                    hashes = chain.chained(previous, events.texts[start:end])
                    previous = hashes[-1]
                    part = [c if isinstance(c, str) else c[start:end] for c in events.spelled]
                    copy.write(copytext.lines([*part, hashes], end - start))
    return events.count


_JSON_FIELDS = frozenset({"old", "new"})


def _json_texts(values: list[Any]) -> list[Any]:
    """The JSON text of each value of a JSON field (None stays None: SQL NULL)."""
    return [None if v is None else _JSON(v) for v in values]


def record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Write many events at once (a sample load, a bulk import), in order, each chained to the one
    before (planwatch.kernel.chain)."""
    events = list(events)
    using = router.db_for_write(AuditEvent)
    with transaction.atomic(using=using):
        chain.seal(_last_hash(using), events)
        if len(events) == 1:
            events[0].save(using=using)
            return events
        return AuditEvent.objects.using(using).bulk_create(events, batch_size=1000)


def verify(using: str | None = None) -> chain.Walk:
    """Walk the whole audit log, oldest first, to the first event that does not follow the one
    before it (`planwatch verify_audit`)."""
    events = AuditEvent.objects.using(using or router.db_for_read(AuditEvent)).order_by("id")
    return chain.walk(events.iterator(chunk_size=2000))
