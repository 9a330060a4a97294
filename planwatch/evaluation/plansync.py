"""The derived indicators declared in the plan file (`derived_indicators:`): loaded into
DerivedIndicator rows, and exported back.

Called by planwatch.plans.loader inside its transaction (this app registers them as a part of the
plan: see apps.py), so a plan file loads whole or not at all. The file has been checked already
(planwatch.core.planfile: known metrics and dimensions, codes of their own)."""

from __future__ import annotations

from typing import Any

from planwatch.core import planfile
from planwatch.core.numbers import json_number
from planwatch.evaluation.models import DerivedIndicator
from planwatch.plans.models import Dimension, Indicator, Plan


def sync_derived(
    plan: Plan, doc: planfile.PlanDocument, indicators: dict[str, Indicator], file_name: str
) -> None:
    """Make the plan's derived indicators exactly the file's, matched by code. They hold no data
    of their own (their values are computed when a run is made): one that leaves the file goes."""
    dimensions = {d.code: d for d in Dimension.objects.filter(plan=plan)}
    existing = {d.code: d for d in DerivedIndicator.objects.filter(plan=plan)}
    for order, ind in enumerate(doc.derived_indicators):
        row = {
            "metric": ind.metric.value,
            "dimension": dimensions[ind.dimension] if ind.dimension else None,
            "target": ind.target,
            "note_zh": ind.note.zh if ind.note else "",
            "note_en": ind.note.en if ind.note else "",
            "order": order,
        }
        obj = existing.pop(ind.code, None)
        if obj is None:
            DerivedIndicator.objects.create(plan=plan, code=ind.code, **row)
            continue
        changed = [name for name, value in row.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, row[name])
        if changed:
            obj.save(update_fields=changed)
    DerivedIndicator.objects.filter(pk__in=[obj.pk for obj in existing.values()]).delete()


def derived_dicts(plan: Plan) -> list[dict[str, Any]]:
    """The plan's derived indicators as the plan file's `derived_indicators:` section."""
    return [
        {
            "code": ind.code,
            "metric": ind.metric,
            "dimension": ind.dimension.code if ind.dimension else None,
            "target": json_number(ind.target),
            "note": {"zh": ind.note_zh, "en": ind.note_en} if ind.note_zh or ind.note_en else None,
        }
        for ind in DerivedIndicator.objects.filter(plan=plan)
        .select_related("dimension")
        .order_by("order", "id")
    ]
