"""Authoring a plan in the browser: an uploaded plan file (and its source text) is staged, checked
whole by the loader's own checks — the file's (planwatch.core.planfile) and the database's, by a
load that is rolled back — compared with the loaded version, and published by the very action the
command line's `load_plan` takes (`load_plan_file`, one audit event). Nothing here checks a plan file
itself: every rule stays the loader's.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from planwatch.core import planfile
from planwatch.core.errors import PlanFileError, Problem
from planwatch.kernel.review import State
from planwatch.plans.loader import LoadResult, load_plan_document, plan_to_document
from planwatch.plans.models import Plan, Target

STAGE_DIR = "plan-uploads"  # in the file storage: one folder per checked upload, until it is published
STAGE_HOURS = 24  # a checked upload not published within a day is let go (at the next upload)
TOKEN_BYTES = 16
SUFFIXES = (".yaml", ".yml", ".json")


# --- staging ------------------------------------------------------------------------------------
# A checked upload is published by a later request, which another web server may answer: it is kept
# in the file storage (default_storage: MEDIA_ROOT, or the S3-compatible store; docs/deployment.md),
# never in a web process's own folder.


def _safe_name(name: str, fallback: str) -> str:
    """The uploaded file's own name without any folder, or `fallback` for an empty or odd one."""
    base = Path(name.replace("\\", "/")).name
    return base if base and not base.startswith(".") and len(base) <= 120 else fallback


def _is_token(token: str) -> bool:
    return len(token) == 2 * TOKEN_BYTES and all(c in "0123456789abcdef" for c in token)


def _folder(token: str) -> str:
    return f"{STAGE_DIR}/{token}"


def _listdir(folder: str) -> tuple[list[str], list[str]]:
    try:
        return default_storage.listdir(folder)
    except FileNotFoundError:  # the local storage's answer for a folder never made
        return [], []


@dataclass(frozen=True)
class Staged:
    token: str
    file_name: str  # the plan file's
    files: tuple[str, ...]  # every file of the upload: the plan file and its source text

    def document(self) -> planfile.PlanDocument:
        """The staged plan file read whole by the core (planfile.read_plan_file), its source text
        file beside it: copied out of the storage into a folder of this request's own."""
        with tempfile.TemporaryDirectory(prefix="planwatch-plan-") as tmp:
            for name in self.files:
                with default_storage.open(f"{_folder(self.token)}/{name}", "rb") as fh:
                    (Path(tmp) / name).write_bytes(fh.read())
            return planfile.read_plan_file(Path(tmp) / self.file_name)


def stage(plan_name: str, plan_bytes: bytes, source_name: str | None, source_bytes: bytes | None) -> Staged:
    """Keep the uploaded files in a folder of their own, the source text under its own name (the
    name the plan file's `source_text_file` gives it)."""
    plan_file_name = _safe_name(plan_name, "plan.yaml")
    if not plan_file_name.lower().endswith(SUFFIXES):
        raise PlanFileError(plan_file_name, [Problem("", "a plan file is YAML or JSON (.yaml, .yml, .json)")])
    _let_go_of_old()
    token = secrets.token_hex(TOKEN_BYTES)
    files = {plan_file_name: plan_bytes}
    if source_bytes is not None:
        source_file_name = _safe_name(source_name or "", "source.txt")
        if source_file_name == plan_file_name:
            source_file_name = "source.txt"
        files[source_file_name] = source_bytes
    for name, data in files.items():
        default_storage.save(f"{_folder(token)}/{name}", ContentFile(data))
    return Staged(token, plan_file_name, tuple(files))


def _let_go_of_old() -> None:
    """Remove the checked uploads nobody published within STAGE_HOURS."""
    before = timezone.now() - timedelta(hours=STAGE_HOURS)
    for token in _listdir(STAGE_DIR)[0]:
        found = staged(token)
        if found is None or default_storage.get_modified_time(f"{_folder(token)}/{found.file_name}") < before:
            discard(token)


def staged(token: str) -> Staged | None:
    """The staged upload of this token, if it is still there."""
    if not _is_token(token):
        return None
    files = sorted(_listdir(_folder(token))[1])
    plans = [name for name in files if Path(name).suffix.lower() in SUFFIXES]
    return Staged(token, plans[0], tuple(files)) if plans else None


def discard(token: str) -> None:
    if not _is_token(token):
        return
    folder = _folder(token)
    for name in _listdir(folder)[1]:
        default_storage.delete(f"{folder}/{name}")
    with contextlib.suppress(OSError):
        default_storage.delete(folder)  # the local storage's folder (an object store has none)


# --- checking: the loader's checks, the database's included -------------------------------------


class _RolledBack(Exception):
    """Ends the trial load: nothing it wrote stays."""


def trial_load(doc: planfile.PlanDocument, file_name: str, user: Any) -> tuple[str, int]:
    """What loading the document would do — ("created" | "updated" | "unchanged", version) — by
    loading it and rolling back: the database's checks (a removed indicator that values still refer
    to …) are the loader's own. Raises PlanFileError with every problem."""
    outcome: LoadResult | None = None
    try:
        with transaction.atomic():
            outcome = load_plan_document(doc, file_name=file_name, user=user)
            raise _RolledBack
    except _RolledBack:
        pass
    assert outcome is not None
    return outcome.status, outcome.version


# --- the difference from the loaded version ------------------------------------------------------


@dataclass(frozen=True)
class Named:
    code: str
    name: planfile.Text
    values: int = 0  # reported values that refer to it


