"""Load a checked plan document into the database, and export a loaded plan back to a document.

Loading is idempotent: the same content gives the same version. A changed file makes a new plan
version; the items are updated in place (so reported values keep pointing at them) and every
changed plan target is recorded as a revision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import translation

from planwatch.core import planfile
from planwatch.core.errors import PlanFileError, Problem
from planwatch.core.evaluation.breakdown import plan_breakdown_problems
from planwatch.core.numbers import canonical_decimal, json_number
from planwatch.core.validation import Severity
from planwatch.kernel import audit
from planwatch.plans import revision as data_revision
from planwatch.plans.models import (
    CrossCheck,
    Dimension,
    Goal,
    Indicator,
    IndicatorComponent,
    KeyField,
    KeyFieldGroup,
    Locality,
    Plan,
    PlanVersion,
    Rule,
    Target,
    TargetRevision,
    Task,
    TaskGroup,
    TaskUnit,
    Unit,
    default_approval,
)

M = TypeVar("M", bound=models.Model)


@dataclass
class LoadResult:
    plan: Plan
    status: Literal["created", "updated", "unchanged"]
    version: int
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the breakdown check, where it is a warning


def load_plan_file(path: str | Path, user: Any = None) -> LoadResult:
    document = planfile.read_plan_file(path)
    return load_plan_document(document, file_name=Path(path).name, user=user)


def _text(value: planfile.Text | None, lang: str) -> str:
    return getattr(value, lang) if value is not None else ""


def _sync(model: type[M], plan: Plan, rows: list[dict[str, Any]], file_name: str) -> dict[str, M]:
    """Make `model`'s rows of `plan` exactly `rows` (keyed by code): update, create, delete."""
    existing = {obj.code: obj for obj in model.objects.filter(plan=plan)}  # type: ignore[attr-defined]
    out: dict[str, M] = {}
    for row in rows:
        obj = existing.pop(row["code"], None)
        if obj is None:
            obj = model.objects.create(plan=plan, **row)  # type: ignore[attr-defined]
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, row[name])
                obj.save(update_fields=changed)
        out[row["code"]] = obj
    for code, obj in existing.items():
        try:
            obj.delete()
        except ProtectedError:
            with translation.override("en"):  # the command line speaks English
                what = str(model._meta.verbose_name).lower()
            problem = Problem("", f"{what} {code!r} was removed from the file but data still refers to it")
            raise PlanFileError(file_name, [problem]) from None
    return out


@dataclass(frozen=True)
class PlanPart:
    """A section of the plan file that an app above `plans` keeps in its own models (the ledgers
    app: `ledgers:`): loaded inside the plan's transaction, after the indicators, and exported back.
    Apps register theirs when Django starts (their AppConfig.ready), so that `plans` imports none
    of them."""

    key: str  # the section's key in the plan file
    load: Callable[
        [Plan, planfile.PlanDocument, dict[str, Indicator], str], None
    ]  # plan, doc, indicators, file
    export: Callable[[Plan], list[dict[str, Any]]]


PARTS: dict[str, PlanPart] = {}


def register_part(part: PlanPart) -> None:
    PARTS[part.key] = part


def breakdown_warnings(doc: planfile.PlanDocument, file_name: str) -> list[str]:
    """The plan's locality targets against its region targets (plan_breakdown_problems): refused
    whole, nothing written, where the file says `breakdown_check: error`; else the warnings."""
    found = plan_breakdown_problems(doc)
    if doc.plan.breakdown_check == Severity.ERROR and found:
        raise PlanFileError(
            file_name, [Problem(planfile.format_path(loc), message) for loc, message in found]
        )
    return [f"{planfile.format_path(loc)}: {message}" for loc, message in found]


