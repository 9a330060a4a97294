"""Changing users and their API tokens: one action each for the users page and the commands, each
change audited (who changed whose role, scope, password or token, when, through what)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from planwatch.accounts.models import ApiToken, Profile
from planwatch.accounts.passwords import audited_here
from planwatch.core.errors import PlanWatchError, refuse
from planwatch.kernel import audit


@dataclass(frozen=True)
class Account:
    """A user as the province administrator sets them up: name, contact, role and scope."""

    username: str
    role: str
    locality: Any = None
    unit: Any = None
    full_name: str = ""
    email: str = ""
    is_active: bool = True
    password: str = ""  # empty: keep the current one (a new user needs one)
    superuser: bool = False  # the Django admin's full rights (the demo's administrator)


def _problem(field: str, zh: str, en: str) -> PlanWatchError:
    error = PlanWatchError(zh, en)
    error.place = field
    return error


def _snapshot(user: Any, profile: Profile | None) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "active": user.is_active,
        "superuser": user.is_superuser,
        **(profile.snapshot() if profile else {"role": None, "locality": None, "unit": None}),
    }


def _password_problems(password: str, user: Any) -> list[PlanWatchError]:
    """What the validators (settings.AUTH_PASSWORD_VALIDATORS) say of a password, Chinese and English."""
    said: dict[str, list[str]] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                said[language] = list(exc.messages)
    pairs = zip(said.get("zh-hans", []), said.get("en", []), strict=True)
    return [_problem("password", zh, en) for zh, en in pairs]


def _plan_code(account: Account, plan: Any) -> str:
    scope = account.locality or account.unit
    return scope.plan.code if scope is not None else (plan.code if plan is not None else "")


@transaction.atomic
def save_user(
    actor: Any, account: Account, *, editing: Any = None, plan: Any = None, via: audit.Via = audit.WEB
) -> Any:
    """Create a user (editing None) or change one, with the role's scope checked and the password
    held to the validators; one audit event (`user.create` or `user.update`), saying whether the
    password changed but never what it is. A save that changes nothing writes nothing."""
    User = get_user_model()
    problems = [_problem(*p) for p in Profile.scope_problems(account.role, account.locality, account.unit)]
    if editing is None and not account.password:
        problems.append(_problem("password", "新用户须设置密码", "a new user needs a password"))
    taken = User.objects.filter(username=account.username)
    if editing is not None:
        taken = taken.exclude(pk=editing.pk)
    if taken.exists():
        problems.append(_problem("username", "该用户名已被使用", "this user name is taken"))
    if account.password:
        problems += _password_problems(account.password, editing)
    refuse(problems)
    user = editing or User(username=account.username)
    profile = Profile.objects.filter(user=user).first() if user.pk else None
    old = _snapshot(user, profile) if user.pk else None
    user.username = account.username
    user.first_name, _sep, user.last_name = account.full_name.partition(" ")
    user.email, user.is_active = account.email, account.is_active
    user.is_staff = user.is_superuser = account.superuser or (user.is_superuser and editing is not None)
    revoked: list[str] = []
    if account.password:
        user.set_password(account.password)
        revoked = ApiToken.revoke_all_of(user) if user.pk else []
    new_profile = Profile(user=user, role=account.role, locality=account.locality, unit=account.unit)
    if old is not None and old == _snapshot(user, new_profile) and not account.password:
        return user  # saved unchanged
    with audited_here():  # in the event below
        user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": account.role, "locality": account.locality, "unit": account.unit}
    )
    subject = audit.Subject("user", user.pk, user.username, plan=_plan_code(account, plan))
    new = {**_snapshot(user, new_profile), "password_changed": bool(account.password)}
    if revoked:
        new["tokens_revoked"] = revoked
    audit.record("user.update" if old else "user.create", actor, subject, via=via, old=old, new=new)
    return user


@transaction.atomic
def change_own_password(user: Any, form: Any, *, via: audit.Via = audit.WEB) -> Any:
    """A signed-in user's new password from Django's PasswordChangeForm (already valid: the old
    password right, the new one held to the validators): set, the user's API tokens revoked, one
    audit event `user.password_change` naming the revoked tokens' prefixes, never the password."""
    revoked = ApiToken.revoke_all_of(user)
    with audited_here():  # in the event below
        form.save()
    subject = audit.Subject("user", user.pk, user.get_username())
    audit.record("user.password_change", user, subject, via=via, new={"tokens_revoked": revoked})
    return user


def _token_subject(token: ApiToken) -> audit.Subject:
    return audit.Subject("token", token.pk, f"{token.user.get_username()}: {token.name} ({token.prefix}…)")


@transaction.atomic
def issue_token(
    actor: Any, user: Any, name: str, *, days: int | None = None, via: audit.Via = audit.WEB
) -> tuple[ApiToken, str]:
    """A new API token for `user`, audited (its prefix and expiry only; the token is shown once, to
    the caller); it expires after `days` (default PLANWATCH_API_TOKEN_DAYS)."""
    token, raw = ApiToken.issue(user, name, days=days)
    new = {"name": name, "prefix": token.prefix, "expires_at": token.expires_at}
    audit.record("token.create", actor, _token_subject(token), via=via, new=new)
    return token, raw


@transaction.atomic
def revoke_token(actor: Any, token: ApiToken, *, via: audit.Via = audit.WEB) -> ApiToken:
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record("token.revoke", actor, _token_subject(token), via=via, new={"revoked": True})
    return token