@dataclass(frozen=True)
class TargetChange:
    indicator: str
    indicator_name: planfile.Text
    scope: str  # "region" or a locality's code
    scope_name: planfile.Text | None  # None: the region
    year: int
    old: Decimal | None  # None: a new target
    new: Decimal | None  # None: a target removed
    unit: str
    current: Decimal | None  # the target in force now, when users revised it from the file's figure
    values: int  # values reported for that indicator, scope and year, now measured against the new target
    accepted: int


@dataclass
class PlanDiff:
    plan_code: str
    new_plan: bool
    from_version: int | None = None
    indicators_added: list[Named] = field(default_factory=list)
    indicators_removed: list[Named] = field(default_factory=list)
    localities_added: list[Named] = field(default_factory=list)
    localities_removed: list[Named] = field(default_factory=list)
    targets: list[TargetChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.indicators_added
            or self.indicators_removed
            or self.localities_added
            or self.localities_removed
            or self.targets
        )


def _targets(doc: planfile.PlanDocument) -> dict[tuple[str, str, int], tuple[Decimal, str]]:
    return {
        (ind.code, target.scope, target.year): (target.value, ind.unit)
        for ind in doc.indicators
        for target in ind.targets
    }


def diff(doc: planfile.PlanDocument) -> PlanDiff:
    """What the document changes in the plan of its code, as loaded: indicators and localities added
    and removed (with the values that refer to them), targets revised, added and removed (with the
    values measured against them)."""
    plan = Plan.objects.filter(code=doc.plan.code).first()
    if plan is None:
        return PlanDiff(doc.plan.code, new_plan=True)
    old = plan_to_document(plan)
    out = PlanDiff(doc.plan.code, new_plan=False, from_version=plan.version)

    old_indicators = {i.code: i for i in old.indicators}
    new_indicators = {i.code: i for i in doc.indicators}
    old_localities = {x.code: x for x in old.localities}
    new_localities = {x.code: x for x in doc.localities}
    values_by_indicator = dict(
        plan.indicators.annotate(n=Count("values")).values_list("code", "n")  # one query
    )
    values_by_locality = dict(plan.localities.annotate(n=Count("values")).values_list("code", "n"))
    out.indicators_added = [Named(c, i.name) for c, i in new_indicators.items() if c not in old_indicators]
    out.indicators_removed = [
        Named(c, i.name, values_by_indicator.get(c, 0))
        for c, i in old_indicators.items()
        if c not in new_indicators
    ]
    out.localities_added = [Named(c, x.name) for c, x in new_localities.items() if c not in old_localities]
    out.localities_removed = [
        Named(c, x.name, values_by_locality.get(c, 0))
        for c, x in old_localities.items()
        if c not in new_localities
    ]

    before, after = _targets(old), _targets(doc)
    changed = sorted(
        key
        for key in before.keys() | after.keys()
        if key[0] in new_indicators and (before.get(key, (None,))[0] != after.get(key, (None,))[0])
    )
    if not changed:
        return out
    in_force = {  # the targets now: a file's figure, or the users' revision of it
        (t.indicator.code, t.locality.code if t.locality else planfile.REGION, t.year): t.value
        for t in Target.objects.filter(indicator__plan=plan).select_related("indicator", "locality")
    }
    counts = _value_counts(plan, changed)
    for key in changed:
        code, scope, year = key
        ind = new_indicators[code]
        old_value = before.get(key, (None, ""))[0]
        current = in_force.get(key)
        locality = new_localities.get(scope) or old_localities.get(scope)
        n, accepted = counts.get((code, scope, year), (0, 0))
        out.targets.append(
            TargetChange(
                indicator=code,
                indicator_name=ind.name,
                scope=scope,
                scope_name=locality.name if locality else None,
                year=year,
                old=old_value,
                new=after.get(key, (None, ""))[0],
                unit=ind.unit,
                current=current if current is not None and current != old_value else None,
                values=n,
                accepted=accepted,
            )
        )
    return out


def _value_counts(
    plan: Plan, keys: list[tuple[str, str, int]]
) -> dict[tuple[str, str, int], tuple[int, int]]:
    """Reported values (and how many accepted) per indicator, scope and year: a region target
    measures every locality's value of its year. One query."""
    wanted = {(code, year) for code, _, year in keys}
    rows = (
        plan.indicators.filter(code__in={code for code, _ in wanted})
        .values("code", "values__locality__code", "values__period__year")
        .annotate(n=Count("values"), accepted=Count("values", filter=Q(values__status=State.ACCEPTED)))
    )
    out: dict[tuple[str, str, int], tuple[int, int]] = {}
    for row in rows:
        year = row["values__period__year"]
        if (row["code"], year) not in wanted or not row["n"]:
            continue
        for scope in (row["values__locality__code"], planfile.REGION):
            n, accepted = out.get((row["code"], scope, year), (0, 0))
            out[(row["code"], scope, year)] = (n + row["n"], accepted + row["accepted"])
    return out


# --- publishing: the command line's action --------------------------------------------------------


def publish(token: str, user: Any) -> LoadResult:
    """Load the staged file as `planwatch load_plan FILE --user USER` does (checked again whole; one
    audit event, plan.create or plan.update), then let the staged copy go."""
    found = staged(token)
    if found is None:
        raise PlanFileError("", [Problem("", "the checked file is no longer there: upload it again")])
    result = load_plan_document(found.document(), file_name=found.file_name, user=user)
    discard(token)
    return result
