"""A Draft as a plan file (planwatch/plan@1): every item with its confidence in a comment above it, and
`review: …` on every item the drafter is unsure of. `planwatch load_plan` refuses a file that still
has a `review:` line (planfile.REVIEW_MARKER), saying where; once each is resolved and deleted, the
file loads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from planwatch.core.drafting.model import Draft, DraftTarget, Evidence
from planwatch.core.kinds import UNITS, kind_of
from planwatch.core.numbers import json_number
from planwatch.core.planfile import FORMAT, REVIEW_MARKER, figures_in

PREAMBLE_CLAUSE = "序言"  # the clause of what precedes the first numbered heading


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9)


def _text(zh: str) -> dict[str, str]:
    """A bilingual text: the English is the Chinese until someone translates it (docs/drafting.md)."""
    return {"zh": zh, "en": zh}


def _source(evidence: Evidence) -> dict[str, str]:
    return {"clause": evidence.clause or PREAMBLE_CLAUSE, "quote": evidence.quote}


def _number(value: Decimal) -> int | float:
    number = json_number(value)
    assert number is not None
    return number


def _marked(item: dict[str, Any], evidence: Evidence) -> dict[str, Any]:
    if evidence.needs_review:
        item[REVIEW_MARKER] = "；".join(evidence.review)
    return item


def _comment(evidence: Evidence, indent: str = "") -> str:
    line = f"{indent}# confidence {evidence.confidence:.2f}"
    if evidence.review and not evidence.needs_review:
        line += " — " + "；".join(evidence.review)
    return line + "\n"


def _items(key: str, rows: list[tuple[dict[str, Any], Evidence]], indent: str = "") -> str:
    if not rows:
        return f"{indent}{key}: []\n"
    out = f"{indent}{key}:\n"
    for item, evidence in rows:
        out += _comment(evidence, indent)
        out += "".join(indent + line + "\n" for line in _dump([item]).splitlines())
    return out


def indicators_of(draft: Draft) -> list[tuple[str, list[DraftTarget]]]:
    """The draft's indicators, each with its targets (the region's first, then the places' read from
    the same sentence), coded I01, I02 … in the text's order."""
    out: list[tuple[str, list[DraftTarget]]] = []
    by_name: dict[str, list[DraftTarget]] = {}
    for target in draft.targets:
        if target.indicator.startswith("@") and target.indicator[1:] in by_name:
            by_name[target.indicator[1:]].append(target)
            continue
        targets = [target]
        by_name[target.name] = targets
        out.append((f"I{len(out) + 1:02d}", targets))
    for code, targets in out:
        for target in targets:
            target.indicator = code
    return out


def _plan(draft: Draft) -> dict[str, Any]:
    h = draft.header
    period: dict[str, int] = {"base_year": h.base_year, "start_year": h.start_year, "end_year": h.end_year}
    if h.horizon_year:
        period["horizon_year"] = h.horizon_year
    plan: dict[str, Any] = {
        "code": h.plan_code,
        "title": _text(h.title),
        "issuer": _text(h.issuer),
        "issued_on": h.issued_on.isoformat() if h.issued_on else f"{h.start_year}-01-01",
        "document_number": h.document_number,
        "region": _text(h.region),
        "period": period,
    }
    _marked(plan, h.evidence)
    plan["source_text"] = draft.source_text.rstrip("\n") + "\n"
    return plan


def _localities(draft: Draft) -> list[tuple[dict[str, Any], Evidence]]:
    out = []
    for loc in draft.localities:
        row = {
            "code": loc.code,
            "name": _text(loc.name),
            "level": loc.level,
            **({"parent": loc.parent} if loc.parent else {}),
            **({"pilot": True} if loc.pilot else {}),
            **({"figures_include_children": True} if loc.figures_include_children else {}),
        }
        out.append((_marked(row, loc.evidence), loc.evidence))
    return out


def _units(draft: Draft) -> list[tuple[dict[str, Any], Evidence]]:
    """The units named; with none, the issuer, marked for review."""
    units = [
        (_marked({"code": u.code, "name": _text(u.name), "kind": u.kind}, u.evidence), u.evidence)
        for u in draft.units
    ]
    if units:
        return units
    evidence = Evidence("", draft.header.issuer, -1, 0.5)
    evidence.doubt("文中未写责任单位：暂以发文机关为责任单位 / no responsible unit named: the issuer", 0.5)
    issuer = {"code": "U01", "name": _text(draft.header.issuer), "kind": "provincial_department"}
    return [(_marked(issuer, evidence), evidence)]


def _key_field_groups(draft: Draft) -> list[tuple[dict[str, Any], Evidence]]:
    return [
        (
            {
                "code": g.code,
                "number": g.number,
                "name": _text(g.name),
                "source": _source(g.evidence),
                "fields": [
                    {"code": f.code, "number": f.number, "name": _text(f.name), "source": _source(f.evidence)}
                    for f in g.fields
                ],
            },
            g.evidence,
        )
        for g in draft.key_field_groups
    ]