@transaction.atomic
def load_plan_document(doc: planfile.PlanDocument, *, file_name: str, user: Any = None) -> LoadResult:
    warnings = breakdown_warnings(doc, file_name)
    content_hash = doc.content_hash()
    plan = Plan.objects.select_for_update().filter(code=doc.plan.code).first()
    latest = plan.versions.order_by("-number").first() if plan else None
    if plan is not None and latest is not None and latest.content_hash == content_hash:
        return LoadResult(plan, "unchanged", plan.version, warnings=warnings)

    status: Literal["created", "updated"] = "created" if plan is None else "updated"
    plan = _save_plan(plan, doc)
    version = PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        content_hash=content_hash,
        file_name=file_name,
        loaded_by=user if getattr(user, "pk", None) else None,
        document=doc.model_dump(mode="json"),
    )
    localities = _sync_localities(plan, doc, file_name)
    units = _sync(Unit, plan, _unit_rows(doc), file_name)
    dimensions = _sync(Dimension, plan, _dimension_rows(doc), file_name)
    _sync(Goal, plan, _goal_rows(doc), file_name)
    _sync_key_fields(plan, doc, file_name)
    tasks = _sync_tasks(plan, doc, units, file_name)
    indicators = _sync_indicators(plan, doc, units, dimensions, tasks, file_name)
    changes = _sync_targets(plan, doc, indicators, localities, version, user, first=status == "created")
    _sync_rules(plan, doc, indicators, file_name)
    _sync(CrossCheck, plan, _check_rows(doc, indicators), file_name)
    for part in PARTS.values():
        part.load(plan, doc, indicators, file_name)

    data_revision.bump(plan.pk)  # targets, pilot units, the plan's version: what a run reads
    version.summary = "\n".join(changes)  # empty: see the plan page, which says what that means
    version.save(update_fields=["summary"])
    audit.record(
        f"plan.{'create' if status == 'created' else 'update'}",
        user,
        audit.Subject("plan", plan.pk, f"{plan.code} v{plan.version}", plan=plan.code),
        via=audit.Via(audit.Source.COMMAND if user is None else audit.Source.WEB, file_name),
        new={"version": plan.version, "hash": content_hash},
        comment=version.summary,
    )
    return LoadResult(plan, status, plan.version, changes, warnings)


def _save_plan(plan: Plan | None, doc: planfile.PlanDocument) -> Plan:
    """The plan's own row, created or updated, its version counted up."""
    header = doc.plan
    plan_fields = {
        "title_zh": header.title.zh,
        "title_en": header.title.en,
        "issuer_zh": header.issuer.zh,
        "issuer_en": header.issuer.en,
        "issued_on": header.issued_on,
        "document_number": header.document_number,
        "region_zh": header.region.zh,
        "region_en": header.region.en,
        "base_year": header.period.base_year,
        "start_year": header.period.start_year,
        "end_year": header.period.end_year,
        "horizon_year": header.period.horizon_year,
        "source_text": doc.source_text,
        "approval": (doc.review or planfile.DEFAULT_REVIEW).model_dump(mode="json")["approval"],
        "breakdown_check": header.breakdown_check.value if header.breakdown_check else "",
        "bulletin_basis": header.bulletin_basis.model_dump(mode="json") if header.bulletin_basis else None,
    }
    if plan is None:
        return Plan.objects.create(code=header.code, version=1, **plan_fields)
    for name, value in plan_fields.items():
        setattr(plan, name, value)
    plan.version += 1
    plan.save()
    return plan


def _sync_localities(plan: Plan, doc: planfile.PlanDocument, file_name: str) -> dict[str, Locality]:
    # A locality's parent is set in a second pass below: first let go of the localities that leave
    # the file, so that a removed parent is not held by a child that stays (or leaves with it).
    codes = [loc.code for loc in doc.localities]
    Locality.objects.filter(plan=plan).exclude(code__in=codes).update(parent=None)
    Locality.objects.filter(plan=plan, parent__isnull=False).exclude(parent__code__in=codes).update(
        parent=None
    )
    rows = [
        {
            "code": loc.code,
            "name_zh": loc.name.zh,
            "name_en": loc.name.en,
            "level": loc.level.value,
            "pilot": loc.pilot,
            "figures_include_children": loc.figures_include_children,
            "map_longitude": loc.map_point[0] if loc.map_point else None,
            "map_latitude": loc.map_point[1] if loc.map_point else None,
            "order": i,
        }
        for i, loc in enumerate(doc.localities)
    ]
    localities = _sync(Locality, plan, rows, file_name)
    for loc in doc.localities:  # parents in a second pass: a parent may be listed after its child
        obj = localities[loc.code]
        parent = localities[loc.parent] if loc.parent else None
        if obj.parent_id != (parent.pk if parent else None):
            obj.parent = parent
            obj.save(update_fields=["parent"])
    return localities


