"""The evaluation core's vocabulary: plain, frozen inputs and plain, frozen, JSON-ready results.

Inputs are frozen dataclasses that the Django side fills from the database (or a test fills by
hand); results are frozen dataclasses whose fields are str, int, float, bool, None, enums (str
values) and tuples of those, in a stable order. `to_jsonable` turns any of them into plain JSON data.
Every formula is in docs/methodology.md.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import threading
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self, TypeVar

import numpy as np

from planwatch.core.errors import EvaluationError, InvalidParameters
from planwatch.core.kinds import Aggregation, Direction, IndicatorKind, Qualifier
from planwatch.core.planfile import REGION

__all__ = [
    "REGION",
    "RESULT_FIELDS",
    "AhpResult",
    "AnnualVerdict",
    "BindingCheck",
    "BindingConsequence",
    "BindingStatus",
    "Columns",
    "CompletionThresholds",
    "CompositeMethod",
    "CompositeParameters",
    "CompositeResult",
    "DimensionScore",
    "DimensionSpec",
    "DimensionWeight",
    "DominantIndicator",
    "DroppedIndicator",
    "EvaluationInput",
    "ExcludedLocality",
    "ExclusionReason",
    "ForecastMethod",
    "IndicatorParameters",
    "IndicatorResult",
    "IndicatorSpec",
    "IncludedLocality",
    "IndicatorWeight",
    "LocalityScore",
    "LocalitySpec",
    "AreaSpec",
    "MethodRanking",
    "MissingPolicy",
    "Normalization",
    "Note",
    "Observation",
    "ObservationColumns",
    "QUALIFIERS",
    "Outcome",
    "PaceStatus",
    "PaceThresholds",
    "PairwiseMatrix",
    "PlanPeriod",
    "RankStability",
    "RegionValue",
    "ResultColumns",
    "SensitivityParameters",
    "SensitivityResult",
    "TargetColumns",
    "TargetSpec",
    "WeightMethod",
    "WeightScheme",
    "UnreadableResults",
    "from_jsonable",
    "positional_maker",
    "to_jsonable",
]


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """The plan's years: base (the year measured from), first and last year of the plan."""

    base_year: int
    start_year: int
    end_year: int

    def __post_init__(self) -> None:
        if not self.base_year <= self.start_year <= self.end_year:
            raise InvalidParameters(
                "方案期限：应满足基期 ≤ 起始年 ≤ 终止年。",
                f"plan period: expected base_year ≤ start_year ≤ end_year, got "
                f"{self.base_year}, {self.start_year}, {self.end_year}",
            )


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """What the evaluation needs to know of an indicator (a subset of the plan file's indicator)."""

    code: str
    kind: IndicatorKind
    aggregation: Aggregation
    direction: Direction = Direction.HIGHER_IS_BETTER
    binding: bool = False  # 约束性
    region_target: bool = True  # False: the region has no target of its own (only localities do)
    base_year: int | None = None  # the indicator's own base year, else the plan's
    base_value: float | None = None  # the region's base value where the plan states or implies one
    # The pilot units' base values the plan states (its file's `base.localities`): a locality is
    # measured from its own where it reported none for the base year.
    locality_bases: Mapping[str, float] = field(default_factory=dict)
    components: Mapping[str, str] = field(default_factory=dict)  # role → indicator code
    dimension: str | None = None  # evaluation dimension; None: not in the composite index
    # Computed by PlanWatch from its own records (a derived indicator: planwatch.evaluation.derived),
    # not reported: a locality that has reported nothing of the year is not ranked on these alone.
    derived: bool = False
    lead: tuple[str, str] | None = (
        None  # the lead unit (牵头单位), in Chinese and English: who owes its breakdown
    )


