"""Building a bulletin: gather the content's plain input from one evaluation run and the database,
draw the charts, write the formats, and store the Bulletin with its files.

`build_bulletin(plan, "2018", formats=…, include_unaccepted=False, user=…)` is the one function
that makes a bulletin (web page and `planwatch bulletin` both call it). `regenerate(bulletin)` makes
the files again from the same run, for checking that they carry the same numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from planwatch.bulletins.models import (
    SERIES_ZH,
    WORDS,
    Bulletin,
    BulletinAddressee,
    BulletinFile,
    BulletinPreview,
    Series,
)
from planwatch.core import bulletin as core
from planwatch.core.bulletin import BulletinError, preview
from planwatch.core.evaluation import Evaluation, EvaluationParameters, UnreadableResults
from planwatch.core.geo import MapFileMissing
from planwatch.core.kinds import DERIVED_UNIT
from planwatch.evaluation import derived
from planwatch.evaluation.models import EvaluationRun
from planwatch.evaluation.runs import RunRefused, canonical_json, parameters_label, run_evaluation
from planwatch.kernel import audit
from planwatch.kernel.models import AuditEvent
from planwatch.pages import many_units
from planwatch.plans import maps
from planwatch.plans.models import Locality, Plan, Unit, inclusion_note
from planwatch.reporting import exports
from planwatch.reporting.models import Period, ReportedValue
from planwatch.supervision.services import milestones_in, supervision_list

Progress = Callable[[str], None]
QUARTERS = "一二三四"
REPORTED = (ReportedValue.Status.SUBMITTED, ReportedValue.Status.APPROVED, ReportedValue.Status.ACCEPTED)
GENERATOR = "PlanWatch 实施方案监测评估系统生成"


@dataclass(frozen=True)
class BulletinPeriod:
    code: str
    year: int
    label: str
    period: Period | None  # the reporting period (for due dates), if the plan has it


def _quiet(_: str) -> None:
    return None


def period_of(plan: Plan, code: str) -> BulletinPeriod:
    """A year (2018) or a quarter (2018Q3) of the plan. Raises BulletinError naming the period."""
    code = (code or "").strip().upper()
    match = re.fullmatch(r"(\d{4})(?:Q([1-4]))?", code)
    last = plan.last_year
    if match is None:
        raise BulletinError(
            f"报告期 {code!r}：应为年份（2018）或季度（2018Q3）",
            f"period {code!r}: write a year (2018) or a quarter (2018Q3)",
        )
    year = int(match.group(1))
    if not plan.base_year <= year <= last:
        raise BulletinError(
            f"报告期 {code}：不在方案年份（{plan.base_year}–{last}年）之内",
            f"period {code}: outside the plan's years {plan.base_year}–{last}",
        )
    period = Period.objects.filter(plan=plan, code=code).first()
    if match.group(2):
        if period is None:
            raise BulletinError(
                f"报告期 {code}：方案没有该季度报送期（请先创建该年的季度报送期）",
                f"period {code}: the plan has no such reporting period (create the year's quarterly periods first)",
            )
        return BulletinPeriod(code, year, f"{year}年第{QUARTERS[int(match.group(2)) - 1]}季度", period)
    return BulletinPeriod(code, year, f"{year}年度", period)


def run_info(run: EvaluationRun) -> core.RunInfo:
    version = run.version
    return core.RunInfo(
        id=run.pk,
        year=run.year,
        created_at=exports.iso(timezone.localtime(run.created_at)),
        parameters=parameters_label(run.params),
        statuses=tuple(run.statuses),
        includes_unaccepted=run.includes_unaccepted,
        sample=run.sample,
        data_sha256=version.sha256,
        data_count=version.count,
        data_as_of=version.as_of,
        targets_sha256=version.targets.sha256,
        plan_version=version.plan_version,
        input_hash=run.input_hash,
        results_hash=run.results_hash,
        engine_version=run.engine_version,
    )


def _names(plan: Plan) -> core.Names:
    """The plan's names by code; the derived indicators' with their mark (PlanWatch 口径，非方案原文)."""
    marked = derived.names(plan)
    indicators = list(plan.indicators.values_list("code", "name_zh", "unit", "kind"))
    return core.Names(
        localities=dict(plan.localities.values_list("code", "name_zh")),
        indicators={**{code: name for code, name, _, _ in indicators}, **marked},
        dimensions=dict(plan.dimensions.values_list("code", "name_zh")),
        units={**{code: unit for code, _, unit, _ in indicators}, **dict.fromkeys(marked, DERIVED_UNIT)},
        kinds={code: kind for code, _, _, kind in indicators},
    )


def trend_runs(run: EvaluationRun) -> list[EvaluationRun]:
    """The latest stored run of each year up to the run's, with the same parameters and statuses, that
    read the same values as the run for its years (the data version's hashes per year, up to that
    year): the trend chart's points. The run itself for its year."""
    same = canonical_json(run.parameters)
    mine = run.version
    chosen: dict[int, EvaluationRun] = {run.year: run}
    candidates = EvaluationRun.objects.filter(
        plan_id=run.plan_id,
        year__lt=run.year,
        includes_unaccepted=run.includes_unaccepted,
    ).order_by("year", "-created_at", "-id")
    for other in candidates:
        if (
            other.year not in chosen
            and canonical_json(other.parameters) == same
            and other.statuses == run.statuses
            and mine.same_values_until(other.year, other.version)
        ):
            chosen[other.year] = other
    return [chosen[y] for y in sorted(chosen)]


