"""新方案起草 — the province drafts a new plan file from a policy document: upload it, see the source
text with every extracted item highlighted beside the draft, accept, edit or reject each item, merge
duplicate indicators, confirm the items the drafter marked, and save the result as a plan file.

Nothing is written to the database: the page is stateless (the document's text travels in the form,
and the draft is made again from it on each step; the drafter is deterministic), and the saved plan
file is a download, checked by the plan file's own parser before it is given."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from planwatch.accounts.permissions import has_perm
from planwatch.core.drafting.extract import draft
from planwatch.core.drafting.model import Draft
from planwatch.core.drafting.reading import MAX_DOCUMENT_BYTES, DocumentUnreadable, read_document
from planwatch.core.drafting.review import REJECT, Blocker, Decision, apply_review
from planwatch.core.drafting.writer import indicators_of, write_draft
from planwatch.core.errors import PlanFileError, PlanWatchError
from planwatch.core.kinds import UNITS, IndicatorKind, LocalityLevel, Qualifier, Term, UnitKind
from planwatch.core.planfile import parse_plan_text
from planwatch.plans.models import Plan, pick
from planwatch.web import authoring

HEADER_LABELS = {
    "code": gettext_lazy("Plan code"),
    "title": gettext_lazy("Title"),
    "issuer": gettext_lazy("Issuer"),
    "issued_on": gettext_lazy("Date of issue"),
    "document_number": gettext_lazy("Document number"),
    "region": gettext_lazy("Region"),
    "base_year": gettext_lazy("Base year"),
    "start_year": gettext_lazy("Start year"),
    "end_year": gettext_lazy("End year"),
}


def _choices(vocabulary: type[Term]) -> list[tuple[str, str]]:
    """A vocabulary's words as (code, name in the page's language) for a select."""
    english = (get_language() or "").startswith("en")
    return [(term.value, (term.en if english else term.zh) or "—") for term in vocabulary]


def _province_plan(request: HttpRequest, code: str) -> Plan:
    if not has_perm("province.manage", request.user):
        raise PermissionDenied(_("Only the province drafts new plans."))
    return get_object_or_404(Plan, code=code)


def anchors(segments: list[dict[str, Any]]) -> dict[str, str]:
    """Each item's place in the source text (its anchor): a target's highlighted sentence, a task's
    paragraph start."""
    out: dict[str, str] = {}
    for piece in segments:
        for item in piece["items"]:
            out.setdefault(item, piece["anchor"])
    return out


def _segments(draft_: Draft) -> list[dict[str, Any]]:
    """The source text cut into pieces: plain text, each sentence a target quotes highlighted with
    its targets, and an anchor where each task's paragraph starts."""
    text = draft_.source_text
    marks: dict[tuple[int, int], list[str]] = {}
    for index, target in enumerate(draft_.targets):
        start = target.evidence.start
        if start >= 0:
            marks.setdefault((start, start + len(target.evidence.quote)), []).append(f"target-{index}")
    task_starts: dict[int, list[str]] = {}
    for index, task in enumerate(draft_.tasks()):
        if task.evidence.start >= 0:
            task_starts.setdefault(task.evidence.start, []).append(f"task-{index}")
    cuts = sorted({0, len(text), *task_starts, *(p for span in marks for p in span)})
    out: list[dict[str, Any]] = []
    open_mark: tuple[int, int] | None = None
    for left, right in zip(cuts, cuts[1:], strict=False):
        for item in task_starts.get(left, []):
            out.append({"text": "", "items": [item], "anchor": item, "mark": False})
        if open_mark and left >= open_mark[1]:
            open_mark = None
        span = next(((a, b) for (a, b) in marks if a == left), None)
        if span is not None and open_mark is None:
            open_mark = span
            items = marks[span]
            out.append(
                {"text": text[left:right], "items": items, "anchor": items[0], "mark": True, "first": True}
            )
        elif open_mark is not None:
            out.append({"text": text[left:right], "items": [], "anchor": "", "mark": True, "first": False})
        else:
            out.append({"text": text[left:right], "items": [], "anchor": "", "mark": False})
    return out


