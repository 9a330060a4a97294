"""Chinese pages in Chinese: every page of the demo, as every role sees it in zh-hans, holds no English
word, code identifier or doubled character outside a short allow-list.

The scan walks the demo as each role: from the landing page it follows every link on the site (a few
of each kind of page: the same template with another indicator says nothing new), reads the text a
reader sees — the page's words and the titles, placeholders, labels and button values beside them —
and collects every run of Latin letters. Codes (I01, C01), units, file formats and proper names are
allowed; what a user typed (a username, a file name) is data, not interface, and is marked
``translate="no"`` where it shows — the HTML attribute that says “not words to translate” — as a
command line is ``<code>``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from planwatch.bulletins.services import build_bulletin
from planwatch.evaluation.runs import parameters_from_options
from planwatch.plans.models import Plan

# The pages' words are the same on either database: read once (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.once]

# Each role's own pages: the administrator sees every page the province reviewer and the viewer see.
ROLES = ["admin", "lead_dst", "zhuhai_reporter", "zhuhai_approver"]

# Words a Chinese official reads as they are: codes and formats, units, the product's own name.
ALLOWED = {
    # file formats and standards
    "Excel",
    "XLSX",
    "xlsx",
    "DOCX",
    "docx",
    "PDF",
    "pdf",
    "CSV",
    "csv",
    "Word",
    "API",
    "JSON",
    "YAML",
    "URL",
    "ID",
    "OpenAPI",
    "SHA",
    "UTC",
    "Token",
    # units and economic terms used as they are in Chinese official writing
    "GDP",
    "R",
    "D",
    "km",
    "kWh",
    "MB",
    "OLED",
    # file name extensions in a list of the formats accepted
    "doc",
    "jpeg",
    "jpg",
    "ofd",
    "png",
    "xls",
    # methods and software by their names
    "TOPSIS",
    "numpy",
    "NumPy",
    # the product and the language switch
    "PlanWatch",
    "English",
}
CODE = re.compile(r"^[A-Z]{1,4}\d*(?:[.\-]\d+)*[A-Za-z]?$")  # I01, C01, T1.1, PW02, ZH, ZH-001, LGOV
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]")
FINGERPRINT = re.compile(r"\b[0-9a-f]*\d[0-9a-f]*\b")  # a data version's hash, whole or its first digits
DOUBLED = re.compile(r"(已已|的的|了了|在在|和和|是是|未未|不不)")

SKIP = ("/admin/", "/api/", "/static/", "/i18n/", "/accounts/logout", "/logout")
DOWNLOADS = (".xlsx", ".docx", ".pdf", ".csv", ".json", ".yaml", ".txt", "download", "export", "status.json")
PER_KIND = 2  # pages of the same kind (the same view) read per role
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


@pytest.fixture(scope="module")
def _demo(_module_plan, django_db_blocker, tmp_path_factory) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo as `make demo` makes it, and a draft bulletin of 2019: made once for the module over
    its plan (tests/conftest.py), in a transaction rolled back after the module; each role's crawl
    runs in a savepoint inside it, rolled back after the test (a page that writes, as the first view
    of a dashboard does, writes for that role only)."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("load_sample")
        call_command(
            "create_periods", "--year", "2020", "--due-on", (date.today() + timedelta(days=60)).isoformat()
        )
        call_command("demo_user", "--with-roles")
        admin = get_user_model().objects.get(username="admin")
        params = parameters_from_options(sensitivity=False)
        build_bulletin(Plan.objects.get(pk=_module_plan), "2019", formats=["xlsx"], user=admin, params=params)
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def demo(plan, _demo):  # type: ignore[no-untyped-def]
    return plan


def visible_text(html: str) -> list[str]:
    """The words a reader sees: text outside scripts and styles and outside translate="no", and the
    attributes a browser shows beside the element."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "code", "kbd"]):
        tag.decompose()
    for tag in soup.select('[translate="no"]'):
        tag.decompose()
    body = soup.body or soup
    pieces = [s for s in body.stripped_strings]
    for tag in body.find_all(True):
        pieces += [str(tag[a]) for a in SHOWN_ATTRIBUTES if tag.has_attr(a)]
        if tag.name == "input" and tag.get("type") in ("submit", "button") and tag.has_attr("value"):
            pieces.append(str(tag["value"]))
    if soup.title and soup.title.string:
        pieces.append(soup.title.string)
    return pieces


def offences(pieces: list[str], names: set[str]) -> list[str]:
    """English words and doubled characters in `pieces`; the users' own `names` are proper names."""
    found = []
    for piece in pieces:
        for word in LATIN.findall(FINGERPRINT.sub(" ", piece)):
            if word in ALLOWED or word in names or CODE.match(word):
                continue
            found.append(f"{word!r} in {piece[:80]!r}")
        found += [f"doubled {m!r} in {piece[:80]!r}" for m in DOUBLED.findall(piece)]
    return found


def links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(a["href"]) for a in soup.find_all("a", href=True)]


def crawl(client: Client) -> dict[str, list[str]]:
    """Every kind of page reachable by links from the landing page, a few of each: offences by URL."""
    queue, seen, per_view = ["/"], {"/"}, Counter[str]()
    found: dict[str, list[str]] = defaultdict(list)
    names = set(get_user_model().objects.values_list("username", flat=True))
    while queue:
        url = queue.pop(0)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if bad := offences(visible_text(html), names):
            found[url] += bad
        for href in links(html):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if href in seen or parts.path.startswith(SKIP) or any(d in href for d in DOWNLOADS):
                continue
            seen.add(href)
            try:
                view = resolve(parts.path).view_name
            except Resolver404:
                continue
            if per_view[view] >= PER_KIND:
                continue
            per_view[view] += 1
            queue.append(href)
    return found


@pytest.mark.parametrize("username", ROLES)
def test_every_page_in_chinese_is_in_chinese(demo, username):  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(get_user_model().objects.get(username=username))
    found = crawl(client)
    report = "\n".join(f"{url}\n    " + "\n    ".join(sorted(set(bad))) for url, bad in sorted(found.items()))
    assert not found, f"English or code on Chinese pages ({username}):\n{report}"
