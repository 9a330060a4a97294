"""The data version of an evaluation run: which values and targets it read, how many, as of when.

`build_input` makes one; a run stores it as JSON (`to_jsonable`) in `EvaluationRun.data_version`
and reads it back with `EvaluationRun.version` (`from_jsonable(DataVersion, …)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DataVersion", "DerivedVersion", "TargetsVersion"]


@dataclass(frozen=True)
class TargetsVersion:
    """The targets read: all of the plan's, from the plan text, entered by users, or sample data."""

    as_of: str | None  # the last change, ISO in local time
    sha256: str  # over (indicator, scope, year, value, origin), sorted
    count: int
    by_origin: Mapping[str, int]  # plan, user, sample → how many


@dataclass(frozen=True)
class DerivedVersion:
    """The derived indicators read (planwatch.evaluation.derived): computed from PlanWatch's own
    records as they stood on `as_of`; their observations are in the run's input (and its hash)."""

    as_of: str  # the day the records were judged on, ISO
    indicators: tuple[str, ...]  # their codes
    observed: int  # the rates computed (localities and region, every year)
    sample_records: int  # records of the sample data among those counted


@dataclass(frozen=True)
class DataVersion:
    """The values read: a sha256 over their indicator, locality, period, value, status and version
    (a run of a year reads the values of that year and before, as they stood on its as-of day)."""

    as_of: str | None  # the last change, ISO in local time
    sha256: str
    count: int  # values read, blank ones included
    statuses: tuple[str, ...]  # the workflow statuses read
    observed: int  # values read that are not blank: the observations
    years: tuple[int, ...]  # the years with an observation
    sample_values: int  # values of the sample data among those read
    targets: TargetsVersion
    plan_version: int | None
    derived: DerivedVersion | None = None  # none: the plan declares no derived indicator
    # (year, sha256 of that year's values read), by year: an earlier year's run read the same values
    # when its own are these up to its year (runs stored before had none: empty)
    by_year: tuple[tuple[int, str], ...] = ()

    def same_values_until(self, year: int, other: DataVersion) -> bool:
        """Whether `other` (a run of `year`) read exactly the values of `year` and before this one read."""
        if not self.by_year or not other.by_year:
            return self.sha256 == other.sha256  # runs stored before values were read per year
        return tuple(pair for pair in self.by_year if pair[0] <= year) == tuple(other.by_year)

    @property
    def sample(self) -> bool:
        """Whether any value, target or record counted for a derived indicator is sample data (示例数据)."""
        return (
            self.sample_values > 0
            or self.targets.by_origin.get("sample", 0) > 0
            or (self.derived is not None and self.derived.sample_records > 0)
        )
