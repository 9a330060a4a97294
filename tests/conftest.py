"""Shared fixtures: the shipped plan, loaded into the test database, and a small cast of users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations
from hypothesis import HealthCheck, settings

from planwatch.demo.sample import load_sample
from planwatch.evaluation.models import FRAMES
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan
from tests.audit import APPEND_ONLY
from tests.stubs import robot, smtp  # noqa: F401  (fixtures: a local SMTP server, the group robot's stub)

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"


@pytest.fixture(autouse=True)
def _no_frame_of_another_test() -> None:
    """Decoded run frames are kept per process by run id and hash (evaluation.models.FRAMES): a test
    database gives the same ids again, and a test may change a stored run's summary by hand."""
    FRAMES.clear()


# --- the seed plan, and its sample data, loaded once per test module ---------------------------------
# Loading the shipped plan takes ~0.1 s and its sample data (values, ledger rows, action plans and
# their audit events) ~2 s; most tests read them and change them only inside their own transaction.
# So a module's tests share one load of each: made in a transaction opened before the first test that
# asks for it and rolled back after the module (the sample in a savepoint inside the plan's); each test
# runs inside it in a savepoint of its own (pytest-django's `db`), rolled back after the test as
# always. pytest_collection_modifyitems orders each module: first the tests that share nothing (no
# plan, or a transactional test, which commits and empties the database), then those of the plan,
# then those of the sampled plan — so no test sees a load it did not ask for.
SHARED: dict[str, int] = {}  # "plan", "sampled" → the plan's id, while the module's load is open
TRANSACTIONAL_FIXTURES = frozenset({"transactional_db", "live_server", "django_db_reset_sequences"})


def _shared_load(item: pytest.Item) -> int:
    """0: the test shares nothing; 1: it shares the module's plan; 2: the module's sampled plan."""
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    if TRANSACTIONAL_FIXTURES & names or (marker and marker.kwargs.get("transaction")):
        return 0
    return 2 if "sampled" in names else 1 if "plan" in names else 0


@pytest.fixture(scope="module")
def _module_plan(django_db_setup, django_db_blocker) -> Iterator[int]:
    with django_db_blocker.unblock(), transaction.atomic():
        SHARED["plan"] = load_plan_file(SEED_PLAN).plan.pk
        try:
            yield SHARED["plan"]
        finally:
            SHARED.clear()
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def _module_sample(_module_plan: int, django_db_blocker) -> Iterator[int]:
    with django_db_blocker.unblock(), transaction.atomic():
        load_sample(Plan.objects.get(pk=_module_plan))
        SHARED["sampled"] = _module_plan
        try:
            yield _module_plan
        finally:
            SHARED.pop("sampled", None)
            transaction.set_rollback(True)


@pytest.fixture
def plan(request: pytest.FixtureRequest, db) -> Plan:
    """The shipped plan (the module's load; a transactional test's own)."""
    shares = _shared_load(request.node)
    if shares:
        return Plan.objects.get(
            pk=request.getfixturevalue("_module_sample" if shares == 2 else "_module_plan")
        )
    if SHARED:
        pytest.fail("a transactional test ran after its module's shared plan was loaded: see SHARED")
    return load_plan_file(SEED_PLAN).plan


@pytest.fixture
def sampled(request: pytest.FixtureRequest, plan: Plan) -> Plan:
    """The shipped plan with the demo's sample data (示例数据): targets, accepted values 2016–2019,
    ledger rows and action plans (planwatch.demo.sample), loaded once for the module; a
    transactional test's own plan gets its own load."""
    if not _shared_load(request.node):
        load_sample(plan)
    return plan


@pytest.fixture
def alice(django_user_model):
    """Alice administers PlanWatch at the province."""
    return django_user_model.objects.create_superuser("alice", "alice@example.org", "alice-password")


@pytest.fixture
def bob(django_user_model):
    """Bob is an ordinary signed-in user who reads the plan."""
    return django_user_model.objects.create_user("bob", "bob@example.org", "bob-password")


pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def _flush_empties_the_audit_log_too() -> Iterator[None]:
    """A transactional test ends with Django's flush, which on SQLite empties each table with DELETE,
    which the audit log's trigger refuses: the flush lifts the triggers while it runs. (PostgreSQL's
    flush is a TRUNCATE, which row triggers do not see.)"""
    flush = SQLiteOperations.execute_sql_flush

    def execute_sql_flush(self: SQLiteOperations, sql_list: list[str]) -> None:
        triggers = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'planwatch_audit_%'"
        with self.connection.cursor() as cursor:
            had = cursor.execute(triggers).fetchone()[0]
        install, remove = APPEND_ONLY.SQLITE
        flush(self, [*remove, *sql_list] if had else sql_list)
        with self.connection.cursor() as cursor:
            if had and "kernel_auditevent" in self.connection.introspection.table_names(cursor):
                for sql in install:
                    cursor.execute(sql)

    SQLiteOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    SQLiteOperations.execute_sql_flush = flush  # type: ignore[method-assign]


# --- the reporting cast: one person per role, in 珠海 and 佛山 -------------------------------------


