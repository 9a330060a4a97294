"""The ledgers declared in the plan file: loaded into LedgerType rows, and exported back.

Called by planwatch.plans.loader inside its transaction (the ledgers app registers them as a part
of the plan: see apps.py), so a plan file loads whole or not at all."""

from __future__ import annotations

from typing import Any

from planwatch.core import planfile
from planwatch.core.errors import PlanFileError, Problem
from planwatch.core.numbers import json_number
from planwatch.plans.models import Indicator, Plan

from .models import LedgerType


def _row(ledger: planfile.Ledger, order: int) -> dict[str, Any]:
    first_feeds: dict[str, str] = {}
    for feed in ledger.feeds:
        if not feed.where:
            first_feeds.setdefault(feed.stage, feed.indicator)
    return {
        "name_zh": ledger.name.zh,
        "name_en": ledger.name.en,
        "threshold": ledger.threshold,
        "has_investment": ledger.threshold is not None,
        "stages": [{"code": s.code, "zh": s.name.zh, "en": s.name.en} for s in ledger.stages],
        "feeds": [
            {"indicator": f.indicator, "stage": f.stage, "count": f.count.value, "where": dict(f.where)}
            for f in ledger.feeds
        ],
        "stage_indicators": first_feeds,
        "attributes": [
            {
                "code": a.code,
                "zh": a.name.zh,
                "en": a.name.en,
                "type": a.type.value,
                "choices": list(a.choices),
                "required": a.required,
                "unit": a.unit or "",
            }
            for a in ledger.attributes
        ],
        "clause": ledger.source.clause,
        "quote": ledger.source.quote,
        "order": order,
    }


def sync_ledgers(
    plan: Plan, doc: planfile.PlanDocument, indicators: dict[str, Indicator], file_name: str
) -> None:
    """Make the plan's ledger types exactly the file's; a ledger with rows cannot be removed."""
    existing = {lt.code: lt for lt in LedgerType.objects.filter(plan=plan)}
    for order, ledger in enumerate(doc.ledgers):
        row = _row(ledger, order)
        obj = existing.pop(ledger.code, None)
        if obj is None:
            obj = LedgerType.objects.create(plan=plan, code=ledger.code, **row)
        else:
            for name, value in row.items():
                setattr(obj, name, value)
            obj.save()
        obj.indicators.set([indicators[f.indicator] for f in ledger.feeds])
    for code, obj in existing.items():
        if obj.items.exists():
            problem = Problem("ledgers", f"ledger {code!r} was removed from the file but it still has rows")
            raise PlanFileError(file_name, [problem])
        obj.delete()


def ledger_dicts(plan: Plan) -> list[dict[str, Any]]:
    """The plan's ledger types as the plan file's `ledgers:` section."""
    return [
        {
            "code": lt.code,
            "name": {"zh": lt.name_zh, "en": lt.name_en},
            "threshold": json_number(lt.threshold),
            "stages": [{"code": s["code"], "name": {"zh": s["zh"], "en": s["en"]}} for s in lt.stages],
            "attributes": [
                {
                    "code": a["code"],
                    "name": {"zh": a["zh"], "en": a["en"]},
                    "type": a.get("type", "text"),
                    "choices": a.get("choices", []),
                    "required": a.get("required", False),
                    "unit": a.get("unit") or None,
                }
                for a in lt.attributes
            ],
            "feeds": lt.feeds,
            "source": {"clause": lt.clause, "quote": lt.quote},
        }
        for lt in LedgerType.objects.filter(plan=plan).order_by("order", "code")
    ]
