"""Values as they reach the workflow: the indicators a ledger feeds (I01–I03, I10, I12, I14–I21,
I26 in the seed) are written by the ledger (source ledger, as planwatch.ledgers.services.derive_values
does), never typed (settings.PLANWATCH_LEDGER_DERIVED_ONLY); the others as typed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue

LEDGER = wf.Via(source=ReportedValue.Source.LEDGER, detail="ledgers")
FED = {"I01", "I02", "I03", "I10", "I12", "I14", "I15", "I16", "I17", "I18", "I19", "I20", "I21", "I26"}


def save_reported(
    user: Any,
    locality: Any,
    period: Any,
    entries: Sequence[wf.Entry],
    *,
    via: wf.Via | None = None,
    **kw: Any,
) -> wf.SaveResult:
    """save_values, the ledger-fed entries first through the ledger's path, then the rest as typed."""
    derived = wf.ledger_derived(e.indicator for e in entries)
    result = wf.SaveResult()
    for part, how in (
        ([e for e in entries if e.indicator.pk in derived], LEDGER),
        ([e for e in entries if e.indicator.pk not in derived], via or wf.Via()),
    ):
        if part:
            done = wf.save_values(user, locality, period, part, via=how, **kw)
            result.saved += done.saved
            result.warnings += done.warnings
    return result
