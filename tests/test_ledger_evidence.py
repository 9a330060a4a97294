"""Evidence files on ledger rows: the same checks as for values (kind, size, real content), attached
by those who may write the row, downloadable only by those who may read it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.core.errors import NotAllowed
from planwatch.ledgers import services
from planwatch.ledgers.models import LedgerEvidence
from tests.audit import events
from tests.test_ledger_derive import add

PDF = b"%PDF-1.4\n% sample notice\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


@pytest.fixture
def row(cast, ledger):
    return add(cast.zoe, ledger, "ZH", "示例项目 01", signed=dt.date(2018, 3, 1))


def _upload(client, plan, ledger, row, name, content):  # type: ignore[no-untyped-def]
    url = reverse("ledgers:upload_evidence", args=[plan.code, ledger.code, row.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_attach_and_download_within_scope(client, plan, cast, ledger, row):
    client.force_login(cast.zoe)
    page = _upload(client, plan, ledger, row, "合同.pdf", PDF)
    assert "合同.pdf" in page.content.decode()
    evidence = LedgerEvidence.objects.get()
    assert (evidence.item, evidence.size, evidence.content_type) == (row, len(PDF), "application/pdf")
    assert events(row, verb="attach", comment="合同.pdf").exists()
    url = reverse("ledgers:evidence", args=[plan.code, ledger.code, row.pk, evidence.pk])
    assert b"".join(client.get(url).streaming_content) == PDF

    for who in ("fred", "vic", "pat"):  # another locality; others while the row is a draft
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == 404, who
    services.submit_item(cast.zoe, row)
    for who in ("vic", "pat", "alice"):
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == 200, who
    client.force_login(cast.fred)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("notice.exe", b"MZ...", "not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "not really a .pdf"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_files_are_refused(client, plan, cast, ledger, row, name, content, why, settings):  # type: ignore[no-untyped-def]
    client.force_login(cast.zoe)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _upload(client, plan, ledger, row, name, content)
    assert why in page.content.decode()
    assert not LedgerEvidence.objects.exists()


def test_size_limit(client, plan, cast, ledger, row, settings):  # type: ignore[no-untyped-def]
    settings.PLANWATCH_EVIDENCE_MAX_BYTES = 1024
    client.force_login(cast.zoe)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _upload(client, plan, ledger, row, "big.pdf", PDF + b"0" * 2048)
    assert "the limit is 0 MB" in page.content.decode()
    assert not LedgerEvidence.objects.exists()


def test_only_writers_attach(client, plan, cast, ledger, row):
    services.submit_item(cast.zoe, row)
    for who, status in (("vic", 403), ("pat", 403), ("fred", 404)):
        client.force_login(getattr(cast, who))
        url = reverse("ledgers:upload_evidence", args=[plan.code, ledger.code, row.pk])
        assert client.post(url, {"file": SimpleUploadedFile("a.pdf", PDF)}).status_code == status, who
    with pytest.raises(NotAllowed):
        services.attach_evidence(cast.fred, row, SimpleUploadedFile("a.pdf", PDF))
    assert not LedgerEvidence.objects.exists()
