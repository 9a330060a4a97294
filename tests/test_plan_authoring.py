"""Authoring a plan in the browser's pages (planwatch/web/authoring.py, planwatch/plans/authoring.py):
the province administrator uploads a plan file and its source text; a bad file shows every problem
with its place and writes nothing; a good one shows a preview and what it changes in the loaded
version; publishing loads it as `load_plan` does, with one audit event."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planwatch.kernel.models import AuditEvent
from planwatch.plans import authoring
from planwatch.plans.models import Plan, PlanVersion, TargetRevision
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.test_dashboard_views import in_english

pytestmark = pytest.mark.django_db

CODED = Path(__file__).resolve().parent / "plans" / "coded_cities.yaml"
SOURCE = "一、主要任务\n1．培育骨干企业。到2020年，培育骨干企业50家以上，其中韶关市{n}家。（省工业和信息化厅，各市政府）\n"
URL = "/plan-file/"


def coded(n: int = 20, extra: str = "") -> str:
    """The test plan with its source text in a file of its own, 韶关's target `n`."""
    text = CODED.read_text(encoding="utf-8")
    head, rest = text.split("  source_text: |\n", 1)
    rest = rest.split("localities:", 1)[1]
    text = head + "  source_text_file: coded.source.txt\nlocalities:" + rest
    return (
        text.replace(
            "value: 20, source: {clause: 一1, quote: 其中韶关市20家}",
            f"value: {n}, source: {{clause: 一1, quote: 其中韶关市{n}家}}",
        )
        + extra
    )


def upload(client, plan_text: str, source: str | None, url: str = URL):  # type: ignore[no-untyped-def]
    files = {"action": "check", "plan_file": SimpleUploadedFile("coded.yaml", plan_text.encode("utf-8"))}
    if source is not None:
        files["source_text"] = SimpleUploadedFile("coded.source.txt", source.encode("utf-8"))
    return client.post(url, files)


I02 = """- code: I02
  name: {zh: 培育骨干企业（新增）, en: Backbone enterprises (added)}
  unit: 家
  kind: cumulative_count
  aggregation: sum
  tasks: [T1]
  source: {clause: 一1, quote: 到2020年，培育骨干企业50家以上}
"""


def test_only_the_province_administrator_loads_plan_files(client, cast):
    for user in (cast.pat, cast.zoe, cast.vic):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert upload(client, coded(), SOURCE.format(n=20)).status_code == 403
    assert not Plan.objects.filter(code="coded-cities-2020").exists()


def test_a_bad_file_shows_every_problem_with_its_place_and_writes_nothing(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.alice)
    in_english(client)
    bad = (
        coded()
        .replace("lead: DIIT", "lead: NOPE")
        .replace("{code: 440224, pilot: true", "{code: 449999, pilot: true")
    )
    page = upload(client, bad, SOURCE.format(n=20)).content.decode()
    assert 'id="problems"' in page and 'id="preview"' not in page and 'id="publish"' not in page
    # the division code first (the loader stops at the stage that has problems), with its line
    line = bad.splitlines().index(next(x for x in bad.splitlines() if "449999" in x)) + 1
    assert f'<td class="num line">{line}</td>' in page and "localities[5].code" in page
    assert "unknown administrative division code 449999" in page
    fixed = bad.replace("449999", "440224")
    page = upload(client, fixed, SOURCE.format(n=20)).content.decode()
    assert "task_groups[0].tasks[0].lead" in page and "unknown unit &#x27;NOPE&#x27;" in page
    # a source text that does not hold the quotes: each quote named
    page = upload(client, coded(), "另一段文字\n").content.decode()
    assert page.count('class="problem"') >= 3 and "quote not found verbatim" in page
    assert not Plan.objects.filter(code="coded-cities-2020").exists()
    assert not list((tmp_path / authoring.STAGE_DIR).glob("*/*"))  # nothing kept of a rejected upload


def test_a_new_plan_previews_and_publishes_audited(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.alice)
    in_english(client)
    page = upload(client, coded(), SOURCE.format(n=20)).content.decode()
    assert 'id="preview"' in page and 'id="diff-new"' in page and 'id="publish"' in page
    assert 'data-locality="440224"' in page and "仁化县" in page  # the localities by their codes, filled in
    assert not Plan.objects.filter(code="coded-cities-2020").exists()  # checking wrote nothing
    assert not AuditEvent.objects.filter(type__startswith="plan.", plan_code="coded-cities-2020").exists()
    token = client.session["plan_upload"]
    response = client.post(URL, {"action": "publish", "token": token})
    assert response.status_code == 302 and response["Location"] == "/plans/coded-cities-2020/"
    plan = Plan.objects.get(code="coded-cities-2020")
    assert plan.version == 1 and PlanVersion.objects.get(plan=plan).file_name == "coded.yaml"
    event = AuditEvent.objects.get(type="plan.create", plan_code=plan.code)
    assert event.actor_name == "alice" and event.source == "web"
    # the same token cannot publish twice
    again = client.post(URL, {"action": "publish", "token": token}).content.decode()
    assert "upload it again" in again and Plan.objects.get(code=plan.code).version == 1


