"""The demo review's findings: the ledger row form, button styles, supervision messages, the
dashboard's sample label, dead URLs, the approver's link on the reporting home, the map colours.
The Chinese of new strings is in planwatch/locale/incoming/polish2.json, so the pages are read in
English where a new string is checked."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import planwatch
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.views import progress_of

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def projects(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


# --- 1. the ledger row form ---------------------------------------------------------------------


def test_the_only_writable_locality_is_preselected(client, plan, cast, projects):
    client.force_login(cast.zoe)
    html = client.get(reverse("ledgers:add", args=[plan.code, projects.code])).content.decode()
    select = re.search(r'<select name="locality".*?</select>', html, flags=re.S)
    assert select is not None
    zh = plan.localities.get(code="ZH")
    assert re.findall(r"<option[^>]*>", select.group(0)) == [f'<option value="{zh.pk}" selected>']


def test_a_missing_required_field_is_answered_by_the_server_beside_it(client, plan, cast, projects):
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    url = reverse("ledgers:add", args=[plan.code, projects.code])
    assert "novalidate" in client.get(url).content.decode()  # the browser lets the server answer
    page = client.post(url, {"name": "", "status": "active"}).content.decode()
    assert not LedgerItem.objects.exists()
    for name in ("locality", "name"):
        field = re.search(
            rf'<div class="field[^"]*has-error[^"]*">\s*<label for="id_{name}">.*?</div>', page, re.S
        )
        assert field is not None and "This field is required." in field.group(0), name


def test_every_problem_of_a_row_is_said_at_once_on_top_and_beside_its_field(client, plan, cast, projects):
    client.force_login(cast.zoe)
    zh = plan.localities.get(code="ZH")
    url = reverse("ledgers:add", args=[plan.code, projects.code])
    post = {
        "locality": zh.pk,
        "name": "",
        "status": "active",
        "investment": "-5",
        "signed_on": "2020-05-01",
        "started_on": "2020-03-01",
    }
    page = client.post(url, post).content.decode()
    assert not LedgerItem.objects.exists()
    top = page[page.index('id="form-problems"') : page.index("</nav>", page.index('id="form-problems"'))]
    said = text_of(top)
    assert "这个字段是必填项" in said and "总投资不能为负数" in said and "顺序" in said, said
    assert 'href="#id_name"' in top and 'href="#id_investment"' in top
    investment = re.search(
        r'<div class="field[^"]*has-error[^"]*">\s*<label for="id_investment">.*?</div>', page, re.S
    )
    assert investment is not None and "总投资不能为负数" in investment.group(0)


def test_the_form_notes_the_threshold_and_a_smaller_project_gets_a_message(client, plan, cast, projects):
    assert projects.threshold == 10000
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    url = reverse("ledgers:add", args=[plan.code, projects.code])
    assert "Only projects of at least 100 million yuan count" in text_of(client.get(url).content.decode())
    zh = plan.localities.get(code="ZH")
    post = {"locality": zh.pk, "name": "小项目", "status": "active", "investment": "5000"}
    page = client.post(url, post, follow=True).content.decode()
    assert LedgerItem.objects.get().investment == Decimal(5000)
    assert re.search(
        r'class="message warning">Total investment below 100 million yuan: the row is kept', page
    )
    post |= {"name": "大项目", "investment": "10000"}
    page = client.post(url, post, follow=True).content.decode()
    assert "Total investment below" not in page
    assert 'class="message success">Saved: 大项目' in page


def test_the_threshold_follows_the_ledger_type(client, plan, cast, projects):
    projects.threshold = Decimal(5000)
    projects.save()
    client.force_login(cast.zoe)
    url = reverse("ledgers:add", args=[plan.code, projects.code])
    assert "5000万元" in client.get(url).content.decode()  # the threshold in Chinese, in 万元 below 1亿


# --- 2. buttons styled like the app's -----------------------------------------------------------


@pytest.mark.parametrize(
    "template, button",
    [
        ("funnel.html", r'<button type="submit" class="primary"[^>]*>{% translate "Write these counts'),
        ("edit.html", r'<button type="submit" class="primary">{% translate "Save" %}'),
        ("item.html", r'<button name="action" value="submit" class="primary">'),
        ("item.html", r'<button type="submit" class="secondary">{% translate "Attach" %}'),
    ],
)
def test_ledger_buttons_have_the_apps_classes(template, button):
    source = (Path(planwatch.__file__).parent / "ledgers/templates/ledgers" / template).read_text("utf-8")
    assert re.search(button, source)


# --- 3. supervision: messages styled, the milestone's date error once with the field's label ---


def test_the_message_styles_are_in_the_shared_stylesheet():
    css = (Path(planwatch.__file__).parent / "web/static/planwatch/app.css").read_text(encoding="utf-8")
    assert ".message.success {" in css and ".message.warning {" in css


def test_a_milestone_added_shows_a_success_message(client, plan, cast):
    client.force_login(cast.zoe)
    task = plan.tasks.order_by("order").first()
    page = client.post(
        f"/plans/{plan.code}/supervision/ZH/2018/",
        {"task": task.code, "title": "示范车间", "due_on": "2018-03-31"},
        follow=True,
    ).content.decode()
    assert '<p class="message success">里程碑已添加' in page


def test_a_start_after_the_due_date_is_said_once_with_the_fields_label(client, plan, cast):
    client.force_login(cast.zoe)
    task = plan.tasks.order_by("order").first()
    data = {"task": task.code, "title": "示范车间", "starts_on": "2018-05-01", "due_on": "2018-03-31"}
    client.cookies["django_language"] = "en"
    page = client.post(f"/plans/{plan.code}/supervision/ZH/2018/", data).content.decode()
    assert text_of(page).count("“Starts on” is after “Due on”.") == 1
    assert "due date" not in page
    client.cookies["django_language"] = "zh-hans"
    page = client.post(f"/plans/{plan.code}/supervision/ZH/2018/", data).content.decode()
    assert "完成时限" not in page  # the form's label is 截止日期


# --- 4. the dashboard's sample caveat, said once ------------------------------------------------


def test_the_sample_caveat_names_itself_once():
    source = (Path(planwatch.__file__).parent / "dashboards/templates/dashboards/_run.html").read_text(
        "utf-8"
    )
    assert "示例数据" not in source and "Sample data" not in source  # the caveat's own text says it


# --- 5. dead URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/", "/api/v1/"])
def test_the_api_roots_lead_to_the_docs(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/api/v1/docs"


def test_manage_leads_to_the_plans_first_management_page(client, plan):
    first = reverse("manage:periods", args=[plan.code])
    assert client.get("/manage/")["Location"] == first
    assert client.get(f"/plans/{plan.code}/manage/")["Location"] == first


# --- 6. the approver's link on the reporting home -----------------------------------------------


def test_the_approver_reviews_their_locality_once_values_are_submitted(plan, cast, period):
    zh = plan.localities.get(code="ZH")
    today = period.starts_on

    def label(user):  # type: ignore[no-untyped-def]
        with translation.override("en"):
            rows = progress_of(plan, period, user, today)
        return next(r.link_label for r in rows if r.locality == zh)

    assert label(cast.zack) == label(cast.zoe) == "Fill in"
    indicator = wf.required_indicators(period).first()
    ReportedValue.objects.create(
        indicator=indicator,
        locality=zh,
        period=period,
        value=Decimal(1),
        status=ReportedValue.Status.SUBMITTED,
    )
    assert label(cast.zack) == "Review values"
    assert label(cast.zoe) == "Fill in"  # the reporter still fills in
    assert label(cast.pat) == "Review values"


# --- 7. the bulletin's map in the dashboard's colours -------------------------------------------


def test_the_bulletins_map_scale_is_the_dashboards():
    from planwatch.core.bulletin.charts import MAP_SCALE

    js = (Path(planwatch.__file__).parent / "dashboards/static/dashboards/dashboards.js").read_text("utf-8")
    scale = re.search(r"var SCALE = \[(.*?)\];", js)
    assert scale is not None
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', scale.group(1))) == MAP_SCALE
