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
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planwatch.core.errors import PlanFileError, Problem

FORMAT = "planwatch/plan@1"
REGION = "region"  # the target scope meaning "the plan's whole region"

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


# --- vocabularies -------------------------------------------------------------------------------


class IndicatorKind(StrEnum):
    CUMULATIVE_COUNT = "cumulative_count"  # a count reached by a date, counted from the plan's start
    LEVEL = "level"  # a level at a date
    AVG_ANNUAL_GROWTH = "avg_annual_growth"  # compound average annual growth over a span, in %
    GROWTH_OVER_BASE = "growth_over_base"  # growth against a base year, in %
    SHARE = "share"  # a part of a total, in %
    CUMULATIVE_DECREASE = "cumulative_decrease"  # decrease against a base year, in %


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Aggregation(StrEnum):
    SUM = "sum"  # the region's value is the sum of its localities'
    RECOMPUTE = "recompute"  # the region's value is recomputed from its components' region values
    NONE = "none"  # not additive: the region has no value of its own


class Frequency(StrEnum):
    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"


class LocalityLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class UnitKind(StrEnum):
    PROVINCIAL_DEPARTMENT = "provincial_department"
    LOCAL_GOVERNMENT = "local_government"
    GROUP = "group"  # a group of units named together, e.g. a joint conference's other members


class Qualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"  # 以上
    ABOUT = "about"  # 左右
    AT_MOST = "at_most"  # 以内


class RuleKind(StrEnum):
    NO_REGION_TARGET = "no_region_target"
    BASE_YEAR = "base_year"
    BINDING_CLASSIFICATION = "binding_classification"
    TARGET_ADJUSTMENT = "target_adjustment"
    OTHER = "other"


# Units of measure: the quantity each measures and its scale to the base unit.
UNITS: dict[str, tuple[str, Decimal, str]] = {
    "个": ("count", Decimal(1), "units"),
    "家": ("count", Decimal(1), "enterprises/organisations"),
    "项": ("count", Decimal(1), "items"),
    "所": ("count", Decimal(1), "institutions"),
    "人": ("persons", Decimal(1), "persons"),
    "万人": ("persons", Decimal(10_000), "10,000 persons"),
    "元": ("yuan", Decimal(1), "yuan"),
    "万元": ("yuan", Decimal(10_000), "10,000 yuan"),
    "亿元": ("yuan", Decimal(100_000_000), "100 million yuan"),
    "%": ("percent", Decimal("0.01"), "percent"),
}



def whole_number_unit(unit: str) -> bool:
    """Counts, and persons counted one by one (人, not 万人), are whole numbers."""
    quantity, scale, _ = UNITS.get(unit, ("", Decimal(0), ""))
    return quantity == "count" or (quantity == "persons" and scale == 1)


KIND_QUANTITIES: dict[IndicatorKind, set[str]] = {
    IndicatorKind.CUMULATIVE_COUNT: {"count"},
    IndicatorKind.LEVEL: {"count", "persons", "yuan"},
    IndicatorKind.AVG_ANNUAL_GROWTH: {"percent"},
    IndicatorKind.GROWTH_OVER_BASE: {"percent"},
    IndicatorKind.SHARE: {"percent"},
    IndicatorKind.CUMULATIVE_DECREASE: {"percent"},
}

# The components a recomputed indicator needs, by kind.
KIND_COMPONENTS: dict[IndicatorKind, set[str]] = {
    IndicatorKind.SHARE: {"numerator", "denominator"},
    IndicatorKind.AVG_ANNUAL_GROWTH: {"level"},
    IndicatorKind.GROWTH_OVER_BASE: {"level"},
    IndicatorKind.CUMULATIVE_DECREASE: {"level"},
}

# Kinds measured against a base year, which therefore must declare one.
KINDS_WITH_BASE = {
    IndicatorKind.AVG_ANNUAL_GROWTH,
    IndicatorKind.GROWTH_OVER_BASE,
    IndicatorKind.CUMULATIVE_DECREASE,
}


