"""Two web servers and one worker on one PostgreSQL database (docs/deployment.md): a data value set
sent to one server is queued (202), the worker — a process of its own — imports it, and the other
server reports the job done. Real processes: two `gunicorn planwatch.wsgi`, one `planwatch db_worker`,
on a scratch database. PostgreSQL only."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from planwatch.accounts.models import ApiToken
from planwatch.reporting.models import Period
from tests.scratch_postgres import PLANWATCH, POSTGRES_ONLY, planwatch_env, row_counts, scratch_database

# transaction: the plan and the token are committed, then copied with the test database
pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

GUNICORN = PLANWATCH.parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process that is always ended, and waited for, when the block ends; its output in `log`."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def call(url: str, token: str = "", body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (a local server)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")
    except OSError:  # not listening yet
        return 0, {}


def wait_for(check: Any, what: str, seconds: float = 15) -> Any:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_job_queued_on_one_server_is_run_by_the_worker_and_seen_done_on_the_other(cast, period, tmp_path):
    Period.objects.filter(pk=period.pk).update(locks_on=None)
    _, token = ApiToken.issue(cast.alice, "two servers")
    value_set = {
        "import_id": "two-servers-1",
        "period": "2018",
        "locality": "ZH",
        "values": [{"indicator": "I07", "value": 5, "comment": "示例数据"}],
    }
    with scratch_database() as database, ExitStack() as stack:
        # every set goes to the job runner (above 0 KB), whatever its size
        env = planwatch_env(
            database,
            PLANWATCH_VAR_DIR=str(tmp_path),
            PLANWATCH_VALUE_SET_JOB_KB="0",
            ALLOWED_HOSTS="127.0.0.1",
            DEBUG="0",
        )
        one, other = free_port(), free_port()
        servers = []
        for port in (one, other):
            args = [str(GUNICORN), "planwatch.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            servers.append(stack.enter_context(process(args, env, tmp_path / f"web-{port}.log")))
        worker = stack.enter_context(
            process(
                [str(PLANWATCH), "db_worker", "--interval", "0.2", "--no-startup-delay"],
                env,
                tmp_path / "worker.log",
            )
        )
        for port in (one, other):
            wait_for(lambda port=port: call(f"http://127.0.0.1:{port}/healthz")[0] == 200, f"server :{port}")

        status, queued = call(
            f"http://127.0.0.1:{one}/api/v1/plans/prw-mic2025/datavaluesets", token, value_set
        )
        assert status == 202, queued
        assert queued["status"] == "queued"

        def done_on_the_other() -> dict[str, Any] | None:
            status, job = call(f"http://127.0.0.1:{other}{queued['job_url']}", token)
            assert status == 200, job
            return job if job["state"] in ("done", "failed") else None

        job = wait_for(done_on_the_other, "the worker to finish the job")
        assert job["state"] == "done", job
        assert "values checked" in job["message_en"]
        assert worker.poll() is None and all(s.poll() is None for s in servers)  # all still up
        status, health = call(f"http://127.0.0.1:{other}/healthz")
        assert status == 200 and health["jobs"]["queued"] == 0
        counts = row_counts(database, ["reporting_reportedvalue"])
        assert counts["reporting_reportedvalue"] == 1  # written by the worker, in the one database
