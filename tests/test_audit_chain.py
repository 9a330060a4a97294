"""The audit log can be trusted: append-only in the database (an UPDATE or DELETE of an event is
refused, on SQLite and on PostgreSQL), nothing taken with a deleted value or user, and each event
chained to the one before by its hash, so that `planwatch verify_audit` names the first event edited,
deleted or inserted behind the application's back."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from planwatch.kernel import audit, chain
from planwatch.kernel.models import AuditEvent
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import load_sample_values
from tests.audit import triggers_lifted


def note(n: int, actor: Any = None) -> AuditEvent:
    return audit.record(
        "period.dates", actor, audit.Subject("period", n, f"期 {n}", plan="p"), old={"n": n}, new={"n": 1e30}
    )


def verify_fails() -> str:
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit")
    assert refused.value.returncode == 1  # the exit status of `planwatch verify_audit`
    return str(refused.value)


def verify_passes(count: int) -> None:
    out = call_command("verify_audit", stdout=(buffer := _Buffer()))
    assert out is None and f"The audit log is intact: {count} events" in buffer.text


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.django_db
def test_each_event_follows_the_one_before():
    first, second, third = note(1), note(2), note(3)
    assert first.hash == chain.link(chain.GENESIS, first)
    assert second.hash == chain.link(first.hash, second) and third.hash == chain.link(second.hash, third)
    # the same hash read back from the database (jsonb writes 1e30 in digits; `at` comes back in UTC)
    assert [
        chain.link(p, e)
        for p, e in zip(["", first.hash, second.hash], AuditEvent.objects.order_by("id"), strict=True)
    ] == [
        first.hash,
        second.hash,
        third.hash,
    ]
    verify_passes(3)


@pytest.mark.django_db
def test_many_events_at_once_are_chained_in_order(plan):
    load_sample_values(plan)  # record_many
    walk = audit.verify()
    assert walk.broken is None and walk.count == AuditEvent.objects.count() > 10
    assert walk.head == AuditEvent.objects.order_by("-id").first().hash


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_an_event():
    event = note(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(comment="后改的")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.comment = "后改的"
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE kernel_auditevent SET actor_id = NULL, actor_name = 'x'")
    assert AuditEvent.objects.get().comment == "" and AuditEvent.objects.get().actor_name == ""
    verify_passes(1)


@pytest.mark.django_db
def test_a_deleted_user_keeps_their_name_in_the_log(django_user_model):
    ann = django_user_model.objects.create_user("ann")
    note(1, ann), note(2)
    ann.delete()  # the link goes to NULL (the one change the trigger lets through); the name stays
    event = AuditEvent.objects.order_by("id").first()
    assert (event.actor_id, event.actor_name) == (None, "ann")
    verify_passes(2)


@pytest.mark.django_db
def test_a_deleted_value_keeps_its_events(plan):
    load_sample_values(plan)
    value_events = AuditEvent.objects.filter(subject_type="value").count()
    assert value_events
    ReportedValue.objects.filter(indicator__plan=plan).delete()
    assert AuditEvent.objects.filter(subject_type="value").count() == value_events
    assert audit.verify().broken is None


@pytest.mark.django_db
def test_verify_audit_names_an_edited_event():
    _first, second, _third = note(1), note(2), note(3)
    with triggers_lifted():  # what someone who owns the tables could do
        AuditEvent.objects.filter(pk=second.pk).update(comment="事后补记")
    message = verify_fails()
    assert f"#{second.pk} period.dates 期 2" in message and "edited" in message and "被修改" in message


@pytest.mark.django_db
def test_verify_audit_names_the_event_after_a_deleted_one():
    first, second, third = note(1), note(2), note(3)
    with triggers_lifted():  # what someone who owns the tables could do
        AuditEvent.objects.filter(pk=second.pk).delete()
    message = verify_fails()
    assert f"#{third.pk} period.dates" in message and f"does not follow #{first.pk}" in message
    assert f"events #{second.pk}–#{second.pk} are missing" in message


@pytest.mark.django_db
def test_verify_audit_names_an_inserted_event():
    first = note(1)
    forged = audit.event("value.accept", None, audit.Subject("value", 9, "伪造", plan="p"))
    forged.save()  # an INSERT needs no trigger lifted: only writing through audit.record chains it
    message = verify_fails()
    assert f"#{forged.pk} value.accept 伪造" in message and "inserted" in message
    # … and one given a hash of its own, but not in the chain (written between two events)
    with triggers_lifted():  # what someone who owns the tables could do
        AuditEvent.objects.filter(pk=forged.pk).update(hash=chain.link("", forged))
    second = note(2)
    assert second.hash == chain.link(AuditEvent.objects.get(pk=forged.pk).hash, second)
    assert f"#{forged.pk} value.accept 伪造" in verify_fails() and first.pk < forged.pk


@pytest.mark.django_db
def test_an_event_moved_in_time_breaks_the_chain():
    note(1), (second := note(2))
    with triggers_lifted():  # what someone who owns the tables could do
        AuditEvent.objects.filter(pk=second.pk).update(at=second.at - dt.timedelta(days=1))
    assert f"#{second.pk}" in verify_fails()


@pytest.mark.django_db
def test_an_empty_log_is_intact():
    verify_passes(0)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite lets one writer in at a time")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_one_after_the_other():
    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    note(100 * n + i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    walk = audit.verify()
    assert walk.broken is None and walk.count == 40


def test_the_events_already_written_are_chained_by_the_migration(migrator):
    old = migrator.apply_initial_migration([("kernel", "0002_old_audit_rows")])
    Event = old.apps.get_model("kernel", "AuditEvent")
    for n in range(3):
        Event.objects.create(
            at=timezone.now(), type="value.save", subject_type="value", subject_id=str(n), new={"value": "5"}
        )
    new = migrator.apply_tested_migration([("kernel", "0004_audit_append_only")])
    events = new.apps.get_model("kernel", "AuditEvent").objects.order_by("id")
    walk = chain.walk(events.iterator())
    assert walk.broken is None and walk.count == 3 and all(e.hash for e in events)
    with pytest.raises(DatabaseError), transaction.atomic():
        events.update(comment="x")


def _reference_text(event: dict[str, Any]) -> str:
    """The canonical text as the chain has always defined it: json.dumps of the canonical fields."""
    fields = {name: chain._canonical(event[name]) for name in chain.HASHED}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_events_written_at_once_hash_as_each_alone():
    """canonical_many (a bulk write's events, field by field) writes the very text json.dumps writes
    of each event alone: the chain's format is unchanged, old events verify as before."""
    rng = random.Random(18)
    texts = ["", 'a"b\\c\n\t\u2028%s%%', "珠海 I01", "\x00\x1f", "😀", "</script>"]
    shapes: list[Any] = [
        None,
        {"value": "12.5", "state": "draft"},
        {"value": None, "state": "draft"},
        {"state": "d", "value": "2%"},
        {"%": "x"},
        {"a": Decimal("1.50"), "b": [1, 2.5, {"z": True}]},
        {"x": 1e30},
        {"a": 1},
        {"a": True},
        {1: "x"},
        [1, "2"],
        "plain",
        7,
        True,
        1,
        Decimal("0E-8"),
    ]
    east = dt.timezone(dt.timedelta(hours=8))
    for _trial in range(200):
        alike = set(rng.sample(chain.HASHED, rng.randint(0, len(chain.HASHED))))
        events = []
        for n in range(rng.randint(1, 30)):
            event: dict[str, Any] = {
                name: "same" if name in alike else rng.choice(texts) for name in chain.HASHED
            }
            event["at"] = dt.datetime(
                2026, 1, 2, 3, 4, 5, rng.randint(0, 2), tzinfo=rng.choice([dt.UTC, east])
            )
            event["old"], event["new"] = rng.choice(shapes), rng.choice(shapes)
            event["private"], event["subject_id"] = rng.choice([True, False]), str(n)
            events.append(event)
        expected = [_reference_text(e) for e in events]
        assert chain.canonical_many(events) == expected
        assert [chain.canonical_json(e) for e in events] == expected