def _trend(runs: Sequence[EvaluationRun]) -> tuple[core.TrendPoint, ...]:
    return tuple(
        core.TrendPoint(r.year, s.locality, s.score, s.rank, r.pk)
        for r in runs
        if (composite := r.frame.composite) is not None
        for s in composite.scores
    )


def _pace_by_scope(run: EvaluationRun) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in run.evaluation.indicators:
        if r.pace is not None:
            out.setdefault(r.scope, {})[r.indicator] = r.pace.value
    return out


def supervision_input(
    plan: Plan, run: EvaluationRun, as_of: dt.date, which: BulletinPeriod | None = None
) -> core.SupervisionInput:
    """Overdue and at-risk milestones as of the day, a linked indicator lagging by the cited run: of
    the action plans of the bulletin's year, and for a quarter the milestones due in it."""
    year = which.year if which is not None else None
    quarter = which.period if which is not None and _is_quarter(which) else None
    due = (quarter.starts_on, quarter.ends_on) if quarter is not None else None
    scope = _scope_label(which)
    total = milestones_in(plan, year=year, due=due).count()
    if total == 0:
        return core.SupervisionInput(0, (), scope, quarter=quarter is not None)
    pace = _pace_by_scope(run)
    rows = []
    for loc in plan.localities.filter(pilot=True, action_plans__isnull=False).distinct().order_by("order"):
        local = {**pace.get("region", {}), **pace.get(loc.code, {})}
        for row in supervision_list(plan, as_of, locality_id=loc.pk, pace=local, year=year, due=due):
            m = row.milestone
            rows.append(
                core.MilestoneRow(
                    locality=loc.code,
                    task=m.task.code,
                    milestone=m.title,
                    owner=m.owner_unit.name_zh if m.owner_unit else (m.owner_person or "—"),
                    due_on=m.due_on,
                    flag=row.finding.flag.value,
                    reasons=row.reasons_zh,
                    days_late=row.finding.days_late,
                    percent=m.percent,
                    sample=m.action_plan.is_sample,
                )
            )
    by_locality = dict(
        milestones_in(plan, year=year, due=due)
        .values("action_plan__locality__code")
        .annotate(n=Count("pk"))
        .values_list("action_plan__locality__code", "n")
    )
    return core.SupervisionInput(total, tuple(rows), scope, by_locality, quarter=quarter is not None)


def _is_quarter(which: BulletinPeriod) -> bool:
    return which.period is not None and which.period.frequency != Period.Frequency.YEARLY


def _scope_label(which: BulletinPeriod | None) -> str:
    """Which milestones the section covers, as its sentence says it: 2018 (2018年度行动计划) /
    2018年第三季度到期."""
    if which is None:
        return ""
    return f"{which.label}到期" if _is_quarter(which) else str(which.year)