def _unit_rows(doc: planfile.PlanDocument) -> list[dict[str, Any]]:
    return [
        {"code": u.code, "name_zh": u.name.zh, "name_en": u.name.en, "kind": u.kind.value, "order": i}
        for i, u in enumerate(doc.units)
    ]


def _dimension_rows(doc: planfile.PlanDocument) -> list[dict[str, Any]]:
    return [
        {"code": d.code, "name_zh": d.name.zh, "name_en": d.name.en, "weight": d.weight, "order": i}
        for i, d in enumerate(doc.dimensions)
    ]


def _goal_rows(doc: planfile.PlanDocument) -> list[dict[str, Any]]:
    return [
        {
            "code": g.code,
            "year": g.year,
            "text_zh": g.text.zh,
            "text_en": g.text.en,
            "clause": g.source.clause,
            "quote": g.source.quote,
            "order": i,
        }
        for i, g in enumerate(doc.goals)
    ]


def _sync_key_fields(plan: Plan, doc: planfile.PlanDocument, file_name: str) -> None:
    # Key fields hang from their groups: sync the children first, so that a field moved from one
    # group to another is not deleted with its old group.
    KeyField.objects.filter(plan=plan).exclude(
        code__in=[f.code for g in doc.key_field_groups for f in g.fields]
    ).delete()
    group_rows = [
        {
            "code": g.code,
            "number": g.number,
            "name_zh": g.name.zh,
            "name_en": g.name.en,
            "clause": g.source.clause,
            "quote": g.source.quote,
        }
        for g in doc.key_field_groups
    ]
    groups = _sync(KeyFieldGroup, plan, group_rows, file_name)
    field_rows = [
        {
            "code": f.code,
            "group": groups[g.code],
            "number": f.number,
            "name_zh": f.name.zh,
            "name_en": f.name.en,
            "clause": f.source.clause,
            "quote": f.source.quote,
        }
        for g in doc.key_field_groups
        for f in g.fields
    ]
    _sync(KeyField, plan, field_rows, file_name)


def _sync_tasks(
    plan: Plan, doc: planfile.PlanDocument, units: dict[str, Unit], file_name: str
) -> dict[str, Task]:
    # Tasks hang from their groups: as for key fields, the children first.
    Task.objects.filter(plan=plan).exclude(code__in=[t.code for t in doc.all_tasks()]).delete()
    group_rows = [
        {
            "code": g.code,
            "number": g.number,
            "title_zh": g.title.zh,
            "title_en": g.title.en,
            "clause": g.source.clause,
            "quote": g.source.quote,
        }
        for g in doc.task_groups
    ]
    task_groups = _sync(TaskGroup, plan, group_rows, file_name)
    task_rows = [
        {
            "code": t.code,
            "group": task_groups[g.code],
            "number": t.number,
            "title_zh": t.title.zh,
            "title_en": t.title.en,
            "clause": t.source.clause,
            "quote": t.source.quote,
            "order": i,
        }
        for i, (g, t) in enumerate((g, t) for g in doc.task_groups for t in g.tasks)
    ]
    tasks = _sync(Task, plan, task_rows, file_name)
    TaskUnit.objects.filter(task__plan=plan).delete()
    TaskUnit.objects.bulk_create(
        TaskUnit(task=tasks[t.code], unit=units[code], role=role, order=i)
        for t in doc.all_tasks()
        for i, (code, role) in enumerate(
            [(t.lead, TaskUnit.Role.LEAD)] + [(p, TaskUnit.Role.PARTICIPATING) for p in t.participants]
        )
    )
    return tasks


