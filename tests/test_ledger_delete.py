"""Deleting a ledger row: only a draft, never submitted and so never counted, by those who write its
locality; the audit keeps what it was; its evidence files go with it; any other row is refused and
stays (cancel it through its status instead). Role by role, on the function and the web page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.core.errors import IllegalTransition, NotAllowed
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerItem
from tests.audit import events
from tests.test_ledger_derive import add

R = LedgerItem.Review
PDF = b"%PDF-1.4\n% sample notice\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


@pytest.fixture
def draft(cast, ledger):
    return add(cast.zoe, ledger, "ZH", "录错的项目", signed=dt.date(2018, 3, 1))


def delete_url(plan, ledger, item):  # type: ignore[no-untyped-def]
    return reverse("ledgers:delete", args=[plan.code, ledger.code, item.pk])


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("zoe", True),
        ("zack", True),
        ("alice", True),
        ("fred", False),
        ("pat", False),
        ("vic", False),
        ("lena", False),
    ],
)
def test_who_may_delete_a_draft(cast, draft, who, allowed):
    user = getattr(cast, who)
    assert services.may_delete(user, draft) is allowed
    if allowed:
        services.delete_item(user, draft)
        assert not LedgerItem.objects.filter(pk=draft.pk).exists()
    else:
        with pytest.raises(NotAllowed):
            services.delete_item(user, draft)
        assert LedgerItem.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("review", [R.SUBMITTED, R.APPROVED, R.ACCEPTED, R.RETURNED])
def test_a_row_that_went_into_the_workflow_stays(cast, draft, review):
    LedgerItem.objects.filter(pk=draft.pk).update(review=review)
    draft.refresh_from_db()
    assert not services.may_delete(cast.zoe, draft)
    with pytest.raises(IllegalTransition, match="只有从未提交的草稿可以删除"):
        services.delete_item(cast.zoe, draft)
    assert LedgerItem.objects.filter(pk=draft.pk).exists()


def test_the_audit_keeps_what_it_was_and_the_files_go(
    cast, ledger, draft, media, django_capture_on_commit_callbacks
):
    services.attach_evidence(cast.zoe, draft, SimpleUploadedFile("合同.pdf", PDF))
    stored = Path(media) / draft.evidence.get().file.name
    assert stored.exists()
    pk = draft.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_item(cast.zack, draft)

    entry = events(kind="ledger_row", verb="delete").get()
    assert entry.subject_id == str(pk) and entry.actor == cast.zack
    assert entry.old["name"] == "录错的项目"
    # the row's history stays when the row goes: create, evidence, delete
    assert [e.verb for e in events(kind="ledger_row", subject_id=str(pk))] == ["create", "attach", "delete"]
    assert not LedgerItem.objects.filter(pk=pk).exists()
    assert not stored.exists()


def test_deleting_a_duplicate_clears_the_flag_of_its_twin(cast, ledger, draft):
    twin = add(cast.zoe, ledger, "ZH", "录错的项目", signed=dt.date(2018, 5, 1))
    twin.refresh_from_db()
    assert twin.duplicate_flag
    services.delete_item(cast.zoe, draft)
    twin.refresh_from_db()
    assert not twin.duplicate_flag


def test_the_item_page_offers_it_and_the_list_says_it_is_gone(client, plan, cast, ledger, draft):
    item_url = reverse("ledgers:item", args=[plan.code, ledger.code, draft.pk])
    client.force_login(cast.fred)
    assert "删除草稿" not in client.get(item_url).content.decode()
    assert client.post(delete_url(plan, ledger, draft)).status_code in (302, 404)
    assert LedgerItem.objects.filter(pk=draft.pk).exists()

    client.force_login(cast.zoe)
    page = client.get(item_url).content.decode()
    assert "删除此草稿" in page
    response = client.post(delete_url(plan, ledger, draft), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ledgers:list", args=[plan.code, ledger.code])
    assert "草稿“录错的项目”已删除。" in response.content.decode()
    assert not LedgerItem.objects.filter(pk=draft.pk).exists()


def test_the_page_refuses_a_submitted_row_with_the_reason(client, plan, cast, ledger, draft):
    services.submit_item(cast.zoe, draft)
    client.force_login(cast.zoe)
    assert (
        "删除此草稿"
        not in client.get(reverse("ledgers:item", args=[plan.code, ledger.code, draft.pk])).content.decode()
    )
    response = client.post(delete_url(plan, ledger, draft), follow=True)
    assert "只有从未提交的草稿可以删除" in response.content.decode()
    assert LedgerItem.objects.filter(pk=draft.pk).exists()


def test_only_post(client, plan, cast, ledger, draft):
    client.force_login(cast.zoe)
    assert client.get(delete_url(plan, ledger, draft)).status_code == 405
