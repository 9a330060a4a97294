"""A ledger row's fields by their names for a reader: its stages and attributes are its ledger's (the
plan file names them), the rest are the row's model fields. The item page's history and the audit log
both name a row's changes here."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from planwatch.kernel.models import AuditEvent, Words
from planwatch.kernel.models import field_label as kernel_field_label
from planwatch.plans.models import pick

from .models import DATE_COLUMNS, LedgerItem, LedgerType

STAGE_OF_COLUMN = {column: stage for stage, column in DATE_COLUMNS.items()}


def stage_label(ledger: LedgerType, stage: str) -> str:
    zh, en = ledger.stage_name(stage)
    return pick(zh, en)


def field_label(ledger: LedgerType, key: str, within: str = "") -> str:
    """`key` of a row of `ledger`, as it stands in a snapshot: at the top (`within` ""), or inside
    its `attributes` or `dates`."""
    if within == "attributes":
        attribute = next((a for a in ledger.attributes if a["code"] == key), None)
        return pick(attribute["zh"], attribute["en"]) if attribute else key
    if within == "dates":
        return stage_label(ledger, key)
    if STAGE_OF_COLUMN.get(key) in ledger.stage_codes:
        return stage_label(ledger, STAGE_OF_COLUMN[key])
    if key == "merged_into":
        return _("Merged into")
    if key == "attributes":
        return _("Attributes")
    if key == "dates":
        return _("Dates")
    return str(kernel_field_label("ledger_row", key))  # the row's model field, or the kernel's word


def ledger_words(ledger: LedgerType) -> Words:
    """`field_label` of `ledger`, each key looked up once per language: the audit log's thousands of
    row events name the same dozen keys."""
    named: dict[tuple[str, str, str | None], str] = {}

    def words(key: str, within: str = "") -> str:
        at = (key, within, get_language())
        if at not in named:
            named[at] = field_label(ledger, key, within)
        return named[at]

    return words


def name_audit_fields(events: list[AuditEvent]) -> None:
    """Give each ledger row's event its ledger's words (kernel.models.name_fields)."""
    ids = {int(e.subject_id) for e in events if e.subject_id.isdigit()}
    ledgers = dict(LedgerItem.objects.filter(pk__in=ids).values_list("pk", "ledger"))
    words = {
        pk: ledger_words(ledger) for pk, ledger in LedgerType.objects.in_bulk(set(ledgers.values())).items()
    }
    for event in events:
        named = words.get(ledgers.get(int(event.subject_id), -1)) if event.subject_id.isdigit() else None
        if named is not None:
            event.words = named