def _sync_indicators(
    plan: Plan,
    doc: planfile.PlanDocument,
    units: dict[str, Unit],
    dimensions: dict[str, Dimension],
    tasks: dict[str, Task],
    file_name: str,
) -> dict[str, Indicator]:
    # The components are made again below: drop them first, so that an indicator removed with (or
    # replaced in) the indicator recomputed from it is not held by the old link.
    IndicatorComponent.objects.filter(indicator__plan=plan).delete()
    rows = [_indicator_row(i, ind, units, dimensions) for i, ind in enumerate(doc.indicators)]
    indicators = _sync(Indicator, plan, rows, file_name)
    IndicatorComponent.objects.bulk_create(
        IndicatorComponent(indicator=indicators[ind.code], role=role, component=indicators[code])
        for ind in doc.indicators
        for role, code in sorted(ind.components.items())
    )
    for ind in doc.indicators:
        indicators[ind.code].tasks.set([tasks[code] for code in ind.tasks])
    return indicators


def _indicator_row(
    order: int, ind: planfile.Indicator, units: dict[str, Unit], dimensions: dict[str, Dimension]
) -> dict[str, Any]:
    return {
        "code": ind.code,
        "name_zh": ind.name.zh,
        "name_en": ind.name.en,
        "definition_zh": _text(ind.definition, "zh"),
        "definition_en": _text(ind.definition, "en"),
        "unit": ind.unit,
        "kind": ind.kind.value,
        "direction": ind.direction.value,
        "aggregation": ind.aggregation.value,
        "binding": ind.binding,
        "frequency": ind.frequency.value,
        "region_target": ind.region_target,
        "base_year": ind.base.year if ind.base else None,
        "base_value": ind.base.value if ind.base else None,
        "base_implied": ind.base.implied if ind.base else False,
        "base_note_zh": _text(ind.base.note if ind.base else None, "zh"),
        "base_note_en": _text(ind.base.note if ind.base else None, "en"),
        "base_localities": {
            code: str(value) for code, value in ((ind.base.localities or {}) if ind.base else {}).items()
        },
        "dimension": dimensions[ind.dimension] if ind.dimension else None,
        "lead_unit": units[ind.lead_unit] if ind.lead_unit else None,
        "clause": ind.source.clause,
        "quote": ind.source.quote,
        "order": order,
    }


def _sync_rules(
    plan: Plan, doc: planfile.PlanDocument, indicators: dict[str, Indicator], file_name: str
) -> None:
    rows = [
        {
            "code": r.code,
            "number": r.number,
            "kind": r.kind.value,
            "text_zh": r.text.zh,
            "text_en": r.text.en,
            "clause": r.source.clause,
            "quote": r.source.quote,
        }
        for r in doc.rules
    ]
    rules = _sync(Rule, plan, rows, file_name)
    for r in doc.rules:
        rules[r.code].indicators.set([indicators[code] for code in r.indicators])


def _check_rows(doc: planfile.PlanDocument, indicators: dict[str, Indicator]) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "kind": c.kind.value,
            "left": indicators[c.left],
            "right": indicators[c.right],
            "share": indicators[c.share] if c.share else None,
            "tolerance": c.tolerance,
            "text_zh": c.text.zh,
            "text_en": c.text.en,
            "order": i,
        }
        for i, c in enumerate(doc.checks)
    ]