def late_input(plan: Plan, period: Period | None, as_of: dt.date) -> tuple[tuple[core.LateRow, ...], bool]:
    """Localities that reported the period late: past the due date, either not all required values
    submitted yet, or the first submission after the due date. (Sample values are loaded accepted,
    without a submission: they are never late.) Returns (rows, whether lateness could be judged)."""
    if period is None or period.due_on is None:
        return (), False
    required = plan.indicators.filter(frequency=period.frequency).count()
    if required == 0 or as_of <= period.due_on:
        return (), True
    pilots = list(plan.localities.filter(pilot=True).order_by("order"))
    reported = dict(
        ReportedValue.objects.filter(
            period=period, indicator__frequency=period.frequency, locality__in=pilots, value__isnull=False
        )
        .values("locality_id")
        .annotate(n=Count("pk", filter=Q(status__in=REPORTED)))
        .values_list("locality_id", "n")
    )
    first = dict(
        AuditEvent.objects.filter(
            type="value.submit",
            plan_code=plan.code,
            period_code=period.code,
            locality_code__in=[loc.code for loc in pilots],
        )
        .values("locality_code")
        .annotate(first=Min("at"))
        .values_list("locality_code", "first")
    )
    rows = []
    for loc in pilots:
        count = reported.get(loc.pk, 0)
        first_at = first.get(loc.code)
        first_day = timezone.localtime(first_at).date() if first_at is not None else None
        days = period.days_late(count, required, as_of, first_day)
        if not days:
            continue
        rows.append(core.LateRow(loc.code, period.code, period.due_on, required, count, first_day, days))
    return tuple(rows), True


def map_shapes(plan: Plan) -> tuple[core.MapShape, ...]:
    """The plan's own map (planwatch/plans/maps.py, as the dashboard draws it): its places by their
    code — a district over its city — the cities around them as context (`~` and their name), a
    point for a place without a boundary. Empty when the boundary files are missing."""
    try:
        found = maps.plan_map(plan)
    except MapFileMissing:
        return ()
    codes = {loc.code for loc in plan.localities.all()}
    shapes = [
        core.MapShape(
            locality=name if name in codes else f"~{name}",
            polygons=tuple(
                tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                for polygon in feature["geometry"]["coordinates"]
            ),
            centre=tuple(found.labels[name]) if name in found.labels else None,  # type: ignore[arg-type]
        )
        for feature in found.features
        if (name := feature["properties"]["name"])
    ]
    shapes += [core.MapShape(locality=code, point=point) for code, point in found.points.items()]
    return tuple(shapes)


def gather(
    plan: Plan,
    which: BulletinPeriod,
    run: EvaluationRun,
    as_of: dt.date,
    serial: int | None,
    *,
    series: str = "",
    issue: core.IssueInfo | None = None,
    words: core.OfficeWords | None = None,
    with_map: bool = True,
) -> core.BulletinInput:
    """The content's plain input: the run, the trend runs, supervision, late reporting, the map (for
    the charts only: `with_map` False leaves it out, the boundary files unread)."""
    notes: list[str] = []
    basis: list[str] = []
    if which.period is not None and which.period.frequency != Period.Frequency.YEARLY:
        basis.append(
            f"说明：评估按年度数值进行，本期综合评估与指标完成度依据{which.year}年度已读取的数值"
            f"（数据版本截至 {run.version.as_of or '—'}）；迟报情况按{which.code}报送期判断。"
        )
    trend = trend_runs(run)
    if len(trend) > 1:
        notes.append(
            "趋势图各年度数据来自评估运行 " + "、".join(f"#{r.pk}（{r.year}年）" for r in trend) + "。"
        )
    late, late_checked = late_input(plan, which.period, as_of)
    return core.BulletinInput(
        plan_code=plan.code,
        plan_title=plan.title_zh,
        region=plan.region_zh,
        issuer=GENERATOR,
        period_code=which.code,
        period_label=which.label,
        serial=serial,
        as_of=as_of,
        run=run_info(run),
        results=_evaluation(run),
        names=_names(plan),
        pilots=tuple(plan.localities.filter(pilot=True).order_by("order").values_list("code", flat=True)),
        end_year=plan.end_year,
        trend=_trend(trend),
        supervision=supervision_input(plan, run, as_of, which),
        late=late,
        late_checked=late_checked,
        map_shapes=map_shapes(plan) if with_map else (),
        notes=tuple(notes),
        basis=tuple(basis),
        series=series,
        issue=issue,
        words=words or core.OfficeWords(),
        region_note=inclusion_note(plan)[0],
        bulletin_basis=(plan.bulletin_basis or {}).get("text", {}).get("zh", ""),
    )


