"""The exception tree of the PlanWatch core. Callers catch PlanWatchError to report any of them."""

from __future__ import annotations

from dataclasses import dataclass


class PlanWatchError(Exception):
    """Root of every error PlanWatch raises on purpose, from the core to the views.

    Its message is said in Chinese, then English (`zh`, `en`); `str()` joins them "zh / en". The
    edges catch this root in one place each (the web's middleware, the API's exception handler, the
    command line) and answer with `status`: 400 for input to correct, 403 for a refusal of the
    user's role or scope, 404 for what does not exist, 409 for a conflict with the data's state."""

    status = 400

    def __init__(self, zh: str = "", en: str = ""):
        self.zh = zh
        self.en = en or zh
        super().__init__(f"{zh} / {en}" if en and en != zh else zh or en)

    def text(self, english: bool = False) -> str:
        """The message in one language."""
        return self.en if english else self.zh


@dataclass(frozen=True)
class Problem:
    """One problem found in an input, with the place it was found."""

    path: str  # e.g. "indicators[3].targets[0].year"
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class InputRejected(PlanWatchError):
    """An input was rejected whole; `problems` lists every problem, each with its place."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.source}: rejected, {len(self.problems)} problem(s), nothing was written:"]
        lines += [f"  {self.source}: {problem}" for problem in self.problems]
        return "\n".join(lines)


class PlanFileError(InputRejected):
    """A plan file that cannot be read or does not fit the schema."""


class WorkbookRejected(InputRejected):
    """An Excel workbook that cannot be read, is not a PlanWatch template, or holds wrong values.

    Each problem's path names the sheet and cell, e.g. ``Values!F7``; each message is in Chinese
    then English.
    """


class EvaluationError(PlanWatchError):
    """An evaluation that cannot be made as asked: input to correct."""

    status = 400


class InvalidParameters(EvaluationError):
    """Inputs or parameters of an evaluation that do not fit together (unknown codes, bad weights,
    a malformed pairwise matrix, thresholds out of order, …)."""


class InconsistentJudgements(EvaluationError):
    """An AHP pairwise comparison matrix whose consistency ratio is at or above the limit (0.1)."""

    def __init__(self, cr: float, limit: float = 0.1, what: str = ""):
        self.cr = cr
        self.limit = limit
        self.what = what
        where = f" ({what})" if what else ""
        where_zh = f"（{what}）" if what else ""
        super().__init__(
            f"判断矩阵{where_zh}未通过一致性检验：一致性比率 CR = {cr:.4f} ≥ {limit:g}，请调整两两比较判断。",
            f"The pairwise comparison matrix{where} is not consistent enough: "
            f"consistency ratio CR = {cr:.4f} ≥ {limit:g}; revise the judgements.",
        )