def canonical_decimal(value: Decimal) -> Decimal:
    """One spelling per number, so that 800, 800.0 and 8E+2 hash and export alike."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


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
    value: Decimal | None = Field(default=None, max_digits=24, decimal_places=6)
    implied: bool = False  # the text implies the base rather than stating it
    note: Text | None = None

    @field_validator("value")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)


class Target(Strict):
    scope: Code  # "region" or a pilot unit's locality code
    year: int = Field(ge=1949, le=2100)
    value: Decimal = Field(max_digits=24, decimal_places=6)  # what the database holds
    qualifier: Qualifier = Qualifier.EXACT
    note: Text | None = None
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


class Rule(Strict):
    code: Code
    number: int = Field(ge=1)
    kind: RuleKind
    text: Text
    source: Source
    indicators: list[Code] = []


class CheckKind(StrEnum):
    NOT_GREATER = "not_greater"  # left ≤ right, e.g. highly skilled workers ≤ skilled workers
    SHARE = "share"  # share = numerator ÷ denominator × 100, within a tolerance in percentage points


class Check(Strict):
    """A rule across indicators that reported values of one locality and period must keep."""

    code: Code
    kind: CheckKind
    left: Code  # not_greater: the smaller; share: the numerator
    right: Code  # not_greater: the larger; share: the denominator
    share: Code | None = None  # share: the share indicator
    tolerance: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=6)
    text: Text

    @field_validator("tolerance")
    @classmethod
    def _canonical(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else canonical_decimal(value)


class AttributeType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


class CountKind(StrEnum):
    SINCE_START = "since_start"  # things whose stage date falls from the plan's start year on
    STOCK = "stock"  # every thing whose stage date falls by the end of the year, before the start too


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
    threshold: Decimal | None = Field(default=None, gt=0, max_digits=24, decimal_places=6)  # 万元
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


class PlanDocument(Strict):
    format: str
    plan: PlanHeader
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

    @property
    def source_text(self) -> str:
        return self.plan.source_text or ""

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def all_tasks(self) -> list[Task]:
        return [task for group in self.task_groups for task in group.tasks]


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


def _pydantic_message(error: Any) -> str:
    kind = error["type"]
    if kind in MESSAGES:
        return MESSAGES[kind]
    if kind in {"enum", "literal_error"}:
        return "must be one of " + error["ctx"].get("expected", "").replace("'", "")
    message: str = error["msg"]
    return message[:1].lower() + message[1:]


def read_plan_file(path: str | Path) -> PlanDocument:
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
    return parse_plan_text(text, name=name, base_dir=path.parent)


def parse_plan_text(text: str, *, name: str = "<plan>", base_dir: Path | None = None) -> PlanDocument:
    loader = None
    try:  # compose once, keeping the nodes for their line numbers, and build the data from them
        loader = yaml.SafeLoader(text)
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
        source_path = base_dir / str(header["source_text_file"])
        try:
            header["source_text"] = source_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            line = _line_of(root, ("plan", "source_text_file"))
            problem = Problem("plan.source_text_file", f"cannot read {source_path.name}", line)
            raise PlanFileError(name, [problem]) from None
        header["source_text_file"] = None

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


def check_plan(doc: PlanDocument) -> list[tuple[Loc, str]]:  # noqa: C901 - one list of checks
    """Every problem of references, duplicates, units and quotes, as (path, message)."""
    problems: list[tuple[Loc, str]] = []
    add = problems.append

    if doc.format != FORMAT:
        add((("format",), f"unsupported format {doc.format!r}: expected {FORMAT!r}"))
    header = doc.plan
    source_text = header.source_text or ""
    if not source_text.strip():
        add((("plan", "source_text"), "the plan's source text is missing (source_text or source_text_file)"))
    period = header.period
    if not period.base_year <= period.start_year <= period.end_year:
        add((("plan", "period"), "expected base_year ≤ start_year ≤ end_year"))
    if period.horizon_year is not None and period.horizon_year < period.end_year:
        add((("plan", "period", "horizon_year"), "must not be before end_year"))
    last_year = period.horizon_year or period.end_year

    def check_source(loc: Loc, source: Source) -> None:
        if source_text and source.quote not in source_text:
            add((loc + ("source", "quote"), "quote not found verbatim in the plan's source text"))

    # Localities: unique codes, known parents, no cycles.
    localities = {loc.code: loc for loc in doc.localities}
    problems += _duplicates([(("localities", i), x.code) for i, x in enumerate(doc.localities)], "locality")
    if REGION in localities:
        add((("localities",), f"{REGION!r} is reserved for the whole region's scope"))
    for i, locality in enumerate(doc.localities):
        if locality.parent is not None and locality.parent not in localities:
            add((("localities", i, "parent"), f"unknown locality {locality.parent!r}"))
        seen = {locality.code}
        parent = locality.parent
        while parent in localities:
            if parent in seen:
                add((("localities", i, "parent"), "the parents form a cycle"))
                break
            seen.add(parent)
            parent = localities[parent].parent
    pilots = {loc.code for loc in doc.localities if loc.pilot}
    if not pilots:
        add((("localities",), "no locality is marked as a pilot (reporting) unit"))

    units = {unit.code for unit in doc.units}
    problems += _duplicates([(("units", i), x.code) for i, x in enumerate(doc.units)], "unit")

    dimensions = {dim.code for dim in doc.dimensions}
    problems += _duplicates([(("dimensions", i), x.code) for i, x in enumerate(doc.dimensions)], "dimension")
    if doc.dimensions and sum((d.weight for d in doc.dimensions), Decimal(0)) != Decimal(1):
        add((("dimensions",), "the dimensions' weights must add up to 1"))

    problems += _duplicates([(("goals", i), x.code) for i, x in enumerate(doc.goals)], "goal")
    for i, goal in enumerate(doc.goals):
        check_source(("goals", i), goal.source)

    field_codes: list[tuple[Loc, str]] = []
    for g, group in enumerate(doc.key_field_groups):
        field_codes.append((("key_field_groups", g), group.code))
        check_source(("key_field_groups", g), group.source)
        for f, key_field in enumerate(group.fields):
            field_codes.append((("key_field_groups", g, "fields", f), key_field.code))
            check_source(("key_field_groups", g, "fields", f), key_field.source)
    problems += _duplicates(field_codes, "key field")

    task_codes: list[tuple[Loc, str]] = []
    for g, task_group in enumerate(doc.task_groups):
        task_codes.append((("task_groups", g), task_group.code))
        check_source(("task_groups", g), task_group.source)
        for t, task in enumerate(task_group.tasks):
            loc: Loc = ("task_groups", g, "tasks", t)
            task_codes.append((loc, task.code))
            check_source(loc, task.source)
            if task.lead not in units:
                add((loc + ("lead",), f"unknown unit {task.lead!r}"))
            for p, participant in enumerate(task.participants):
                if participant not in units:
                    add((loc + ("participants", p), f"unknown unit {participant!r}"))
                elif participant == task.lead:
                    add((loc + ("participants", p), f"{participant!r} is already the lead unit"))
                elif participant in task.participants[:p]:
                    add((loc + ("participants", p), f"{participant!r} is named twice"))
    problems += _duplicates(task_codes, "task")
    tasks = {task.code for task in doc.all_tasks()}

    indicators = {ind.code: ind for ind in doc.indicators}
    problems += _duplicates([(("indicators", i), x.code) for i, x in enumerate(doc.indicators)], "indicator")
    for i, ind in enumerate(doc.indicators):
        loc = ("indicators", i)
        check_source(loc, ind.source)
        unit = UNITS.get(ind.unit)
        if unit is None:
            add((loc + ("unit",), f"unknown unit of measure {ind.unit!r}: use one of {', '.join(UNITS)}"))
        elif unit[0] not in KIND_QUANTITIES[ind.kind]:
            add((loc + ("unit",), f"unit {ind.unit!r} does not fit an indicator of kind {ind.kind.value}"))
        if ind.aggregation == Aggregation.SUM and unit is not None and unit[0] == "percent":
            add(
                (
                    loc + ("aggregation",),
                    "a percentage cannot be summed over localities: use recompute or none",
                )
            )
        if ind.aggregation == Aggregation.SUM and ind.kind not in {
            IndicatorKind.CUMULATIVE_COUNT,
            IndicatorKind.LEVEL,
        }:
            add((loc + ("aggregation",), f"an indicator of kind {ind.kind.value} cannot be summed"))
        needed = KIND_COMPONENTS.get(ind.kind, set())
        if ind.aggregation == Aggregation.RECOMPUTE:
            if not needed:
                add(
                    (
                        loc + ("aggregation",),
                        f"an indicator of kind {ind.kind.value} has nothing to recompute from",
                    )
                )
            elif set(ind.components) != needed:
                add(
                    (
                        loc + ("components",),
                        f"recompute needs exactly the components {', '.join(sorted(needed))}",
                    )
                )
        elif ind.components and set(ind.components) - needed:
            add((loc + ("components",), f"unexpected components for kind {ind.kind.value}"))
        for role, component in ind.components.items():
            if component not in indicators:
                add((loc + ("components", role), f"unknown indicator {component!r}"))
            elif component == ind.code:
                add((loc + ("components", role), "an indicator cannot be its own component"))
        if ind.kind in KINDS_WITH_BASE and ind.base is None:
            add((loc + ("base",), f"an indicator of kind {ind.kind.value} needs a base year"))
        if ind.base is not None and ind.base.year > period.end_year:
            add((loc + ("base", "year"), "the base year is after the plan's end"))
        if ind.dimension is not None and ind.dimension not in dimensions:
            add((loc + ("dimension",), f"unknown dimension {ind.dimension!r}"))
        if ind.lead_unit is not None and ind.lead_unit not in units:
            add((loc + ("lead_unit",), f"unknown unit {ind.lead_unit!r}"))
        for t, task_code in enumerate(ind.tasks):
            if task_code not in tasks:
                add((loc + ("tasks", t), f"unknown task {task_code!r}"))
        seen_targets: set[tuple[str, int]] = set()
        for t, target in enumerate(ind.targets):
            tloc = loc + ("targets", t)
            check_source(tloc, target.source)
            if target.scope != REGION and target.scope not in localities:
                add((tloc + ("scope",), f"unknown scope {target.scope!r}: use {REGION!r} or a locality code"))
            elif target.scope != REGION and target.scope not in pilots:
                add((tloc + ("scope",), f"locality {target.scope!r} is not a pilot unit"))
            if target.scope == REGION and not ind.region_target:
                add((tloc + ("scope",), "this indicator has no region-wide target (region_target: false)"))
            if (target.scope, target.year) in seen_targets:
                add((tloc, f"duplicate target for {target.scope} in {target.year}"))
            seen_targets.add((target.scope, target.year))
            if not (ind.base.year if ind.base else period.base_year) <= target.year <= last_year:
                add((tloc + ("year",), f"{target.year} is outside the plan's years"))
            if unit is not None and unit[0] == "count" and target.value < 0:
                add((tloc + ("value",), "a count cannot be negative"))
            if ind.kind == IndicatorKind.SHARE and not 0 <= target.value <= 100:
                add((tloc + ("value",), "a share must be between 0 and 100 %"))

    rule_codes = [(("rules", i), x.code) for i, x in enumerate(doc.rules)]
    problems += _duplicates(rule_codes, "rule")
    for i, rule in enumerate(doc.rules):
        check_source(("rules", i), rule.source)
        for r, code in enumerate(rule.indicators):
            if code not in indicators:
                add((("rules", i, "indicators", r), f"unknown indicator {code!r}"))
            elif rule.kind == RuleKind.NO_REGION_TARGET and indicators[code].region_target:
                add((("rules", i, "indicators", r), f"indicator {code!r} must say region_target: false"))

    problems += _duplicates([(("checks", i), x.code) for i, x in enumerate(doc.checks)], "check")
    for i, check in enumerate(doc.checks):
        loc = ("checks", i)
        for role in ("left", "right", "share"):
            code = getattr(check, role)
            if code is not None and code not in indicators:
                add((loc + (role,), f"unknown indicator {code!r}"))
        if check.kind == CheckKind.SHARE and (check.share is None or check.tolerance is None):
            add((loc, "a share check names its share indicator and a tolerance"))
        if check.kind == CheckKind.NOT_GREATER and check.share is not None:
            add((loc + ("share",), "only a share check names a share indicator"))
        left, right = indicators.get(check.left), indicators.get(check.right)
        if check.kind == CheckKind.NOT_GREATER and left and right and left.unit != right.unit:
            add((loc + ("right",), f"{check.left} and {check.right} are not in the same unit"))
    problems += check_ledgers(doc, check_source)
    return problems


def check_ledgers(doc: PlanDocument, check_source: Any) -> list[tuple[Loc, str]]:
    """The ledgers: unique codes, known stages and indicators, each indicator fed once, attributes
    typed consistently, the kind of count fitting the indicator's kind."""
    problems: list[tuple[Loc, str]] = []
    add = problems.append
    indicators = {ind.code: ind for ind in doc.indicators}
    problems += _duplicates([(("ledgers", i), x.code) for i, x in enumerate(doc.ledgers)], "ledger")
    fed: dict[str, str] = {}
    for i, ledger in enumerate(doc.ledgers):
        loc: Loc = ("ledgers", i)
        check_source(loc, ledger.source)
        stages = {stage.code for stage in ledger.stages}
        problems += _duplicates([(loc + ("stages", s), x.code) for s, x in enumerate(ledger.stages)], "stage")
        for s, stage in enumerate(ledger.stages):
            if stage.code in LEDGER_COLUMNS:
                add((loc + ("stages", s, "code"), f"{stage.code!r} is a common column's name"))
        attributes = {a.code: a for a in ledger.attributes}
        problems += _duplicates(
            [(loc + ("attributes", a), x.code) for a, x in enumerate(ledger.attributes)], "attribute"
        )
        for a, attr in enumerate(ledger.attributes):
            aloc = loc + ("attributes", a)
            if attr.code in LEDGER_COLUMNS or attr.code in stages:
                add((aloc + ("code",), f"{attr.code!r} is already a column of the ledger"))
            if attr.type == AttributeType.CHOICE and not attr.choices:
                add((aloc + ("choices",), "a choice attribute lists its choices"))
            if attr.type != AttributeType.CHOICE and attr.choices:
                add((aloc + ("choices",), "only a choice attribute has choices"))
            if len(set(attr.choices)) != len(attr.choices):
                add((aloc + ("choices",), "a choice is listed twice"))
            if attr.unit is not None and attr.type != AttributeType.NUMBER:
                add((aloc + ("unit",), "only a number has a unit"))
        for f, feed in enumerate(ledger.feeds):
            floc = loc + ("feeds", f)
            ind = indicators.get(feed.indicator)
            if ind is None:
                add((floc + ("indicator",), f"unknown indicator {feed.indicator!r}"))
            else:
                unit = UNITS.get(ind.unit)
                if unit is None or unit[0] != "count":
                    add((floc + ("indicator",), f"{feed.indicator} is not counted in items"))
                expected = {
                    IndicatorKind.CUMULATIVE_COUNT: CountKind.SINCE_START,
                    IndicatorKind.LEVEL: CountKind.STOCK,
                }.get(ind.kind)
                if expected is None:
                    add((floc + ("indicator",), f"an indicator of kind {ind.kind.value} is not a count"))
                elif feed.count != expected:
                    add(
                        (
                            floc + ("count",),
                            f"{feed.indicator} is of kind {ind.kind.value}: count it as {expected.value}",
                        )
                    )
                if feed.indicator in fed:
                    add((floc + ("indicator",), f"{feed.indicator} is already fed by {fed[feed.indicator]}"))
                fed[feed.indicator] = ledger.code
            if feed.stage not in stages:
                add((floc + ("stage",), f"unknown stage {feed.stage!r}"))
            for key, value in feed.where.items():
                chosen = attributes.get(key)
                if chosen is None or chosen.type != AttributeType.CHOICE:
                    add((floc + ("where", key), f"{key!r} is not a choice attribute of this ledger"))
                elif value not in chosen.choices:
                    add((floc + ("where", key), f"{value!r} is not one of the choices of {key}"))
    return problems


# --- writing ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_plan(doc: PlanDocument, fmt: str = "yaml") -> str:
    """The document as a plan file, with the source text inline."""
    data = doc.model_dump(mode="json", exclude_none=True)
    for key in ("value", "weight", "tolerance", "threshold"):  # numbers as numbers, not strings
        _numbers_in(data, key)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9)


def _numbers_in(node: Any, key: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                number = Decimal(v)
                node[k] = int(number) if number == number.to_integral_value() else float(number)
            else:
                _numbers_in(v, key)
    elif isinstance(node, list):
        for item in node:
            _numbers_in(item, key)
