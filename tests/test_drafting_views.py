"""新方案起草, the drafting page (planwatch/web/drafting.py): the province uploads a document, reviews
the draft beside its source text, and saves a plan file; others may not. Pat reviews at the province,
Zoe reports for 珠海."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.core.drafting.extract import draft
from planwatch.core.planfile import parse_plan_text
from planwatch.kernel.models import AuditEvent
from planwatch.plans.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "plans" / "pearl_river_west_2017.source.txt").read_text(encoding="utf-8")


def url(plan):
    return reverse("web:drafting", args=[plan.code])


def flagged_items(text: str) -> list[str]:
    result = draft(text)
    keys = ["header"] if result.header.evidence.needs_review else []
    keys += [f"locality-{i}" for i, x in enumerate(result.localities) if x.evidence.needs_review]
    keys += [f"unit-{i}" for i, x in enumerate(result.units) if x.evidence.needs_review]
    keys += [f"task-{i}" for i, x in enumerate(result.tasks()) if x.evidence.needs_review]
    keys += [f"target-{i}" for i, x in enumerate(result.targets) if x.evidence.needs_review]
    keys += [f"dimension-{i}" for i, x in enumerate(result.dimensions) if x.evidence.needs_review]
    return keys


def save(client, plan, **fields):
    return client.post(
        url(plan), {"step": "save", "document_name": "seed.txt", "source_text": SEED, **fields}
    )


def test_only_the_province_drafts(client, plan, cast):
    client.force_login(cast.zoe)
    assert client.get(url(plan)).status_code == 403
    client.force_login(cast.pat)
    page = client.get(url(plan)).content.decode()
    assert 'type="file"' in page
    periods = client.get(reverse("manage:periods", args=[plan.code])).content.decode()
    assert f'href="{url(plan)}"' in periods  # a tab of the province's management pages


def test_upload_shows_the_text_beside_the_draft(client, plan, cast):
    client.force_login(cast.pat)
    response = client.post(url(plan), {"document": SimpleUploadedFile("seed.txt", SEED.encode())})
    page = response.content.decode()
    assert response.status_code == 200
    result = draft(SEED)
    sentences = {t.evidence.start for t in result.targets}
    assert page.count("<mark id=") == len(sentences) == 14  # every sentence with a target, highlighted
    assert page.count('<span id="src-task-') == 18  # where each task's paragraph starts
    assert 'name="target-0:value" value="800"' in page
    assert page.count('class="flagged"') == len(flagged_items(SEED))
    assert 'href="#src-' in page


@pytest.mark.parametrize(("content", "message"), [(b"", "文件为空"), (b"\x00\x01" * 50, "二进制")])
def test_a_bad_upload_is_refused_with_a_message(client, plan, cast, content, message):
    client.force_login(cast.pat)
    response = client.post(url(plan), {"document": SimpleUploadedFile("bad.txt", content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and message in page and "Traceback" not in page


def test_unresolved_items_block_saving_and_say_why(client, plan, cast):
    client.force_login(cast.pat)
    response = save(client, plan)
    page = response.content.decode()
    assert response.status_code == 200 and response.get("Content-Disposition") is None
    assert 'id="blockers"' in page
    assert "尚待核对" in page and "原文此句未写年份" in page


def test_checked_items_save_a_plan_file_that_loads(client, plan, cast):
    client.force_login(cast.pat)
    checks = {f"{key}:checked": "on" for key in flagged_items(SEED)}
    response = save(client, plan, **checks)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="draft.yaml"'
    text = response.content.decode()
    assert "review:" not in text.replace("`review:`", "")
    document = parse_plan_text(text)
    assert len(document.all_tasks()) == 18
    assert {loc.name.zh for loc in document.localities if loc.pilot} == {
        "珠海市",
        "佛山市",
        "中山市",
        "江门市",
        "阳江市",
        "肇庆市",
        "顺德区",
    }


def test_edit_and_reject(client, plan, cast):
    client.force_login(cast.pat)
    checks = {f"{key}:checked": "on" for key in flagged_items(SEED)}
    result = draft(SEED)
    by_value = {(t.value, t.unit): i for i, t in enumerate(result.targets) if t.scope == "region"}
    projects = by_value[(800, "个")]
    started = by_value[(700, "个")]
    design = by_value[(4, "个")]
    edits = {
        f"target-{projects}:name": "新引进投资超1亿元装备制造业项目数",
        f"target-{started}:action": "reject",
        f"target-{design}:value": "5",
    }
    response = save(client, plan, **checks, **edits)
    document = parse_plan_text(response.content.decode())
    names = {i.name.zh: i for i in document.indicators}
    assert "新引进投资超1亿元装备制造业项目数" in names
    values = [t.value for i in document.indicators for t in i.targets]
    assert 700 not in values and 5 in values


def test_merging_the_same_indicator_named_twice(client, plan, cast):
    client.force_login(cast.pat)
    text = SEED.replace(
        "到2019年，培育4个国家级工业设计中心、10个省级工业设计中心。",
        "到2019年，培育4个国家级工业设计中心、10个省级工业设计中心。到2019年，国家级工业设计中心达到4个。",
    )
    result = draft(text)
    twice = [i for i, t in enumerate(result.targets) if t.value == 4 and t.unit == "个"]
    assert len(twice) == 2
    checks = {f"{key}:checked": "on" for key in flagged_items(text)}
    response = client.post(
        url(plan),
        {
            "step": "save",
            "document_name": "x.txt",
            "source_text": text,
            **checks,
            f"target-{twice[1]}:merge_into": str(twice[0]),
        },
    )
    document = parse_plan_text(response.content.decode())
    fours = [t for i in document.indicators for t in i.targets if t.value == 4]
    assert len(fours) == 1  # the same target stated twice is one


def test_the_administrator_checks_the_draft_as_a_plan_file_and_publishes_it(client, plan, cast):
    """On from the draft to 方案文件: the same checks and preview as an uploaded file, then published
    as a plan of its own, audited; the province reviewer, who loads no plan file, may not."""
    checks = {f"{key}:checked": "on" for key in flagged_items(SEED)}
    client.force_login(cast.pat)
    assert save(client, plan, then="publish", **checks).status_code == 403
    client.force_login(cast.alice)
    page = save(client, plan, then="publish", **checks)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="publish-form"' in html, html[-3000:]
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    published = client.post(reverse("web:plan_file", args=[plan.code]), {"action": "publish", "token": token})
    assert published.status_code == 302
    drafted = Plan.objects.exclude(pk=plan.pk).get()
    assert drafted.pilot_units().count() == 7 and published["Location"].endswith(f"/plans/{drafted.code}/")
    assert AuditEvent.objects.filter(type="plan.create", plan_code=drafted.code, actor=cast.alice).exists()
