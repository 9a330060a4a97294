"""A large ledger workbook imported in the background while officials use the pages.

    .venv/bin/python benchmarks/bench_background_import.py                     # SQLite, 100,000 rows
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_planwatch \\
        .venv/bin/python benchmarks/bench_background_import.py --rows 100000
    .venv/bin/python benchmarks/bench_background_import.py --rows 5000          # a quick run

The production set-up, as `make demo` runs it: gunicorn with 2 sync workers and one `planwatch
db_worker`, on a fresh database (SQLite in a temporary folder, or the PostgreSQL database named —
dropped and made again) with the seed plan and its sample data. It writes a workbook of N
investment-project rows (示例数据, from the ledger's own export), then over HTTP, signed in as the
province administrator:

1. times each page on its own (the baseline: the same server, the same run);
2. uploads the workbook on the ledger page and times that request (it must only hand the file over);
3. while the worker imports, asks for the pages again and again, one after the other, and times each;
4. reads the job's own start and end (kernel.Job) for the import's duration.

It prints each page's median and 95th percentile before and during the import, and their ratio.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import re
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-password-1234"
PAGES = {
    "dashboard overview": "/dashboard/?year=2018",
    "dashboard locality 珠海": "/dashboard/localities/ZH/?year=2018",
    "entry form 珠海 2018": "/report/ZH/2018/",
    "ledger list": "/ledgers/investment_projects/",
    "supervision list": "/supervision/",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def planwatch(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "planwatch"), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database the URL names (never the one called `test`)."""
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    assert name and name != "test", "name a database of its own for the benchmark"
    admin = parsed._replace(path="/postgres").geturl()
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)


def write_workbook(env: dict[str, str], rows: int, path: Path) -> None:
    """N rows copied from the first sample row of the ledger's export, each named anew."""
    script = f"""
import io, django; django.setup()
from openpyxl import load_workbook
from planwatch.ledgers.excel import export_ledger
from planwatch.ledgers.models import LedgerType
ledger = LedgerType.objects.get(code="investment_projects")
book = load_workbook(io.BytesIO(export_ledger(ledger, ledger.items.filter(locality__code="ZH")[:1])))
sheet = book.worksheets[0]
header = [c.value for c in sheet[1]]
first = [c.value for c in sheet[2]]
sheet.delete_rows(2)
id_col = next(i for i, h in enumerate(header) if h and "id" in str(h).lower())
name_col = next(i for i, h in enumerate(header) if h and ("名称" in str(h) or "name" in str(h).lower()))
for n in range({rows}):
    row = list(first)
    row[id_col] = None
    row[name_col] = f"示例压测项目 {{n:06d}}"
    sheet.append(row)
book.save({str(path)!r})
"""
    subprocess.run([str(BIN / "python"), "-c", script], env=env, check=True)


class Browser:
    """An official's browser: cookies, the CSRF token, timed GETs."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
            body = response.read()
            assert response.status == 200, (path, response.status)
        return time.perf_counter() - started, body

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str) -> None:
        self.get("/login/")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=60) as response:
            assert "/login/" not in response.url, "login failed"

    def upload(self, path: str, file: Path) -> tuple[float, str]:
        boundary = uuid.uuid4().hex
        body = io.BytesIO()
        for name, value in (("csrfmiddlewaretoken", self.csrf()),):
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
        )
        body.write(file.read_bytes())
        body.write(f"\r\n--{boundary}--\r\n".encode())
        request = urllib.request.Request(
            self.base + path,
            data=body.getvalue(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )
        started = time.perf_counter()
        with self.opener.open(request, timeout=120) as response:
            response.read()
            return time.perf_counter() - started, response.url


def p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10, help="times each page is asked for before")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="planwatch-bench-"))
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    env.update(
        SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        PLANWATCH_VAR_DIR=str(folder),
        DJANGO_SETTINGS_MODULE="planwatch.settings",
        PLANWATCH_IDLE_MINUTES="600",
    )
    if env["DATABASE_URL"].startswith("postgres"):
        fresh_database(env["DATABASE_URL"])
    print(f"database: {env['DATABASE_URL'].split(':')[0]}; rows: {args.rows:,}")
    planwatch(env, "migrate", "-v0")
    planwatch(env, "collectstatic", "--noinput", "-v0")
    planwatch(env, "load_plan", str(ROOT / "plans" / "pearl_river_west_2017.yaml"))
    planwatch(env, "load_sample")
    planwatch(env, "demo_user", "--username", "bench", "--password", PASSWORD, "--with-roles")
    workbook = folder / "zh-projects.xlsx"
    started = time.perf_counter()
    write_workbook(env, args.rows, workbook)
    print(
        f"workbook: {workbook.stat().st_size / 2**20:.1f} MB, written in {time.perf_counter() - started:.0f} s"
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "planwatch.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(BIN / "planwatch"), "db_worker", "--no-reload", "--interval", "0.5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        browser = Browser(base)
        browser.login("bench")
        plan = re.search(rb'href="/plans/([^/"]+)/', browser.get("/")[1])
        assert plan is not None
        prefix = f"/plans/{plan.group(1).decode()}"
        before: dict[str, list[float]] = {label: [] for label in PAGES}
        for label, path in PAGES.items():
            browser.get(prefix + path)  # the first view evaluates and caches: not a steady page
            for _ in range(args.baseline):
                before[label].append(browser.get(prefix + path)[0])

        took, job_url = browser.upload(f"{prefix}/ledgers/investment_projects/import/", workbook)
        print(f"upload request (hands the file over): {took * 1000:.0f} ms → {job_url.removeprefix(base)}")
        status_url = job_url.rstrip("/") + "/status.json"
        during: dict[str, list[float]] = {label: [] for label in PAGES}
        state: dict[str, object] = {}
        while True:
            for label, path in PAGES.items():
                during[label].append(browser.get(prefix + path)[0])
            state = json.loads(browser.get(status_url.removeprefix(base))[1])
            if state["finished"]:
                break
        print(f"job: {state['state']} — {state['message']}")
        timing = (
            planwatch(
                env,
                "shell",
                "-c",
                "from planwatch.kernel.models import Job; j = Job.objects.get(); "
                "print('TIMING', (j.finished_at - j.started_at).total_seconds(), (j.started_at - j.created_at).total_seconds())",
            )
            .split("TIMING")[-1]
            .split()
        )
        seconds, waited = float(timing[0]), float(timing[1])
        print(
            f"import on the worker: {seconds:.0f} s ({args.rows / seconds:,.0f} rows/s), waited {waited:.1f} s for it"
        )
        print(
            f"{'page':<26} {'before: median':>15} {'p95':>8} {'during: median':>15} {'p95':>8} {'n':>5} {'ratio':>6}"
        )
        for label in PAGES:
            b, d = before[label], during[label]
            ratio = statistics.median(d) / statistics.median(b)
            print(
                f"{label:<26} {statistics.median(b) * 1000:12.0f} ms {p95(b) * 1000:5.0f} ms"
                f" {statistics.median(d) * 1000:12.0f} ms {p95(d) * 1000:5.0f} ms {len(d):5d} {ratio:5.1f}×"
            )
    finally:
        worker.terminate()
        server.terminate()
        worker.wait()
        server.wait()


if __name__ == "__main__":
    main()