@dataclass(frozen=True, slots=True)
class LocalitySpec:
    """A reporting locality. `counted_in_region_total` is False for a district inside a city whose
    figures already include it (顺德区 inside 佛山市), so that it is never added twice."""

    code: str
    counted_in_region_total: bool = True
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class AreaSpec:
    """An area (planwatch.core.hierarchy): a locality that reports nothing itself, made of pilot
    units (a city of its counties). Its values are its members' by each indicator's region rule;
    the targets with its code as scope are judged against them."""

    code: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target: for the whole region (scope REGION), one pilot unit or one area, for one year."""

    indicator: str
    scope: str
    year: int
    value: float
    qualifier: Qualifier = Qualifier.EXACT  # 以上, 超, 左右 … as the text words it


@dataclass(frozen=True, slots=True)
class Observation:
    """An actual value: of a locality, or (scope REGION) a figure reported for the whole region,
    which is used only for indicators whose region value cannot be aggregated (aggregation none)."""

    indicator: str
    scope: str
    year: int
    value: float


QUALIFIERS = list(Qualifier)  # a target's qualifier in columns and in the panel: its index here


class Columns:
    """Values or targets as columns, for inputs of millions (planwatch.evaluation.runs.build_input
    reads the database straight into them): `indicator[k]` and `scope[k]` index the vocabularies
    `indicators` and `scopes`; `year`, `value` (and a target's `qualifier`, its index in QUALIFIERS)
    are arrays. It reads as the sequence of its `Observation`s (`TargetSpec`s), in its order, and
    `to_jsonable` makes the very JSON the objects would: the engine gives the same results and a
    run the same input hash whichever it is given."""

    __slots__ = ("indicator", "indicators", "qualifier", "scope", "scopes", "value", "year")

    def __init__(  # noqa: PLR0913 - the columns
        self,
        indicators: Sequence[str],
        scopes: Sequence[str],
        indicator: Any,
        scope: Any,
        year: Any,
        value: Any,
        qualifier: Any = None,
    ) -> None:
        self.indicators, self.scopes = tuple(indicators), tuple(scopes)
        self.indicator = np.asarray(indicator, dtype=np.int64)
        self.scope = np.asarray(scope, dtype=np.int64)
        self.year = np.asarray(year, dtype=np.int64)
        self.value = np.asarray(value, dtype=np.float64)
        n = len(self.value)
        self.qualifier = (
            np.zeros(n, dtype=np.int8) if qualifier is None else np.asarray(qualifier, dtype=np.int8)
        )
        if not len(self.indicator) == len(self.scope) == len(self.year) == n == len(self.qualifier):
            raise InvalidParameters("列长度不一致。", "columns of different lengths")
        if n and (
            self.indicator.min() < 0
            or self.indicator.max() >= len(self.indicators)
            or self.scope.min() < 0
            or self.scope.max() >= len(self.scopes)
        ):
            raise InvalidParameters("列的代码索引超出范围。", "a code index outside its vocabulary")

    @classmethod
    def of(cls, items: Iterable[Any]) -> Self:
        """The columns of objects (`Observation`s for ObservationColumns, `TargetSpec`s for
        TargetColumns), in their order."""
        items = tuple(items)
        return cls.from_codes(
            [item.indicator for item in items],
            [item.scope for item in items],
            [item.year for item in items],
            [item.value for item in items],
            *cls._qualifiers(items),
        )

    @classmethod
    def from_codes(  # noqa: PLR0913 - the columns
        cls,
        indicators: Sequence[str],
        scopes: Sequence[str],
        years: Any,
        values: Any,
        qualifiers: Any = None,
    ) -> Self:
        """The columns of rows given by their codes (a row's indicator, scope, year, value and a
        target's qualifier index, in parallel sequences)."""
        indicator_index: dict[str, int] = {}
        scope_index: dict[str, int] = {}
        indicator = [indicator_index.setdefault(code, len(indicator_index)) for code in indicators]
        scope = [scope_index.setdefault(code, len(scope_index)) for code in scopes]
        return cls(tuple(indicator_index), tuple(scope_index), indicator, scope, years, values, qualifiers)

    @staticmethod
    def _qualifiers(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return ()

    def take(self, rows: Any) -> Self:
        """The columns of these rows (an index array or a mask), in that order."""
        return type(self)(
            self.indicators,
            self.scopes,
            self.indicator[rows],
            self.scope[rows],
            self.year[rows],
            self.value[rows],
            self.qualifier[rows],
        )

    @classmethod
    def concat(cls, parts: Sequence[Columns]) -> Self:
        """The rows of `parts` one after the other, over merged vocabularies."""
        indicators: dict[str, int] = {}
        scopes: dict[str, int] = {}
        ii, ss = [], []
        for part in parts:
            ii.append(
                np.array([indicators.setdefault(c, len(indicators)) for c in part.indicators], dtype=np.int64)
            )
            ss.append(np.array([scopes.setdefault(c, len(scopes)) for c in part.scopes], dtype=np.int64))

        def joined(name: str, dtype: Any) -> np.ndarray:
            return np.concatenate(
                [np.asarray(getattr(p, name), dtype=dtype) for p in parts] or [np.zeros(0, dtype)]
            )

        return cls(
            tuple(indicators),
            tuple(scopes),
            np.concatenate(
                [m[p.indicator] for m, p in zip(ii, parts, strict=True)] or [np.zeros(0, np.int64)]
            ),
            np.concatenate([m[p.scope] for m, p in zip(ss, parts, strict=True)] or [np.zeros(0, np.int64)]),
            joined("year", np.int64),
            joined("value", np.float64),
            joined("qualifier", np.int8),
        )

    def of_scopes(self, codes: Iterable[str]) -> Self:
        """The rows of these scopes, in order."""
        wanted = set(codes)
        return self.take(np.isin(self.scope, [k for k, code in enumerate(self.scopes) if code in wanted]))

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items())

    def items(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Columns | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"

    def codes(self) -> tuple[list[str], list[str]]:
        """Each row's indicator code and scope, as lists."""
        indicators = np.array(self.indicators, dtype=object)
        scopes = np.array(self.scopes, dtype=object)
        return indicators[self.indicator].tolist(), scopes[self.scope].tolist()

    def jsonable(self) -> list[dict[str, Any]]:
        raise NotImplementedError


def _finite(values: np.ndarray) -> list[Any]:
    """Floats, None where not finite (as to_jsonable writes them)."""
    out = values.astype(object)
    out[~np.isfinite(values)] = None
    floats: list[Any] = out.tolist()
    return floats


class ObservationColumns(Columns):
    """Observations as columns (`Columns`); the qualifier column is unused (exact)."""

    __slots__ = ()

    def items(self) -> tuple[Observation, ...]:
        indicators, scopes = self.codes()
        return tuple(map(Observation, indicators, scopes, self.year.tolist(), self.value.tolist()))

    def jsonable(self) -> list[dict[str, Any]]:
        indicators, scopes = self.codes()
        return [
            {"indicator": i, "scope": s, "year": y, "value": v}
            for i, s, y, v in zip(indicators, scopes, self.year.tolist(), _finite(self.value), strict=True)
        ]


class TargetColumns(Columns):
    """Targets as columns (`Columns`), each with its qualifier's index in QUALIFIERS."""

    __slots__ = ()

    @staticmethod
    def _qualifiers(items: tuple[Any, ...]) -> tuple[Any, ...]:
        index = {q: k for k, q in enumerate(QUALIFIERS)}
        return ([index[item.qualifier] for item in items],)

    def items(self) -> tuple[TargetSpec, ...]:
        indicators, scopes = self.codes()
        qualifiers = [QUALIFIERS[k] for k in self.qualifier.tolist()]
        return tuple(map(TargetSpec, indicators, scopes, self.year.tolist(), self.value.tolist(), qualifiers))

    def jsonable(self) -> list[dict[str, Any]]:
        indicators, scopes = self.codes()
        words = [q.value for q in QUALIFIERS]
        return [
            {"indicator": i, "scope": s, "year": y, "value": v, "qualifier": words[q]}
            for i, s, y, v, q in zip(
                indicators,
                scopes,
                self.year.tolist(),
                _finite(self.value),
                self.qualifier.tolist(),
                strict=True,
            )
        ]


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    """An evaluation dimension and its weight (the plan's five: 创新能力、质量效益、政策实施、组织协同、资源配置)."""

    code: str
    weight: float


@dataclass(frozen=True)
class EvaluationInput:
    """Everything an evaluation reads. Values and targets are floats (convert Decimals with float())."""

    period: PlanPeriod
    indicators: tuple[IndicatorSpec, ...]
    localities: tuple[LocalitySpec, ...]
    # Objects, or columns for large inputs (`Columns`): the same results and the same JSON either way.
    targets: tuple[TargetSpec, ...] | TargetColumns = ()
    observations: tuple[Observation, ...] | ObservationColumns = ()
    dimensions: tuple[DimensionSpec, ...] = ()
    areas: tuple[AreaSpec, ...] = ()


# --- parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaceThresholds:
    """Bounds on the pace gap (share of the way to the final target covered − share of the period
    elapsed, 时序进度), for 超前 / 符合序时进度 / 滞后 / 严重滞后.

    gap ≥ ahead → ahead; gap ≥ on_pace → on pace; gap ≥ lagging → lagging; else seriously lagging.
    By default anything below 时序进度 is lagging (on_pace = 0: the band below the time line is 0).
    """

    ahead: float = 0.05
    on_pace: float = 0.0
    lagging: float = -0.20

    def __post_init__(self) -> None:
        if not self.ahead >= self.on_pace >= self.lagging:
            raise InvalidParameters(
                "时序进度阈值应满足：超前 ≥ 符合序时进度 ≥ 滞后。",
                "pace thresholds must satisfy ahead ≥ on_pace ≥ lagging",
            )


@dataclass(frozen=True, slots=True)
class CompletionThresholds:
    """The annual (or final-year) verdict: 完成 when the target is reached (by its qualifier);
    基本完成 when the completion is at least `nearly_met`; else 未完成. `about` is the tolerance of a
    target worded 左右 / 约 / 基本实现: reached within that share short of the figure."""

    nearly_met: float = 0.90
    about: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.nearly_met <= 1 or not 0 <= self.about < 1:
            raise InvalidParameters(
                "完成度阈值：基本完成应在 (0, 1] 内，“左右”的容差应在 [0, 1) 内。",
                "completion thresholds: nearly_met must be in (0, 1] and about in [0, 1)",
            )


@dataclass(frozen=True, slots=True)
class IndicatorParameters:
    pace: PaceThresholds = PaceThresholds()
    completion: CompletionThresholds = CompletionThresholds()


class Normalization(StrEnum):
    MIN_MAX = "min_max"  # (x − min) / (max − min), reversed for lower-is-better
    TARGET = "target"  # value / target capped at 1 (target / value for lower-is-better)


class WeightMethod(StrEnum):
    PLAN = "plan"  # the plan file's dimension weights (dimensions only)
    EQUAL = "equal"
    EXPERT = "expert"  # given weights
    AHP = "ahp"  # principal eigenvector of a pairwise comparison matrix
    ENTROPY = "entropy"  # Shannon entropy of the normalized values (indicators only)


class CompositeMethod(StrEnum):
    WEIGHTED_SUM = "weighted_sum"
    TOPSIS = "topsis"


class MissingPolicy(StrEnum):
    WORST = "worst"  # a missing value counts as the worst normalized value, 0
    EXCLUDE = "exclude"  # a locality with any missing value is not ranked


class BindingConsequence(StrEnum):
    """What failing a binding (约束性) indicator does to a locality's composite rank."""

    NONE = "none"  # nothing: the pass / fail list stands beside the ranking
    MARK = "mark"  # ranked by its score, and flagged (LocalityScore.binding_failed)
    CAP = "cap"  # flagged, and ranked below every locality that fails no binding indicator
    EXCLUDE = "exclude"  # not ranked: listed in CompositeResult.excluded with the indicators failed


@dataclass(frozen=True, slots=True)
class PairwiseMatrix:
    """A pairwise comparison matrix on Saaty's 1–9 scale: values[i][j] = importance of codes[i]
    over codes[j]; reciprocal (values[j][i] = 1 / values[i][j]) with ones on the diagonal."""

    codes: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class WeightScheme:
    """How the composite index weighs: indicators within each dimension, and the dimensions.

    An indicator's weight is its dimension's weight × its weight within the dimension.
    """

    indicators: WeightMethod = WeightMethod.EQUAL
    dimensions: WeightMethod = WeightMethod.PLAN
    expert: Mapping[str, float] = field(default_factory=dict)  # indicator code → weight
    ahp: Mapping[str, PairwiseMatrix] = field(default_factory=dict)  # dimension → its indicators' matrix
    dimension_expert: Mapping[str, float] = field(default_factory=dict)  # dimension code → weight
    dimension_ahp: PairwiseMatrix | None = None  # over the dimension codes


@dataclass(frozen=True)
class CompositeParameters:
    """How the composite index is made. `binding`: the consequence of failing a binding indicator
    (default mark). `dominance`: an indicator with more than this share of its dimension's weight is
    reported as dominating it (default 0.5, "over half")."""

    normalization: Normalization = Normalization.TARGET
    weights: WeightScheme = WeightScheme()
    method: CompositeMethod = CompositeMethod.WEIGHTED_SUM
    missing: MissingPolicy = MissingPolicy.WORST
    binding: BindingConsequence = BindingConsequence.MARK
    dominance: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.dominance <= 1:
            raise InvalidParameters(
                "主导指标阈值应在 (0, 1] 内。", "the dominance threshold must be in (0, 1]"
            )


@dataclass(frozen=True, slots=True)
class SensitivityParameters:
    draws: int = 1000
    spread: float = 0.20  # each weight is multiplied by a uniform factor in [1 − spread, 1 + spread]
    seed: int = 20170421  # the plan's date of issue

    def __post_init__(self) -> None:
        if self.draws < 1 or not 0 <= self.spread < 1:
            raise InvalidParameters(
                "敏感性分析：抽样次数应 ≥ 1，扰动幅度应在 [0, 1) 内。",
                "sensitivity: draws must be ≥ 1 and spread in [0, 1)",
            )


# --- results: indicators ------------------------------------------------------------------------


class Outcome(StrEnum):
    """Whether a result could be judged at all: always one of these, never a silent 0 %. Whether a
    target is met is the verdicts' (`annual`, `pace`), not the outcome's."""

    EVALUATED = "evaluated"  # a value: the verdicts that have a target are given
    MISSING_DATA = "missing_data"  # no value (for the region: which localities are missing)
    INVALID_BASE = "invalid_base"  # the value cannot be computed: its base is zero or negative
    NOT_APPLICABLE = "not_applicable"  # the region has no target of its own, or no value (not additive)


class AnnualVerdict(StrEnum):
    """Against the year's own target (年度目标), or the final target in and after the final year
    (目标一致法): 完成 / 基本完成 / 未完成; or no target set for the year."""

    MET = "met"  # 完成
    NEARLY_MET = "nearly_met"  # 基本完成: completion ≥ CompletionThresholds.nearly_met
    NOT_MET = "not_met"  # 未完成
    NO_TARGET = "no_target"  # 无年度目标: none set for the year (never an earlier year's)


class PaceStatus(StrEnum):
    """Progress to the final target against 时序进度 (the share of the period elapsed), before the
    final year only."""

    AHEAD = "ahead"  # 超前
    ON_PACE = "on_pace"  # 符合序时进度
    LAGGING = "lagging"  # 滞后
    SERIOUSLY_LAGGING = "seriously_lagging"  # 严重滞后


class ForecastMethod(StrEnum):
    LINEAR = "ols_linear"  # least squares line through the values (counts, levels, shares)
    COMPOUND = "compound"  # least squares line through the log of the level index (growth, decrease)


class Note(StrEnum):
    """Why a measure of a result is None, or how it was made. Listed in this order."""

    NO_TARGETS = "no_targets"  # the indicator has no target anywhere (a component, an input): not judged
    NO_YEAR_TARGET = "no_year_target"  # no target set for this year at this scope: no annual verdict
    NO_FINAL_TARGET = "no_final_target"  # no final target at this scope: no progress, no pace
    NO_REGION_TARGET = "no_region_target"  # the plan sets no region-wide target (e.g. energy intensity)
    NOT_ADDITIVE = "not_additive"  # aggregation none: the region has no value of its own
    MISSING_LOCALITIES = "missing_localities"  # the region value lacks some localities' values
    NO_BASE = "no_base"  # the base value is unknown: no share of the way, no pace
    INVALID_BASE = "invalid_base"  # a base of zero or less: no growth rate from it
    TARGET_NOT_POSITIVE = "target_not_positive"  # completion needs a positive target
    TARGET_EQUALS_BASE = "target_equals_base"  # no way to cover: the target is the base
    TARGET_BEHIND_BASE = "target_behind_base"  # the target is not beyond the base in the better direction
    BEFORE_BASE_YEAR = "before_base_year"  # no time has elapsed: no pace
    FINAL_YEAR_REACHED = "final_year_reached"  # in or after the final target's year: completion only
    INSUFFICIENT_HISTORY = "insufficient_history"  # fewer than two points for a trend or a growth rate
    UNDEFINED_GROWTH = "undefined_growth"  # a compound measure of a value at or below −100 %


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator at one scope (a locality or REGION) in one year. docs/methodology.md.

    The annual verdict: `year_target` is the target the year is judged against — the scope's own
    target for this year before the final year, the final target in and after it (never an
    earlier year's); `qualifier` its wording; `completion` the share of it reached (value / target;
    target / value where lower is better); `met` whether it is reached by its qualifier; `annual`
    the verdict; `owed_by` who owes a missing locality target (the indicator's lead unit).

    Progress: `target` / `target_year` the final target; `progress` the share of the way from the
    base to it covered; `elapsed` the share of the period from the base year to the target year
    passed (时序进度); `pace_gap` = progress − elapsed; `pace` the verdict, before the final year
    only. `sdg_ratio`: Open SDG's observed over required compound growth, for growth kinds only, a
    supporting figure that sets no status. `forecast`: the trend's value in the target year.
    """

    indicator: str
    scope: str
    year: int
    outcome: Outcome
    value: float | None
    year_target: float | None
    qualifier: Qualifier
    met: bool | None
    completion: float | None
    annual: AnnualVerdict | None
    target: float | None
    target_year: int | None
    base_year: int
    base_value: float | None
    progress: float | None
    elapsed: float | None
    pace_gap: float | None
    pace: PaceStatus | None
    sdg_ratio: float | None
    forecast: float | None
    forecast_method: ForecastMethod | None
    likely_met: bool | None
    owed_by: tuple[str, str] | None = None
    missing_localities: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()


class BindingStatus(StrEnum):
    """A locality's standing on a binding (约束性) indicator in a year, from `IndicatorResult.met`."""

    PASS = "pass"  # met is True  (达标)
    FAIL = "fail"  # met is False (未达标)
    NOT_REPORTED = "not_reported"  # no value (未报送): neither pass nor fail
    NO_TARGET = "no_target"  # a value, but no target to judge it by (无目标): neither pass nor fail


@dataclass(frozen=True, slots=True)
class BindingCheck:
    """One binding indicator at one locality in one year: pass, fail, or why neither."""

    indicator: str
    locality: str
    year: int
    status: BindingStatus
    value: float | None
    target: float | None


@dataclass(frozen=True, slots=True)
class RegionValue:
    """How the region's value of an indicator in a year was made."""

    indicator: str
    year: int
    value: float | None
    aggregation: Aggregation
    reported: bool  # True: a figure reported for the region itself (aggregation none)
    counted: tuple[str, ...]  # the localities added up (those counted in region totals)
    missing: tuple[str, ...]  # counted localities without a value (the region then has none)
    invalid_base: bool = False  # recomputed from a base level (or denominator) of zero or less


# --- results: composite index and sensitivity ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class AhpResult:
    """Weights from a pairwise comparison matrix, with Saaty's consistency check."""

    codes: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    ci: float  # consistency index (λmax − n) / (n − 1)
    ri: float  # Saaty's random index for n
    cr: float  # consistency ratio CI / RI (0 for n ≤ 2)


@dataclass(frozen=True, slots=True)
class DimensionWeight:
    dimension: str
    weight: float


@dataclass(frozen=True, slots=True)
class IndicatorWeight:
    indicator: str
    dimension: str
    normalization: Normalization  # as applied (target falls back to min-max where targets are lacking)
    within_dimension: float
    weight: float  # dimension weight × within_dimension


@dataclass(frozen=True, slots=True)
class DimensionScore:
    dimension: str
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class LocalityScore:
    locality: str
    score: float  # 0–1
    rank: int  # 1 = best; competition ranking (1, 2, 2, 4) on the score as shown
    tied: bool  # True when another locality shares the rank (the same score as shown)
    previous_rank: int | None
    rank_change: int | None  # previous_rank − rank: positive means moved up
    dimensions: tuple[DimensionScore, ...]
    missing_indicators: tuple[str, ...]  # counted as the worst value (missing policy "worst")
    # Binding indicators failed, under the consequences mark and cap (flagged; cap also ranks it
    # below every locality that fails none); empty under none.
    binding_failed: tuple[str, ...] = ()


class ExclusionReason(StrEnum):
    NO_VALUES = "no_values"  # no value at all for the year (not reported yet)
    MISSING_VALUES = "missing_values"  # some value missing, under the missing policy "exclude"
    BINDING_FAILED = "binding_failed"  # a binding indicator failed, under the consequence "exclude"


@dataclass(frozen=True, slots=True)
class ExcludedLocality:
    locality: str
    missing_indicators: tuple[str, ...]
    reason: ExclusionReason = ExclusionReason.MISSING_VALUES
    binding_failed: tuple[str, ...] = ()  # reason binding_failed: the binding indicators failed


@dataclass(frozen=True, slots=True)
class IncludedLocality:
    """A ranked locality whose figures are inside another ranked locality's (顺德区 within 佛山市):
    the two are ranked side by side, but `within`'s figures include `locality`'s."""

    locality: str
    within: str


@dataclass(frozen=True, slots=True)
class DominantIndicator:
    """An indicator that takes more than the dominance threshold of its dimension's weight."""

    dimension: str
    indicator: str
    share: float  # its weight within the dimension


@dataclass(frozen=True, slots=True)
class DroppedIndicator:
    indicator: str
    reason: str  # "no_values": no locality has a value


@dataclass(frozen=True, slots=True)
class CompositeResult:
    year: int | None
    normalization: Normalization
    method: CompositeMethod
    missing: MissingPolicy
    indicator_weighting: WeightMethod
    dimension_weighting: WeightMethod
    dimension_weights: tuple[DimensionWeight, ...]
    weights: tuple[IndicatorWeight, ...]
    scores: tuple[LocalityScore, ...]  # best first
    excluded: tuple[ExcludedLocality, ...] = ()
    dropped: tuple[DroppedIndicator, ...] = ()
    ahp: tuple[AhpResult, ...] = ()
    notes: tuple[str, ...] = ()
    # Added by issue 14; a run stored before reads the defaults, which say what it did then.
    binding: BindingConsequence = BindingConsequence.NONE  # the consequence applied
    binding_indicators: tuple[str, ...] = ()  # binding indicators kept out of the dimensions
    rank_decimals: int = 12  # the precision the scores were ranked at (the shown one since issue 14)
    included: tuple[IncludedLocality, ...] = ()  # ranked localities inside another ranked one
    dominant: tuple[DominantIndicator, ...] = ()  # indicators dominating their dimension


@dataclass(frozen=True, slots=True)
class RankStability:
    locality: str
    base_rank: int
    min_rank: int
    max_rank: int
    mean_rank: float
    held_share: float  # share of the draws in which the locality keeps its base rank
    distribution: tuple[tuple[int, int], ...]  # (rank, number of draws), ranks that occurred


@dataclass(frozen=True, slots=True)
class MethodRanking:
    """The ranking under one combination of indicator weighting and aggregation, against the run's
    own (`default`): Kendall's τ-b between the two rankings, the localities whose rank differs."""

    weighting: WeightMethod  # the indicators' weights within each dimension
    method: CompositeMethod
    default: bool  # the run's own weighting and aggregation
    ranks: tuple[tuple[str, int], ...]  # (locality, rank), best first
    leaders: tuple[str, ...]  # the localities ranked first
    kendall_tau: float | None  # None: fewer than two localities, or one ranking all tied
    moved: tuple[str, ...]  # localities ranked otherwise than by the run's own method
    dominant: tuple[DominantIndicator, ...] = ()


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    draws: int
    spread: float
    seed: int
    method: CompositeMethod
    stability: tuple[RankStability, ...]  # by base rank
    methods: tuple[MethodRanking, ...] = ()  # the run's own first, then the others compared
    leader_varies: bool = False  # some method ranks another locality (or set of them) first


# --- construction -------------------------------------------------------------------------------


def positional_maker(kind: type[T]) -> Callable[..., T]:
    """A function making a frozen, slotted dataclass without `__post_init__` from all its fields,
    positionally: each slot set by its own descriptor rather than by `object.__setattr__` by name
    (the frozen `__init__`'s way), the same object in half the time. For results made by the
    hundred thousand (planwatch.core.evaluation.indicator)."""
    names = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
    if hasattr(kind, "__post_init__") or not all(
        isinstance(kind.__dict__.get(n), types.MemberDescriptorType) for n in names
    ):
        raise TypeError(f"{kind.__name__}: not a slotted dataclass without __post_init__")
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind}
    scope.update({f"set_{n}": kind.__dict__[n].__set__ for n in names})
    body = "".join(f"    set_{n}(made, {n})\n" for n in names)
    exec(f"def make({', '.join(names)}):\n    made = new(kind)\n{body}    return made\n", scope)  # noqa: S102 - code made of the fields' names
    return scope["make"]  # type: ignore[no-any-return]


# --- results as columns ---------------------------------------------------------------------------

RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(IndicatorResult))
_make_result = positional_maker(IndicatorResult)


class ResultColumns(Sequence[IndicatorResult]):
    """Indicator results as the engine makes them (core.evaluation.indicator): one list per field
    of IndicatorResult (RESULT_FIELDS' order), the results in the same order in every list. It reads
    as the tuple of its IndicatorResults, made the first time one is asked for (and equals it); a
    run that only stores them reads the columns (`column`: core.evaluation.jsontext, the rows'
    columns) and never makes the objects — hundreds of thousands at national size. `to_jsonable`
    makes the same JSON as of the tuple; `from_jsonable` gives the tuple back."""

    __slots__ = ("_columns", "_lock", "_made")

    def __init__(self, columns: Sequence[list[Any]]) -> None:
        if len(columns) != len(RESULT_FIELDS) or len({len(c) for c in columns}) > 1:
            raise InvalidParameters("结果列不一致。", "result columns of different lengths or number")
        self._columns = tuple(columns)
        self._made: tuple[IndicatorResult, ...] | None = None
        self._lock = threading.Lock()  # made once, whichever thread asks first

    def column(self, name: str) -> list[Any]:
        """The values of one field, a result's each, in order (the list itself: not to be changed)."""
        return self._columns[RESULT_FIELDS.index(name)]

    def made(self) -> tuple[IndicatorResult, ...]:
        if self._made is None:
            with self._lock:
                if self._made is None:
                    self._made = tuple(map(_make_result, *self._columns))
        return self._made

    def __len__(self) -> int:
        return len(self._columns[0])

    @typing.overload
    def __getitem__(self, index: int) -> IndicatorResult: ...

    @typing.overload
    def __getitem__(self, index: slice) -> tuple[IndicatorResult, ...]: ...

    def __getitem__(self, index: int | slice) -> IndicatorResult | tuple[IndicatorResult, ...]:
        return self.made()[index]

    def __iter__(self) -> Iterator[IndicatorResult]:
        return iter(self.made())

    def __add__(self, other: tuple[IndicatorResult, ...]) -> tuple[IndicatorResult, ...]:
        return self.made() + tuple(other)

    def __radd__(self, other: tuple[IndicatorResult, ...]) -> tuple[IndicatorResult, ...]:
        return tuple(other) + self.made()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ResultColumns):
            return self.made() == other.made()
        if isinstance(other, tuple):
            return self.made() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.made())

    def __repr__(self) -> str:
        return f"ResultColumns({len(self)} results)"

    def __reduce__(self) -> tuple[type[ResultColumns], tuple[list[list[Any]]]]:
        return ResultColumns, (list(self._columns),)  # pickled as its columns (not its lock)