def _evaluation(run: EvaluationRun) -> Evaluation:
    """The run's results; a bulletin of a run whose results cannot be read is refused."""
    try:
        return run.evaluation
    except UnreadableResults as exc:
        raise BulletinError(f"评估运行 #{run.pk}：{exc.zh}", f"evaluation run #{run.pk}: {exc.en}") from exc


def _refused(exc: RunRefused) -> BulletinError:
    return BulletinError(exc.zh, exc.en)


def cited_run(
    plan: Plan,
    which: BulletinPeriod,
    *,
    run: EvaluationRun | None,
    params: EvaluationParameters | None,
    include_unaccepted: bool,
    user: Any,
    progress: Progress,
    as_of: dt.date | None = None,
) -> EvaluationRun:
    """The run the bulletin cites: the one given (checked), or the evaluation of the period's year on
    accepted values (or, asked, unaccepted ones too) as they stood on the bulletin's day `as_of` — a
    stored identical run is reused, so a value of a later year accepted since, or any value changed
    after that day, changes neither the run nor its data version. The earlier years are evaluated
    the same way for the trend."""
    if run is not None:
        if run.plan_id != plan.pk or run.year != which.year:
            raise BulletinError(
                f"评估运行 #{run.pk} 属于 {run.plan.code} {run.year}年，而非 {plan.code} {which.year}年",
                f"evaluation run #{run.pk} is of {run.plan.code} {run.year}, not {plan.code} {which.year}",
            )
        if run.includes_unaccepted and not include_unaccepted:
            raise BulletinError(
                f"评估运行 #{run.pk} 读取了未确认数据：须明确选择“含未确认数据”才能据此生成通报",
                f"evaluation run #{run.pk} read unaccepted values: a bulletin from it must be asked for "
                "with include unaccepted values",
            )
        return run
    try:
        progress("evaluating the year")
        cited = run_evaluation(
            plan, which.year, params=params, include_unaccepted=include_unaccepted, user=user, as_of=as_of
        )
        for year in range(plan.start_year, which.year):
            progress("evaluating the earlier years (trend)")
            try:
                run_evaluation(
                    plan, year, params=params, include_unaccepted=include_unaccepted, user=user, as_of=as_of
                )
            except RunRefused as exc:
                if exc.reason != "no_data":
                    raise
    except RunRefused as exc:
        raise _refused(exc) from exc
    return cited


def render(
    plan: Plan,
    which: BulletinPeriod,
    run: EvaluationRun,
    as_of: dt.date,
    serial: int | None,
    formats: Sequence[str],
    progress: Progress = _quiet,
    *,
    series: str = "",
    issue: core.IssueInfo | None = None,
    words: core.OfficeWords | None = None,
) -> tuple[core.BulletinContent, dict[str, bytes]]:
    """The content and the files. Without `words`, the office's sections are prefilled from the
    content (planwatch.core.bulletin.words); `serial` None: a draft."""
    charts = any(core.FORMATS[f].charts for f in formats)  # the annex holds numbers, not pictures
    progress("gathering supervision, reporting and the map")
    inp, content = contents(
        plan, which, run, as_of, serial, series=series, issue=issue, words=words, with_map=charts
    )
    if charts:
        progress("drawing charts")
        content = content.with_charts(core.draw_charts(content, inp.map_shapes))
    files = core.render_all(content, list(formats), progress)
    return content, files


def contents(
    plan: Plan,
    which: BulletinPeriod,
    run: EvaluationRun,
    as_of: dt.date,
    serial: int | None,
    *,
    series: str = "",
    issue: core.IssueInfo | None = None,
    words: core.OfficeWords | None = None,
    with_map: bool = True,
) -> tuple[core.BulletinInput, core.BulletinContent]:
    """The bulletin's input and content (no charts); its words prefilled when none are given. The
    input's map (`with_map`) is for drawing the charts."""
    inp = gather(plan, which, run, as_of, serial, series=series, issue=issue, words=words, with_map=with_map)
    content = core.build_content(inp)
    if words is None:
        content = replace(content, words=core.prefill(content))
    return inp, content


