"""Migration bulletins/0003_issuing: the bulletins made before issuing existed become drafts, without a
number (their per-plan serial was the numbering bug), their series read from their period, their
files marked out of date."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from planwatch.evaluation.runs import parameters_from_options, run_evaluation

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bulletins", "0002_bulletin_files")]
AFTER = [("bulletins", "0003_issuing")]


@pytest.fixture
def latest_after() -> Iterator[None]:
    """The database left at the latest migrations (the later tests of this worker need their tables:
    a run left at 0003 had no bulletin preview)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_old_bulletins_become_drafts_without_a_number(plan, latest_after):
    from planwatch.demo.sample import load_sample

    load_sample(plan)
    run = run_evaluation(plan, 2019, params=parameters_from_options(sensitivity=False))
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("bulletins", "Bulletin")
    common = {
        "plan_id": plan.pk,
        "run_id": run.pk,
        "data_version": {},
        "data_hash": run.data_hash,
        "as_of": "2020-03-01",
        "title": "通报",
    }
    old.objects.create(period_code="2019", year=2019, serial=2, **common)  # the bug: 2019's first, 第2期
    old.objects.create(period_code="2019Q3", year=2019, serial=3, **common)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("bulletins", "Bulletin")
    rows = sorted(new.objects.values_list("period_code", "state", "number", "series", "files_current"))
    assert rows == [("2019", "draft", None, "yearly", False), ("2019Q3", "draft", None, "quarterly", False)]