def test_a_new_version_shows_its_diff_with_the_values_it_touches(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.alice)
    in_english(client)
    upload(client, coded(), SOURCE.format(n=20))
    client.post(URL, {"action": "publish", "token": client.session["plan_upload"]})
    plan = Plan.objects.get(code="coded-cities-2020")
    period = yearly_period(plan, 2020)
    ReportedValue.objects.create(
        indicator=plan.indicators.get(code="I01"),
        locality=plan.localities.get(code="440200"),
        period=period,
        value=Decimal(12),
        status="accepted",
    )
    # unchanged: nothing to publish
    page = upload(client, coded(), SOURCE.format(n=20)).content.decode()
    assert 'id="diff-unchanged"' in page and 'id="publish"' not in page
    # 韶关's target 20 → 25 (the text says 25 now), an indicator added
    v2 = coded(25, I02)
    page = upload(client, v2, SOURCE.format(n=25), url=f"/plans/{plan.code}/plan-file/").content.decode()
    assert "version 1 → version 2" in page
    row = page.split('data-indicator="I01" data-scope="440200" data-year="2020"')[1].split("</tr>")[0]
    assert '<td class="num old">20' in row and "<strong>25" in row
    assert "1 reported value (1 accepted) is measured against it" in row
    assert 'class="added" data-indicator="I02"' in page
    client.post(
        f"/plans/{plan.code}/plan-file/", {"action": "publish", "token": client.session["plan_upload"]}
    )
    plan.refresh_from_db()
    assert plan.version == 2 and plan.indicators.filter(code="I02").exists()
    revision = TargetRevision.objects.get(target__locality__code="440200")
    assert (revision.old_value, revision.new_value) == (Decimal(20), Decimal(25))
    assert AuditEvent.objects.filter(type="plan.update", plan_code=plan.code, actor_name="alice").count() == 1


def test_the_database_checks_are_the_loaders_own(client, cast, settings, tmp_path):
    """Removing an indicator that values refer to is refused at the check, as load_plan refuses it."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.alice)
    in_english(client)
    upload(client, coded(20, I02), SOURCE.format(n=20))
    client.post(URL, {"action": "publish", "token": client.session["plan_upload"]})
    plan = Plan.objects.get(code="coded-cities-2020")
    period = yearly_period(plan, 2020)
    ReportedValue.objects.create(
        indicator=plan.indicators.get(code="I02"),
        locality=plan.localities.get(code="440500"),
        period=period,
        value=1,
    )
    page = upload(client, coded(20), SOURCE.format(n=20)).content.decode()
    assert 'id="problems"' in page and "was removed from the file but data still refers to it" in page
    plan.refresh_from_db()
    assert plan.version == 1 and plan.indicators.filter(code="I02").exists()


def test_a_checked_upload_nobody_publishes_is_let_go_after_a_day(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.alice)
    in_english(client)
    upload(client, coded(), SOURCE.format(n=20))
    old = authoring.staged(client.session["plan_upload"])
    assert old is not None
    day_ago = time.time() - authoring.STAGE_HOURS * 3600 - 60
    folder = tmp_path / authoring.STAGE_DIR / old.token
    os.utime(folder / old.file_name, (day_ago, day_ago))
    client.logout()
    client.force_login(cast.alice)  # another session checks a file: the old upload goes
    upload(client, coded(), SOURCE.format(n=20))
    assert not folder.exists() and authoring.staged(client.session["plan_upload"]) is not None


def test_a_checked_upload_lives_in_the_file_storage_not_on_the_web_server(client, cast, settings, tmp_path):
    """Checked on one web server, published on another: the upload is kept in default_storage (an
    in-memory store here, an S3-compatible one in production), nothing under MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    client.force_login(cast.alice)
    upload(client, coded(), SOURCE.format(n=20))
    token = client.session["plan_upload"]
    found = authoring.staged(token)
    assert found is not None and set(found.files) == {"coded.yaml", "coded.source.txt"}
    assert not any(tmp_path.iterdir())
    response = client.post(URL, {"action": "publish", "token": token})
    assert response.status_code == 302 and Plan.objects.filter(code="coded-cities-2020").exists()
    assert authoring.staged(token) is None  # let go once published
