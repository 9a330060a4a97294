"""Pages under load: N concurrent users against the production set-up, a page mix beside a trivial page.

    .venv/bin/python benchmarks/bench_load.py                                   # SQLite, 50 users, 60 s
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/bench_load.py --sizes seed,300              # PostgreSQL (database bench_load)
    .venv/bin/python benchmarks/bench_load.py --sizes seed --users 10 --seconds 10   # a quick run

For each size, a fresh database (a SQLite file in WAL mode in a temporary folder, or — when DATABASE_URL
names a PostgreSQL server — the database `bench_load` on that server, made anew and dropped after):

- `seed`: the seed plan (plans/pearl_river_west_2017.yaml) with its sample data;
- a number (`300`): `planwatch synth_plan --localities 300 --indicators 100 --years 10` with its
  sample data (docs/plan-file.md, "A synthetic plan of any size").

Then the production set-up as `make demo` runs it — gunicorn `planwatch.wsgi` with 2 sync workers
(`--workers`) and one `planwatch db_worker` — and, over HTTP:

1. one browser per simulated user, each its own session, signed in as the role demo users in turn
   (`demo_user --with-roles`: the administrator, the province, the lead unit, two reporters, the
   leader); each role user has one API token;
2. warm-up: every page of the mix, as one browser of each user, until no dashboard says a newer
   evaluation is being made (a page never evaluates: it asks the job runner, which stores the run);
   the other sessions' pages are not asked before the measure (the kept pages, docs/deployment.md,
   start cold for them in both web processes);
3. the trivial page (`--trivial`, /healthz by default: Django's WSGI handler, two queries, answered
   before the other middleware) under the load generator, then the page mix under the same load.

The load generator is closed-loop: `--users` threads, each asking one page after the other with no
think time, for `--seconds` (or `--requests` in all). Each user goes round the mix from its own
starting point, in its own session. It prints, per page and
for the mix: requests, errors, p50/p95/p99, throughput, and the ratio p95(page) / p95(trivial).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_background_import import BIN, ROOT, free_port, fresh_database, planwatch  # noqa: E402

PASSWORD = "bench-password-1234"
PG_DATABASE = "bench_load"
PENDING = 'id="run-pending"'  # dashboards/_pending.html: a newer run is being made


# --- the load generator and its arithmetic (no server needed: tests/test_bench_load.py) -------------


@dataclass(frozen=True)
class Sample:
    label: str
    seconds: float
    ok: bool
    error: str = ""  # the status or the exception, when not ok


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p % of the values at or below
    it (p50 of 1..100 is 50, p95 is 95, p99 is 99); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# One user's next request: performs it and says (label, ok, error).
Step = Callable[[], tuple[str, bool, str]]


def closed_loop(
    users: Sequence[Step], *, seconds: float | None = None, requests: int | None = None
) -> list[Sample]:
    """Run every user in its own thread, one request after the other without think time, until
    `seconds` have passed or `requests` have been started in all; every request started is waited
    for and counted (a closed loop: at most len(users) requests in flight)."""
    assert seconds is not None or requests is not None, "bound the load: seconds or requests"
    deadline = time.perf_counter() + seconds if seconds is not None else math.inf
    samples: list[Sample] = []
    lock = threading.Lock()
    started = [0]

    def may_start() -> bool:
        with lock:
            if time.perf_counter() >= deadline or (requests is not None and started[0] >= requests):
                return False
            started[0] += 1
            return True

    def user(step: Step) -> None:
        while may_start():
            begin = time.perf_counter()
            try:
                label, ok, error = step()
            except Exception as exc:  # a crashed step is an error of its request, not of the run
                label, ok, error = "?", False, type(exc).__name__
            sample = Sample(label, time.perf_counter() - begin, ok, error)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=user, args=(step,), daemon=True) for step in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


@dataclass
class Summary:
    label: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    per_second: float
    error_kinds: Counter[str] = field(default_factory=Counter)


def summarize(samples: Sequence[Sample], wall: float) -> dict[str, Summary]:
    """Per label and for all ("all"): the count, the errors and the percentiles of the successful
    requests' times, and the throughput (successful requests per second of wall time)."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.label].append(sample)
        groups["all"].append(sample)
    out = {}
    for label, group in groups.items():
        times = [s.seconds for s in group if s.ok]
        out[label] = Summary(
            label=label,
            count=len(group),
            errors=len(group) - len(times),
            p50=percentile(times, 50),
            p95=percentile(times, 95),
            p99=percentile(times, 99),
            per_second=len(times) / wall if wall > 0 else math.nan,
            error_kinds=Counter(s.error for s in group if not s.ok),
        )
    return out


