"""The Excel round trip: a values template for one locality and period, and its import.

The layout lives in planwatch.core.workbook (Django-free); here the template is filled from the
database under the user's scope, and an upload is checked whole against the plan, the user's rights,
the period and every value before anything is written through workflow.save_many (the owner of
checking and writing a set of values, which a data value set of the API calls too: on PostgreSQL a
large set is written by set-based statements) — all of it, or nothing with every problem listed by
sheet, cell and reason. See docs/excel.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils import timezone

from planwatch.core import numbers
from planwatch.core import workbook as wbk
from planwatch.core.errors import Kind, NotFound, PlanWatchError, Problem, WorkbookRejected
from planwatch.core.kinds import UNITS
from planwatch.plans.lookup import find_locality, find_plan
from planwatch.plans.models import Indicator, Locality, Plan, Target, pick
from planwatch.reporting import workflow
from planwatch.reporting.models import ImportBatch, Period, ReportedValue

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Status = ReportedValue.Status
STATUS_NAMES: dict[str, tuple[str, str]] = {
    Status.DRAFT: ("草稿", "Draft"),
    Status.SUBMITTED: ("已提交", "Submitted"),
    Status.APPROVED: ("已审核", "Approved"),
    Status.ACCEPTED: ("已确认", "Accepted"),
    Status.RETURNED: ("已退回", "Returned"),
}


def _problem(path: str, zh: str, en: str) -> Problem:
    return Problem(path, f"{zh} / {en}")


def _shown(value: Decimal | None) -> str:
    return "—" if value is None else numbers.plain(value)


# --- finding things by what people type -----------------------------------------------------------


def find_period(plan: Plan, code: str) -> Period:
    period = plan.periods.filter(code=code.strip()).first()
    if period is None:
        known = ", ".join(plan.periods.values_list("code", flat=True))
        raise NotFound(
            f"方案 {plan.code} 没有填报期“{code}”（填报期：{known or '尚无'}）",
            f"no period {code!r} in plan {plan.code} (periods: {known or 'none yet'})",
        )
    return period


def previous_period(period: Period) -> Period | None:
    return (
        Period.objects.filter(
            plan_id=period.plan_id, frequency=period.frequency, starts_on__lt=period.starts_on
        )
        .order_by("-starts_on")
        .first()
    )


# --- scope --------------------------------------------------------------------------------------


def writable_indicators(user: Any, locality: Locality, period: Period) -> list[Indicator]:
    """The period's indicators the user may report for the locality (all of them for `None`, the
    operator at the command line): a locality's own users all, a lead unit its own, the province
    administrator all, anybody else none."""
    indicators = list(workflow.required_indicators(period).select_related("lead_unit"))
    if user is None:
        return indicators
    return [i for i in indicators if workflow.may_enter(user, locality, i)]


def may_use_template(user: Any, locality: Locality, period: Period) -> bool:
    return (
        locality.pilot
        and locality.plan_id == period.plan_id
        and bool(writable_indicators(user, locality, period))
    )


def template_file_name(locality: Locality, period: Period) -> str:
    return f"{locality.name_zh}_{period.code}_指标填报表.xlsx"


# --- export -------------------------------------------------------------------------------------


def _visible(user: Any, values: Any) -> Any:
    return values if user is None else workflow.visible_values(user, values)


def export_template(
    plan: Plan, locality: Locality, period: Period, user: Any, *, now: dt.datetime | None = None
) -> bytes:
    """The values template of one locality and period, as .xlsx bytes, under the user's scope:
    one row per indicator the user may report, with the locality's target for the period's year,
    the previous period's value (as far as the user may see it) and the current value, if any."""
    if period.plan_id != plan.pk:
        raise workflow.NotAllowed("报告期不属于本方案", "the period is not of this plan")
    if refusal := locality.not_a_pilot(plan.pk):
        raise refusal
    indicators = writable_indicators(user, locality, period)
    derived = workflow.ledger_derived(indicators)  # counted from a ledger: shown, locked
    if not indicators:
        raise workflow.NotAllowed(
            f"您无权填报{locality.name_zh}的数据", f"you may not report values for {locality.name_en}"
        )
    ids = [i.pk for i in indicators]
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator_id__in=ids, locality=locality, year=period.year)
    }
    before = previous_period(period)
    previous: dict[int, ReportedValue] = {}
    if before is not None:
        previous = {
            v.indicator_id: v
            for v in _visible(
                user, ReportedValue.objects.filter(indicator_id__in=ids, locality=locality, period=before)
            )
        }
    current = {
        v.indicator_id: v
        for v in _visible(
            user, ReportedValue.objects.filter(indicator_id__in=ids, locality=locality, period=period)
        )
    }
    rows = []
    sample = False
    for ind in indicators:
        target, prev, value = targets.get(ind.pk), previous.get(ind.pk), current.get(ind.pk)
        sample |= bool(
            (target and target.is_sample) or (prev and prev.is_sample) or (value and value.is_sample)
        )
        status_zh, status_en = STATUS_NAMES.get(value.status, ("", "")) if value else ("", "")
        rows.append(
            wbk.TemplateRow(
                code=ind.code,
                name_zh=ind.name_zh,
                name_en=ind.name_en,
                unit=ind.unit,
                unit_en=UNITS[ind.unit][2] if ind.unit in UNITS else "",
                target=target.value if target else None,
                previous=prev.value if prev else None,
                value=value.value if value else None,
                rule=wbk.value_rule(ind.kind, ind.unit),
                editable=(value is None or value.status in workflow.EDITABLE) and ind.pk not in derived,
                status_zh=status_zh + ("（示例数据）" if value and value.is_sample else ""),
                status_en=status_en + (" (sample)" if value and value.is_sample else ""),
                version=value.version if value else 0,
            )
        )
    now = timezone.localtime(now or timezone.now())
    return wbk.build_template(
        wbk.Template(
            meta=wbk.TemplateMeta(plan.code, plan.version, locality.code, period.code),
            plan_title_zh=plan.title_zh,
            plan_title_en=plan.title_en,
            locality_name_zh=locality.name_zh,
            locality_name_en=locality.name_en,
            rows=rows,
            sample=sample,
            exported_at=now.strftime("%Y-%m-%d %H:%M"),
            exported_by=getattr(user, "username", "") or "planwatch",
        )
    )


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedValue:
    code: str
    name_zh: str
    name_en: str
    cell: str
    old: Decimal | None
    new: Decimal | None
    comment: str = ""
    comment_cell: str = ""

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def old_shown(self) -> str:
        return _shown(self.old)

    @property
    def new_shown(self) -> str:
        return _shown(self.new)


