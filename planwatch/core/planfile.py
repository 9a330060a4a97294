"""The plan file: its declared schema, and reading it with every problem named by its place.

A plan file is YAML (or JSON, which YAML reads too). `read_plan_file` checks the whole file before
anything is written anywhere: the structure (pydantic), then the references between its parts, the
duplicates, the units that fit each kind of indicator, and that every quoted sentence is really in
the plan's source text. Problems are reported with their path in the file and, where it can be
found, their line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planwatch.core import hierarchy
from planwatch.core.divisions import Divisions, resolve_localities
from planwatch.core.divisions import installed as installed_divisions
from planwatch.core.errors import PlanFileError, Problem
from planwatch.core.kinds import (
    KINDS,
    NON_NEGATIVE,
    UNITS,
    YEARLY,
    Aggregation,
    Approver,
    AttributeType,
    CheckKind,
    CountKind,
    DerivedMetric,
    Direction,
    Frequency,
    IndicatorKind,
    LocalityLevel,
    Qualifier,
    Quantity,
    RuleKind,
    UnitKind,
    quantity_of,
)
from planwatch.core.kinds import whole_number_unit as whole_number_unit  # re-exported for older callers
from planwatch.core.numbers import DECIMAL_PLACES, MAX_DIGITS, canonical_decimal, json_number
from planwatch.core.validation import Severity  # an error refuses the file, a warning is reported

FORMAT = "planwatch/plan@1"
REGION = "region"  # the target scope meaning "the plan's whole region"

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


# --- schema -------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Text(Strict):
    """A text in Simplified Chinese, with its English rendering beside it."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Name(Text):
    """A name or title: as long as the database keeps it."""

    zh: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=400)


class Source(Strict):
    """Where an item comes from: the clause (e.g. 三（四）1) and the verbatim sentence."""

    clause: str = Field(min_length=1, max_length=40)
    quote: str = Field(min_length=1)


class Period(Strict):
    base_year: int = Field(ge=1949, le=2100)
    start_year: int = Field(ge=1949, le=2100)
    end_year: int = Field(ge=1949, le=2100)
    horizon_year: int | None = Field(default=None, ge=1949, le=2100)


class BulletinBasis(Strict):
    """The requirement of the text the bulletins answer (“定期评估、及时通报”), as the bulletin's
    opening sentence cites it, with the sentence of the text it comes from."""

    text: Text
    source: Source


class PlanHeader(Strict):
    code: Code
    title: Name
    issuer: Name
    issued_on: dt.date
    document_number: str = ""
    region: Name
    period: Period
    source_text: str | None = None
    source_text_file: str | None = None
    # How the localities' targets of a year that fall short of the region's target (by the
    # indicator's region rule) are taken at load: none given is a warning.
    breakdown_check: Severity | None = None
    bulletin_basis: BulletinBasis | None = None  # none: the bulletin cites the plan's title only


class Locality(Strict):
    code: Code
    name: Name
    level: LocalityLevel
    parent: Code | None = None
    pilot: bool = False
    figures_include_children: bool = False
    # Longitude, latitude: where a map with no boundary for this locality (a district on a map of
    # cities) draws it as a point. Localities with a boundary are found by name.
    map_point: tuple[float, float] | None = None


class Unit(Strict):
    code: Code
    name: Name
    kind: UnitKind


class Dimension(Strict):
    code: Code
    name: Name
    weight: Decimal = Field(ge=0, le=1, decimal_places=6)

    @field_validator("weight")
    @classmethod
    def _canonical(cls, value: Decimal) -> Decimal:
        return canonical_decimal(value)


class Goal(Strict):
    code: Code
    year: int = Field(ge=1949, le=2100)
    text: Text
    source: Source


class KeyField(Strict):
    code: Code
    number: int = Field(ge=1)
    name: Name
    source: Source


class KeyFieldGroup(Strict):
    code: Code
    number: int = Field(ge=1)
    name: Name
    source: Source
    fields: list[KeyField] = Field(min_length=1)


class Task(Strict):
    code: Code
    number: int | None = Field(default=None, ge=1)
    title: Name
    lead: Code
    participants: list[Code] = []
    source: Source


class TaskGroup(Strict):
    code: Code
    number: int = Field(ge=1)
    title: Name
    source: Source
    tasks: list[Task] = Field(min_length=1)