# --- JSON ---------------------------------------------------------------------------------------


_SCALARS = frozenset({str, int, bool, type(None)})
_ENUMS: set[type] = set()  # the enums met so far, whose members are read at once (`_value_`)
_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {}  # a dataclass's, by its type


def to_jsonable(obj: Any) -> Any:
    """Plain JSON data from a result: dataclasses become dicts (fields in declaration order), enums
    their values, tuples lists, mappings dicts sorted by key, non-finite floats None."""
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else None
    if kind is tuple or kind is list:
        return _items_jsonable(obj)
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(obj)
    if kind in _ENUMS:
        return obj._value_
    if isinstance(obj, Columns):
        return obj.jsonable()
    if kind is ResultColumns:
        return _items_jsonable(obj.made())
    if isinstance(obj, enum.Enum):
        _ENUMS.add(kind)
        return obj._value_  # its value (`.value` is a property: three times slower, by the million)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _ENCODERS[kind] = _fields_encoder(tuple(f.name for f in dataclasses.fields(obj)))
        return to_jsonable(obj)
    if isinstance(obj, bool | str | int):
        return obj
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, tuple | list):
        return [to_jsonable(item) for item in obj]
    if isinstance(obj, Mapping):
        return {str(key): to_jsonable(value) for key, value in sorted(obj.items())}
    raise TypeError(f"not JSON-ready: {type(obj).__name__}")


