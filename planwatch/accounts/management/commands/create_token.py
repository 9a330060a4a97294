from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.db.models import QuerySet

from planwatch.accounts.actions import issue_token, revoke_token
from planwatch.accounts.models import ApiToken, hash_token
from planwatch.cli import Command as PlanWatchCommand
from planwatch.kernel import audit

SHOWN_PREFIX_LENGTH = 10  # ApiToken.issue() keeps the token's first 10 characters as its prefix


class Command(PlanWatchCommand):
    help = (
        "Issue an API token for a user and print it (only its hash is kept: it cannot be shown again), "
        "or revoke a token with --revoke PREFIX."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="the user the token acts as (required to issue one)")
        parser.add_argument("--name", default="cli", help="a label to tell tokens apart (default: cli)")
        parser.add_argument(
            "--days",
            type=int,
            help="days until the token expires (default: PLANWATCH_API_TOKEN_DAYS, 90 unless set)",
        )
        parser.add_argument(
            "--revoke",
            metavar="PREFIX",
            help="revoke the token with this prefix (its first 10 characters) or this whole token",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"]:
            self.revoke(options["revoke"], options["user"])
        elif options["user"]:
            self.issue(options["user"], options["name"], options["days"])
        else:
            raise CommandError("give --user NAME to issue a token, or --revoke PREFIX")

    def issue(self, username: str, name: str, days: int | None) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        via = audit.Via(audit.Source.COMMAND)
        token, raw = issue_token(None, find_user(username), name, days=days, via=via)
        # The token alone on stdout, so that TOKEN=$(planwatch create_token --user …) works.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.prefix}… ({name!r}) issued for {username}, valid until "
            f"{token.expires_at:%Y-%m-%d %H:%M %Z}. Keep it now: it is not shown again."
        )

    def revoke(self, prefix_or_token: str, username: str | None) -> None:
        tokens = matching_tokens(prefix_or_token).filter(revoked=False)
        if username:
            tokens = tokens.filter(user=find_user(username))
        found = list(tokens.select_related("user"))
        if not found:
            raise CommandError(f"no active token starts with {prefix_or_token!r}")
        if len(found) > 1:
            raise CommandError(f"{len(found)} tokens start with {prefix_or_token!r}: add --user to choose")
        token = revoke_token(None, found[0], via=audit.Via(audit.Source.COMMAND))
        self.stdout.write(f"Token {token.prefix}… ({token.name!r}) of {token.user.get_username()} revoked.")


def find_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no such user: {username}")
    return user


def matching_tokens(prefix_or_token: str) -> QuerySet[ApiToken]:
    """Anything longer than a stored prefix can only be the whole token: find it by its hash."""
    if len(prefix_or_token) > SHOWN_PREFIX_LENGTH:
        return ApiToken.objects.filter(token_hash=hash_token(prefix_or_token))
    return ApiToken.objects.filter(prefix__startswith=prefix_or_token)
