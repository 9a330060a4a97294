"""The Django admin shows workflow data, users, tokens and the audit log, and changes none of them:
a value edited there would bypass its workflow, its version and its audit event."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from planwatch.accounts.actions import issue_token
from planwatch.accounts.models import ApiToken
from planwatch.kernel.models import AuditEvent
from planwatch.ledgers.models import LedgerItem
from planwatch.plans.models import Target
from planwatch.reporting.models import Period, ReportedValue
from planwatch.reporting.sample import load_sample_values
from planwatch.supervision.models import ActionPlan, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db

READ_ONLY = [
    AuditEvent,
    ReportedValue,
    Period,
    LedgerItem,
    ActionPlan,
    Milestone,
    ProgressUpdate,
    Target,
    ApiToken,
    get_user_model(),
]


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_the_admin_adds_changes_and_deletes_nothing(model, alice):
    request = RequestFactory().get("/admin/")
    request.user = alice  # a superuser
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_value_is_read_in_the_admin_but_not_edited_nor_deleted(client, plan, alice):
    load_sample_values(plan)
    value = ReportedValue.objects.filter(indicator__plan=plan).first()
    events = AuditEvent.objects.count()
    client.force_login(alice)
    assert client.get(reverse("admin:reporting_reportedvalue_changelist")).status_code == 200
    change = reverse("admin:reporting_reportedvalue_change", args=[value.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(change, {"value": "999999", "status": "accepted"}).status_code == 403
    delete = reverse("admin:reporting_reportedvalue_delete", args=[value.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ReportedValue.objects.get(pk=value.pk).value == value.value
    assert AuditEvent.objects.count() == events


def test_the_audit_log_user_and_token_pages_open_for_browsing(client, alice):
    issue_token(alice, alice, "script")
    client.force_login(alice)
    event = AuditEvent.objects.get()
    for url in [
        reverse("admin:kernel_auditevent_changelist"),
        reverse("admin:kernel_auditevent_change", args=[event.pk]),
        reverse("admin:auth_user_change", args=[alice.pk]),
        reverse("admin:accounts_apitoken_changelist"),
    ]:
        assert client.get(url).status_code == 200, url
    assert (
        client.post(reverse("admin:kernel_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
