"""Logins like a bank's: lockout after failed logins, 12-character passwords everywhere, a password
page that revokes API tokens, an idle session timeout, expiring tokens, and HTTPS settings under
which `check --deploy` is clean."""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from planwatch.accounts.actions import Account, save_user
from planwatch.accounts.models import ApiToken, Profile
from planwatch.core.errors import PlanWatchError
from planwatch.kernel.models import AuditEvent

PLANS_API = "/api/v1/plans"
LOGIN = "/login/"


def log_in(client: Client, password: str, username: str = "bob") -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


# --- lockout ------------------------------------------------------------------------------------


def test_the_right_password_is_refused_after_too_many_wrong_ones_until_the_cool_off(bob: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong-password-1").status_code == 200
        assert not signed_in(client)
    locked = log_in(client, "wrong-password-1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    refused = log_in(client, "bob-password")
    assert refused.status_code == 429 and not signed_in(client)
    # From another address too: the lockout is the user's, not the address's.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert log_in(other, "bob-password").status_code == 429 and not signed_in(other)
    # The cool-off passes.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(client, "bob-password").status_code == 302 and signed_in(client)


def test_a_successful_login_resets_the_count(bob: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password-1")
    assert log_in(client, "bob-password").status_code == 302
    client.logout()
    assert log_in(client, "wrong-password-1").status_code == 200  # one failure, not the limit's
    assert log_in(client, "bob-password").status_code == 302


def test_another_users_failures_do_not_lock_bob_out(bob: Any, alice: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong-password-1", username="alice")
    assert log_in(client, "bob-password").status_code == 302


# --- passwords: 12 characters at least, every path -------------------------------------------------


def test_settings_ask_for_twelve_characters() -> None:
    assert any("12" in text for text in password_validators_help_texts())


def test_the_users_page_refuses_a_short_password(cast: Any, client: Client, plan: Any) -> None:
    client.force_login(cast.alice)
    url = reverse("accounts:user_new", kwargs={"code": plan.code})
    response = client.post(url, {"username": "ann", "role": "viewer", "password": "short-pw-1"})
    assert response.status_code == 200
    assert "密码太短" in response.content.decode()
    assert not Profile.objects.filter(user__username="ann").exists()
    response = client.post(url, {"username": "ann", "role": "viewer", "password": "a-long-password-1"})
    assert response.status_code == 302


@pytest.mark.parametrize("password", ["short-pw-1", "123456789012345", "password1234"])
def test_create_user_refuses_a_weak_password(plan: Any, password: str) -> None:
    with pytest.raises(CommandError, match=r"(?s)密码.*\n.*\bpassword\b"):
        call_command("create_user", username="ann", password=password, role="viewer")


def test_demo_user_refuses_a_short_password_and_takes_the_demo_one(plan: Any) -> None:
    with pytest.raises(CommandError, match="too short"):
        call_command("demo_user", username="admin", password="demo")
    call_command("demo_user", username="admin", password="planwatch-demo")


def test_save_user_refuses_a_short_password(cast: Any) -> None:
    with pytest.raises(PlanWatchError):
        save_user(cast.alice, Account("ann", Profile.Role.VIEWER, password="eleven-char"))


# --- the password page ------------------------------------------------------------------------------


def test_every_signed_in_user_finds_the_password_page_in_the_menu(
    cast: Any, client: Client, plan: Any
) -> None:
    client.force_login(cast.vic)
    page = client.get(reverse("web:plan", kwargs={"code": plan.code})).content.decode()
    # The user's name in the top bar leads there (the bar keeps one row at 1366 pixels).
    assert (
        f'<a class="who" href="{reverse("web:password_change")}" title="修改密码" translate="no">vic</a>'
        in page
    )
    form = client.get(reverse("web:password_change"))
    assert form.status_code == 200 and "旧密码" in form.content.decode()


def test_the_password_page_asks_for_a_login(client: Client, db: None) -> None:
    assert client.get(reverse("web:password_change"))["Location"].startswith(LOGIN)


def change_password(client: Client, old: str, new: str, again: str | None = None) -> Any:
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("web:password_change"), data)


def test_changing_ones_password_revokes_ones_tokens_and_is_audited(
    bob: Any, alice: Any, client: Client
) -> None:
    _, bobs = ApiToken.issue(bob, "script")
    _, alices = ApiToken.issue(alice, "script")
    client.force_login(bob)
    response = change_password(client, "bob-password", "a-new-long-password")
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a-new-long-password")
    follow = client.get(response["Location"])  # still signed in, told it is done
    assert follow.status_code == 200 and "API" in follow.content.decode()
    assert Client().get(PLANS_API, headers=bearer(bobs)).status_code == 401
    assert Client().get(PLANS_API, headers=bearer(alices)).status_code == 200
    event = AuditEvent.objects.get(type="user.password_change")
    assert (event.actor, event.subject_label) == (bob, "bob")
    assert event.new == {"tokens_revoked": [ApiToken.objects.get(user=bob).prefix]}
    assert "a-new-long-password" not in str(event.new)
    assert AuditEvent.objects.filter(type="token.revoke").count() == 0  # one event for the change


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("bob-password", "short-pw-1", None, "密码太短"),
        ("wrong-password", "a-new-long-password", None, "旧密码不正确"),
        ("bob-password", "a-new-long-password", "another-long-password", "两个密码不一致"),
    ],
)
def test_the_password_page_refuses(
    bob: Any, client: Client, old: str, new: str, again: Any, message: str
) -> None:
    _, raw = ApiToken.issue(bob, "script")
    client.force_login(bob)
    response = change_password(client, old, new, again)
    assert response.status_code == 200 and message in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password("bob-password")
    assert Client().get(PLANS_API, headers=bearer(raw)).status_code == 200
    assert not AuditEvent.objects.exists()


def test_the_administrator_setting_a_password_revokes_the_users_tokens(cast: Any) -> None:
    _, raw = ApiToken.issue(cast.zoe, "script")
    account = Account("zoe", Profile.Role.LOCALITY_REPORTER, locality=cast.zoe.profile.locality)
    save_user(cast.alice, account, editing=cast.zoe)  # no new password: the token lives on
    assert Client().get(PLANS_API, headers=bearer(raw)).status_code == 200
    save_user(
        cast.alice, Account(**{**account.__dict__, "password": "a-new-long-password"}), editing=cast.zoe
    )
    assert Client().get(PLANS_API, headers=bearer(raw)).status_code == 401
    event = AuditEvent.objects.filter(type="user.update").latest("pk")
    assert event.new["password_changed"] and len(event.new["tokens_revoked"]) == 1


def test_a_password_changed_anywhere_else_revokes_the_tokens_too(bob: Any) -> None:
    """The Django admin and `changepassword` save the user with set_password(), like this."""
    token, raw = ApiToken.issue(bob, "script")
    bob.set_password("a-new-long-password")
    bob.save()
    assert Client().get(PLANS_API, headers=bearer(raw)).status_code == 401
    event = AuditEvent.objects.get(type="user.password_change")
    assert (event.source, event.new["tokens_revoked"], event.subject_label) == (
        "system",
        [token.prefix],
        "bob",
    )
    assert "a-new-long-password" not in str(event.new)


def test_changepassword_is_audited_once(bob: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-long-password-9")
    call_command("changepassword", "bob", stdout=io.StringIO())
    assert AuditEvent.objects.filter(type="user.password_change", subject_label="bob").count() == 1


# --- tokens expire -------------------------------------------------------------------------------


def test_a_token_expires_after_the_configured_days(bob: Any) -> None:
    token, _ = ApiToken.issue(bob, "script")
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - timedelta(days=settings.PLANWATCH_API_TOKEN_DAYS)) < timedelta(seconds=5)
    short, _ = ApiToken.issue(bob, "short", days=7)
    assert short.expires_at - short.created_at < timedelta(days=7, seconds=5)


def test_an_expired_token_is_refused(bob: Any, plan: Any) -> None:
    token, raw = ApiToken.issue(bob, "script")
    assert Client().get(PLANS_API, headers=bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(PLANS_API, headers=bearer(raw))
    assert response.status_code == 401 and response.json()["errors"][0]["kind"] == "unauthenticated"


def test_create_token_takes_days_and_says_the_expiry(bob: Any, capsys: Any) -> None:
    call_command("create_token", "--user", "bob", "--days", "30")
    token = ApiToken.objects.get(user=bob)
    assert f"valid until {token.expires_at:%Y-%m-%d}" in capsys.readouterr().err
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("create_token", "--user", "bob", "--days", "0")


# --- idle sessions ---------------------------------------------------------------------------------


def test_a_session_ends_after_an_idle_hour_and_at_browser_close() -> None:
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_request_renews_the_session_once_a_minute_and_an_idle_one_is_refused(
    bob: Any, plan: Any, monkeypatch: Any
) -> None:
    client = Client()
    assert log_in(client, "bob-password").status_code == 302
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    page = reverse("web:plan", kwargs={"code": plan.code})
    assert client.get(page).status_code == 200  # within a minute of the login: not written again
    assert Session.objects.get(pk=session.pk).expire_date < timezone.now() + timedelta(minutes=1)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(page).status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("web:plan", kwargs={"code": plan.code}))["Location"].startswith(LOGIN)


def test_a_renewal_the_database_cannot_take_leaves_the_page_answered(
    bob: Any, plan: Any, monkeypatch: Any, caplog: Any
) -> None:
    """A long job holding SQLite's write lock made a renewal fail (database is locked) and with it
    the page (400, SessionInterrupted): the renewal is at best, the page answers, the next renews."""
    client = Client()
    assert log_in(client, "bob-password").status_code == 302
    page = reverse("web:plan", kwargs={"code": plan.code})
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)

    def locked(self: Any, must_create: bool = False) -> None:
        raise OperationalError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(SessionStore, "save", locked)
        assert client.get(page).status_code == 200
    assert "session not renewed: database is locked" in caplog.text
    assert client.get(page).status_code == 200  # renewed now
    session = Session.objects.get()
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