# --- a user's browser ---------------------------------------------------------------------------


class Browser:
    """A signed-in user: cookies, CSRF, an API token; `fetch` answers (ok, error) rather than raising."""

    def __init__(self, base: str, username: str, token: str):
        self.base = base
        self.username = username
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def fetch(self, path: str, *, api: bool = False) -> tuple[bool, str, bytes]:
        request = urllib.request.Request(self.base + path)
        if api:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self.opener.open(request, timeout=120) as response:
                body = response.read()
                if urllib.parse.urlparse(response.url).path != urllib.parse.urlparse(path).path:
                    return False, "redirected to " + urllib.parse.urlparse(response.url).path, body
                return True, "", body
        except urllib.error.HTTPError as exc:
            return False, str(exc.code), exc.read()
        except OSError as exc:
            return False, type(exc).__name__, b""

    def login(self) -> None:
        self.fetch("/login/")
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        )
        request = urllib.request.Request(
            self.base + "/login/", data=data.encode(), headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=60) as response:
            assert "/login/" not in response.url, f"{self.username}: login failed"


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    api: bool = False


def mix_for(info: dict[str, str], locality: str) -> list[Page]:
    """The page mix of one user (the issue's): the overview, a locality, an indicator, the entry
    form, the ledger list (when the plan has a ledger) and a page of the API's values."""
    prefix = f"/plans/{info['plan']}"
    year = info["year"]
    pages = [
        Page("dashboard overview", f"{prefix}/dashboard/?year={year}"),
        Page("dashboard locality", f"{prefix}/dashboard/localities/{locality}/?year={year}"),
        Page("dashboard indicator", f"{prefix}/dashboard/indicators/{info['indicator']}/"),
        Page("entry form", f"{prefix}/report/{locality}/{year}/"),
        Page("API values (100)", f"/api/v1/plans/{info['plan']}/values?period={year}&limit=100", api=True),
    ]
    if info.get("ledger"):
        pages.insert(4, Page("ledger list", f"{prefix}/ledgers/{info['ledger']}/"))
    return pages


def stepper(browser: Browser, pages: Sequence[Page], start: int) -> Step:
    """A user going round `pages` from `start`."""
    at = [start]

    def step() -> tuple[str, bool, str]:
        page = pages[at[0] % len(pages)]
        at[0] += 1
        ok, error, _body = browser.fetch(page.path, api=page.api)
        return page.label, ok, error

    return step


# --- the set-up -----------------------------------------------------------------------------------


def load_size(env: dict[str, str], size: str, folder: Path) -> str:
    """Load the size's plan and its sample data; the plan's code."""
    if size == "seed":
        planwatch(env, "load_plan", str(ROOT / "plans" / "pearl_river_west_2017.yaml"))
        planwatch(env, "load_sample")
        return "prw-mic2025"
    units = int(size)
    path = folder / f"synth-{units}.yaml"
    planwatch(
        env, "synth_plan", "--localities", str(units), "--indicators", "100", "--years", "10", "-o", str(path)
    )
    planwatch(env, "load_plan", str(path))
    code = f"synth-{units}x100x10-s0"
    planwatch(env, "load_sample", "--plan", code)
    return code