@dataclass
class ImportResult:
    file_name: str
    plan: Plan
    locality: Locality
    period: Period
    saved: list[ImportedValue] = field(default_factory=list)  # new or changed values, now drafts
    unchanged: list[ImportedValue] = field(default_factory=list)
    commented: list[ImportedValue] = field(default_factory=list)  # a new comment was added
    warnings: list[Problem] = field(default_factory=list)  # need a comment before submitting

    def describe(self) -> str:
        head = (
            f"{self.file_name}: {len(self.saved)} value(s) saved as drafts, {len(self.unchanged)} unchanged"
            f" — {self.locality.name_zh} {self.locality.code}, period {self.period.code}, "
            f"plan {self.plan.code} v{self.plan.version}"
        )
        lines = [head]
        noted = {v.code for v in self.commented}
        lines += [
            f"  {v.cell}: {v.code} {v.name_zh}: {v.old_shown} → {v.new_shown}"
            + (" (comment added)" if v.code in noted else "")
            for v in self.saved
        ]
        saved = {v.code for v in self.saved}
        lines += [
            f"  {v.comment_cell}: {v.code}: comment added" for v in self.commented if v.code not in saved
        ]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


@dataclass
class _Match:
    plan: Plan
    locality: Locality
    period: Period


def _match(content: wbk.WorkbookContent, plan: Plan | None, problems: list[Problem]) -> _Match | None:
    """The plan, locality and period the workbook's metadata names, or None with the problems."""
    meta = content.meta
    assert meta is not None
    found = Plan.objects.filter(code=meta.plan_code).first()
    if found is None:
        problems.append(
            _problem(
                content.meta_cell("plan"), f"未知方案 {meta.plan_code}", f"unknown plan {meta.plan_code!r}"
            )
        )
        return None
    if plan is not None and found.pk != plan.pk:
        problems.append(
            _problem(
                content.meta_cell("plan"),
                f"这是另一方案（{found.title_zh}）的模板，请在该方案下上传",
                f"this template is for another plan ({found.code}): upload it under that plan",
            )
        )
        return None
    bad = False
    if meta.plan_version < found.version:
        bad = True
        problems.append(
            _problem(
                content.meta_cell("plan_version"),
                f"模板按方案第 {meta.plan_version} 版导出，方案现为第 {found.version} 版，请重新下载模板",
                f"the template was exported for plan version {meta.plan_version}; the plan is now at version "
                f"{found.version}: download a new template",
            )
        )
    elif meta.plan_version > found.version:
        bad = True
        problems.append(
            _problem(
                content.meta_cell("plan_version"),
                f"方案没有第 {meta.plan_version} 版",
                f"the plan has no version {meta.plan_version}",
            )
        )
    locality = found.localities.filter(code=meta.locality_code).first()
    if locality is None:
        bad = True
        problems.append(
            _problem(
                content.meta_cell("locality"),
                f"未知地区 {meta.locality_code}",
                f"unknown locality {meta.locality_code!r}",
            )
        )
    elif refusal := locality.not_a_pilot():
        bad = True
        problems.append(_problem(content.meta_cell("locality"), refusal.zh, refusal.en))
    period = found.periods.filter(code=meta.period_code).first()
    if period is None:
        bad = True
        problems.append(
            _problem(
                content.meta_cell("period"),
                f"未知填报期间 {meta.period_code}",
                f"unknown period {meta.period_code!r}",
            )
        )
    if bad or locality is None or period is None:
        return None
    return _Match(found, locality, period)


