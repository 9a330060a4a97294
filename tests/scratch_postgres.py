"""Scratch PostgreSQL databases for the tests of a deployment (backups, several servers): each made
from the test database (migrated, empty) as its template, under a name of its own, and always dropped.
PostgreSQL only: the tests that use them skip elsewhere."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent
PLANWATCH = Path(sys.executable).parent / "planwatch"
TOOLS = ("createdb", "dropdb", "pg_dump", "pg_restore", "psql")

POSTGRES_ONLY = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a deployment on PostgreSQL"),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in TOOLS), reason="PostgreSQL's client programs are not installed"
    ),
]


def server() -> dict[str, Any]:
    return connections["default"].settings_dict


def client_env() -> dict[str, str]:
    """The environment of PostgreSQL's client programs: the test server, as its user."""
    s = server()
    env = {**os.environ, "PGHOST": str(s["HOST"] or "127.0.0.1"), "PGPORT": str(s["PORT"] or 5432)}
    if s["USER"]:
        env["PGUSER"] = str(s["USER"])
    if s["PASSWORD"]:
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env


def url(name: str) -> str:
    s = server()
    login = f"{s['USER']}:{s['PASSWORD']}@" if s["PASSWORD"] else f"{s['USER']}@" if s["USER"] else ""
    return f"postgresql://{login}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    done = subprocess.run(args, env=env or client_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr[-2000:]}"
    return done.stdout


@contextmanager
def scratch_database(*, empty: bool = False) -> Iterator[str]:
    """A database of its own name: a copy of the migrated test database (PlanWatch's tables, no
    rows of a test), or with `empty` none at all (for pg_restore). Dropped in the end, whatever
    happens."""
    name = f"pw_scratch_{os.getpid()}_{secrets.token_hex(4)}"
    if empty:
        run("createdb", name)
    else:
        connections.close_all()  # a template is copied only while nobody is connected to it
        run("createdb", "--template", str(server()["NAME"]), name)
    try:
        yield name
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", name], env=client_env(), capture_output=True)


def planwatch_env(database: str, **more: str) -> dict[str, str]:
    """The environment of a PlanWatch process (command, web server, worker) on that database."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_SETTINGS"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": "scratch-test-secret-key",
        "DATABASE_URL": url(database),
        "PLANWATCH_VAR_DIR": more.pop(
            "PLANWATCH_VAR_DIR", str(Path(tempfile.gettempdir()) / "planwatch-scratch")
        ),
        **more,
    }


def planwatch(database: str, *args: str, timeout: float = 60) -> str:
    return run(str(PLANWATCH), *args, env=planwatch_env(database), timeout=timeout)


def row_counts(database: str, tables: list[str]) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
    out = run("psql", "-d", database, "-At", "-F", "\t", "-c", sql)
    return {table: int(n) for table, n in (line.split("\t") for line in out.splitlines())}