INFO_SCRIPT = """
import json
from planwatch.dashboards import data
from planwatch.accounts.management.commands.demo_user import demo_roles
from planwatch.plans.models import Plan
plan = Plan.objects.get(code={code!r})
ledger = plan.ledger_types.order_by("id").first()
print("INFO" + json.dumps({{
    "plan": plan.code,
    "year": str(data.latest_accepted_year(plan)),
    "indicator": plan.indicators.order_by("order", "id").first().code,
    "first_pilot": plan.pilot_units().order_by("id").first().code,
    "ledger": ledger.code if ledger else "",
    "users": [u for u, *_ in demo_roles(plan)],
    "localities": [loc or "" for _u, _r, loc, _unit in demo_roles(plan)],
}}))
"""


def plan_info(env: dict[str, str], code: str) -> dict:
    out = planwatch(env, "shell", "-c", INFO_SCRIPT.format(code=code))
    return json.loads(out.split("INFO", 1)[1])


def sign_in(env: dict[str, str], base: str, info: dict, count: int) -> list[tuple[Browser, str]]:
    """`count` browsers, each its own session, signed in as the role users in turn (the first
    browsers one of each role), each user with one API token: (browser, the locality its pages
    show)."""
    users = [("bench", "")] + list(zip(info["users"], info["localities"], strict=True))
    tokens = {u: planwatch(env, "create_token", "--user", u, "--name", "bench").strip() for u, _ in users}
    browsers = []
    for n in range(max(count, len(users))):
        username, locality = users[n % len(users)]
        browser = Browser(base, username, tokens[username])
        browser.login()
        browsers.append((browser, locality or info["first_pilot"]))
    return browsers


def warm_up(browsers: list[tuple[Browser, str]], info: dict, limit: float = 900) -> float:
    """Every page as every user until every one answers 200 and no dashboard says a newer run is
    being made; the seconds it took."""
    began = time.perf_counter()
    while True:
        waiting = []
        for browser, locality in browsers:
            for page in mix_for(info, locality):
                ok, error, body = browser.fetch(page.path, api=page.api)
                if not ok:
                    raise SystemExit(f"warm-up: {page.path} as {browser.username} answered {error}")
                if PENDING.encode() in body:
                    waiting.append(page.label)
        if not waiting:
            return time.perf_counter() - began
        if time.perf_counter() - began > limit:
            raise SystemExit(f"warm-up: still waiting for an evaluation after {limit:.0f} s: {waiting}")
        time.sleep(2)


def measure(steps: Sequence[Step], args: argparse.Namespace) -> tuple[dict[str, Summary], float, float]:
    """The summaries, the wall time and the load generator's own CPU seconds."""
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    samples = closed_loop(steps, seconds=args.seconds, requests=args.requests)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    return summarize(samples, wall), wall, (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:,.0f}"


def report(size: str, trivial: dict[str, Summary], mix: dict[str, Summary], order: list[str]) -> None:
    base = trivial["all"].p95
    print(
        f"{'page':<22} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>6} {'p95 ×':>6}"
    )
    rows = [("trivial page", trivial["all"])] + [(label, mix[label]) for label in order if label in mix]
    rows.append(("page mix (all)", mix["all"]))
    for label, s in rows:
        ratio = s.p95 / base if base and not math.isnan(s.p95) else math.nan
        print(
            f"{label:<22} {s.count:8d} {s.errors:6d} {ms(s.p50):>7} {ms(s.p95):>7} {ms(s.p99):>7}"
            f" {s.per_second:6.1f} {ratio:5.1f}×"
        )
        if s.errors:
            print(f"{'':<22} errors: {dict(s.error_kinds)}")
    print(
        f"RESULT size={size} ratio_p95={mix['all'].p95 / base:.2f} errors={mix['all'].errors + trivial['all'].errors}"
    )


def server_errors(log: Path) -> list[str]:
    text = log.read_text(errors="replace") if log.exists() else ""
    lines = [
        line
        for line in text.splitlines()
        if re.search(r"Traceback|database is locked|Error|WORKER TIMEOUT", line)
    ]
    return lines[:20]