def _originals(draft_: Draft) -> dict[str, dict[str, str]]:
    """Every editable field of every item as the drafter wrote it, as the form shows it."""
    h = draft_.header
    out: dict[str, dict[str, str]] = {
        "header": {
            "code": h.plan_code,
            "title": h.title,
            "issuer": h.issuer,
            "issued_on": h.issued_on.isoformat() if h.issued_on else "",
            "document_number": h.document_number,
            "region": h.region,
            "base_year": str(h.base_year),
            "start_year": str(h.start_year),
            "end_year": str(h.end_year),
        }
    }
    for i, loc in enumerate(draft_.localities):
        out[f"locality-{i}"] = {
            "name": loc.name,
            "pilot": "on" if loc.pilot else "off",
            "figures_include_children": "on" if loc.figures_include_children else "off",
        }
    for i, unit in enumerate(draft_.units):
        out[f"unit-{i}"] = {"name": unit.name, "kind": unit.kind}
    for i, dimension in enumerate(draft_.dimensions):
        out[f"dimension-{i}"] = {"name": dimension.name}
    for i, task in enumerate(draft_.tasks()):
        out[f"task-{i}"] = {"title": task.title, "lead": task.lead or ""}
    for i, t in enumerate(draft_.targets):
        out[f"target-{i}"] = {
            "name": t.name,
            "value": f"{t.value.normalize():f}",
            "unit": t.unit,
            "year": str(t.year),
            "kind": t.kind,
            "qualifier": t.qualifier,
        }
    return out


CHECKBOXES = {"pilot", "figures_include_children"}


def _decisions(post: Any, originals: dict[str, dict[str, str]]) -> dict[str, Decision]:
    """The reviewer's decisions from the form: an edit is a field whose value differs from the
    drafter's (a checkbox left unticked is "off")."""
    decisions: dict[str, Decision] = {}
    for item, fields in originals.items():
        decision = Decision(
            action=post.get(f"{item}:action", "accept"),
            checked=post.get(f"{item}:checked") == "on",
        )
        merge = post.get(f"{item}:merge_into", "")
        decision.merge_into = int(merge) if merge.strip().isdigit() else None
        for name, original in fields.items():
            key = f"{item}:{name}"
            if name in CHECKBOXES:
                if f"{item}:shown" not in post:
                    continue
                value = "on" if post.get(key) == "on" else "off"
            elif key in post:
                value = post.get(key, "")
            else:
                continue
            if value.strip() != original:
                decision.fields[name] = value
        decisions[item] = decision
    return decisions


def _rows(draft_: Draft, decisions: dict[str, Decision]) -> dict[str, dict[str, Any]]:
    """Per item: the values the form shows (the reviewer's where given), its decision and flag."""
    rows: dict[str, dict[str, Any]] = {}
    for item, fields in _originals(draft_).items():
        decision = decisions.get(item, Decision())
        rows[item] = {
            "key": item,
            "values": {**fields, **decision.fields},
            "checked": decision.checked,
            "rejected": decision.action == REJECT,
            "merge_into": decision.merge_into,
        }
    return rows


