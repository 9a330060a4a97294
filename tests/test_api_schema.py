"""The whole API against its own OpenAPI document, by Schemathesis (issue 15).

Schemathesis reads /api/v1/openapi.json from the app in-process (WSGI, no server) and, for every
operation, sends requests generated from the document: valid ones (positive) and ones the document
says are wrong (negative), in the examples, coverage and fuzzing phases. Every answer must:

- not be a server error (5xx);
- have a status the operation declares, with the declared content type and a body matching the
  declared schema (for an error: the one shape, planwatch/api/errors.py);
- reject what the document says is invalid (4xx), and refuse a request without credentials (401);
- answer 405 with an `Allow` header to a method the address does not take.

The database holds the seed plan with its sample data (values, ledger rows, action plans and
milestones) and a cast; the test runs once as Alice (province administrator) and once as Zoe (珠海
reporter), each with an API token, so that the 403 and 404 paths are exercised too. Path parameters
are mostly the codes and ids that exist (the plan, its indicators, localities, periods, milestones,
ledger rows …), sometimes generated ones, so that requests reach past the 404s.

The run is reproducible: a fixed seed, derandomized Hypothesis, and a bounded number of examples per
operation (MAX_EXAMPLES), so CI's run stays near a minute. docs/api.md#checked-against-its-document.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from planwatch.accounts.models import ApiToken, Profile
from planwatch.demo.sample import load_sample
from planwatch.evaluation.models import EvaluationRun
from planwatch.ledgers.models import LedgerItem, LedgerType
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Indicator, KeyField, Locality, Plan, Task
from planwatch.reporting.models import Period, RevisionRequest
from planwatch.supervision.models import Milestone, ProgressUpdate
from planwatch.wsgi import application
from tests.conftest import SEED_PLAN, _person

SEED = int(os.environ.get("PLANWATCH_SCHEMATHESIS_SEED", "20171"))
LOG = os.environ.get("PLANWATCH_SCHEMATHESIS_LOG")
MAX_EXAMPLES = int(os.environ.get("PLANWATCH_SCHEMATHESIS_EXAMPLES", "12"))

load_all_checks()
CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
]
CHECKS_RUN = [CHECKS.get_one(name) for name in CHECK_NAMES]


def _codes(queryset: Any, field: str = "code") -> list[Any]:
    return sorted(queryset.values_list(field, flat=True))


# What exists, by the name of the path parameter that names it; read at each draw, so that what an
# earlier request of the same test created (a milestone, a ledger row, a run …) is named too.
KNOWN: dict[str, Callable[[], list[Any]]] = {
    "plan_code": lambda: _codes(Plan.objects.all()),
    "task_code": lambda: _codes(Task.objects.all()),
    "indicator_code": lambda: _codes(Indicator.objects.all()),
    "scope": lambda: ["region", *_codes(Locality.objects.all())],
    "locality_code": lambda: _codes(Locality.objects.all()),
    "locality": lambda: _codes(Locality.objects.all()),
    "year": lambda: [2016, 2017, 2018, 2019, 2020],
    "period_code": lambda: _codes(Period.objects.all()),
    "ledger": lambda: _codes(LedgerType.objects.all()),
    "key": lambda: _codes(KeyField.objects.all()),
    "item_id": lambda: _codes(LedgerItem.objects.all(), "pk"),
    "milestone_id": lambda: _codes(Milestone.objects.all(), "pk"),
    "update_id": lambda: _codes(ProgressUpdate.objects.all(), "pk"),
    "request_id": lambda: _codes(RevisionRequest.objects.all(), "pk"),
    "run_id": lambda: _codes(EvaluationRun.objects.all(), "pk"),
}


def name_what_exists(case: schemathesis.Case) -> None:
    """Three valid paths in four name what exists: each parameter is replaced by one of the existing
    codes or ids of its kind, chosen from the generated value (so the same case names the same
    thing on every run). The fourth, a path generated invalid on purpose, and a parameter of a kind
    of which nothing exists yet are sent as generated."""
    path = case.path_parameters or {}
    component = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if not path or (component is not None and component.mode is not GenerationMode.POSITIVE):
        return
    digest = zlib.crc32(repr(sorted(path.items())).encode())
    if digest % 4 == 0:
        return
    named = dict(path)
    for name in path:
        values = KNOWN[name]() if name in KNOWN else []
        if values:
            named[name] = values[(digest >> 2) % len(values)]
    case.path_parameters = named


CAST = ("alice", "zoe")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    """The seed plan, its sample data and the cast with their API tokens, made once for the module in
    a transaction rolled back at its end; each operation's test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            plan = load_plan_file(SEED_PLAN).plan
            User = get_user_model()
            alice = User.objects.create_superuser("alice", "alice@example.org", "alice-password")
            Profile.objects.create(user=alice, role=Profile.Role.PROVINCE_ADMIN)
            zoe = _person(User, plan, "zoe", Profile.Role.LOCALITY_REPORTER, locality="ZH")
            load_sample(plan)
            tokens = {user.username: ApiToken.issue(user, "schemathesis")[1] for user in (alice, zoe)}
            yield SimpleNamespace(plan=plan, tokens=tokens)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def in_process(world, db) -> Iterator[None]:
    """Django's own test client keeps the test's connection across a request; the WSGI handler
    Schemathesis calls would close it at each request's start and end (close_old_connections),
    which on PostgreSQL ends the test's transaction: not while this test runs."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


def _load_schema() -> Any:
    """The document exactly as the app serves it, the app itself to call."""
    config = schemathesis.Config.from_dict({"seed": SEED})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)


schema = _load_schema()


@pytest.mark.once  # the API against its own document: the SQLite pass checks it (tests/conftest.py)
@pytest.mark.parametrize("who", CAST)
@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, who, world, in_process):
    name_what_exists(case)
    headers = {"Authorization": f"Bearer {world.tokens[who]}"}
    if LOG is None:
        case.call_and_validate(headers=headers, checks=CHECKS_RUN)
    else:
        survey(case, who, headers)


def survey(case: schemathesis.Case, who: str, headers: dict[str, str]) -> None:
    """With PLANWATCH_SCHEMATHESIS_LOG=FILE, nothing fails: each request appends a line to FILE (the
    operation, who, the status, the failures), so that a run counts every failure it meets."""
    status, failures = None, []
    try:
        status = case.call_and_validate(headers=headers, checks=CHECKS_RUN).status_code
    except FailureGroup as group:
        failures = [[type(f).__name__, f.title, f.message] for f in group.exceptions]
    line = {"operation": case.operation.label, "who": who, "status": status, "failures": failures}
    with open(LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
