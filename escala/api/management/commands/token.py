"""The `escala token` command: `create --user USERNAME [--scopes ...] [--expires ...]`, `revoke`."""

import re
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escala.core import clock
from escala.core.errors import DomainError

from ... import tokens
from ...models import ApiToken


def parse_expiry(value: str | None) -> datetime | None:
    """ "90d", "12h", "never", or a date (2027-01-31); default 90 days."""
    if value is None:
        return clock.now() + timedelta(days=90)
    if value.lower() == "never":
        return None
    if match := re.fullmatch(r"(\d{1,5})([dh])", value.strip().lower()):
        amount, unit = int(match[1]), match[2]
        return clock.now() + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--expires: use 90d, 12h, never or a date, not {value!r}") from None
    return timezone.make_aware(when) if timezone.is_naive(when) else when


class Command(BaseCommand):
    help = "Create or revoke personal access tokens for the API."

    def add_arguments(self, parser):  # noqa: ANN001
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown once).")
        create.add_argument("--user", required=True, help="Username of the token's owner.")
        create.add_argument(
            "--scopes",
            nargs="+",
            default=["tickets:read", "tickets:write"],
            help="tickets:read tickets:write admin (space or comma separated).",
        )
        create.add_argument("--expires", help="90d (default), 12h, never, or a date.")
        create.add_argument("--name", default="CLI token")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The part after esc_ and before the next _.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "revoke":
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError("No token has that prefix.")
            tokens.revoke_token(token_id=token.pk, by=token.user)
            self.stdout.write(f"Revoked esc_{token.prefix}_…")
            return
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['user']!r}.")
        scopes = [s for value in options["scopes"] for s in value.replace(",", " ").split()]
        try:
            _token, raw = tokens.issue_token(
                user=user,
                by=None,
                name=options["name"],
                scopes=scopes,
                expires_at=parse_expiry(options["expires"]),
            )
        except DomainError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(raw)