def _context(
    plan: Plan, draft_: Draft, name: str, decisions: dict[str, Decision] | None = None, **extra: Any
) -> dict[str, Any]:
    rows = _rows(draft_, decisions or {})
    indicators = indicators_of(draft_)
    indicator_of = {id(t): code for code, targets in indicators for t in targets}
    for i, t in enumerate(draft_.targets):
        rows[f"target-{i}"].update(index=i, target=t, indicator=indicator_of.get(id(t), ""))
    for i, task in enumerate(draft_.tasks()):
        rows[f"task-{i}"].update(index=i, task=task)
    for i, unit in enumerate(draft_.units):
        rows[f"unit-{i}"].update(index=i, unit=unit)
    for i, loc in enumerate(draft_.localities):
        rows[f"locality-{i}"].update(index=i, locality=loc)
    for i, dimension in enumerate(draft_.dimensions):
        rows[f"dimension-{i}"].update(index=i, dimension=dimension)
    segments = _segments(draft_)
    for item, anchor in anchors(segments).items():
        rows[item]["anchor"] = anchor
    return {
        "plan": plan,
        "section": "manage",
        "draft": draft_,
        "document_name": name,
        "segments": segments,
        "header": rows["header"],
        "header_fields": [
            (name, HEADER_LABELS[name], value) for name, value in rows["header"]["values"].items()
        ],
        "targets": [rows[f"target-{i}"] for i in range(len(draft_.targets))],
        "tasks": [rows[f"task-{i}"] for i in range(len(draft_.tasks()))],
        "units": [rows[f"unit-{i}"] for i in range(len(draft_.units))],
        "localities": [rows[f"locality-{i}"] for i in range(len(draft_.localities))],
        "dimensions": [rows[f"dimension-{i}"] for i in range(len(draft_.dimensions))],
        "unit_choices": sorted({*UNITS, *(t.unit for t in draft_.targets)}),
        "kind_choices": _choices(IndicatorKind),
        "qualifier_choices": _choices(Qualifier),
        "unit_kind_choices": _choices(UnitKind),
        "level_names": dict(_choices(LocalityLevel)),
        "summary": _summary(len(draft_.targets), len(draft_.tasks()), draft_.review_count()),
        **extra,
    }


def _summary(targets: int, tasks: int, to_check: int) -> str:
    """9 项目标，1 项任务，5 项待核对。 — in the page's language, with its punctuation."""
    parts = [
        ngettext("%(n)d target", "%(n)d targets", targets) % {"n": targets},
        ngettext("%(n)d task", "%(n)d tasks", tasks) % {"n": tasks},
        ngettext("%(n)d item to check", "%(n)d items to check", to_check) % {"n": to_check},
    ]
    return pick("，", ", ").join(parts) + pick("。", ".")


@login_required
def new_draft(request: HttpRequest, code: str) -> HttpResponse:
    plan = _province_plan(request, code)
    if request.method != "POST":
        return render(request, "web/drafting.html", {"plan": plan, "section": "manage"})
    try:
        upload = request.FILES.get("document")
        if upload is not None:
            name = upload.name or "document"
            if (upload.size or 0) > MAX_DOCUMENT_BYTES:  # refused before it is read into memory
                raise DocumentUnreadable(
                    f"{name}：文件超过20 MB。", f"{name}: the file is larger than 20 MB."
                )
            text = read_document(upload.read(), name)
        else:
            name = request.POST.get("document_name", "document")
            text = request.POST.get("source_text", "").replace("\r\n", "\n")
            if not text.strip():
                raise PlanWatchError("请先上传文件。", "Upload a document first.")
        result = draft(text)
    except PlanWatchError as exc:
        return render(
            request,
            "web/drafting.html",
            {"plan": plan, "section": "manage", "refusal": exc.text(_english(request))},
        )
    if request.POST.get("step") != "save":
        return render(request, "web/drafting_review.html", _context(plan, result, name))
    decisions = _decisions(request.POST, _originals(result))
    blockers = apply_review(result, decisions)
    if blockers:  # shown on a fresh draft, so that every item keeps its place in the form
        return render(
            request,
            "web/drafting_review.html",
            _context(plan, draft(text), name, decisions, blockers=blockers),
        )
    plan_file = write_draft(result, name)
    try:
        parse_plan_text(plan_file, name="draft.yaml")
    except PlanFileError as exc:
        problems = [Blocker(p.path or "plan", str(p), str(p)) for p in exc.problems]
        return render(
            request,
            "web/drafting_review.html",
            _context(plan, draft(text), name, decisions, blockers=problems),
        )
    if request.POST.get("then") == "publish":  # on to 方案文件: checked whole, previewed, published there
        authoring.may_load(request)
        checked = authoring.check_file(request, "draft.yaml", plan_file.encode(), None, None)
        return authoring.checked_page(request, plan, checked)
    response = HttpResponse(plan_file, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="draft.yaml"'
    return response


def _english(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")
