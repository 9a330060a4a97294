"""The exception tree of the PlanWatch core. Callers catch PlanWatchError to report any of them."""

from __future__ import annotations

from dataclasses import dataclass


class PlanWatchError(Exception):
    """Base of every error the core raises on purpose."""


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