def _task_groups_text(draft: Draft) -> str:
    if not draft.task_groups:
        return "task_groups: []\n"
    fallback_unit = draft.units[0].code if draft.units else "U01"
    text = "task_groups:\n"
    for group in draft.task_groups:
        text += _comment(group.evidence)
        head = {
            "code": group.code,
            "number": group.number,
            "title": _text(group.title),
            "source": _source(group.evidence),
        }
        text += _dump([head])
        rows = []
        for task in group.tasks:
            item: dict[str, Any] = {"code": task.code}
            if task.number is not None:
                item["number"] = task.number
            item["title"] = _text(task.title)
            item["lead"] = task.lead or fallback_unit
            if task.participants:
                item["participants"] = task.participants
            item["source"] = _source(task.evidence)
            rows.append((_marked(item, task.evidence), task.evidence))
        text += _items("tasks", rows, "  ")
    return text


def _indicator(code: str, first: DraftTarget, dimension: str | None, codes: dict[str, str]) -> dict[str, Any]:
    indicator: dict[str, Any] = {
        "code": code,
        "name": _text(first.name),
        "unit": first.unit,
        "kind": first.kind,
        "aggregation": "sum" if first.kind in ("cumulative_count", "cumulative_sum", "level") else "none",
    }
    if first.component in codes:
        kind = kind_of(first.kind)
        role = (kind.components or kind.optional_components)[0]
        indicator["components"] = {role: codes[first.component]}
        if kind.components:  # recomputed from it: a growth from its level
            indicator["aggregation"] = "recompute"
    if first.qualifier == "at_most":  # 控制在, 不超过: a ceiling, lower is better
        indicator["direction"] = "lower_is_better"
    if first.base_year is not None:
        base: dict[str, Any] = {"year": first.base_year}
        if first.base_value is not None:
            base["value"] = _number(first.base_value)
            base["implied"] = True
            base["note"] = _text("由原文增长率推得。")
        elif first.base_implied:
            base["note"] = _text("原文未写基期，按方案基期（年度方案按上年）计。")
        indicator["base"] = base
    if dimension:
        indicator["dimension"] = dimension
    if first.task:
        indicator["tasks"] = [first.task]
    indicator["source"] = _source(first.evidence)
    return indicator


def _target(target: DraftTarget) -> dict[str, Any]:
    """A target's row; a figure not written in its sentence or a unit outside the table is doubted."""
    row: dict[str, Any] = {"scope": target.scope, "year": target.year, "value": _number(target.value)}
    if target.qualifier != "exact":
        row["qualifier"] = target.qualifier
    if target.year_implied:
        row["note"] = _text(f"原文此句未写年份，按{target.year}年计。")
    if target.figure_note:  # a running total of yearly figures
        row["figure_note"] = _text(target.figure_note)
    elif target.value not in figures_in(target.evidence.quote):  # read from a list or in words
        row["figure_note"] = _text(
            "原文未直接写出此数，由起草程序从原文推得（如列举的地区数、中文数字），请核对。"
        )
        target.evidence.doubt("此数未直接写在原文中", 0.7)
    row["source"] = _source(target.evidence)
    if target.unit not in UNITS:
        target.evidence.doubt(f"计量单位“{target.unit}”需改为单位表中的单位", 0.5)
    return _marked(row, target.evidence)


def _indicators_text(indicators: list[tuple[str, list[DraftTarget]]], dimension: str | None) -> str:
    if not indicators:
        return "indicators: []\n"
    text = "indicators:\n"
    codes: dict[str, str] = {}
    for code, targets in indicators:
        codes.setdefault(targets[0].name, code)
    for code, targets in indicators:
        text += _comment(targets[0].evidence) + _dump([_indicator(code, targets[0], dimension, codes)])
        text += _items("targets", [(_target(t), t.evidence) for t in targets], "  ")
    return text


def write_draft(draft: Draft, document_name: str) -> str:
    """The draft as the text of a plan file. The sections are written before the header counts the
    items marked for review: writing a target may mark it (a figure not in its sentence)."""
    plan = _plan(draft)
    localities, units, key_field_groups = _localities(draft), _units(draft), _key_field_groups(draft)
    task_groups_text = _task_groups_text(draft)
    dimension = draft.dimensions[0].code if draft.dimensions else None
    dimensions = [
        (_marked({"code": d.code, "name": _text(d.name), "weight": d.weight}, d.evidence), d.evidence)
        for d in draft.dimensions
    ]
    indicators = indicators_of(draft)
    indicators_text = _indicators_text(indicators, dimension)
    reviews = draft.review_count()
    header = (
        f"# Draft plan file written by `planwatch draft_plan` from {document_name} (docs/drafting.md).\n"
        f"# {len(indicators)} indicators, {len(draft.targets)} targets, {len(draft.tasks())} tasks, "
        f"{len(draft.units)} units, {len(draft.localities)} localities; {reviews} item(s) marked `review:`.\n"
        "# Each item's confidence is in the comment above it. Check every item marked `review:`, correct it,\n"
        "# then delete its `review:` line: `planwatch load_plan` refuses the file while one is left.\n"
        "# English texts are copies of the Chinese until translated. Give the plan its own code (plan.code).\n"
    )
    if draft.left_out:
        header += (
            f"# Figures read but not drafted (a unit PlanWatch does not have): {'、'.join(draft.left_out)}.\n"
        )
    body = f"format: {FORMAT}\n" + _dump({"plan": plan})
    body += _items("localities", localities)
    body += _items("units", units)
    if dimensions:
        body += _items("dimensions", dimensions)
    if key_field_groups:
        body += _items("key_field_groups", key_field_groups)
    body += task_groups_text + indicators_text
    return header + body
