"""An ordinary refusal (403) is one line in the server log, without traceback; a 500 keeps its traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from planwatch.core.errors import NotAllowed
from planwatch.web.logs import OneLineRefusals


def _not_allowed(request: HttpRequest) -> HttpResponse:
    raise NotAllowed("不属于你的地区", "not of your locality")


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-refusal/not-allowed/", _not_allowed),
    path("test-refusal/broken/", _broken),
    path("", include("planwatch.urls")),
]


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_permission_denied_is_one_line(client, plan, cast, caplog):
    client.force_login(cast.zoe)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        address = reverse("manage:periods", args=[plan.code])
        assert client.get(address).status_code == 403
    [record] = _request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and record.exc_text is None
    line = record.getMessage()
    assert "\n" not in line and "Traceback" not in caplog.text
    assert (
        line == f"Forbidden: GET {address} user=zoe reason=只有省级用户可以管理填报期、修订申请和审计日志。"
    )


def test_a_not_allowed_is_one_line_with_its_reason(test_urls, client, cast, caplog):
    client.force_login(cast.zack)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.post("/test-refusal/not-allowed/").status_code == 403
    [record] = _request_records(caplog)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Forbidden: POST /test-refusal/not-allowed/ user=zack reason=不属于你的地区 / not of your locality"
    )
    assert "Traceback" not in caplog.text


def test_an_anonymous_refusal_names_no_one(test_urls, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get("/test-refusal/not-allowed/").status_code == 403
    [record] = _request_records(caplog)
    assert "user=anonymous" in record.getMessage()


def test_a_server_error_keeps_its_traceback(test_urls, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client(raise_request_exception=False).get("/test-refusal/broken/").status_code == 500
    [record] = _request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text and "a bug" in caplog.text


def test_the_line_keeps_its_reason_when_the_filter_meets_it_twice():
    """Two handlers (or a logging set up again) may each run the filter on one record."""
    try:
        raise PermissionDenied("不属于你的地区")
    except PermissionDenied:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Forbidden (Permission denied): %s",
            ("/x/",),
            sys.exc_info(),
        )
    record.status_code = 403
    OneLineRefusals().filter(record)
    OneLineRefusals().filter(record)
    assert record.getMessage().endswith("reason=不属于你的地区")
