"""Every edit form of the product, opened on saved values and saved unchanged in real Chromium, in
Chinese and in English, changes nothing in the database.

A browser drops what an input cannot hold (a date input given "2020/03/31" shows an empty field and
posts an empty value), so only a real browser shows whether a form gives back what it was given.
A new edit form belongs in FORMS below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from planwatch.ledgers import services as ledgers
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting import workflow as wf
from planwatch.reporting.sample import yearly_period
from planwatch.supervision import actions
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Columns a save may touch without changing anything a user entered.
VOLATILE = {"updated_at", "last_login"}


def database() -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of PlanWatch's own tables and of the users by its key (an id, or a plan's for a
    table keyed by its plan), but for the volatile columns."""
    out = {}
    for model in apps.get_models():
        if model.__module__.startswith("planwatch.") or model is get_user_model():
            key = model._meta.pk.attname
            rows = model.objects.order_by("pk").values()
            out[model._meta.label] = {
                row[key]: {k: v for k, v in row.items() if k not in VOLATILE} for row in rows
            }
    return out


def changes(
    before: dict[str, dict[Any, dict[str, Any]]], after: dict[str, dict[Any, dict[str, Any]]]
) -> list[str]:
    out = []
    for label, rows in after.items():
        old, new = before[label], rows
        out += [f"{label} #{pk} added: {new[pk]}" for pk in new.keys() - old.keys()]
        out += [f"{label} #{pk} removed" for pk in old.keys() - new.keys()]
        for pk in old.keys() & new.keys():
            diff = {k: (old[pk][k], new[pk][k]) for k in new[pk] if old[pk][k] != new[pk][k]}
            if diff:
                out.append(f"{label} #{pk} changed: {diff}")
    return out


@dataclass(frozen=True)
class Form:
    """An edit form: who opens it, where, and the button that saves it."""

    name: str
    user: str
    url: Callable[[SimpleNamespace], str]
    save: str


FORMS = [
    Form("period dates", "alice", lambda s: f"manage/periods/{s.period.code}/", "button[name=dates]"),
    Form(
        "ledger row",
        "zoe",
        lambda s: f"ledgers/{s.project.ledger.code}/items/{s.project.pk}/edit/",
        ".ledger-form button.primary",
    ),
    Form(
        "ledger row, stage of its own",
        "zoe",
        lambda s: f"ledgers/{s.platform.ledger.code}/items/{s.platform.pk}/edit/",
        ".ledger-form button.primary",
    ),
    Form(
        "milestone",
        "zoe",
        lambda s: f"supervision/ZH/2018/?edit={s.milestone.pk}",
        "form.milestone-form button.primary",
    ),
    Form("values", "zoe", lambda s: "report/ZH/2018/", "#entry-form button.secondary[value=save]"),
    Form("user", "alice", lambda s: f"users/{s.zoe.pk}/", "form.form-grid button.primary"),
]


@pytest.fixture
def saved(plan, cast):  # type: ignore[no-untyped-def]
    """Saved values in every kind of field: dates, decimals, choices, text."""
    period = yearly_period(plan, 2020)
    period.due_on, period.locks_on = dt.date(2021, 3, 31), dt.date(2021, 4, 15)
    period.save()
    zh = plan.localities.get(code="ZH")
    projects = ledgers.get_ledger(plan, ledgers.INVESTMENT_PROJECTS)
    project = ledgers.save_item(
        cast.zoe,
        LedgerItem(
            ledger=projects,
            locality=zh,
            name="高端装备产业园",
            investment=Decimal("12345.5"),
            signed_on=dt.date(2017, 3, 31),
            started_on=dt.date(2017, 12, 1),
            attributes={"investor": "某集团"},
        ),
    )
    platforms = ledgers.get_ledger(plan, "innovation_platforms")
    platform = LedgerItem(ledger=platforms, locality=zh, name="智能装备研究院", attributes={"level": "省级"})
    platform.set_stage_date("recognized", dt.date(2018, 6, 30))
    platform = ledgers.save_item(cast.zoe, platform)
    action_plan = actions.open_action_plan(cast.zoe, plan, zh, 2018)
    milestone = actions.add_milestone(
        cast.zoe,
        action_plan,
        actions.MilestoneData(
            task=plan.tasks.order_by("order").first(),
            title="建成示范车间",
            starts_on=dt.date(2018, 2, 1),
            due_on=dt.date(2018, 9, 30),
            order=2,
        ),
    )
    p2018 = yearly_period(plan, 2018)
    wf.save_values(
        cast.zoe,
        zh,
        p2018,
        [
            wf.Entry(plan.indicators.get(code="I07"), Decimal("10"), expected_version=0),
            wf.Entry(plan.indicators.get(code="I22"), Decimal("12.5"), expected_version=0),
        ],
    )
    return SimpleNamespace(
        period=period, project=project, platform=platform, milestone=milestone, zoe=cast.zoe
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_edit_form_saved_unchanged_changes_nothing(page, live_server, plan, saved, language):  # type: ignore[no-untyped-def]
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    user = None
    for form in FORMS:
        if form.user != user:
            page.context.clear_cookies(name="sessionid")
            log_in(page, live_server, form.user)
            user = form.user
        page.goto(f"{live_server.url}/plans/{plan.code}/{form.url(saved)}")
        # What the server wrote into each input, the browser kept (it empties a value it cannot hold).
        dropped = page.evaluate(
            """() => [...document.querySelectorAll('input[value]:not([type=hidden])')]
                .filter(i => i.getAttribute('value') !== '' && i.value !== i.getAttribute('value'))
                .map(i => `${i.name}: ${i.getAttribute('value')} → ${i.value}`)"""
        )
        assert not dropped, f"{form.name} ({language}): the browser dropped {dropped}"
        before = database()
        with page.expect_navigation():
            page.click(form.save)
        assert not page.locator(".has-error, .errorlist, .message.error").count(), (
            f"{form.name} ({language}) refused its own values"
        )
        assert changes(before, database()) == [], f"{form.name} ({language}) changed the database"
    screenshot(page, f"round-trip-{language}")
    assert not page.console_errors
