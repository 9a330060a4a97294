"""The dashboards stay fast as data grow: each page makes the same number of database queries for
the seed plan as for a plan with more pilot units and more indicators (no query per row)."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from planwatch.demo.sample import load_sample
from planwatch.evaluation.models import EvaluationRun
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan
from tests.conftest import SEED_PLAN, SEED_TEXT

pytestmark = pytest.mark.django_db

EXTRA_LOCALITIES = 5
EXTRA_INDICATORS = 6


def bigger_plan_file(tmp_path: Path) -> Path:
    """The seed plan under another code, with five more pilot cities and six more indicators (copies
    of I01 and I22 with their own codes, quoting the same sentences)."""
    doc = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
    doc["plan"]["code"] = "prw-bigger"
    for k in range(EXTRA_LOCALITIES):
        doc["localities"].append(
            {
                "code": f"X{k}",
                "name": {"zh": f"试点市{k}", "en": f"Pilot city {k}"},
                "level": "city",
                "parent": "GD",
                "pilot": True,
            }
        )
    originals = [i for i in doc["indicators"] if i["code"] in ("I01", "I22")]
    for k in range(EXTRA_INDICATORS):
        extra = copy.deepcopy(originals[k % 2])
        extra["code"] = f"Z{k:02d}"
        extra["name"] = {"zh": f"{extra['name']['zh']}（副本{k}）", "en": f"{extra['name']['en']} (copy {k})"}
        doc["indicators"].append(extra)
    path = tmp_path / "bigger.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copy(SEED_TEXT, tmp_path / SEED_TEXT.name)
    return path


@pytest.fixture(scope="module")
def _big_plan(_module_sample, django_db_blocker, tmp_path_factory) -> Iterator[int]:
    """The bigger plan with its sample, loaded once for the module beside the module's sampled seed
    plan (tests/conftest.py), in a transaction rolled back after the module; each test runs in a
    savepoint inside it, rolled back after the test."""
    with django_db_blocker.unblock(), transaction.atomic():
        big = load_plan_file(bigger_plan_file(tmp_path_factory.mktemp("bigger"))).plan
        load_sample(big)
        try:
            yield big.pk
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def two_plans(sampled, _big_plan):
    small, big = sampled, Plan.objects.get(pk=_big_plan)
    assert big.localities.filter(pilot=True).count() == small.localities.filter(pilot=True).count() + 5
    assert big.indicators.count() == small.indicators.count() + EXTRA_INDICATORS
    return small, big


def queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


PAGES = [
    "?year=2018",
    "localities/ZH/?year=2018",
    "indicators/I01/",
    "indicators/I01/data.csv",
    "indicators/I01/data.xlsx",
]


def test_query_counts_do_not_grow_with_localities_or_indicators(client, two_plans, cast):
    small, big = two_plans
    client.force_login(cast.vic)
    # The first view of the overview evaluates (no stored run yet): the same queries for both.
    first = [queries(client, f"/plans/{p.code}/dashboard/?year=2018") for p in (small, big)]
    assert EvaluationRun.objects.filter(plan=small).count() == 1
    assert EvaluationRun.objects.filter(plan=big).count() == 1
    assert first[0] == first[1], first
    counts = {}
    for tail in PAGES:
        counts[tail] = [queries(client, f"/plans/{p.code}/dashboard/{tail}") for p in (small, big)]
    # the map's measure of an indicator, fetched when chosen: one query on the run's rows
    runs = [EvaluationRun.objects.get(plan=p, year=2018).pk for p in (small, big)]
    counts["measure"] = [
        queries(client, f"/plans/{p.code}/dashboard/measures/{run}/I01.json")
        for p, run in zip((small, big), runs, strict=True)
    ]
    assert all(a == b for a, b in counts.values()), counts
    # Later views read the stored run: no evaluation, a handful of queries.
    assert counts["?year=2018"][0] <= 16, counts
    # Two runs per plan: 2018 for the overview, 2019 (the latest year with accepted values) for the
    # region row of the indicator page; every later view reuses them.
    assert EvaluationRun.objects.count() == 4


def test_a_page_that_asks_for_a_run_does_not_grow_either(client, two_plans, cast, settings):
    """On the database backend (production) the first view asks the job runner for the run and
    shows the notice: no evaluation in the request, the same queries for both plans, and a view
    while the job waits asks for nothing more."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    small, big = two_plans
    client.force_login(cast.vic)
    first = [queries(client, f"/plans/{p.code}/dashboard/?year=2018") for p in (small, big)]
    again = [queries(client, f"/plans/{p.code}/dashboard/?year=2018") for p in (small, big)]
    assert not EvaluationRun.objects.exists()
    assert first[0] == first[1] and again[0] == again[1], (first, again)
    # 20 asking (the job and its task, in one transaction with its savepoints), 12 waiting
    assert again[0] < first[0] <= 20, (first, again)
