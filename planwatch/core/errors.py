"""The exception tree of PlanWatch, rooted in PlanWatchError. The edges (web, API, command line)
catch the root, once each; everything below raises the most precise class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What kind of problem: the API's `kind` of each error, and what decides its HTTP status."""

    INVALID = "invalid"  # malformed input: a missing field, text for a number, a duplicate, …
    UNKNOWN = "unknown"  # a code that names nothing in the plan
    CLOSED = "closed"  # the period is closed for entry
    VALIDATION = "validation"  # a value breaks a rule of its indicator or a cross-indicator check
    FORBIDDEN = "forbidden"  # outside the caller's role or scope
    LOCKED = "locked"  # submitted, approved or accepted: not writable now
    CONFLICT = "conflict"  # changed since the version the caller read
    WORKFLOW = "workflow"  # a transition that the subject's state does not allow
    NOT_FOUND = "not_found"  # nothing there (or nothing the caller may see)
    UNSUPPORTED = "unsupported"  # a kind of content (a media type) or a method that is not taken
    UNAUTHENTICATED = "unauthenticated"  # no sign-in: no session, no valid API token
    SERVER_ERROR = "server_error"  # a fault of the server, logged
    BUSY = "busy"  # another long write holds what this one needs: nothing written, try again


STATUS = {
    Kind.FORBIDDEN: 403,
    Kind.LOCKED: 409,
    Kind.CONFLICT: 409,
    Kind.WORKFLOW: 409,
    Kind.NOT_FOUND: 404,
    Kind.UNSUPPORTED: 415,
    Kind.UNAUTHENTICATED: 401,
    Kind.SERVER_ERROR: 500,
    Kind.BUSY: 503,
}


@dataclass(frozen=True)
class Issue:
    """One problem of a request, placed by `path` (a field: `values[2].value`, a cell: `Values!F7`)
    or `row` and `column` (CSV: the spreadsheet row, the header being row 1)."""

    kind: Kind
    zh: str
    en: str
    path: str | None = None
    row: int | None = None
    column: str | None = None
    indicator: str | None = None

    @property
    def status(self) -> int:
        return STATUS.get(self.kind, 400)

    def text(self, english: bool = False) -> str:
        return self.en if english else self.zh

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "row": self.row,
            "column": self.column,
            "indicator": self.indicator,
            "kind": str(self.kind),
            "message_zh": self.zh,
            "message_en": self.en,
        }


def errors_body(issues: Sequence[Issue]) -> dict[str, Any]:
    """The API's one shape of an error answer: `{"errors": [{path, row, column, indicator, kind,
    message_zh, message_en}, …]}`, whatever the status."""
    return {"errors": [issue.as_dict() for issue in issues]}


def status_of(issues: Sequence[Issue]) -> int:
    """403 when anything is outside the caller's scope, else 400 for any input or validation
    problem, else 409 (locked values, version conflicts, transitions), else 404."""
    statuses = {issue.status for issue in issues}
    for status in (403, 415, 400, 409, 404):
        if status in statuses:
            return status
    return 400


class PlanWatchError(Exception):
    """Root of every error PlanWatch raises on purpose, from the core to the views.

    Its message is said in Chinese, then English (`zh`, `en`); `str()` joins them "zh / en". The
    edges catch this root in one place each (the web's middleware, the API's exception handler, the
    command line) and answer with `status`: 400 for input to correct, 403 for a refusal of the
    user's role or scope, 404 for what does not exist, 409 for a conflict with the data's state."""

    status = 400

    def __init__(self, zh: str = "", en: str = "", *, issues: Sequence[Issue] = ()):
        self.zh = zh
        self.en = en or zh
        self._issues = list(issues)
        super().__init__(f"{zh} / {en}" if en and en != zh else zh or en)

    kind = Kind.INVALID
    place: str = ""  # where in the input: a field, a cell
    indicator: str | None = None  # the indicator it is about, where it is about one

    def text(self, english: bool = False) -> str:
        """The message in one language."""
        return self.en if english else self.zh

    def describe(self) -> str:
        """The message for a terminal or a log: both languages, each problem on a line of its own."""
        if len(self.issues) < 2:
            return f"{self.zh}\n{self.en}" if self.en != self.zh else self.zh
        return "\n".join(f"  {_placed(i, i.zh)} / {_placed(i, i.en)}" for i in self.issues)

    @property
    def issues(self) -> list[Issue]:
        """Every problem of this error, each with its place (one, unless it says several at once)."""
        if self._issues:
            return self._issues
        return [Issue(self.kind, self.zh, self.en, path=self.place or None, indicator=self.indicator)]


# --- refusals of a change -----------------------------------------------------------------------


class Refused(PlanWatchError):
    """A change refused with every problem found (nothing was written): `issues`, each placed."""

    def __init__(self, issues: Sequence[Issue]):
        self.status = status_of(issues)
        super().__init__(
            "；".join(_placed(i, i.zh) for i in issues),
            "; ".join(_placed(i, i.en) for i in issues),
            issues=issues,
        )


def _placed(issue: Issue, text: str) -> str:
    where = issue.path or (f"row {issue.row}" if issue.row else "")
    return f"{where}: {text}" if where and where not in text else text


class NotAllowed(PlanWatchError):
    """Refused for the user's role or scope (403)."""

    status = 403
    kind = Kind.FORBIDDEN


class NotFound(PlanWatchError, LookupError):
    """Nothing there, or nothing the caller may see (404): a hidden draft is as absent as a missing value."""

    status = 404
    kind = Kind.NOT_FOUND


class IllegalTransition(PlanWatchError):
    """A step the subject's state does not allow (409)."""

    status = 409
    kind = Kind.WORKFLOW


class Locked(IllegalTransition):
    """Submitted, approved or accepted: not writable now (409)."""

    kind = Kind.LOCKED


class PeriodClosed(PlanWatchError):
    """The period is closed for entry (400)."""

    kind = Kind.CLOSED


class CommentRequired(PlanWatchError):
    """A step that needs a comment or a reason (400)."""


class Busy(PlanWatchError):
    """A write that waited longer than it may for another one (a plan's load, a large import) to
    let go of the audit log: nothing was written; try again (503)."""

    status = 503
    kind = Kind.BUSY

    def __init__(self) -> None:
        super().__init__(
            "系统正忙：另一项大批量写入（如加载方案或大批导入）正在进行，本次未保存任何内容，请稍后重试。",
            "Busy: another large write (a plan load, a large import) is under way; nothing was saved. "
            "Try again in a while.",
        )


class Conflict(PlanWatchError):
    """Someone else changed it since it was read: never overwrite silently (409)."""

    status = 409
    kind = Kind.CONFLICT


def refuse(errors: Sequence[PlanWatchError]) -> None:
    """Raise nothing for no error, the error itself for one, and all of them at once for several:
    one error of their class when they are of one class (five values out of scope: a NotAllowed),
    else a Refused. Each keeps its issues, so that a caller can place every one."""
    if len(errors) == 1:
        raise errors[0]
    if not errors:
        return
    issues = [issue for error in errors for issue in error.issues]
    kinds = {type(error) for error in errors}
    if len(kinds) == 1 and (cls := kinds.pop()) in SIMPLE:
        raise cls("；".join(e.zh for e in errors), "; ".join(e.en for e in errors), issues=issues)
    raise Refused(issues)


# The errors that take nothing but their message (zh, en): several of one are said as one.
SIMPLE: set[type[PlanWatchError]] = {
    PlanWatchError,
    NotAllowed,
    NotFound,
    IllegalTransition,
    Locked,
    PeriodClosed,
    CommentRequired,
    Conflict,
}


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
