"""The command line: the `planwatch` console script (Django's management commands, with start-up
errors made readable), and the base of every PlanWatch command, which says any refusal of PlanWatch
(the root of its errors) in both languages and exits with status 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import django
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django_tasks import TaskResult, TaskResultStatus
from tqdm import tqdm

from planwatch.core.errors import PlanWatchError


class TerminalSteps:
    """Long work's steps told on the terminal (the kernel's `Steps`: `step(label, total)`,
    `advance(done)`), the one way every command shows them: on a terminal a progress bar for each
    step with counts (tqdm) and a line for one without, else — a pipe, a log, a test — one plain line per step, "… label".
    Written to standard error, so that standard output keeps only what the command outputs. Use it
    as a context manager, so that the last bar is closed whatever happens."""

    def __init__(self, stream: OutputWrapper | TextIO, *, bar: bool | None = None):
        self.stream = stream
        self.bar = stream.isatty() if bar is None else bar
        self._bar: tqdm[Any] | None = None

    def step(self, label: str, total: int = 0) -> None:
        self.close()
        if not (self.bar and total):  # a step without counts has nothing to fill: its line says it
            self.stream.write(f"… {label}" + (f" ({total})" if total else "") + "\n")
            return
        raw = getattr(self.stream, "_out", self.stream)  # tqdm draws with \r: not through OutputWrapper
        self._bar = tqdm(total=total, desc=label, file=raw, leave=True, dynamic_ncols=True)

    def advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self, finished: bool = True) -> None:
        """End the current step's bar (full, when the step `finished`; as far as it got, else)."""
        if self._bar is not None:
            if finished and self._bar.total:
                self._bar.update(self._bar.total - self._bar.n)
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalSteps:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close(finished=error is None)


class Command(BaseCommand):
    """A PlanWatch command: its `handle` raises what it refuses; here it becomes one message."""

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except PlanWatchError as exc:
            raise CommandError(exc.describe()) from None

    def steps(self) -> TerminalSteps:
        """Where the command's long work tells its steps: a bar on a terminal, lines elsewhere."""
        return TerminalSteps(self.stderr)


def add_queue_argument(parser: CommandParser) -> None:
    """--queue: put the work on the job runner's queue (a worker, `planwatch db_worker`, does it)
    instead of doing it now — for cron on a machine that should not do the work itself."""
    parser.add_argument(
        "--queue",
        action="store_true",
        help="enqueue it as a task for a worker (planwatch db_worker) instead of doing it now",
    )


def say_queued(command: BaseCommand, result: TaskResult[Any]) -> None:
    """What --queue did: the task's id, or what it did already (the immediate backend)."""
    if result.status == TaskResultStatus.SUCCESSFUL:
        command.stdout.write(f"{result.return_value}")
        return
    if result.status == TaskResultStatus.FAILED:
        raise CommandError(f"任务 {result.id} 未成功，错误已记录 / task {result.id} failed (logged)")
    command.stdout.write(
        f"已加入任务队列：{result.id}（由 planwatch db_worker 执行）\n"
        f"Queued as task {result.id}: a worker (planwatch db_worker) runs it."
    )


def add_plan_argument(parser: CommandParser) -> None:
    """--plan, the plan a command works on (planwatch.plans.lookup.find_plan reads it)."""
    parser.add_argument("--plan", help="the plan's code (needed when several plans are loaded)")


def add_output_arguments(parser: CommandParser, formats: Sequence[str], default: str) -> None:
    """--format and -o/--output, read back by `output_of`."""
    parser.add_argument("--format", choices=formats, default=default)
    parser.add_argument("-o", "--output", help="the file to write (default: standard output; not for xlsx)")


def output_of(options: dict[str, Any]) -> tuple[str, str | None]:
    """The format and the file to write (None: standard output); a workbook needs a file."""
    fmt, output = options["format"], options["output"]
    if fmt == "xlsx" and not output:
        raise CommandError("--format xlsx needs a file: add -o FILE.xlsx")
    return fmt, output


def write_output(command: BaseCommand, content: str | bytes, output: str | None) -> None:
    """To the file, or to standard output (text only)."""
    if not output:
        assert isinstance(content, str)
        command.stdout.write(content, ending="")
        return
    try:
        if isinstance(content, bytes):
            Path(output).write_bytes(content)
        else:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}") from None


def active_user(username: str) -> Any:
    """The active user named on the command line, whose role and scope the command runs under."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no such active user: {username}")
    return user


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.settings")
    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"planwatch: configuration error: {exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["planwatch", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