def _formats(formats: Sequence[str]) -> list[str]:
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in chosen if f not in core.FORMATS]
    if unknown or not chosen:
        raise BulletinError(
            f"格式：{'、'.join(unknown) or '未指定'}：应为 {'、'.join(core.FORMATS)}",
            f"formats: {', '.join(unknown) or 'none given'}: choose from {', '.join(core.FORMATS)}",
        )
    return [f for f in core.FORMATS if f in chosen]


def series_of(which: BulletinPeriod, series: str | None = None) -> Series:
    """The series a bulletin of the period is numbered in: the one asked (专报), else yearly for a
    year and quarterly for a quarter."""
    if series:
        if series not in Series.values:
            raise BulletinError(
                f"通报类别 {series!r}：应为 {'、'.join(SERIES_ZH.values())}",
                f"series {series!r}: choose from {', '.join(Series.values)}",
            )
        return Series(series)
    return Series.YEARLY if which.code == str(which.year) else Series.QUARTERLY


def series_zh(series: str) -> str:
    """The series as the subtitle says it after the period: '' (yearly), 季度通报 is said by the period
    (2018年第三季度), 专报."""
    return SERIES_ZH[Series.SPECIAL] if series == Series.SPECIAL else ""


def addressee_names(plan: Plan, localities: Sequence[Locality], units: Sequence[Unit]) -> tuple[str, ...]:
    """主送 or 抄送 as the bulletin says it: each addressee by name, in order. Of a plan of many pilot
    units (planwatch.pages.many_units), all of them addressed are said at once, 各试点地区（共2867个）,
    and many other localities (the cities that approve their values) as 有关上级地区（共300个）: the
    bulletin's first page stays a page. The addressees themselves are kept one by one."""
    pilots = [loc for loc in localities if loc.pilot]
    others = [loc for loc in localities if not loc.pilot]
    all_pilots = many_units(len(pilots)) and len(pilots) == plan.pilot_units().count()
    many_others = many_units(len(others))
    if not all_pilots and not many_others:
        return tuple(p.name_zh for p in [*localities, *units])
    said = [f"各试点地区（共{len(pilots)}个）"] if all_pilots else [loc.name_zh for loc in pilots]
    said += [f"有关上级地区（共{len(others)}个）"] if many_others else [o.name_zh for o in others]
    return (*said, *(u.name_zh for u in units))


def issue_info(bulletin: Bulletin) -> core.IssueInfo | None:
    """What issuing gave the bulletin, as the content reads it; None for a draft."""
    if bulletin.number is None or bulletin.issued_on is None:
        return None
    rows = list(bulletin.addressees.select_related("locality", "unit").order_by("order", "id"))

    def names(role: str) -> tuple[str, ...]:
        mine = [a for a in rows if a.role == role]
        localities = [a.locality for a in mine if a.locality is not None]
        return addressee_names(bulletin.plan, localities, [a.unit for a in mine if a.unit is not None])

    other = (bulletin.copies_other.strip(),) if bulletin.copies_other.strip() else ()
    return core.IssueInfo(
        document_number=bulletin.document_number,
        office=bulletin.office,
        signed_by=bulletin.signed_by,
        issued_on=bulletin.issued_on,
        to=names(BulletinAddressee.Role.TO),
        copies=names(BulletinAddressee.Role.COPY) + other,
    )


def words_of(bulletin: Bulletin) -> core.OfficeWords:
    return core.OfficeWords(**bulletin.words)


def preview_of(bulletin: Bulletin) -> preview.Preview:
    """The bulletin's page as its files were written (kept with them); for a bulletin kept before
    pages were, or in another shape, made from its run as the files would be (no figure, no map)."""
    kept = BulletinPreview.objects.filter(bulletin=bulletin).values_list("data", flat=True).first()
    made = preview.from_data(kept)
    if made is None:
        _inp, content = content_of(bulletin, with_map=False)
        made = preview.preview_of(content)
    return made


