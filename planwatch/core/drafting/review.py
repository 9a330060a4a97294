"""A person's review of a draft (the 新方案起草 page): accept, edit or reject each item, merge duplicate
indicators, and confirm every item the drafter marked. Django-free: the page hands in what was
decided per item; `apply_review` changes the draft and lists what still blocks it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from planwatch.core.drafting.model import Draft, DraftTarget, Evidence
from planwatch.core.kinds import IndicatorKind, Qualifier

ACCEPT = "accept"
REJECT = "reject"

# A plan's code as its pages' addresses take it (a slug, as plans.Plan.code).
ITEM_WORDS = {
    "header": ("方案", "Plan"),
    "locality": ("地区", "Locality"),
    "unit": ("责任单位", "Unit"),
    "dimension": ("评估维度", "Dimension"),
    "task": ("任务", "Task"),
    "target": ("目标", "Target"),
    "plan": ("方案文件", "Plan file"),
}
PLAN_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


@dataclass
class Decision:
    """What the reviewer decided for one item: `action` accept or reject, `checked` that a marked
    item was looked at, the edited `fields` (name → text as entered) and, for a target, the target
    (by index) whose indicator it is the same as (`merge_into`)."""

    action: str = ACCEPT
    checked: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    merge_into: int | None = None


@dataclass(frozen=True)
class Blocker:
    """Why the draft cannot be saved yet: an item (`item`: "target-3", "task-2" …) and the reason."""

    item: str
    zh: str
    en: str

    @property
    def label_zh(self) -> str:
        """The item as a reader names it: 目标4 for "target-3"."""
        kind, _, n = self.item.partition("-")
        return ITEM_WORDS.get(kind, (kind, kind))[0] + (str(int(n) + 1) if n.isdigit() else "")

    @property
    def label_en(self) -> str:
        kind, _, n = self.item.partition("-")
        return ITEM_WORDS.get(kind, (kind, kind))[1] + (f" {int(n) + 1}" if n.isdigit() else "")


def _flagged(evidence: Evidence) -> bool:
    return evidence.needs_review


def _resolve(evidence: Evidence, item: str, decision: Decision, blockers: list[Blocker]) -> None:
    if not _flagged(evidence):
        return
    if decision.checked or decision.fields:
        evidence.review.clear()
        evidence.confidence = 1.0
        return
    halves = [reason.partition(" / ") for reason in evidence.review]  # “中文 / English” each
    zh = "；".join(z for z, _, _ in halves)
    en = "; ".join(e or z for z, _, e in halves)
    blockers.append(Blocker(item, f"尚待核对：{zh}", f"not yet checked: {en}"))


def _decimal(text: str, item: str, what: str, blockers: list[Blocker]) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        blockers.append(Blocker(item, f"{what}不是数字：{text}", f"{what} is not a number: {text}"))
        return None
    if not value.is_finite():
        blockers.append(Blocker(item, f"{what}不是数字：{text}", f"{what} is not a number: {text}"))
        return None
    return value


def _year(text: str, item: str, blockers: list[Blocker]) -> int | None:
    if not text.strip().isdigit() or not 1949 <= int(text) <= 2100:
        blockers.append(
            Blocker(item, f"年份应为1949–2100的整数：{text}", f"a year is a whole number 1949–2100: {text}")
        )
        return None
    return int(text)


def _edit_target(target: DraftTarget, item: str, fields: dict[str, str], blockers: list[Blocker]) -> None:
    if name := fields.get("name", "").strip():
        target.name = name
    if "value" in fields and (value := _decimal(fields["value"], item, "目标值", blockers)) is not None:
        target.value = value
    if unit := fields.get("unit", "").strip():
        target.unit = unit
    year = _year(fields["year"], item, blockers) if "year" in fields else None
    if year is not None and year != target.year:
        target.year = year
        target.year_implied = False
    if kind := fields.get("kind", "").strip():
        if kind not in {k.value for k in IndicatorKind}:
            blockers.append(Blocker(item, f"未知的指标类型：{kind}", f"unknown indicator kind: {kind}"))
        else:
            target.kind = kind
    if qualifier := fields.get("qualifier", "").strip():
        if qualifier not in {q.value for q in Qualifier}:
            blockers.append(Blocker(item, f"未知的限定词：{qualifier}", f"unknown qualifier: {qualifier}"))
        else:
            target.qualifier = qualifier


def _apply_header(draft: Draft, header: Decision, blockers: list[Blocker]) -> None:
    """The plan's own fields as the reviewer left them: title, issuer, dates, years, code."""
    h = draft.header
    for name in ("title", "issuer", "region", "document_number"):
        if name in header.fields and (header.fields[name].strip() or name == "document_number"):
            setattr(h, name, header.fields[name].strip())
    if issued := header.fields.get("issued_on", "").strip():
        try:
            h.issued_on = dt.date.fromisoformat(issued)
        except ValueError:
            blockers.append(
                Blocker("header", f"日期格式应为YYYY-MM-DD：{issued}", f"a date is YYYY-MM-DD: {issued}")
            )
    for name in ("base_year", "start_year", "end_year"):
        if name in header.fields and (year := _year(header.fields[name], "header", blockers)) is not None:
            setattr(h, name, year)
    if code := header.fields.get("code", "").strip():
        if PLAN_CODE.fullmatch(code):
            h.code = code
        else:
            blockers.append(
                Blocker(
                    "header",
                    f"方案编码只能由字母、数字、连字符和下划线组成，至多40个字符：{code}",
                    f"a plan code is letters, digits, hyphens and underscores, at most 40: {code}",
                )
            )
    _resolve(h.evidence, "header", header, blockers)


