"""Backups (docs/deployment.md, "Backups and restore"): a plan loaded into a scratch database, dumped
with `pg_dump -Fc`, restored with `pg_restore` into a second one, holds the same rows, and its audit
log's hash chain is whole. PostgreSQL only."""

from __future__ import annotations

import pytest

from tests.scratch_postgres import POSTGRES_ONLY, ROOT, planwatch, row_counts, run, scratch_database

# transaction: no test transaction holds the test database, which the scratch ones are copied from
pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
MAIN_TABLES = [
    "plans_plan",
    "plans_planversion",
    "plans_locality",
    "plans_indicator",
    "plans_target",
    "kernel_auditevent",
    "django_migrations",
]


def test_pg_dump_and_pg_restore_round_trip(tmp_path):
    with scratch_database() as original, scratch_database(empty=True) as restored:
        planwatch(original, "load_plan", str(SEED_PLAN))
        dump = tmp_path / "planwatch.dump"
        run("pg_dump", "-Fc", "--no-owner", "-d", original, "-f", str(dump))
        run("pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump))
        before, after = row_counts(original, MAIN_TABLES), row_counts(restored, MAIN_TABLES)
        assert before == after
        assert before["plans_plan"] == 1 and before["plans_indicator"] == 35 and before["plans_target"] > 0
        assert before["kernel_auditevent"] >= 1
        assert "intact" in planwatch(restored, "verify_audit")  # the hash chain survived the copy