class Base(Strict):
    year: int = Field(ge=1949, le=2100)
    value: Decimal | None = Field(default=None, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    implied: bool = False  # the text implies the base rather than stating it
    note: Text | None = None
    # The pilot units' values in the base year, where the plan states them (locality code → value):
    # the evaluation measures from them where no value of the base year is reported.
    localities: (
        dict[Code, Annotated[Decimal, Field(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)]] | None
    ) = None

    @field_validator("value")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)

    @field_validator("localities")
    @classmethod
    def _canonical_values(cls, values: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        return None if values is None else {code: canonical_decimal(v) for code, v in values.items()}


class Target(Strict):
    scope: Code  # "region" or a pilot unit's locality code
    year: int = Field(ge=1949, le=2100)
    value: Decimal = Field(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)  # what the database holds
    qualifier: Qualifier = Qualifier.EXACT
    note: Text | None = None
    # Why the figure is not a number of the quoted sentence (a locality's share of a list the text
    # gives, a running total of yearly figures): without it, such a target is refused.
    figure_note: Text | None = None
    source: Source

    @field_validator("value")
    @classmethod
    def _canonical(cls, value: Decimal) -> Decimal:
        return canonical_decimal(value)


class Indicator(Strict):
    code: Code
    name: Name
    definition: Text | None = None
    unit: str
    kind: IndicatorKind
    direction: Direction = Direction.HIGHER_IS_BETTER
    aggregation: Aggregation
    components: dict[str, Code] = {}
    binding: bool = False
    frequency: Frequency = Frequency.YEARLY
    region_target: bool = True  # False where the region has no target of its own
    base: Base | None = None
    dimension: Code | None = None
    lead_unit: Code | None = None
    tasks: list[Code] = []
    source: Source
    targets: list[Target] = []


class DerivedIndicator(Strict):
    """An indicator PlanWatch computes from its own records, per locality and year (its `metric`,
    planwatch.evaluation.derived): PlanWatch's measure, not the plan text's. No sentence of the text
    defines it, so it has no `source`; nobody reports it, so it has no unit of its own (every metric
    is a rate in %) and no targets by year: one `target` rate holds for every locality and year
    (none: the metric's ideal, 100 % on time or 0 returns)."""

    code: Code
    metric: DerivedMetric
    dimension: Code | None = None
    target: Decimal | None = Field(
        default=None, ge=0, le=100, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )  # in %
    note: Text | None = None

    @field_validator("target")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)


class Rule(Strict):
    code: Code
    number: int = Field(ge=1)
    kind: RuleKind
    text: Text
    source: Source
    indicators: list[Code] = []


class Check(Strict):
    """A rule across indicators that reported values of one locality and period must keep."""

    code: Code
    kind: CheckKind
    left: Code  # not_greater: the smaller; share: the numerator
    right: Code  # not_greater: the larger; share: the denominator
    share: Code | None = None  # share: the share indicator
    tolerance: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=DECIMAL_PLACES)
    text: Text

    @field_validator("tolerance")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)


class LedgerAttribute(Strict):
    """A column of a ledger beyond the common ones (name, locality, key field, identifier…)."""

    code: Code
    name: Name
    type: AttributeType = AttributeType.TEXT
    choices: list[str] = []
    required: bool = False
    unit: str | None = None


class LedgerStage(Strict):
    """A dated stage of a ledger's items, e.g. signed / started / producing, or recognized."""

    code: Code
    name: Name


class LedgerFeed(Strict):
    """An indicator whose value is counted from the ledger: the items reaching `stage`, optionally
    only those whose choice attributes have the given values (`where`)."""

    indicator: Code
    stage: Code
    count: CountKind = CountKind.SINCE_START
    where: dict[str, str] = {}


class Ledger(Strict):
    """A ledger (台账): one row per counted thing, from which count indicators are derived."""

    code: Code
    name: Name
    threshold: Decimal | None = Field(
        default=None, gt=0, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )  # 万元
    stages: list[LedgerStage] = Field(min_length=1)
    attributes: list[LedgerAttribute] = []
    feeds: list[LedgerFeed] = Field(min_length=1)
    source: Source

    @field_validator("threshold")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)


# Columns every ledger has: an attribute may not take their names.
LEDGER_COLUMNS = {
    "id",
    "locality",
    "key_field",
    "name",
    "identifier",
    "investment",
    "status",
    "notes",
    "review_status",
}


class Review(Strict):
    """Who approves, in order, before the province accepts, by locality level ("default" for the
    others): the seed plan's is every pilot unit's own approver, [self]."""

    approval: dict[str, list[Approver]] = {"default": [Approver.SELF]}


DEFAULT_REVIEW = Review()


class PlanDocument(Strict):
    format: str
    plan: PlanHeader
    review: Review | None = None
    localities: list[Locality] = Field(min_length=1)
    units: list[Unit] = Field(min_length=1)
    dimensions: list[Dimension] = []
    goals: list[Goal] = []
    key_field_groups: list[KeyFieldGroup] = []
    task_groups: list[TaskGroup] = []
    indicators: list[Indicator] = []
    rules: list[Rule] = []
    checks: list[Check] = []
    ledgers: list[Ledger] = []
    derived_indicators: list[DerivedIndicator] = []

    @property
    def source_text(self) -> str:
        return self.plan.source_text or ""

    def canonical_json(self) -> str:
        data = self.model_dump(mode="json")
        if data.get("review") is None:  # optional: a file without it hashes as it did before
            data.pop("review", None)
        if not data.get("derived_indicators"):  # the same
            data.pop("derived_indicators", None)
        _drop_unset(data, LATER_FIELDS)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def all_tasks(self) -> list[Task]:
        return [task for group in self.task_groups for task in group.tasks]

    def locality_nodes(self) -> list[hierarchy.LocalityNode]:
        """The localities as planwatch.core.hierarchy reads them, in the file's order."""
        return [
            hierarchy.LocalityNode(loc.code, loc.parent, loc.pilot, loc.figures_include_children)
            for loc in self.localities
        ]