def _person(django_user_model, plan, username, role, locality=None, unit=None):
    from planwatch.accounts.models import Profile

    user = django_user_model.objects.create_user(username, f"{username}@example.org", f"{username}-password")
    Profile.objects.create(
        user=user,
        role=role,
        locality=plan.localities.get(code=locality) if locality else None,
        unit=plan.units.get(code=unit) if unit else None,
    )
    return user


@pytest.fixture
def cast(django_user_model, plan, alice):
    """Alice (province admin), Pat (province reviewer, 省经信委), Lena (lead unit 省科技厅, which leads
    the talent indicators I22–I28), Zoe and Zack (珠海 reporter and approver), Fred and Fay (佛山
    reporter and approver), Vic (a viewer)."""
    from types import SimpleNamespace

    from planwatch.accounts.models import Profile

    Profile.objects.create(user=alice, role=Profile.Role.PROVINCE_ADMIN)
    R = Profile.Role
    return SimpleNamespace(
        alice=alice,
        pat=_person(django_user_model, plan, "pat", R.PROVINCE_REVIEWER, unit="EIC"),
        lena=_person(django_user_model, plan, "lena", R.LEAD_UNIT, unit="DST"),
        zoe=_person(django_user_model, plan, "zoe", R.LOCALITY_REPORTER, locality="ZH"),
        zack=_person(django_user_model, plan, "zack", R.LOCALITY_APPROVER, locality="ZH"),
        fred=_person(django_user_model, plan, "fred", R.LOCALITY_REPORTER, locality="FS"),
        fay=_person(django_user_model, plan, "fay", R.LOCALITY_APPROVER, locality="FS"),
        vic=_person(django_user_model, plan, "vic", R.VIEWER),
    )


THREE_LEVELS_PLAN = Path(__file__).resolve().parent / "fixtures" / "plans" / "three_levels_2020.yaml"


@pytest.fixture
def three(db) -> Plan:
    """The plan of three levels (province → 韶关市, 梅州市 → five counties reporting; 示例数据)."""
    return load_plan_file(THREE_LEVELS_PLAN).plan


@pytest.fixture
def people(three, django_user_model):
    """Of the plan of three levels: Sid (始兴县's reporter), Ren (仁化县's reporter), Sha (韶关市's
    approver), Mei (梅州市's approver), Pia (the province's reviewer)."""
    from types import SimpleNamespace

    from planwatch.accounts.models import Profile

    R = Profile.Role
    return SimpleNamespace(
        sid=_person(django_user_model, three, "sid", R.LOCALITY_REPORTER, locality="440222"),
        ren=_person(django_user_model, three, "ren", R.LOCALITY_REPORTER, locality="440224"),
        sha=_person(django_user_model, three, "sha", R.LOCALITY_APPROVER, locality="440200"),
        mei=_person(django_user_model, three, "mei", R.LOCALITY_APPROVER, locality="441400"),
        pia=_person(django_user_model, three, "pia", R.PROVINCE_REVIEWER),
    )


@pytest.fixture
def period(plan):
    from planwatch.reporting.sample import yearly_period

    return yearly_period(plan, 2018)


# --- hypothesis: the same examples on every run in CI ---------------------------------------------
# `make test` and CI run the "ci" profile: derandomized, so a run fails or passes for everyone alike
# and a failure reproduces from the commit alone; no check of time (a loaded CI machine is slow, not
# wrong: Hypothesis's deadline and too_slow health check failed tests there that pass quiet).
# HYPOTHESIS_PROFILE=explore searches afresh.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- the second pass on PostgreSQL: only the tests that touch a database -----------------------------
# `make test` runs every test on SQLite, then again on PostgreSQL when DATABASE_URL names one. A test
# that uses no database (the evaluation core, the numbers, the plan file's parser …) gives the same
# answer on both; the second pass leaves it out (PLANWATCH_DATABASE_TESTS_ONLY=1, set by the Makefile).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _shared_loads_last_in_their_module(items)
    if os.environ.get("PLANWATCH_DATABASE_TESTS_ONLY") != "1":
        return
    # Also left out: the tests that drive the whole application from outside — in Chromium
    # (`browser`) or through the API against its OpenAPI document (`once`). What they check is the
    # pages and the contract, the same on both databases; the database behaviour under them is
    # tested on both by the tests that call the actions, queries and views directly. (CI's time:
    # the two passes together stay well under 30 minutes.)
    kept, left = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        from_outside = item.get_closest_marker("browser") or item.get_closest_marker("once")
        (kept if uses_database and not from_outside else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def _shared_loads_last_in_their_module(items: list[pytest.Item]) -> None:
    """In each module: the tests that share nothing, then those of the shared plan, then those of the
    shared sampled plan (the order within each group kept)."""
    module_of = {id(item): item.nodeid.split("::")[0] for item in items}
    first_of: dict[str, int] = {}
    for i, item in enumerate(items):
        first_of.setdefault(module_of[id(item)], i)
    items.sort(key=lambda item: (first_of[module_of[id(item)]], _shared_load(item)))
    # The module's load is set up before the test's own transaction (`db`), not inside it.
    for item in items:
        shares = _shared_load(item)
        if shares and isinstance(item, pytest.Function):
            item.fixturenames.insert(0, "_module_sample" if shares == 2 else "_module_plan")
