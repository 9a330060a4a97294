"""The ledger pages Chinese first like the rest of the app: the form of a row labels and explains its
fields through translations (model verbose names and help texts), laid out like the app's other forms;
an item's history lists what changed, field by field, not a raw dict."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.functional import Promise

from planwatch.ledgers import services
from planwatch.ledgers.forms import ItemForm
from planwatch.ledgers.models import LedgerItem
from tests.test_ledger_derive import add

D = dt.date


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


def test_every_field_of_the_form_is_labelled_through_a_translation():
    for name in ItemForm.Meta.fields:
        field = LedgerItem._meta.get_field(name)
        assert isinstance(field.verbose_name, Promise), name  # gettext_lazy, not a bare string
        assert field.help_text == "" or isinstance(field.help_text, Promise), name


def test_the_form_in_english_with_labels_help_and_the_apps_layout(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ledgers:add", args=[plan.code, ledger.code])).content.decode()
    assert 'href="/static/ledgers/ledgers.css"' in html and 'class="ledger-form"' in html
    for label in ("Locality", "Key field", "Name", "Identifier", "Investment", "Status", "Notes"):
        assert f'">{label}</label>' in html, label
    for stage in ("Signed", "Started"):  # the stage dates are named by the ledger's stages
        assert f'">{stage}</label>' in html, stage
    assert "Unified social credit code or project code." in html
    assert "Total investment, 10,000 yuan (万元)." in html
    assert 'class="field required' in html  # the name is required, and marked so


def test_the_form_in_chinese_names_the_stages_in_chinese(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    html = client.get(reverse("ledgers:add", args=[plan.code, ledger.code])).content.decode()
    for stage in ("签约", "开工", "投产"):
        assert f'">{stage}</label>' in html, stage
    assert "Signed on" not in html and "Producing on" not in html


def test_an_invalid_post_shows_the_errors_beside_the_fields(client, plan, cast, ledger):
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    zh = plan.localities.get(code="ZH")
    url = reverse("ledgers:add", args=[plan.code, ledger.code])
    page = client.post(url, {"locality": zh.pk, "name": "", "status": "active", "signed_on": "2018-13-40"})
    assert page.status_code == 200 and not LedgerItem.objects.exists()
    html = page.content.decode()
    assert html.count('class="field') and "has-error" in html and "errorlist" in html


def test_history_lists_the_changed_fields(client, plan, cast, ledger):
    item = add(cast.zoe, ledger, "ZH", "旧名称项目", signed=D(2018, 1, 1))
    item.name = "新名称项目"
    item.investment = 30000
    services.save_item(cast.zoe, item)
    services.submit_item(cast.zoe, item)
    client.force_login(cast.zoe)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("ledgers:item", args=[plan.code, ledger.code, item.pk])).content.decode()
    assert "<li>Name: 旧名称项目 → 新名称项目</li>" in html
    assert "<li>Investment: 20000 → 30000</li>" in html
    assert "<li>Review: Draft → Submitted</li>" in html
    assert "&#x27;name&#x27;" not in html and "{&#x27;" not in html  # no raw dict
