"""The shapes the API answers with.

Items are named by their plan codes, never by database ids: ids change when a plan is loaded into
another database, codes are what the plan file and the people reading it use. Every text comes in
both languages (`*_zh`, `*_en`) whatever the request's language, so that a script's output does not
depend on a cookie. The schemas read model instances directly; the querysets that feed them
prefetch every relation the resolvers follow (see planwatch.api.routes).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Model
from ninja import Field, Path, Query, Schema
from pydantic import AfterValidator, BeforeValidator, Strict
from pydantic_core import PydanticCustomError

from planwatch.core import numbers, planfile
from planwatch.kernel import columns
from planwatch.ledgers.models import LedgerItem
from planwatch.plans.models import (
    Dimension,
    Indicator,
    Locality,
    Plan,
    Rule,
    Target,
    TargetRevision,
    Task,
)
from planwatch.reporting.datavaluesets import check_number
from planwatch.supervision.models import Milestone

# Values go out as JSON numbers, not the strings ninja makes of Decimals: 800, not "800.000000".
Number = int | float

OriginFilter = Literal["plan", "user", "sample"]

# Every item taken from the plan text says where: its clause and the sentence itself.
Clause = Annotated[str, Field(description="The clause of the plan text, e.g. 三（一）1.")]
Quote = Annotated[str, Field(description="The verbatim sentence of the plan text.")]
Scope = Annotated[str, Field(description=f"{planfile.REGION!r} (the whole region) or a locality code.")]


def as_number(value: Decimal | None) -> Number | None:
    return numbers.json_number(value)


def scope_of(locality: Locality | None) -> str:
    return locality.code if locality is not None else planfile.REGION


class ProblemOut(Schema):
    path: str | None = Field(description="Where in a JSON body, e.g. values[2].value.")
    row: int | None = Field(description="The row of a CSV upload, the header being row 1.")
    column: str | None = Field(description="The column of a CSV upload.")
    indicator: str | None
    kind: str = Field(
        description="invalid, unknown, closed, validation, forbidden, locked, conflict, workflow, "
        "not_found, unsupported, unauthenticated, server_error or busy."
    )
    message_zh: str
    message_en: str


class ErrorsOut(Schema):
    errors: list[ProblemOut]


# --- plans --------------------------------------------------------------------------------------


class PeriodOut(Schema):
    base_year: int
    start_year: int
    end_year: int
    horizon_year: int | None


class PlanOut(Schema):
    code: str
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    issued_on: dt.date
    document_number: str
    region_zh: str
    region_en: str
    version: int
    period: PeriodOut

    @staticmethod
    def resolve_period(plan: Plan) -> PeriodOut:
        return PeriodOut(
            base_year=plan.base_year,
            start_year=plan.start_year,
            end_year=plan.end_year,
            horizon_year=plan.horizon_year,
        )


class GoalOut(Schema):
    code: str
    year: int
    text_zh: str
    text_en: str
    clause: Clause
    quote: Quote


class RuleOut(Schema):
    """A note of the text that governs indicators (no region target, base year, binding, …)."""

    code: str
    number: int
    kind: str
    text_zh: str
    text_en: str
    indicators: list[str]
    clause: Clause
    quote: Quote

    @staticmethod
    def resolve_indicators(rule: Rule) -> list[str]:
        return [ind.code for ind in rule.indicators.all()]


class DimensionOut(Schema):
    code: str
    name_zh: str
    name_en: str
    weight: Number

    @staticmethod
    def resolve_weight(dimension: Dimension) -> Number | None:
        return as_number(dimension.weight)


class PlanVersionOut(Schema):
    number: int
    loaded_at: dt.datetime
    file_name: str
    content_hash: str
    summary: str


class PlanDetailOut(PlanOut):
    goals: list[GoalOut]
    rules: list[RuleOut]
    dimensions: list[DimensionOut]
    versions: list[PlanVersionOut]


# --- localities, units, key fields ----------------------------------------------------------------


class LocalityOut(Schema):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    pilot: bool
    figures_include_children: bool
    counted_in_region_total: bool

    @staticmethod
    def resolve_parent(locality: Locality) -> str | None:
        return locality.parent.code if locality.parent is not None else None

    @staticmethod
    def resolve_counted_in_region_total(locality: Locality) -> bool:
        return locality.counted_in_region_total()


class UnitOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str


class KeyFieldGroupOut(Schema):
    code: str
    number: int
    name_zh: str
    name_en: str
    clause: Clause
    quote: Quote


class KeyFieldOut(Schema):
    code: str
    number: int
    name_zh: str
    name_en: str
    group: KeyFieldGroupOut
    clause: Clause
    quote: Quote


# --- tasks --------------------------------------------------------------------------------------


class TaskGroupOut(Schema):
    code: str
    number: int
    title_zh: str
    title_en: str
    clause: Clause
    quote: Quote


class TaskOut(Schema):
    code: str
    number: int | None
    title_zh: str
    title_en: str
    group: TaskGroupOut
    lead_unit: str | None
    participating_units: list[str]
    indicators: list[str]
    clause: Clause
    quote: Quote

    @staticmethod
    def resolve_lead_unit(task: Task) -> str | None:
        lead = task.lead_unit()
        return lead.code if lead is not None else None

    @staticmethod
    def resolve_participating_units(task: Task) -> list[str]:
        return [unit.code for unit in task.participating_units()]

    @staticmethod
    def resolve_indicators(task: Task) -> list[str]:
        return [ind.code for ind in task.indicators.all()]


# --- indicators and targets -----------------------------------------------------------------------


class TargetOut(Schema):
    indicator: str
    scope: Scope
    year: int
    value: Number
    qualifier: str
    origin: str
    is_sample: bool
    note_zh: str
    note_en: str
    clause: Clause
    quote: Quote

    @staticmethod
    def resolve_indicator(target: Target) -> str:
        return target.indicator.code

    @staticmethod
    def resolve_scope(target: Target) -> str:
        return scope_of(target.locality)

    @staticmethod
    def resolve_value(target: Target) -> Number | None:
        return as_number(target.value)


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: str
    kind: str
    direction: str
    aggregation: str
    components: dict[str, str]
    binding: bool
    frequency: str
    region_target: bool
    base_year: int | None
    base_value: Number | None
    base_implied: bool
    base_note_zh: str
    base_note_en: str
    dimension: str | None
    lead_unit: str | None
    tasks: list[str]
    clause: Clause
    quote: Quote

    @staticmethod
    def resolve_components(indicator: Indicator) -> dict[str, str]:
        return {link.role: link.component.code for link in indicator.components.all()}

    @staticmethod
    def resolve_base_value(indicator: Indicator) -> Number | None:
        return as_number(indicator.base_value)

    @staticmethod
    def resolve_dimension(indicator: Indicator) -> str | None:
        return indicator.dimension.code if indicator.dimension is not None else None

    @staticmethod
    def resolve_lead_unit(indicator: Indicator) -> str | None:
        return indicator.lead_unit.code if indicator.lead_unit is not None else None

    @staticmethod
    def resolve_tasks(indicator: Indicator) -> list[str]:
        return [task.code for task in indicator.tasks.all()]


class IndicatorDetailOut(IndicatorOut):
    targets: list[TargetOut]


class TargetRevisionOut(Schema):
    indicator: str
    scope: Scope
    year: int
    old_value: Number | None
    new_value: Number | None
    reason: str
    changed_by: str | None
    changed_at: dt.datetime
    plan_version: int | None

    @staticmethod
    def resolve_indicator(revision: TargetRevision) -> str:
        return revision.indicator.code

    @staticmethod
    def resolve_scope(revision: TargetRevision) -> str:
        return scope_of(revision.locality)

    @staticmethod
    def resolve_old_value(revision: TargetRevision) -> Number | None:
        return as_number(revision.old_value)

    @staticmethod
    def resolve_new_value(revision: TargetRevision) -> Number | None:
        return as_number(revision.new_value)

    @staticmethod
    def resolve_changed_by(revision: TargetRevision) -> str | None:
        user = revision.changed_by
        return user.get_username() if user is not None else None

    @staticmethod
    def resolve_plan_version(revision: TargetRevision) -> int | None:
        version = revision.plan_version
        return version.number if version is not None else None


# --- input that the columns can hold ------------------------------------------------------------
# Each integer and text an operation takes is bounded by the column it ends in (planwatch.kernel.
# columns): a number beyond it answers 422 at its place, never a database error.

ID_LOW, ID_HIGH = columns.int_range(Plan, "id")
YEAR_LOW, YEAR_HIGH = columns.int_range(Target, "year")
ORDER_LOW, ORDER_HIGH = columns.int_range(Milestone, "order")
VERSION_LOW, VERSION_HIGH = columns.int_range(LedgerItem, "version")


# --- a JSON body's values have the JSON type the document declares --------------------------------
# Pydantic's lax mode would read `true` as 1, "12" as 12 and 0 as 1970-01-01; a path or a query
# parameter is always text, and read so, but a body's number must be a JSON number, its date a
# "YYYY-MM-DD" text and its flag true or false (422 at its place otherwise, as the document says).


def _json_number(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise PydanticCustomError("number_type", "a number is expected, not {value!r}", {"value": value})
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "date_type", "a date is expected as YYYY-MM-DD, not {value!r}", {"value": value}
    )


JsonNumber = BeforeValidator(_json_number)
# A date of a body or a query, e.g. 2019-03-31.
Date = Annotated[dt.date, BeforeValidator(_iso_date)]
# true or false in a body.
Flag = Annotated[bool, Strict()]

RowId = Annotated[int, Path(ge=ID_LOW, le=ID_HIGH, description="A row's id.")]
YearPath = Annotated[int, Path(ge=YEAR_LOW, le=YEAR_HIGH, description="A year, e.g. 2018.")]
YearQuery = Annotated[int | None, Query(None, ge=YEAR_LOW, le=YEAR_HIGH, description="Only this year.")]
Year = Annotated[int, Field(ge=YEAR_LOW, le=YEAR_HIGH, description="A year, e.g. 2018."), JsonNumber]
Order = Annotated[int, Field(ge=ORDER_LOW, le=ORDER_HIGH, description="Position in its list."), JsonNumber]
Version = Annotated[int, Field(ge=VERSION_LOW, le=VERSION_HIGH, description="The version read."), JsonNumber]
Percent = Annotated[int, Field(ge=0, le=100, description="Per cent done, 0–100."), JsonNumber]


def text_of(model: type[Model], name: str, default: Any = ..., **extra: Any) -> Any:
    """A text as long as its column holds (unbounded for a text column without a limit)."""
    return Field(default, max_length=columns.max_length(model, name), **extra)


def _storable(value: Decimal) -> Decimal:
    """A number that fits the value columns (24 digits, 6 after the point): 1e30, NaN and Infinity
    are refused with the message of planwatch.reporting.datavaluesets.check_number."""
    if why := check_number(value):
        zh, en = why
        raise PydanticCustomError("not_storable", "{en}", {"zh": zh, "en": en})
    return value


# A number to store: JSON's NaN and Infinity (which Python reads) and numbers beyond the column
# are refused at their place with status 422.
StoredNumber = Annotated[Decimal, Field(allow_inf_nan=True), JsonNumber, AfterValidator(_storable)]