def _place(problem: Problem) -> tuple[int, int, int]:
    """Problems in reading order: the file, the metadata, then the values sheet row by row, then
    what concerns the sheet as a whole (a missing row)."""
    sheet, _sep, ref = problem.path.partition("!")
    if not sheet:
        return (0, 0, 0)
    if sheet == wbk.META_SHEET:
        return (1, 0, 0)
    found = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if found is None:
        return (3, 0, 0)
    column = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(found.group(1))))
    return (2, int(found.group(2)), column)


def _reject(source: str, problems: list[Problem]) -> WorkbookRejected:
    return WorkbookRejected(source, sorted(problems, key=_place))


def file_label(file_name: str) -> str:
    """The name recorded in the audit: the file's own name, without any directory."""
    name = PurePath(file_name.replace("\\", "/")).name.strip() or "workbook.xlsx"
    return name[:300]


def import_values(
    file_bytes: bytes,
    file_name: str,
    user: Any,
    *,
    today: dt.date | None = None,
    plan: Plan | None = None,
) -> ImportResult:
    """Check a filled-in template whole, then save every value as a draft (audited, source Excel and
    the file name), or save nothing and raise WorkbookRejected listing every problem with its cell.

    `plan`, when given (the upload page of a plan), is the plan the workbook must belong to.
    Values equal to what is stored are left alone: importing the same file twice changes nothing.
    """
    source = file_label(file_name)
    if len(file_bytes) > MAX_UPLOAD_BYTES:
        raise _reject(
            source,
            [
                _problem(
                    "",
                    f"文件过大（{len(file_bytes) / 2**20:.1f} MB，最大 {MAX_UPLOAD_BYTES // 2**20} MB）",
                    f"the file is too large ({len(file_bytes) / 2**20:.1f} MB; at most "
                    f"{MAX_UPLOAD_BYTES // 2**20} MB)",
                )
            ],
        )
    content = wbk.read_template(file_bytes, source)
    problems = list(content.problems)
    if content.meta is None:
        raise _reject(source, problems)
    match = _match(content, plan, problems)
    if match is None or not content.layout_ok:
        raise _reject(source, problems)
    locality = match.locality
    if not any(workflow.may_enter(user, locality, ind) for ind in match.plan.indicators.all()):
        problems.append(
            _problem(
                content.meta_cell("locality"),
                f"这是{locality.name_zh}的模板，您无权填报{locality.name_zh}的数据",
                f"this is {locality.name_en}'s template: you may not report values for {locality.name_en}",
            )
        )
        raise _reject(source, problems)
    with transaction.atomic():
        return _save(content, match, user, problems, source, file_bytes, today)


def _written_here(user: Any, match: _Match) -> set[str]:
    """The codes of the indicators the user writes in this workbook: those they may enter, not
    counted from a ledger, not locked in the workflow. Each needs its row and its value."""
    locality, period = match.locality, match.period
    required = list(workflow.required_indicators(period))
    locked = set(
        ReportedValue.objects.filter(locality=locality, period=period, indicator__in=required)
        .exclude(status__in=workflow.DRAFT_LIKE)
        .values_list("indicator_id", flat=True)
    )
    derived = workflow.ledger_derived(required)
    return {
        ind.code
        for ind in required
        if workflow.may_enter(user, locality, ind) and ind.pk not in derived and ind.pk not in locked
    }


