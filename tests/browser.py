"""Real Chromium for the browser tests: Debian's chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to run
    # here unless told that the test's own database access is intended.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # An uncaught exception with where it was thrown, so that a rare one can be traced from CI's log.
    page.on(
        "pageerror", lambda exc: errors.append(f"{exc} [{page.url}] {(exc.stack or '').splitlines()[1:4]}")
    )
    page.console_errors = errors
    yield page
    # Let the requests a page still makes end before the test's database is emptied: a query of the
    # live server's still running then would lock the in-memory database (SQLite) under the flush.
    with contextlib.suppress(PlaywrightError):  # a page that never goes quiet: closing ends its requests
        page.wait_for_load_state("networkidle", timeout=5000)
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, username: str, password: str = "") -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real form (the cast's passwords are `<username>-password`)."""
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or f"{username}-password")
    page.click("button[type=submit].primary")


def log_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("form[action$='/logout/'] button")
    page.wait_for_selector("input[name=username]")
