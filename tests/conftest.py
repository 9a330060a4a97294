"""Shared fixtures: the shipped plan, loaded into the test database, and a small cast of users."""

from __future__ import annotations

from pathlib import Path

import pytest

from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"


@pytest.fixture
def plan(db) -> Plan:
    return load_plan_file(SEED_PLAN).plan


@pytest.fixture
def alice(django_user_model):
    """Alice administers PlanWatch at the province."""
    return django_user_model.objects.create_superuser("alice", "alice@example.org", "alice-password")


@pytest.fixture
def bob(django_user_model):
    """Bob is an ordinary signed-in user who reads the plan."""
    return django_user_model.objects.create_user("bob", "bob@example.org", "bob-password")


pytest_plugins = ["tests.browser"]