# Optional fields added after the first plans were loaded: a document that leaves them out hashes
# as it did before they existed.
LATER_FIELDS = frozenset({"breakdown_check", "bulletin_basis", "localities", "figure_note"})


def _drop_unset(node: Any, names: frozenset[str]) -> None:
    if isinstance(node, dict):
        for name in [k for k, v in node.items() if k in names and v is None]:
            del node[name]
        for value in node.values():
            _drop_unset(value, names)
    elif isinstance(node, list):
        for item in node:
            _drop_unset(item, names)


# --- reading ------------------------------------------------------------------------------------

MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check its spelling)",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "string_type": "expected text",
    "string_too_short": "must not be empty",
    "decimal_parsing": "expected a number",
    "decimal_type": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of names to values",
    "model_type": "expected a mapping of names to values",
    "too_short": "must not be empty",
}


def format_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node along `loc` in the composed YAML tree."""
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


# A draft written by `planwatch draft_plan` marks what it is unsure of with `review:` on the item;
# the file loads once every marker is resolved and deleted (docs/drafting.md).
REVIEW_MARKER = "review"


def _pydantic_message(error: Any) -> str:
    kind = error["type"]
    loc = error.get("loc", ())
    if kind == "extra_forbidden" and len(loc) > 1 and loc[-1] == REVIEW_MARKER:
        return "still marked for review by the drafter: check the item, then delete this `review:` line"
    if kind in MESSAGES:
        return MESSAGES[kind]
    if kind in {"enum", "literal_error"}:
        expected: str = error["ctx"].get("expected", "")
        return "must be one of " + expected.replace("'", "")
    message: str = error["msg"]
    return message[:1].lower() + message[1:]


def read_plan_file(
    path: str | Path, divisions: Callable[[], Divisions] = installed_divisions
) -> PlanDocument:
    """Read, resolve and check a plan file; raise PlanFileError listing every problem."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(name, [Problem("", f"no such file: {path}")]) from None
    except UnicodeDecodeError as exc:
        raise PlanFileError(name, [Problem("", f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise PlanFileError(name, [Problem("", f"cannot be read: {exc.strerror}")]) from None
    return parse_plan_text(text, name=name, base_dir=path.parent, divisions=divisions)


MAX_PLAN_BYTES = 5 * 1024 * 1024  # a plan file, the seed's is about 0.1 MB
MAX_PLAN_DEPTH = 32  # nesting of mappings and lists; the format needs about 8


MAX_PLAN_ALIASES = 1000  # uses of an anchor (*name); the seed has a handful


class _PlanLoader(yaml.SafeLoader):
    """YAML as a plan file needs it, refused at the line before anything is built: an alias of a node
    that itself holds aliases (how an alias bomb turns a few lines into billions of nodes), more than
    MAX_PLAN_ALIASES aliases, or nesting deeper than MAX_PLAN_DEPTH. Plain aliases of a shared value,
    as yaml.safe_dump writes them, stay allowed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0
        self.holding_aliases: set[str] = set()  # anchors whose node holds an alias

    def _refuse(self, problem: str) -> None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise yaml.composer.ComposerError(None, None, problem, mark)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if event.anchor in self.holding_aliases:
                self._refuse(f"*{event.anchor} names a value that itself holds aliases: write it out")
            if self.aliases > MAX_PLAN_ALIASES:
                self._refuse(f"more than {MAX_PLAN_ALIASES} aliases")
            return super().compose_node(parent, index)
        self.depth += 1
        before = self.aliases
        try:
            if self.depth > MAX_PLAN_DEPTH:
                self._refuse(f"nested deeper than {MAX_PLAN_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            anchor = getattr(event, "anchor", None)
            if anchor is not None and self.aliases > before:
                self.holding_aliases.add(anchor)


def parse_plan_text(
    text: str,
    *,
    name: str = "<plan>",
    base_dir: Path | None = None,
    divisions: Callable[[], Divisions] = installed_divisions,
) -> PlanDocument:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PLAN_BYTES:
        limit = f"larger than {MAX_PLAN_BYTES // 2**20} MB: not a plan file"
        raise PlanFileError(name, [Problem("", limit)])
    loader = None
    try:  # compose once, keeping the nodes for their line numbers, and build the data from them
        loader = _PlanLoader(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PlanFileError(name, [Problem("", f"not valid YAML: {exc.problem}", line)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a NUL byte
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = Problem("", f"not valid YAML: character {char:#06x} is not allowed", line)
        raise PlanFileError(name, [problem]) from None
    except yaml.YAMLError as exc:
        raise PlanFileError(name, [Problem("", f"not valid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise PlanFileError(name, [Problem("", "expected a mapping at the top of the file", 1)])
    duplicate_keys = _duplicate_keys(root)
    if duplicate_keys:
        raise PlanFileError(name, duplicate_keys)

    # Resolve the source text before validation, so the document always carries it inline.
    header = data.get("plan")
    if isinstance(header, dict) and header.get("source_text_file") and base_dir is not None:
        header["source_text"] = _source_text(name, root, base_dir, str(header["source_text_file"]))
        header["source_text_file"] = None

    # Localities named by their GB/T 2260 code alone get their name, level and parent from the table.
    unknown = resolve_localities(data, divisions)
    if unknown:
        raise PlanFileError(
            name, [Problem(format_path(loc), message, _line_of(root, loc)) for loc, message in unknown]
        )

    try:
        document = PlanDocument.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(format_path(err["loc"]), _pydantic_message(err), _line_of(root, err["loc"]))
            for err in exc.errors()
        ]
        raise PlanFileError(name, problems) from None

    problems = [
        Problem(format_path(loc), message, _line_of(root, loc)) for loc, message in check_plan(document)
    ]
    if problems:
        raise PlanFileError(name, problems)
    return with_defaults(document)


def _source_text(name: str, root: Any, base_dir: Path, given: str) -> str:
    """The text of `source_text_file`: a file in the plan file's folder (or below it), never one
    outside it, however named (`..`, an absolute path, a link leading out)."""
    line = _line_of(root, ("plan", "source_text_file"))
    folder = base_dir.resolve()
    source_path = (base_dir / given).resolve()
    if not source_path.is_relative_to(folder):
        message = f"{given} is outside the plan file's folder: name a file in that folder"
        raise PlanFileError(name, [Problem("plan.source_text_file", message, line)])
    try:
        return source_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        problem = Problem("plan.source_text_file", f"cannot read {source_path.name}", line)
        raise PlanFileError(name, [problem]) from None


def _duplicate_keys(
    node: yaml.Node | None, loc: tuple[int | str, ...] = (), path: frozenset[int] = frozenset()
) -> list[Problem]:
    """Keys given twice in one mapping: YAML would silently keep only the last one."""
    if node is None or id(node) in path:  # an alias back into its own anchor
        return []
    path = path | {id(node)}
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name != "<<":
                if name in seen:
                    line = key.start_mark.line + 1
                    problems.append(Problem(format_path(loc + (name,)), "the key is given twice", line))
                seen.add(name)
            problems += _duplicate_keys(value, loc + (name if name is not None else "?",), path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, loc + (i,), path)
    return problems


def with_defaults(doc: PlanDocument) -> PlanDocument:
    """Fill in what the file may leave out, so that a document and its export hash alike.

    An indicator's lead unit, when not declared, is the lead unit of its first task.
    """
    leads = {task.code: task.lead for task in doc.all_tasks()}
    indicators = [
        ind.model_copy(update={"lead_unit": next((leads[t] for t in ind.tasks if t in leads), None)})
        if ind.lead_unit is None
        else ind
        for ind in doc.indicators
    ]
    return doc.model_copy(update={"indicators": indicators})


# --- checks beyond the structure ----------------------------------------------------------------

Loc = tuple[int | str, ...]


def _duplicates(codes: Sequence[tuple[Loc, str]], what: str) -> list[tuple[Loc, str]]:
    counts = Counter(code for _, code in codes)
    return [(loc + ("code",), f"duplicate {what} code {code!r}") for loc, code in codes if counts[code] > 1]


class _Checks:
    """The problems found so far, in the order of the file, and what the checks look up."""

    def __init__(self, doc: PlanDocument) -> None:
        self.doc = doc
        self.problems: list[tuple[Loc, str]] = []
        self.source_text = doc.plan.source_text or ""
        period = doc.plan.period
        self.last_year = period.horizon_year or period.end_year
        self.localities = {loc.code: loc for loc in doc.localities}
        self.pilots = {loc.code for loc in doc.localities if loc.pilot}
        # What may carry a target or a stated base: a pilot unit, or an area above pilot units (a
        # city whose counties report; planwatch.core.hierarchy).
        self.evaluated = self.pilots | set(hierarchy.areas(hierarchy.by_code(doc.locality_nodes())))
        self.units = {unit.code for unit in doc.units}
        self.dimensions = {dim.code for dim in doc.dimensions}
        self.tasks = {task.code for task in doc.all_tasks()}
        self.indicators = {ind.code: ind for ind in doc.indicators}

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append((loc, message))

    def duplicates(self, codes: Sequence[tuple[Loc, str]], what: str) -> None:
        self.problems += _duplicates(codes, what)

    def source(self, loc: Loc, source: Source) -> None:
        """The quoted sentence is in the plan's source text."""
        if self.source_text and source.quote not in self.source_text:
            self.add(loc + ("source", "quote"), "quote not found verbatim in the plan's source text")


def check_plan(doc: PlanDocument) -> list[tuple[Loc, str]]:
    """Every problem of references, duplicates, units and quotes, as (path, message)."""
    checks = _Checks(doc)
    for check in (
        _check_header,
        _check_localities,
        _check_review,
        _check_units_and_dimensions,
        _check_goals,
        _check_key_fields,
        _check_tasks,
        _check_indicators,
        _check_derived_indicators,
        _check_rules,
        _check_cross_checks,
        _check_ledgers,
    ):
        check(checks)
    return checks.problems


def _check_header(c: _Checks) -> None:
    if c.doc.format != FORMAT:
        c.add(("format",), f"unsupported format {c.doc.format!r}: expected {FORMAT!r}")
    if not c.source_text.strip():
        c.add(("plan", "source_text"), "the plan's source text is missing (source_text or source_text_file)")
    if c.doc.plan.bulletin_basis is not None:
        c.source(("plan", "bulletin_basis"), c.doc.plan.bulletin_basis.source)
    period = c.doc.plan.period
    if not period.base_year <= period.start_year <= period.end_year:
        c.add(("plan", "period"), "expected base_year ≤ start_year ≤ end_year")
    if period.horizon_year is not None and period.horizon_year < period.end_year:
        c.add(("plan", "period", "horizon_year"), "must not be before end_year")


def _check_localities(c: _Checks) -> None:
    """Unique codes, known parents, no cycles, at least one pilot unit."""
    c.duplicates([(("localities", i), x.code) for i, x in enumerate(c.doc.localities)], "locality")
    if REGION in c.localities:
        c.add(("localities",), f"{REGION!r} is reserved for the whole region's scope")
    for i, locality in enumerate(c.doc.localities):
        if locality.parent is not None and locality.parent not in c.localities:
            c.add(("localities", i, "parent"), f"unknown locality {locality.parent!r}")
        seen = {locality.code}
        parent = locality.parent
        while parent in c.localities:
            if parent in seen:
                c.add(("localities", i, "parent"), "the parents form a cycle")
                break
            seen.add(parent)
            parent = c.localities[parent].parent
    if not c.pilots:
        c.add(("localities",), "no locality is marked as a pilot (reporting) unit")


def _check_review(c: _Checks) -> None:
    """Each approval chain is for a locality level the plan has (or "default"), and names each
    approver once."""
    if c.doc.review is None:
        return
    levels = {loc.level for loc in c.doc.localities}
    for level, chain in c.doc.review.approval.items():
        loc = ("review", "approval", level)
        if level != "default" and level not in levels:
            known = ", ".join(sorted(levels))
            c.add(loc, f"no locality of the plan is at level {level!r} (levels: {known}, or default)")
        if not chain:
            c.add(loc, "an approval chain needs at least one approver")
        if len(set(chain)) != len(chain):
            c.add(loc, "an approver is named twice")


def _check_units_and_dimensions(c: _Checks) -> None:
    c.duplicates([(("units", i), x.code) for i, x in enumerate(c.doc.units)], "unit")
    dimensions = c.doc.dimensions
    c.duplicates([(("dimensions", i), x.code) for i, x in enumerate(dimensions)], "dimension")
    if dimensions and sum((d.weight for d in dimensions), Decimal(0)) != Decimal(1):
        c.add(("dimensions",), "the dimensions' weights must add up to 1")


def _check_goals(c: _Checks) -> None:
    c.duplicates([(("goals", i), x.code) for i, x in enumerate(c.doc.goals)], "goal")
    for i, goal in enumerate(c.doc.goals):
        c.source(("goals", i), goal.source)


def _check_key_fields(c: _Checks) -> None:
    codes: list[tuple[Loc, str]] = []
    for g, group in enumerate(c.doc.key_field_groups):
        codes.append((("key_field_groups", g), group.code))
        c.source(("key_field_groups", g), group.source)
        for f, key_field in enumerate(group.fields):
            codes.append((("key_field_groups", g, "fields", f), key_field.code))
            c.source(("key_field_groups", g, "fields", f), key_field.source)
    c.duplicates(codes, "key field")


def _check_tasks(c: _Checks) -> None:
    """Unique codes; the lead and participating units known, each named once."""
    codes: list[tuple[Loc, str]] = []
    for g, task_group in enumerate(c.doc.task_groups):
        codes.append((("task_groups", g), task_group.code))
        c.source(("task_groups", g), task_group.source)
        for t, task in enumerate(task_group.tasks):
            loc: Loc = ("task_groups", g, "tasks", t)
            codes.append((loc, task.code))
            c.source(loc, task.source)
            if task.lead not in c.units:
                c.add(loc + ("lead",), f"unknown unit {task.lead!r}")
            for p, participant in enumerate(task.participants):
                if participant not in c.units:
                    c.add(loc + ("participants", p), f"unknown unit {participant!r}")
                elif participant == task.lead:
                    c.add(loc + ("participants", p), f"{participant!r} is already the lead unit")
                elif participant in task.participants[:p]:
                    c.add(loc + ("participants", p), f"{participant!r} is named twice")
    c.duplicates(codes, "task")


def _check_indicators(c: _Checks) -> None:
    c.duplicates([(("indicators", i), x.code) for i, x in enumerate(c.doc.indicators)], "indicator")
    for i, ind in enumerate(c.doc.indicators):
        loc: Loc = ("indicators", i)
        c.source(loc, ind.source)
        _check_unit_and_region_rule(c, loc, ind)
        _check_components(c, loc, ind)
        _check_indicator_references(c, loc, ind)
        _check_base(c, loc, ind)
        _check_targets(c, loc, ind)


def _check_unit_and_region_rule(c: _Checks, loc: Loc, ind: Indicator) -> None:
    """The unit fits the kind; the region rule (aggregation) is one the kind allows."""
    kind = KINDS[ind.kind]
    quantity = quantity_of(ind.unit)
    if quantity is None:
        c.add(loc + ("unit",), f"unknown unit of measure {ind.unit!r}: use one of {', '.join(UNITS)}")
    elif quantity not in kind.quantities:
        c.add(loc + ("unit",), f"unit {ind.unit!r} does not fit an indicator of kind {ind.kind.value}")
    if ind.aggregation == Aggregation.SUM and quantity == Quantity.PERCENT:
        c.add(loc + ("aggregation",), "a percentage cannot be summed over localities: use recompute or none")
    if ind.aggregation == Aggregation.SUM and Aggregation.SUM not in kind.aggregations:
        c.add(loc + ("aggregation",), f"an indicator of kind {ind.kind.value} cannot be summed")
    elif ind.aggregation not in kind.aggregations:
        allowed = ", ".join(sorted(a.value for a in kind.aggregations))
        c.add(loc + ("aggregation",), f"an indicator of kind {ind.kind.value} allows only {allowed}")


def _check_components(c: _Checks, loc: Loc, ind: Indicator) -> None:
    """A recomputed indicator names exactly the components its kind needs, each a known indicator."""
    needed = set(KINDS[ind.kind].components)
    if ind.aggregation == Aggregation.RECOMPUTE:
        if not needed:
            c.add(
                loc + ("aggregation",), f"an indicator of kind {ind.kind.value} has nothing to recompute from"
            )
        elif set(ind.components) != needed:
            c.add(
                loc + ("components",), f"recompute needs exactly the components {', '.join(sorted(needed))}"
            )
    elif ind.components and set(ind.components) - needed - set(KINDS[ind.kind].optional_components):
        c.add(loc + ("components",), f"unexpected components for kind {ind.kind.value}")
    for role, component in ind.components.items():
        if component not in c.indicators:
            c.add(loc + ("components", role), f"unknown indicator {component!r}")
        elif component == ind.code:
            c.add(loc + ("components", role), "an indicator cannot be its own component")
        elif role == YEARLY and not _yearly_figures_of(c.indicators[component], ind):
            c.add(
                loc + ("components", role),
                f"{component} is not yearly figures of {ind.unit}'s quantity (a level, reported yearly)",
            )


def _yearly_figures_of(yearly: Indicator, total: Indicator) -> bool:
    """The yearly figures a cumulative sum adds up: a level, reported yearly, of the same quantity."""
    return (
        yearly.kind == IndicatorKind.LEVEL
        and yearly.frequency == Frequency.YEARLY
        and quantity_of(yearly.unit) == quantity_of(total.unit)
    )


def _check_indicator_references(c: _Checks, loc: Loc, ind: Indicator) -> None:
    """The base year (where the kind needs one), the dimension, the lead unit and the tasks."""
    if KINDS[ind.kind].needs_base and ind.base is None:
        c.add(loc + ("base",), f"an indicator of kind {ind.kind.value} needs a base year")
    if ind.base is not None and ind.base.year > c.doc.plan.period.end_year:
        c.add(loc + ("base", "year"), "the base year is after the plan's end")
    if ind.dimension is not None and ind.dimension not in c.dimensions:
        c.add(loc + ("dimension",), f"unknown dimension {ind.dimension!r}")
    if ind.lead_unit is not None and ind.lead_unit not in c.units:
        c.add(loc + ("lead_unit",), f"unknown unit {ind.lead_unit!r}")
    for t, task_code in enumerate(ind.tasks):
        if task_code not in c.tasks:
            c.add(loc + ("tasks", t), f"unknown task {task_code!r}")


def _check_targets(c: _Checks, loc: Loc, ind: Indicator) -> None:
    """Each target: a known scope, once per scope and year, within the plan's years and the kind's
    bounds."""
    kind = KINDS[ind.kind]
    quantity = quantity_of(ind.unit)
    first_year = ind.base.year if ind.base else c.doc.plan.period.base_year
    seen: set[tuple[str, int]] = set()
    for t, target in enumerate(ind.targets):
        tloc = loc + ("targets", t)
        c.source(tloc, target.source)
        if target.scope != REGION and target.scope not in c.localities:
            c.add(tloc + ("scope",), f"unknown scope {target.scope!r}: use {REGION!r} or a locality code")
        elif target.scope != REGION and target.scope not in c.evaluated:
            c.add(tloc + ("scope",), f"locality {target.scope!r} is neither a pilot unit nor above one")
        if target.scope == REGION and not ind.region_target:
            c.add(tloc + ("scope",), "this indicator has no region-wide target (region_target: false)")
        if (target.scope, target.year) in seen:
            c.add(tloc, f"duplicate target for {target.scope} in {target.year}")
        seen.add((target.scope, target.year))
        if not first_year <= target.year <= c.last_year:
            c.add(tloc + ("year",), f"{target.year} is outside the plan's years")
        if target.figure_note is None and target.value not in figures_in(target.source.quote):
            c.add(
                tloc + ("value",),
                f"{json_number(target.value)} is not a number of the quoted sentence: correct the figure "
                "or the quote, or say in figure_note why the figure is not in it",
            )
        if quantity == Quantity.COUNT and target.value < 0:
            c.add(tloc + ("value",), "a count cannot be negative")
        # A share's target is a share: within its kind's bounds (other kinds' bounds apply to values).
        if ind.kind == IndicatorKind.SHARE and not _within(target.value, kind.bounds):
            c.add(tloc + ("value",), "a share must be between 0 and 100 %")


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def figures_in(text: str) -> set[Decimal]:
    """The numbers written in a sentence, in Arabic digits (full-width ones too; 1,200 is 1200):
    “到2019年，…项目800个” holds 2019 and 800. Chinese numerals (一千二百) are not read."""
    normal = unicodedata.normalize("NFKC", text)
    return {canonical_decimal(Decimal(m.group().replace(",", ""))) for m in _NUMBER.finditer(normal)}


def _check_base(c: _Checks, loc: Loc, ind: Indicator) -> None:
    """The localities' base values: each of a pilot unit or an area above pilot units, once, not
    negative for an amount."""
    if ind.base is None or not ind.base.localities:
        return
    for code, value in ind.base.localities.items():
        bloc = loc + ("base", "localities", code)
        if code not in c.localities:
            c.add(bloc, f"unknown locality {code!r}")
        elif code not in c.evaluated:
            c.add(bloc, f"locality {code!r} is neither a pilot unit nor above one")
        if quantity_of(ind.unit) in NON_NEGATIVE and value < 0:
            c.add(bloc, "the value cannot be negative")


def _within(value: Decimal, bounds: tuple[Decimal, Decimal] | None) -> bool:
    return bounds is None or bounds[0] <= value <= bounds[1]


def _check_derived_indicators(c: _Checks) -> None:
    """Codes of their own (not an indicator's), a known dimension, each metric declared once."""
    derived = c.doc.derived_indicators
    c.duplicates([(("derived_indicators", i), x.code) for i, x in enumerate(derived)], "derived indicator")
    metrics: dict[DerivedMetric, str] = {}
    for i, ind in enumerate(derived):
        loc: Loc = ("derived_indicators", i)
        if ind.code in c.indicators:
            c.add(loc + ("code",), f"{ind.code!r} is already the code of an indicator of the text")
        if ind.dimension is not None and ind.dimension not in c.dimensions:
            c.add(loc + ("dimension",), f"unknown dimension {ind.dimension!r}")
        if ind.metric in metrics:
            c.add(loc + ("metric",), f"{ind.metric.value} is already measured by {metrics[ind.metric]}")
        metrics.setdefault(ind.metric, ind.code)


def _check_rules(c: _Checks) -> None:
    c.duplicates([(("rules", i), x.code) for i, x in enumerate(c.doc.rules)], "rule")
    for i, rule in enumerate(c.doc.rules):
        c.source(("rules", i), rule.source)
        for r, code in enumerate(rule.indicators):
            if code not in c.indicators:
                c.add(("rules", i, "indicators", r), f"unknown indicator {code!r}")
            elif rule.kind == RuleKind.NO_REGION_TARGET and c.indicators[code].region_target:
                c.add(("rules", i, "indicators", r), f"indicator {code!r} must say region_target: false")


def _check_cross_checks(c: _Checks) -> None:
    """The `checks` section: known indicators, what each kind of check names."""
    c.duplicates([(("checks", i), x.code) for i, x in enumerate(c.doc.checks)], "check")
    for i, check in enumerate(c.doc.checks):
        loc: Loc = ("checks", i)
        for role in ("left", "right", "share"):
            code = getattr(check, role)
            if code is not None and code not in c.indicators:
                c.add(loc + (role,), f"unknown indicator {code!r}")
        if check.kind == CheckKind.SHARE and (check.share is None or check.tolerance is None):
            c.add(loc, "a share check names its share indicator and a tolerance")
        if check.kind == CheckKind.NOT_GREATER and check.share is not None:
            c.add(loc + ("share",), "only a share check names a share indicator")
        left, right = c.indicators.get(check.left), c.indicators.get(check.right)
        if check.kind == CheckKind.NOT_GREATER and left and right and left.unit != right.unit:
            c.add(loc + ("right",), f"{check.left} and {check.right} are not in the same unit")


def _check_ledgers(c: _Checks) -> None:
    """The ledgers: unique codes, known stages and indicators, each indicator fed once, attributes
    typed consistently, the kind of count fitting the indicator's kind."""
    c.duplicates([(("ledgers", i), x.code) for i, x in enumerate(c.doc.ledgers)], "ledger")
    fed: dict[str, str] = {}
    for i, ledger in enumerate(c.doc.ledgers):
        loc: Loc = ("ledgers", i)
        c.source(loc, ledger.source)
        stages = {stage.code for stage in ledger.stages}
        c.duplicates([(loc + ("stages", s), x.code) for s, x in enumerate(ledger.stages)], "stage")
        for s, stage in enumerate(ledger.stages):
            if stage.code in LEDGER_COLUMNS:
                c.add(loc + ("stages", s, "code"), f"{stage.code!r} is a common column's name")
        _check_ledger_attributes(c, loc, ledger, stages)
        for f, feed in enumerate(ledger.feeds):
            _check_ledger_feed(c, loc + ("feeds", f), ledger, feed, stages, fed)


def _check_ledger_attributes(c: _Checks, loc: Loc, ledger: Ledger, stages: set[str]) -> None:
    c.duplicates([(loc + ("attributes", a), x.code) for a, x in enumerate(ledger.attributes)], "attribute")
    for a, attr in enumerate(ledger.attributes):
        aloc = loc + ("attributes", a)
        if attr.code in LEDGER_COLUMNS or attr.code in stages:
            c.add(aloc + ("code",), f"{attr.code!r} is already a column of the ledger")
        if attr.type == AttributeType.CHOICE and not attr.choices:
            c.add(aloc + ("choices",), "a choice attribute lists its choices")
        if attr.type != AttributeType.CHOICE and attr.choices:
            c.add(aloc + ("choices",), "only a choice attribute has choices")
        if len(set(attr.choices)) != len(attr.choices):
            c.add(aloc + ("choices",), "a choice is listed twice")
        if attr.unit is not None and attr.type != AttributeType.NUMBER:
            c.add(aloc + ("unit",), "only a number has a unit")


def _check_ledger_feed(
    c: _Checks, floc: Loc, ledger: Ledger, feed: LedgerFeed, stages: set[str], fed: dict[str, str]
) -> None:
    """A feed counts a known stage into a count indicator, once, as the indicator's kind counts."""
    ind = c.indicators.get(feed.indicator)
    if ind is None:
        c.add(floc + ("indicator",), f"unknown indicator {feed.indicator!r}")
    else:
        if quantity_of(ind.unit) != Quantity.COUNT:
            c.add(floc + ("indicator",), f"{feed.indicator} is not counted in items")
        expected = KINDS[ind.kind].ledger_count
        if expected is None:
            c.add(floc + ("indicator",), f"an indicator of kind {ind.kind.value} is not a count")
        elif feed.count != expected:
            c.add(
                floc + ("count",),
                f"{feed.indicator} is of kind {ind.kind.value}: count it as {expected.value}",
            )
        if feed.indicator in fed:
            c.add(floc + ("indicator",), f"{feed.indicator} is already fed by {fed[feed.indicator]}")
        fed[feed.indicator] = ledger.code
    if feed.stage not in stages:
        c.add(floc + ("stage",), f"unknown stage {feed.stage!r}")
    attributes = {a.code: a for a in ledger.attributes}
    for key, value in feed.where.items():
        chosen = attributes.get(key)
        if chosen is None or chosen.type != AttributeType.CHOICE:
            c.add(floc + ("where", key), f"{key!r} is not a choice attribute of this ledger")
        elif value not in chosen.choices:
            c.add(floc + ("where", key), f"{value!r} is not one of the choices of {key}")


# --- writing ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes a plan file as it is read: every value written out, no aliases (which a plan file may
    not hold, _PlanLoader)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_plan(doc: PlanDocument, fmt: str = "yaml") -> str:
    """The document as a plan file, with the source text inline."""
    data = doc.model_dump(mode="json", exclude_none=True)
    for ind in data.get("indicators", []):  # the pilot units' base values, as numbers
        localities = ind.get("base", {}).get("localities")
        if localities:
            ind["base"]["localities"] = {code: json_number(Decimal(v)) for code, v in localities.items()}
    for key in ("value", "weight", "tolerance", "threshold", "target"):  # numbers as numbers, not strings
        _numbers_in(data, key)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return dump_yaml(data)


def dump_yaml(data: Any) -> str:
    """Plan file data as YAML: every value written out, multi-line texts as blocks."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9)


def _numbers_in(node: Any, key: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                node[k] = json_number(Decimal(v))
            else:
                _numbers_in(v, key)
    elif isinstance(node, list):
        for item in node:
            _numbers_in(item, key)