def run_size(size: str, args: argparse.Namespace, env: dict[str, str], folder: Path) -> None:
    load_began = time.perf_counter()
    code = load_size(env, size, folder)
    planwatch(env, "demo_user", "--username", "bench", "--password", PASSWORD, "--with-roles", "--plan", code)
    info = plan_info(env, code)
    print(
        f"\n== size {size}: plan {code}, year {info['year']}, loaded in {time.perf_counter() - load_began:.0f} s"
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / f"server-{size}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "planwatch.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [str(BIN / "planwatch"), "db_worker", "--no-reload"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        browsers = sign_in(env, base, info, args.users)
        roles = browsers[: len(info["users"]) + 1]  # one browser of each user: the others' pages stay cold
        print(
            f"warm-up: {warm_up(roles, info):.0f} s; users: {', '.join(b.username for b, _ in roles)}, "
            f"{len(browsers)} sessions"
        )
        trivial_steps = []
        mix_steps = []
        pages: list[str] = []
        for n in range(args.users):
            browser, locality = browsers[n % len(browsers)]
            mix = mix_for(info, locality)
            pages = [p.label for p in mix]
            trivial_steps.append(stepper(browser, [Page("trivial page", args.trivial)], 0))
            mix_steps.append(stepper(browser, mix, n))
        load = os.getloadavg()[0]
        trivial, wall_t, cpu_t = measure(trivial_steps, args)
        mix_summary, wall_m, cpu_m = measure(mix_steps, args)
        print(
            f"{args.users} users, no think time; trivial page {args.trivial}: {wall_t:.0f} s "
            f"(load generator {cpu_t:.0f} s CPU); page mix: {wall_m:.0f} s (load generator {cpu_m:.0f} s CPU); "
            f"load average before {load:.1f}, after {os.getloadavg()[0]:.1f}"
        )
        report(size, trivial, mix_summary, pages)
        errors = server_errors(log)
        if errors:
            print("server log:", *errors, sep="\n  ")
    finally:
        worker.terminate()
        server.terminate()
        worker.wait()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--requests", type=int, help="stop after this many requests in all (each phase)")
    parser.add_argument("--sizes", default="seed,300", help="seed and/or numbers of synthetic units")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers (make demo: 2)")
    parser.add_argument("--trivial", default="/healthz", help="the trivial page, the baseline")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="planwatch-load-"))
    given = os.environ.get("DATABASE_URL", "")
    env = dict(os.environ)
    env.update(
        SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        PLANWATCH_VAR_DIR=str(folder),
        DJANGO_SETTINGS_MODULE="planwatch.settings",
        PLANWATCH_IDLE_MINUTES="600",
        PYTHONPATH=str(ROOT),
    )
    postgres = given.startswith("postgres")
    if postgres:
        env["DATABASE_URL"] = urllib.parse.urlparse(given)._replace(path=f"/{PG_DATABASE}").geturl()
    print(
        f"database: {'PostgreSQL ' + PG_DATABASE if postgres else 'SQLite (WAL)'}; gunicorn {args.workers} sync "
        f"workers + 1 db_worker; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    planwatch(
        env | {"DATABASE_URL": f"sqlite:///{folder}/static.sqlite3"}, "collectstatic", "--noinput", "-v0"
    )
    try:
        for size in args.sizes.split(","):
            if postgres:
                fresh_database(env["DATABASE_URL"])
            else:
                env["DATABASE_URL"] = f"sqlite:///{folder}/bench-{size}.sqlite3"
            planwatch(env, "migrate", "-v0")
            run_size(size, args, env, folder)
    finally:
        if postgres:
            admin = urllib.parse.urlparse(env["DATABASE_URL"])._replace(path="/postgres").geturl()
            subprocess.run(
                ["psql", admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{PG_DATABASE}"'], check=False
            )


if __name__ == "__main__":
    main()
