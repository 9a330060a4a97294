"""Pages kept while the data have not changed (planwatch.web.kept): the same user asking the same
page again is answered from the cache — three queries — until an action writes an audit event, the
date turns, the language changes, or a message waits; never another user's page, never a page that
says a newer run is coming; a kept form carries the asking session's own CSRF token and posts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import planwatch
from planwatch.accounts.actions import issue_token
from planwatch.accounts.models import ApiToken
from planwatch.dashboards import data
from planwatch.kernel.models import Job
from planwatch.web import kept

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sampled")]

KEPT_QUERIES = 3  # the session, the user, the data mark


@pytest.fixture(autouse=True)
def keeping(settings):
    """Pages kept, as in production (the test settings keep nothing)."""
    settings.PLANWATCH_CACHE_SECONDS = 300
    caches["pages"].clear()
    caches["default"].clear()
    yield
    caches["pages"].clear()
    caches["default"].clear()


def asked(client: Client, url: str, **extra: str) -> tuple[int, bytes, int]:
    """The page's status, body and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response.status_code, response.content, len(queries)


def overview(plan) -> str:
    return reverse("dashboards:overview", args=[plan.code])


def kept_after_two(client: Client, url: str) -> bytes:
    """The page, asked until kept: the first view sets the CSRF cookie, the second keeps the page,
    the third is the kept page: the same page."""
    client.get(url)
    _, made, _ = asked(client, url)
    status, again, queries = asked(client, url)
    assert status == 200 and queries == KEPT_QUERIES
    assert without_tokens(again) == without_tokens(made)  # each answer has a fresh mask of the token
    return again


def without_tokens(page: bytes) -> bytes:
    return kept.CSRF_INPUT.sub(rb"\1\2", page)


def test_the_same_page_again_is_kept_until_an_action_changes_the_data(client, plan, cast):
    client.force_login(cast.pat)
    kept_after_two(client, overview(plan))
    issue_token(cast.alice, cast.vic, "a script")  # any action: its audit event is a new data mark
    assert asked(client, overview(plan))[2] > KEPT_QUERIES  # made again


@pytest.mark.parametrize("name", ["overview", "locality", "indicator", "entry", "ledger", "api"])
def test_each_kept_page_is_kept(client, plan, cast, name):
    year = data.latest_accepted_year(plan)
    url = {
        "overview": overview(plan),
        "locality": reverse("dashboards:locality", args=[plan.code, "ZH"]) + f"?year={year}",
        "indicator": reverse("dashboards:indicator", args=[plan.code, "I01"]),
        "entry": reverse("reporting:entry", args=[plan.code, "ZH", str(year)]),
        "ledger": reverse("ledgers:list", args=[plan.code, plan.ledger_types.order_by("id").first().code]),
        "api": f"/api/v1/plans/{plan.code}/values?period={year}&limit=100",
    }[name]
    client.force_login(cast.zack)
    kept_after_two(client, url)


def test_another_user_gets_their_own_page(client, plan, cast):
    client.force_login(cast.zack)
    zacks = kept_after_two(client, overview(plan))
    other = Client()
    other.force_login(cast.vic)
    status, vics, queries = asked(other, overview(plan))
    assert status == 200 and queries > KEPT_QUERIES
    assert b'translate="no">vic</a>' in vics and b'translate="no">vic</a>' not in zacks
    assert b'translate="no">zack</a>' in zacks


def test_a_signed_out_session_gets_the_login_page(client, plan, cast):
    client.force_login(cast.pat)
    kept_after_two(client, overview(plan))
    client.logout()
    response = client.get(overview(plan))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_language_and_the_date_are_part_of_the_key(client, plan, cast, monkeypatch):
    client.force_login(cast.pat)
    chinese = kept_after_two(client, overview(plan))
    client.cookies["django_language"] = "en"
    status, english, queries = asked(client, overview(plan))
    assert status == 200 and queries > KEPT_QUERIES and english != chinese
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert asked(client, overview(plan))[2] > KEPT_QUERIES


def test_a_waiting_message_is_shown_on_a_page_made_for_it(client, plan, cast):
    client.force_login(cast.pat)
    kept_after_two(client, overview(plan))
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "已保存：测试消息")])
    status, page, queries = asked(client, overview(plan))
    assert status == 200 and "已保存：测试消息" in page.decode() and queries > KEPT_QUERIES
    status, page, _ = asked(client, overview(plan))
    assert "已保存：测试消息" not in page.decode()  # shown once, not kept


