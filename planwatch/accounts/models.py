"""Accounts: roles and scope of users, and API tokens for scripts."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planwatch.core.kinds import Term
from planwatch.plans.models import term_choices

TOKEN_PREFIX = "pw_"
logger = logging.getLogger(__name__)

# A token's last use is written at most this often (seconds): a read request writes nothing else,
# and on SQLite a write on every API call waits behind any long write ("database is locked").
TOUCH_TOKEN_EVERY = 60


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        help_text="Refused from then on (PLANWATCH_API_TOKEN_DAYS after issue)."
    )
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: models.Model, name: str, *, days: int | None = None) -> tuple[ApiToken, str]:
        """A new token, valid for `days` (default PLANWATCH_API_TOKEN_DAYS)."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        lifetime = timedelta(days=days or settings.PLANWATCH_API_TOKEN_DAYS)
        token = cls.objects.create(
            user=user,
            name=name,
            token_hash=hash_token(raw),
            prefix=raw[:10],
            expires_at=timezone.now() + lifetime,
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> ApiToken | None:
        """The token if it is known, not revoked, not expired and its user active; else None."""
        token = (
            cls.objects.select_related("user")
            .filter(token_hash=hash_token(raw), revoked=False, expires_at__gt=timezone.now())
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= timedelta(seconds=TOUCH_TOKEN_EVERY):
            token.last_used_at = now
            try:  # at best: a database too busy to take the write (SQLite's lock held by a long job)
                cls.objects.filter(pk=token.pk).update(last_used_at=now)
            except DatabaseError as exc:
                logger.warning("API token's last use not written: %s", exc)
        return token

    @classmethod
    def revoke_all_of(cls, user: models.Model) -> list[str]:
        """Revoke every active token of the user (after a password change); their prefixes."""
        active = cls.objects.filter(user=user, revoked=False)
        prefixes = list(active.values_list("prefix", flat=True))
        active.update(revoked=True)
        return prefixes


def role_choices() -> list[tuple[str, str]]:
    return term_choices(Profile.Role)


class Profile(models.Model):
    """A user's role and scope: what they may see and do, and for which locality or unit."""

    class Role(Term):
        """The roles, each named in Chinese and English (what each may do: accounts/permissions.py)."""

        PROVINCE_ADMIN = "province_admin", "省级管理员", "Province administrator"
        PROVINCE_REVIEWER = "province_reviewer", "省级审核人", "Province reviewer"
        LEAD_UNIT = "lead_unit", "牵头单位", "Lead unit"
        LOCALITY_REPORTER = "locality_reporter", "地区填报人", "Locality reporter"
        LOCALITY_APPROVER = "locality_approver", "地区审核人", "Locality approver"
        VIEWER = "viewer", "查看者", "Viewer"

    LOCALITY_ROLES = {Role.LOCALITY_REPORTER, Role.LOCALITY_APPROVER}
    PROVINCE_ROLES = {Role.PROVINCE_ADMIN, Role.PROVINCE_REVIEWER}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile")
    role = models.CharField(max_length=30, choices=role_choices, default=Role.VIEWER)
    locality = models.ForeignKey(
        "plans.Locality", models.PROTECT, null=True, blank=True, related_name="profiles"
    )
    unit = models.ForeignKey("plans.Unit", models.PROTECT, null=True, blank=True, related_name="profiles")
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("Role and scope")
        verbose_name_plural = _("Roles and scope")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["locality_reporter", "locality_approver"])
                | models.Q(locality__isnull=False),
                name="locality_role_has_locality",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="lead_unit") | models.Q(unit__isnull=False),
                name="lead_unit_role_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"

    @classmethod
    def scope_problems(cls, role: str, locality: Any, unit: Any) -> list[tuple[str, str, str]]:
        """(field, Chinese, English) for each way a role and its scope do not fit: a locality's
        reporter needs their pilot unit, a locality's approver a locality that approves a pilot unit's
        values (its own, or a county's city), a lead unit's user their unit."""
        out = []
        if role in cls.LOCALITY_ROLES and locality is None:
            out.append(
                (
                    "locality",
                    "地区的填报员或审核员须指定所属地区",
                    "a locality's reporter or approver needs their locality",
                )
            )
        # a reporter reports for a pilot unit; an approver approves for one, or for its city
        # where the plan's approval chain goes up to it (plan file `review.approval`)
        refusal = None
        if locality is not None:
            refusal = (
                locality.approves_nothing() if role == cls.Role.LOCALITY_APPROVER else locality.not_a_pilot()
            )
        if refusal is not None:
            out.append(("locality", refusal.zh, refusal.en))
        if role == cls.Role.LEAD_UNIT and unit is None:
            out.append(("unit", "牵头单位用户须指定所属单位", "a lead unit's user needs their unit"))
        return out

    def snapshot(self) -> dict[str, Any]:
        """The role and scope, for the audit."""
        return {
            "role": self.role,
            "locality": self.locality.code if self.locality_id and self.locality else None,
            "unit": self.unit.code if self.unit_id and self.unit else None,
        }


def profile_of(user: Any) -> Profile:
    """The user's profile; a user without one (e.g. a fresh superuser) gets a viewer's, unsaved."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionError("not signed in")
    try:
        return user.profile  # type: ignore[no-any-return]
    except Profile.DoesNotExist:
        return Profile(user=user, role=Profile.Role.VIEWER)