def _sync_targets(
    plan: Plan,
    doc: planfile.PlanDocument,
    indicators: dict[str, Indicator],
    localities: dict[str, Locality],
    version: PlanVersion,
    user: Any,
    *,
    first: bool,
) -> list[str]:
    """Make the plan-text targets match the file; record every changed value as a revision."""
    existing = {
        (t.indicator_id, t.locality_id, t.year): t
        for t in Target.objects.filter(indicator__plan=plan).select_related("indicator", "locality")
    }
    reason = f"plan file {version.file_name}, version {version.number}"
    changed_by = user if getattr(user, "pk", None) else None
    changes: list[str] = []
    kept: set[int] = set()

    def revise(
        target: Target | None,
        ind: Indicator,
        loc: Locality | None,
        year: int,
        old: Decimal | None,
        new: Decimal | None,
    ) -> None:
        scope = loc.code if loc else planfile.REGION
        changes.append(f"{ind.code} {scope} {year}: {_fmt(old)} → {_fmt(new)}")
        TargetRevision.objects.create(
            target=target,
            indicator=ind,
            locality=loc,
            year=year,
            old_value=old,
            new_value=new,
            reason=reason,
            changed_by=changed_by,
            plan_version=version,
        )

    for ind_doc in doc.indicators:
        ind = indicators[ind_doc.code]
        for order, t in enumerate(ind_doc.targets):
            loc = localities[t.scope] if t.scope != planfile.REGION else None
            row = {
                "value": t.value,
                "qualifier": t.qualifier.value,
                "origin": Target.Origin.PLAN,
                "note_zh": _text(t.note, "zh"),
                "note_en": _text(t.note, "en"),
                "figure_note_zh": _text(t.figure_note, "zh"),
                "figure_note_en": _text(t.figure_note, "en"),
                "clause": t.source.clause,
                "quote": t.source.quote,
                "order": order,
            }
            target = existing.get((ind.pk, loc.pk if loc else None, t.year))
            if target is None:
                target = Target.objects.create(
                    indicator=ind, locality=loc, year=t.year, plan_value=t.value, **row
                )
                if not first:
                    revise(target, ind, loc, t.year, None, t.value)
            elif target.plan_value == t.value:
                # The file's figure is unchanged: its words may have changed, but a value that users
                # revised since (with a reason, as the text allows) stands.
                kept_value = target.value
                for name, value in row.items():
                    setattr(target, name, value)
                target.value = kept_value
                target.save()
            else:
                # The file's figure changed (or the file now sets a target users or the sample made):
                # the text's new figure applies, as a revision.
                old = target.value
                set_by_users = target.origin == Target.Origin.USER or (
                    target.plan_value is not None and target.value != target.plan_value
                )
                for name, value in row.items():
                    setattr(target, name, value)
                target.plan_value = t.value
                target.save()
                if old != t.value:
                    revise(target, ind, loc, t.year, old, t.value)
                    if set_by_users:
                        changes[-1] += " (replaces a value set by users)"
            kept.add(target.pk)
    for target in existing.values():
        if target.origin == Target.Origin.PLAN and target.pk not in kept:
            revise(None, target.indicator, target.locality, target.year, target.value, None)
            target.delete()
    return changes


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else str(canonical_decimal(value))


# --- export -------------------------------------------------------------------------------------


def _t(zh: str, en: str) -> dict[str, str] | None:
    return {"zh": zh, "en": en} if zh or en else None


def _src(obj: Any) -> dict[str, str]:
    return {"clause": obj.clause, "quote": obj.quote}


def plan_to_document(plan: Plan) -> planfile.PlanDocument:
    """The loaded plan as a plan document: loading it again gives the same plan."""
    tasks = list(plan.tasks.prefetch_related("task_units__unit"))
    indicators = list(
        plan.indicators.select_related("dimension", "lead_unit").prefetch_related(
            "tasks", "components__component", "targets__locality"
        )
    )
    data: dict[str, Any] = {
        "format": planfile.FORMAT,
        "plan": _header_dict(plan),
        # said only where it is not the default, so that a plan file without it exports as it was
        "review": None if plan.approval == default_approval() else {"approval": plan.approval},
        "localities": _locality_dicts(plan),
        "units": [
            {"code": u.code, "name": _t(u.name_zh, u.name_en), "kind": u.kind} for u in plan.units.all()
        ],
        "dimensions": [
            {"code": d.code, "name": _t(d.name_zh, d.name_en), "weight": d.weight}
            for d in plan.dimensions.all()
        ],
        "goals": [
            {"code": g.code, "year": g.year, "text": _t(g.text_zh, g.text_en), "source": _src(g)}
            for g in plan.goals.all()
        ],
        "key_field_groups": _key_field_group_dicts(plan),
        "task_groups": [
            {
                "code": g.code,
                "number": g.number,
                "title": _t(g.title_zh, g.title_en),
                "source": _src(g),
                "tasks": [_task_dict(t) for t in tasks if t.group_id == g.pk],
            }
            for g in plan.task_groups.all()
        ],
        "indicators": [_indicator_dict(ind, tasks) for ind in indicators],
        "rules": _rule_dicts(plan),
        "checks": _check_dicts(plan),
    }
    for part in PARTS.values():
        data[part.key] = part.export(plan)
    return planfile.PlanDocument.model_validate(data)