def content_of(
    bulletin: Bulletin, *, with_map: bool = True
) -> tuple[core.BulletinInput, core.BulletinContent]:
    """The bulletin's input and content as stored: its run, day, number, issue and words (no charts;
    the map for drawing them unless `with_map` is False, as for the page, which shows none)."""
    which = period_of(bulletin.plan, bulletin.period_code)
    return contents(
        bulletin.plan,
        which,
        bulletin.run,
        bulletin.as_of,
        bulletin.number,
        series=series_zh(bulletin.series),
        issue=issue_info(bulletin),
        words=words_of(bulletin),
        with_map=with_map,
    )


def store(bulletin: Bulletin, content: core.BulletinContent, files: dict[str, bytes]) -> None:
    """Keep the files of the bulletin (replacing those of the same formats) and its page as the
    content they were written from (BulletinPreview)."""
    page = preview.to_data(preview.preview_of(content))
    BulletinPreview.objects.update_or_create(bulletin=bulletin, defaults={"data": page})
    for fmt, data in files.items():
        stored, _ = BulletinFile.objects.get_or_create(bulletin=bulletin, format=fmt)
        if stored.file:
            stored.file.delete(save=False)
        stored.file.save(bulletin.file_name(fmt), ContentFile(data), save=True)


def check_request(plan: Plan, period_code: str, formats: Sequence[str], series: str | None) -> None:
    """What build_bulletin refuses at once, checked before a build is queued: the period, the
    series and the formats (BulletinError naming the first wrong one)."""
    _formats(formats)
    series_of(period_of(plan, period_code), series)


def build_bulletin(
    plan: Plan,
    period_code: str,
    *,
    formats: Sequence[str] = tuple(core.FORMATS),
    include_unaccepted: bool = False,
    user: Any = None,
    run: EvaluationRun | None = None,
    params: EvaluationParameters | None = None,
    as_of: dt.date | None = None,
    progress: Progress = _quiet,
    series: str | None = None,
    via: audit.Via = audit.WEB,
) -> Bulletin:
    """Make a draft bulletin of the period, its office's words prefilled from the evaluation, store
    it with its files, and return it. Raises BulletinError (bad period, series or formats, a run that
    does not fit, nothing to evaluate) and writes nothing then. A draft has no number: issuing
    (planwatch.bulletins.issuing.issue) gives it one."""
    started = time.monotonic()
    chosen = _formats(formats)
    which = period_of(plan, period_code)
    kind = series_of(which, series)
    as_of = as_of or timezone.localdate()
    cited = cited_run(
        plan,
        which,
        run=run,
        params=params,
        include_unaccepted=include_unaccepted,
        user=user,
        progress=progress,
        as_of=as_of,
    )
    content, files = render(plan, which, cited, as_of, None, chosen, progress, series=series_zh(kind))
    progress("storing")
    with transaction.atomic():
        bulletin = Bulletin(
            plan=plan,
            period_code=which.code,
            year=which.year,
            series=kind,
            run=cited,
            data_version=cited.data_version,
            data_hash=cited.data_hash,
            includes_unaccepted=cited.includes_unaccepted,
            sample=cited.sample,
            as_of=as_of,
            title=f"{content.title} {content.subtitle}",
            formats=chosen,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            **{key: content.words.text(key) for key in WORDS},
        )
        bulletin.build_seconds = round(time.monotonic() - started, 3)
        bulletin.save()
        store(bulletin, content, files)
        audit.record(
            "bulletin.create",
            user,
            bulletin.audit_subject(),
            via=via,
            new={"state": bulletin.state, "run": cited.pk, "series": kind, "formats": chosen},
        )
    progress(f"bulletin #{bulletin.pk} (draft) done in {bulletin.build_seconds:.1f} s")
    return bulletin


def regenerate(bulletin: Bulletin, formats: Sequence[str] | None = None) -> dict[str, bytes]:
    """The bulletin's files made again from its run, day, number, issue and words (nothing stored)."""
    which = period_of(bulletin.plan, bulletin.period_code)
    _, files = render(
        bulletin.plan,
        which,
        bulletin.run,
        bulletin.as_of,
        bulletin.number,
        formats or bulletin.formats,
        series=series_zh(bulletin.series),
        issue=issue_info(bulletin),
        words=words_of(bulletin),
    )
    return files