def apply_review(draft: Draft, decisions: dict[str, Decision]) -> list[Blocker]:
    """Apply the reviewer's decisions (keyed "header", "locality-N", "unit-N", "dimension-N", "task-N", "target-N",
    N the item's index in the draft) to the draft, in place; return what still blocks saving — an
    item marked for review and neither checked, edited nor rejected, or an edit that cannot be read.
    An item without a decision is accepted as drafted (and blocks if it is marked)."""
    blockers: list[Blocker] = []

    def decision(key: str) -> Decision:
        return decisions.get(key, Decision())

    _apply_header(draft, decision("header"), blockers)

    for index, loc in enumerate(draft.localities):
        d = decision(f"locality-{index}")
        if "name" in d.fields and d.fields["name"].strip():
            loc.name = d.fields["name"].strip()
        if "pilot" in d.fields:
            loc.pilot = d.fields["pilot"] == "on"
        if "figures_include_children" in d.fields:
            loc.figures_include_children = d.fields["figures_include_children"] == "on"
        _resolve(loc.evidence, f"locality-{index}", d, blockers)
    if not any(loc.pilot for loc in draft.localities):
        blockers.append(
            Blocker(
                "localities", "至少需要一个报送单位（试点）。", "at least one locality must report (pilot)."
            )
        )

    for index, unit in enumerate(draft.units):
        d = decision(f"unit-{index}")
        if name := d.fields.get("name", "").strip():
            unit.name = name
        if kind := d.fields.get("kind", "").strip():
            unit.kind = kind
        _resolve(unit.evidence, f"unit-{index}", d, blockers)

    for index, dimension in enumerate(draft.dimensions):
        d = decision(f"dimension-{index}")
        if name := d.fields.get("name", "").strip():
            dimension.name = name
        _resolve(dimension.evidence, f"dimension-{index}", d, blockers)

    unit_codes = {unit.code for unit in draft.units}
    tasks = draft.tasks()
    rejected_tasks: set[str] = set()
    for index, task in enumerate(tasks):
        d = decision(f"task-{index}")
        if d.action == REJECT:
            rejected_tasks.add(task.code)
            continue
        if title := d.fields.get("title", "").strip():
            task.title = title
        if (lead := d.fields.get("lead", "").strip()) and lead in unit_codes:
            task.lead = lead
            task.participants = [code for code in task.participants if code != lead]
        if task.lead is None:
            blockers.append(Blocker(f"task-{index}", "未指定牵头单位。", "no lead unit chosen."))
        _resolve(task.evidence, f"task-{index}", d, blockers)
    for group in draft.task_groups:
        group.tasks = [task for task in group.tasks if task.code not in rejected_tasks]
    draft.task_groups = [group for group in draft.task_groups if group.tasks]

    kept: list[DraftTarget] = []
    merged: dict[int, int] = {}
    for index, target in enumerate(draft.targets):
        d = decision(f"target-{index}")
        if d.action == REJECT:
            continue
        item = f"target-{index}"
        _edit_target(target, item, d.fields, blockers)
        if target.task in rejected_tasks:
            target.task = None
        _resolve(target.evidence, item, d, blockers)
        if d.merge_into is not None and d.merge_into != index and 0 <= d.merge_into < len(draft.targets):
            merged[index] = d.merge_into
        kept.append(target)
    draft.targets = _merged(draft.targets, kept, merged, blockers)
    return blockers


def _merged(
    original: list[DraftTarget], kept: list[DraftTarget], merged: dict[int, int], blockers: list[Blocker]
) -> list[DraftTarget]:
    """Targets whose indicator is another's (the same indicator named twice): moved behind that
    target, in its indicator; one that says the same scope and year as one there is the same target
    stated twice, dropped."""
    index_of = {id(target): index for index, target in enumerate(original)}
    kept_indexes = {index_of[id(target)] for target in kept}
    joining: dict[int, list[DraftTarget]] = {}
    for target in kept:
        index = index_of[id(target)]
        if index not in merged:
            continue
        root = merged[index]
        seen = {index}
        while root in merged and root not in seen:  # a chain of merges ends at one target
            seen.add(root)
            root = merged[root]
        if root not in kept_indexes or root in merged:
            blockers.append(
                Blocker(f"target-{index}", "合并到的目标已被删除。", "merged into a rejected target.")
            )
            continue
        joining.setdefault(root, []).append(target)
    out: list[DraftTarget] = []
    for target in kept:
        index = index_of[id(target)]
        if index in merged:
            continue
        out.append(target)
        group = [target]
        for other in joining.get(index, []):
            if any(g.scope == other.scope and g.year == other.year for g in group):
                continue  # the same target stated twice
            other.name = target.name
            other.indicator = "@" + target.name
            group.append(other)
            out.append(other)
    return out