def test_a_page_saying_a_newer_run_is_coming_is_not_kept(client, plan, cast, monkeypatch):
    waiting = Job(state=Job.State.QUEUED)
    monkeypatch.setattr(data.evaluation_jobs, "request_run", lambda plan, year: waiting)
    data.DashboardRun.objects.all().delete()
    client.force_login(cast.pat)
    for _ in range(3):
        status, _page, queries = asked(client, overview(plan))
        assert status == 200 and queries > KEPT_QUERIES


def test_a_kept_form_posts_from_another_session_of_the_same_user(plan, cast):
    """Zoe's entry form kept in one browser is answered to her second browser with that session's
    own CSRF token: its save is accepted (Django checks the token against the session's cookie)."""
    url = reverse("reporting:entry", args=[plan.code, "ZH", "2018"])
    first = Client(enforce_csrf_checks=True)
    first.force_login(cast.zoe)
    kept_after_two(first, url)
    second = Client(enforce_csrf_checks=True)
    second.force_login(cast.zoe)
    status, page, queries = asked(second, url)
    assert status == 200 and queries == KEPT_QUERIES
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode())
    assert token is not None
    response = second.post(url, {"csrfmiddlewaretoken": token.group(1), "action": "save"})
    assert response.status_code in (200, 302)
    assert kept.CSRF_MARK not in page


def test_a_template_holds_a_csrf_token_only_by_the_tag():
    """The kept pages give each session its own token where Django's {% csrf_token %} put one:
    no template may hold a token another way."""
    root = Path(planwatch.__file__).parent
    for template in root.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8").replace("{% csrf_token %}", "")
        assert "csrf" not in text.lower(), template


def test_an_api_token_is_checked_on_every_request(client, plan, cast):
    token, raw = ApiToken.issue(cast.pat, "script")
    url = f"/api/v1/plans/{plan.code}/values?period=2018&limit=10"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    asked(client, url, **auth)
    assert asked(client, url, **auth)[2] == 2  # the token checked, the data mark
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(url, **auth).status_code == 401


def test_only_the_named_views_are_kept():
    assert "dashboards:overview" in kept.KEPT_VIEWS
    assert all(":" in name for name in kept.KEPT_VIEWS)


# --- found by review: who a page is kept for ------------------------------------------------------


def test_a_foreign_token_sent_with_a_page_does_not_file_it_under_its_user(plan, cast):
    """Zack's browser sends Pat's API token too (a proxy, an extension): the page is Zack's, made
    and kept for Zack; Pat never sees it."""
    _, raw = ApiToken.issue(cast.pat, "script")
    zack = Client()
    zack.force_login(cast.zack)
    for _ in range(2):
        page = zack.get(overview(plan), HTTP_AUTHORIZATION=f"Bearer {raw}").content
        assert b'translate="no">zack</a>' in page
    pat = Client()
    pat.force_login(cast.pat)
    assert b'translate="no">zack</a>' not in pat.get(overview(plan)).content


def test_a_token_alone_never_opens_a_page(plan, cast):
    """Pages are for signed-in sessions: a request with only a token goes to the login page, even
    after the token's user has a kept page."""
    _, raw = ApiToken.issue(cast.pat, "script")
    pat = Client()
    pat.force_login(cast.pat)
    kept_after_two(pat, overview(plan))
    assert Client().get(overview(plan), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 302


def test_the_api_with_a_session_and_a_token_answers_the_tokens_user(plan, cast):
    _, raw = ApiToken.issue(cast.pat, "script")
    url = f"/api/v1/plans/{plan.code}/values?period=2018&limit=10"
    zack = Client()
    zack.force_login(cast.zack)
    both = [zack.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").content for _ in range(3)]
    assert both[0] == both[1] == both[2] == Client().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").content


def test_the_key_holds_the_host_so_a_next_page_link_is_the_askers(plan, cast, settings):
    settings.ALLOWED_HOSTS = ["testserver", "intranet.example", "public.example"]
    pat = Client()
    pat.force_login(cast.pat)
    url = f"/api/v1/plans/{plan.code}/values?period=2018&limit=1"
    for _ in range(2):
        pat.get(url, HTTP_HOST="intranet.example")
    link = pat.get(url, HTTP_HOST="public.example", secure=True)["Link"]
    assert "https://public.example/" in link and "intranet" not in link


def test_a_large_answer_is_not_kept(plan, cast, monkeypatch):
    monkeypatch.setattr(kept, "KEPT_MAX_BYTES", 1000)
    pat = Client()
    pat.force_login(cast.pat)
    for _ in range(2):
        pat.get(overview(plan))
    assert asked(pat, overview(plan))[2] > KEPT_QUERIES