def _entries(
    user: Any, content: wbk.WorkbookContent, match: _Match, written: set[str], problems: list[Problem]
) -> list[tuple[wbk.ReadRow, workflow.Entry]]:
    """The value rows as entries of the workflow, by their indicator code: an unknown code, a blank
    value the user writes, or a missing row is a problem of the workbook; every rule of the values
    themselves is the workflow's (a row shown as it is stored changes nothing)."""
    by_code = {i.code: i for i in match.plan.indicators.all()}
    bad_cells = {p.path for p in problems}
    out = []
    for row in content.rows:
        ind = by_code.get(row.code)
        if ind is None:
            problems.append(
                _problem(row.code_cell, f"未知指标 {row.code}", f"unknown indicator {row.code!r}")
            )
        elif row.value is not None:
            read = content.exported.get(row.code)  # None: a template of before, which did not say
            entry = workflow.Entry(
                ind,
                row.value,
                read.version if read else workflow.OWN_VERSION,
                row.comment.strip(),
                read=workflow.Read(read.value) if read else None,
            )
            out.append((row, entry))
        elif not workflow.may_enter(user, match.locality, ind):  # a row of someone else's, even blank
            refused = workflow.not_yours(match.locality, ind)
            problems.append(_problem(row.code_cell, refused.zh, refused.en))
        elif ind.code in written and row.value_cell not in bad_cells:
            problems.append(
                _problem(row.value_cell, f"缺少 {ind.code} 的本期值", f"the value of {ind.code} is missing")
            )
    for code in sorted(written - {row.code for row in content.rows}, key=list(by_code).index):
        ind = by_code[code]
        problems.append(
            _problem(
                wbk.VALUES_SHEET,
                f"缺少指标 {ind.code}（{ind.name_zh}）的行",
                f"the row of indicator {ind.code} ({ind.name_en}) is missing",
            )
        )
    return out


def _refused_cells(
    refused: PlanWatchError, content: wbk.WorkbookContent, rows: dict[str, wbk.ReadRow]
) -> list[Problem]:
    """The workflow's problems at their cells: the period's at the period's cell; one about a row's
    indicator (not the user's, not of this period) at its code; a value's at its value, quoted."""
    out = []
    for issue in refused.issues:
        row = rows.get(issue.indicator or "")
        if issue.kind == Kind.CLOSED:
            out.append(_problem(content.meta_cell("period"), issue.zh, issue.en))
        elif row is None:
            out.append(_problem(wbk.VALUES_SHEET, issue.zh, issue.en))
        elif issue.kind == Kind.FORBIDDEN or issue.path == "indicator":
            out.append(_problem(row.code_cell, issue.zh, issue.en))
        elif issue.kind == Kind.VALIDATION:
            out.append(_problem(row.value_cell, issue.zh, f"{issue.en}: {_shown(row.value)}"))
        else:
            out.append(_problem(row.value_cell, issue.zh, issue.en))
    return out


def _save(
    content: wbk.WorkbookContent,
    match: _Match,
    user: Any,
    problems: list[Problem],
    source: str,
    file_bytes: bytes,
    today: dt.date | None,
) -> ImportResult:
    """Check and write the workbook's values through workflow.save_many — the same checks, under
    the same locks, and the same set-based write of the values and their audit events as a data
    value set — or nothing, with every problem at its cell."""
    locality, period = match.locality, match.period
    entries = _entries(user, content, match, _written_here(user, match), problems)
    before = {v.indicator_id: v.value for v in ReportedValue.objects.filter(locality=locality, period=period)}
    rows = {entry.indicator.code: row for row, entry in entries}
    via = workflow.Via(source=ReportedValue.Source.EXCEL, detail=source)
    group = workflow.Group(locality, period, [e for _r, e in entries])
    many = workflow.save_many(user, match.plan, [group], via=via, today=today, write=not problems)
    if (refused := many.refusals.get(0)) is not None:
        problems += _refused_cells(refused, content, rows)
    if problems:
        raise _reject(source, problems)
    saved = many.results[0]
    assert saved is not None

    def imported(ind: Indicator, new: Decimal | None, comment: str = "") -> ImportedValue:
        row = rows[ind.code]
        old = before.get(ind.pk)
        return ImportedValue(
            ind.code, ind.name_zh, ind.name_en, row.value_cell, old, new, comment, row.comment_cell
        )

    result = ImportResult(source, match.plan, locality, period)
    result.saved = [
        imported(e.indicator, e.value)
        for e in saved.changes
        if e.indicator.pk not in before or before[e.indicator.pk] != e.value
    ]
    result.unchanged = [imported(v.indicator, v.value) for v in saved.unchanged]
    result.commented = [
        imported(e.indicator, e.value, e.comment.strip()) for e in saved.changes if e.comment.strip()
    ]
    result.warnings = [
        _problem(rows[f.indicator].value_cell if f.indicator in rows else wbk.VALUES_SHEET, f.zh, f.en)
        for f in saved.warnings
    ]
    if result.saved:
        digest = hashlib.sha256(file_bytes).hexdigest()
        ImportBatch.objects.update_or_create(
            import_id=f"excel:{digest}",
            defaults={
                "user": user,
                "source": ReportedValue.Source.EXCEL,
                "source_detail": source,
                "value_count": len(result.saved),
            },
        )
    return result


__all__ = [
    "CONTENT_TYPE",
    "MAX_UPLOAD_BYTES",
    "ImportResult",
    "ImportedValue",
    "WorkbookRejected",
    "export_template",
    "find_locality",
    "find_period",
    "find_plan",
    "import_values",
    "may_use_template",
    "template_file_name",
    "writable_indicators",
]
