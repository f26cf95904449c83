"""Brute-force limits shared by every way in: allauth's rate limits (settings.ACCOUNT_RATE_LIMITS)
counted per client address and per account. Our own ways in (the link by mail, the token page)
use the same counters through these helpers."""

from typing import Any

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as _ratelimit_impl
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def account_named(login: str) -> Any:
    """The one active account this name or mail address means, else None."""
    login = (login or "").strip()
    if not login:
        return None
    users = get_user_model()._default_manager
    found = list(users.filter(username__iexact=login)[:2])
    if not found and "@" in login:
        found = list(users.filter(email__iexact=login)[:2])
    return found[0] if len(found) == 1 else None


def account_key(user: Any) -> str:
    return f"user:{user.pk}"


def clear_failures(request: HttpRequest, user: Any) -> None:
    """Forget an account's failed sign-ins (after its password was reset by mail)."""
    ratelimit.clear(request, action="login_failed", key=account_key(user))


def consume_failure(request: HttpRequest, user: Any, login: str = "") -> bool:
    """Count one failed attempt against the address and the account; False: over the limit."""
    key = account_key(user) if user is not None else f"login:{login.strip().lower()}"
    return ratelimit.consume(request, action="login_failed", key=key)


def failures_allowed(request: HttpRequest, user: Any, login: str = "") -> bool:
    """Whether one more attempt is allowed, without counting one."""
    key = account_key(user) if user is not None else f"login:{login.strip().lower()}"
    return ratelimit.consume(request, action="login_failed", key=key, dry_run=True)


def allowed(request: HttpRequest, action: str, *, key: str | None = None, count: bool) -> bool:
    """One of Escala's own limits (settings.ACCOUNT_RATE_LIMITS[action]) for any method, GET
    too (allauth's public helper skips GETs): count=False only asks whether one more is allowed."""
    try:
        usage = _ratelimit_impl.consume(
            request=request,
            app="allauth.account",
            action=action,
            key=key,
            limit_get=True,
            dry_run=not count,
        )
    except PermissionDenied:  # no client address at all (an in-process call): nothing to count
        return True
    return usage is not None