def _header_dict(plan: Plan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "title": _t(plan.title_zh, plan.title_en),
        "issuer": _t(plan.issuer_zh, plan.issuer_en),
        "issued_on": plan.issued_on,
        "document_number": plan.document_number,
        "region": _t(plan.region_zh, plan.region_en),
        "period": {
            "base_year": plan.base_year,
            "start_year": plan.start_year,
            "end_year": plan.end_year,
            "horizon_year": plan.horizon_year,
        },
        "source_text": plan.source_text,
        "breakdown_check": plan.breakdown_check or None,
        "bulletin_basis": plan.bulletin_basis,
    }


def _locality_dicts(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "code": loc.code,
            "name": _t(loc.name_zh, loc.name_en),
            "level": loc.level,
            "parent": loc.parent.code if loc.parent else None,
            "pilot": loc.pilot,
            "figures_include_children": loc.figures_include_children,
            **({"map_point": list(point)} if (point := loc.map_point()) else {}),
        }
        for loc in plan.localities.select_related("parent")
    ]


def _key_field_group_dicts(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "code": g.code,
            "number": g.number,
            "name": _t(g.name_zh, g.name_en),
            "source": _src(g),
            "fields": [
                {"code": f.code, "number": f.number, "name": _t(f.name_zh, f.name_en), "source": _src(f)}
                for f in g.fields.all()
            ],
        }
        for g in plan.key_field_groups.prefetch_related("fields")
    ]


def _rule_dicts(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "number": r.number,
            "kind": r.kind,
            "text": _t(r.text_zh, r.text_en),
            "source": _src(r),
            "indicators": [i.code for i in sorted(r.indicators.all(), key=lambda i: i.order)],
        }
        for r in plan.rules.prefetch_related("indicators")
    ]


def _check_dicts(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "kind": c.kind,
            "left": c.left.code,
            "right": c.right.code,
            "share": c.share.code if c.share else None,
            "tolerance": json_number(c.tolerance),
            "text": _t(c.text_zh, c.text_en),
        }
        for c in plan.checks.select_related("left", "right", "share")
    ]


def _task_dict(task: Task) -> dict[str, Any]:
    links = list(task.task_units.all())
    lead = next(tu.unit.code for tu in links if tu.role == TaskUnit.Role.LEAD)
    return {
        "code": task.code,
        "number": task.number,
        "title": _t(task.title_zh, task.title_en),
        "lead": lead,
        "participants": [tu.unit.code for tu in links if tu.role == TaskUnit.Role.PARTICIPATING],
        "source": _src(task),
    }


def _indicator_dict(ind: Indicator, all_tasks: Iterable[Task]) -> dict[str, Any]:
    task_order = {t.pk: t.order for t in all_tasks}
    return {
        "code": ind.code,
        "name": _t(ind.name_zh, ind.name_en),
        "definition": _t(ind.definition_zh, ind.definition_en),
        "unit": ind.unit,
        "kind": ind.kind,
        "direction": ind.direction,
        "aggregation": ind.aggregation,
        "components": {c.role: c.component.code for c in ind.components.all()},
        "binding": ind.binding,
        "frequency": ind.frequency,
        "region_target": ind.region_target,
        "base": None
        if ind.base_year is None
        else {
            "year": ind.base_year,
            "value": json_number(ind.base_value),
            "implied": ind.base_implied,
            "note": _t(ind.base_note_zh, ind.base_note_en),
            "localities": {code: json_number(Decimal(v)) for code, v in ind.base_localities.items()} or None,
        },
        "dimension": ind.dimension.code if ind.dimension else None,
        "lead_unit": ind.lead_unit.code if ind.lead_unit else None,
        "tasks": [t.code for t in sorted(ind.tasks.all(), key=lambda t: task_order[t.pk])],
        "source": _src(ind),
        "targets": [
            {
                "scope": t.scope_code,
                "year": t.year,
                # The text's figure: revisions by users live in the database, not in the plan file.
                "value": json_number(t.plan_value if t.plan_value is not None else t.value),
                "qualifier": t.qualifier,
                "note": _t(t.note_zh, t.note_en),
                "figure_note": _t(t.figure_note_zh, t.figure_note_en),
                "source": _src(t),
            }
            for t in sorted(ind.targets.all(), key=lambda t: (t.order, t.year))
            if t.origin == Target.Origin.PLAN
        ],
    }
