"""The breakdown table of many pilot units in real Chromium (issue 18, national size): a lead unit
pages through 80 counties 50 at a time, saves a target on the second page and stays there, finds a
county by its name; the totals under the table count every county, and page 1's targets are kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from planwatch.accounts.models import Profile
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Target
from tests.browser import screenshot
from tests.test_browser_reporting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_unit_pages_through_a_breakdown_of_many_units(page, live_server, tmp_path, django_user_model):
    path = tmp_path / "synth80.yaml"
    call_command("synth_plan", localities=80, indicators=3, years=3, seed=3, provinces=True, output=str(path))
    plan = load_plan_file(path).plan
    call_command("load_sample", plan=plan.code)
    ind = plan.indicators.get(code="I001")
    lead = django_user_model.objects.create_user("lead", "lead@example.org", "lead-password")
    Profile.objects.create(user=lead, role=Profile.Role.LEAD_UNIT, unit=ind.lead_unit)
    before = {(t.locality_id, t.year): t.value for t in ind.targets.filter(locality__isnull=False)}

    log_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/plans/{plan.code}/breakdown/I001/")
    rows = page.locator("#breakdown-table tr[data-locality]")
    assert rows.count() == 50
    assert "1–50" in page.locator("#units-pages").inner_text()
    page.click("#units-pages a[rel=next]")
    page.wait_for_url("**page=2")
    assert rows.count() == 30

    # A target of page 2 changed and saved: the same page again, the change kept, page 1 untouched.
    cell = page.locator("#breakdown-table input.target[name$='-2022']").nth(4)
    name = cell.get_attribute("name") or ""
    code = name.split("-")[1]
    stored = Target.objects.get(indicator=ind, locality__code=code, year=2022)
    cell.fill(str(stored.value + 7))
    page.click("#save")
    page.wait_for_selector(".messages")
    assert "page=2" in page.url and rows.count() == 30
    assert Decimal(page.locator(f"input[name='{name}']").input_value()) == stored.value + 7
    after = {(t.locality_id, t.year): t.value for t in ind.targets.filter(locality__isnull=False)}
    assert after == {**before, (stored.locality_id, 2022): stored.value + Decimal(7)}
    total = page.locator("#totals td[data-year='2022']").inner_text().split()[0]
    assert Decimal(total.replace(",", "")) == sum(v for (_, year), v in after.items() if year == 2022)
    screenshot(page, "breakdown-many-units-page-2")

    # A county found by its name: one row, its inputs.
    unit = plan.localities.filter(pilot=True).order_by("code")[12]
    page.fill("#units-q", unit.name_zh)
    page.click("#units-search button[type=submit]")
    page.wait_for_selector(f"#breakdown-table tr[data-locality='{unit.code}']")
    assert unit.code in [r.get_attribute("data-locality") for r in rows.all()]
    assert rows.count() < 5
    screenshot(page, "breakdown-many-units-found")

    # The reporting home of 80 units: the sums by province, then the units; a province's own.
    page.goto(f"{live_server.url}/plans/{plan.code}/report/")
    assert page.locator("#group-summary tr[data-area]").count() > 10
    assert page.locator(".progress-table:not(.group-table) tr[id^=locality-]").count() == 80
    province = unit.parent.parent
    page.click(f"#group-summary tr[data-area='{province.code}'] a")
    page.wait_for_url(f"**area={province.code}**")
    listed = page.locator(".progress-table:not(.group-table) tr[id^=locality-]")
    assert f"locality-{unit.code}" in [r.get_attribute("id") for r in listed.all()]
    assert listed.count() == plan.localities.filter(parent__parent=province, pilot=True).count()
    screenshot(page, "reporting-home-many-units")
    assert not page.console_errors