# --- production settings: HTTPS, HSTS, secure cookies, CSP -----------------------------------------------


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PLANWATCH_"))}
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "planwatch.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "planwatch.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://planwatch.example.org",
            "PLANWATCH_HTTPS": "1",
            "PLANWATCH_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
        | extra
    )


def planwatch_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("planwatch")
    return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path: Path) -> None:
    result = planwatch_command("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_https(tmp_path: Path) -> None:
    env = production_env(tmp_path, PLANWATCH_HTTPS="0")
    result = planwatch_command("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_settings_from_the_environment(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_AGE, s.PLANWATCH_API_TOKEN_DAYS, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    )
    env = production_env(
        tmp_path,
        PLANWATCH_IDLE_MINUTES="20",
        PLANWATCH_API_TOKEN_DAYS="30",
        PLANWATCH_LOGIN_FAILURES="3",
        PLANWATCH_LOCKOUT_MINUTES="30",
    )
    result = planwatch_command("shell", "-c", code, env=env)
    assert result.stdout.splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "31536000",
        "1200",
        "30",
        "3",
        "0:30:00",
    ]


def test_every_page_carries_a_content_security_policy(client: Client, bob: Any, plan: Any) -> None:
    client.force_login(bob)
    policy = client.get(reverse("web:plan", kwargs={"code": plan.code}))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    """The policy runs no inline script: data goes in json_script, behaviour in static files."""
    root = Path(__file__).resolve().parent.parent / "planwatch"
    inline = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")\b)[^>]*>|\son[a-z]+=\"", re.I)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