def _items_jsonable(items: tuple[Any, ...] | list[Any]) -> list[Any]:
    """A tuple's or list's items, each as to_jsonable makes it, a scalar's or enum's at once."""
    return [
        item if type(item) in _SCALARS else item._value_ if type(item) in _ENUMS else to_jsonable(item)
        for item in items
    ]


def _fields_encoder(names: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    """A function making a dataclass's dict as to_jsonable makes it (fields in declaration order),
    each field read by its attribute and its scalar, enum or tuple (of scalars) taken at once: for the
    results made by the hundred thousand, where a call per field (and a loop over their names)
    would cost as much again. Written out from the fields' names, like positional_maker."""
    lines = ["def encode(obj):", "    out = {}"]
    for name in names:
        lines += [
            f"    v = obj.{name}",
            "    k = type(v)",
            "    if k in SCALARS:",
            f"        out[{name!r}] = v",
            "    elif k is float:",
            f"        out[{name!r}] = v if isfinite(v) else None",
            "    elif k in ENUMS:",
            f"        out[{name!r}] = v._value_",
            "    elif k is tuple:",
            f"        out[{name!r}] = [x if type(x) in SCALARS else x._value_ if type(x) in ENUMS else items(x) if type(x) is tuple else jsonable(x) for x in v]",
            "    else:",
            f"        out[{name!r}] = jsonable(v)",
        ]
    lines.append("    return out")
    scope: dict[str, Any] = {
        "SCALARS": _SCALARS,
        "ENUMS": _ENUMS,
        "isfinite": math.isfinite,
        "jsonable": to_jsonable,
        "items": _items_jsonable,
    }
    exec("\n".join(lines) + "\n", scope)  # noqa: S102 - code made of the fields' names
    return scope["encode"]  # type: ignore[no-any-return]


class UnreadableResults(EvaluationError):
    """Stored JSON that does not fit the type asked for (a conflict with the data's state: 409);
    `path` names the first place that does not fit."""

    status = 409

    def __init__(self, path: str, expected: tuple[str, str], got: object):
        self.path = path
        shown = repr(got) if len(repr(got)) <= 60 else f"{type(got).__name__} …"
        super().__init__(
            f"存储的评估结果无法读取：{path} 应为{expected[0]}，而非 {shown}",
            f"stored evaluation results cannot be read: {path}: expected {expected[1]}, got {shown}",
        )


T = TypeVar("T")
_Decoder = Callable[[Any, str], Any]
_DECODERS: dict[Any, _Decoder] = {}


def from_jsonable(kind: type[T], data: Any) -> T:
    """The inverse of `to_jsonable`: the result (or input, or parameters) of type `kind` from its
    JSON data, every field checked against its type. Lists become tuples, enum values their enum,
    a None where a float is due the non-finite float it stood for (NaN); a field missing from the
    data takes its default (a field added since the data was stored), keys the type does not have
    are left out. Raises UnreadableResults naming the first place that does not fit."""
    value: T = _decoder(kind)(data, "$")
    return value


def _decoder(hint: Any) -> _Decoder:
    decoder = _DECODERS.get(hint)
    if decoder is None:
        decoder = _DECODERS[hint] = _make_decoder(hint)
    return decoder


def _make_decoder(hint: Any) -> _Decoder:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        read = tuple(arg for arg in args if arg is not ResultColumns)  # read back as the tuple
        return _optional(hint, read) if len(read) > 1 else _decoder(read[0])
    if origin is tuple:
        return _tuple(args)
    if origin is Mapping or origin is dict:
        return _mapping(args[1])
    if hint is float:
        return _float
    if hint in (int, str, bool):
        return _plain(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    raise TypeError(f"from_jsonable: no decoder for {hint!r}")


def _optional(hint: Any, args: tuple[Any, ...]) -> _Decoder:
    rest = [arg for arg in args if arg is not type(None)]
    if len(rest) != 1 or len(args) != 2:
        raise TypeError(f"from_jsonable: no decoder for {hint!r}")
    inner = _decoder(rest[0])

    def decode(data: Any, path: str) -> Any:
        return None if data is None else inner(data, path)

    return decode


def _tuple(args: tuple[Any, ...]) -> _Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        each = _decoder(args[0])

        def decode_all(data: Any, path: str) -> Any:
            if not isinstance(data, list):
                raise UnreadableResults(path, ("列表", "a list"), data)
            return tuple(each(item, f"{path}[{k}]") for k, item in enumerate(data))

        return decode_all
    parts = [_decoder(arg) for arg in args]

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, list) or len(data) != len(parts):
            raise UnreadableResults(path, (f"{len(parts)}项的列表", f"a list of {len(parts)}"), data)
        return tuple(
            part(item, f"{path}[{k}]") for k, (part, item) in enumerate(zip(parts, data, strict=True))
        )

    return decode


def _mapping(value_hint: Any) -> _Decoder:
    each = _decoder(value_hint)

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise UnreadableResults(path, ("对象", "an object"), data)
        return {str(key): each(value, f"{path}.{key}") for key, value in data.items()}

    return decode


def _float(data: Any, path: str) -> float:
    if data is None:
        return math.nan  # to_jsonable writes a non-finite float as None
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise UnreadableResults(path, ("数值", "a number"), data)
    return float(data)


_PLAIN_NAMES = {
    int: ("整数", "an integer"),
    str: ("文本", "a text"),
    bool: ("true 或 false", "true or false"),
}


def _plain(kind: type) -> _Decoder:
    name = _PLAIN_NAMES[kind]

    def decode(data: Any, path: str) -> Any:
        if type(data) is not kind:
            raise UnreadableResults(path, name, data)
        return data

    return decode


def _enum(kind: type[enum.Enum]) -> _Decoder:
    def decode(data: Any, path: str) -> Any:
        try:
            return kind(data)
        except ValueError:
            values = " | ".join(str(m.value) for m in kind)
            raise UnreadableResults(path, (f" {values} 之一", f"one of {values}"), data) from None

    return decode


def _dataclass(kind: type) -> _Decoder:
    hints = typing.get_type_hints(kind)
    fields = [
        (f.name, f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        for f in dataclasses.fields(kind)
        if f.init
    ]
    decoders: dict[str, _Decoder] = {}

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise UnreadableResults(path, (f"对象（{kind.__name__}）", f"an object ({kind.__name__})"), data)
        if not decoders:  # made on first use: a dataclass may refer to itself through its fields
            decoders.update((name, _decoder(hints[name])) for name, _ in fields)
        given = {}
        for name, required in fields:
            if name in data:
                given[name] = decoders[name](data[name], f"{path}.{name}")
            elif required:
                raise UnreadableResults(f"{path}.{name}", ("有值", "a value"), None)
        return kind(**given)

    return decode
