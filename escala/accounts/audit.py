"""The sign-in log: every successful and failed sign-in, written as it happens.

Successes come from Django's `user_logged_in` (whatever the way in: the sign-in page, a passkey,
a link by mail, single sign-on, the directory); failures from `user_login_failed` (every wrong
password, whichever form asked) and from the brute-force limit refusing to try at all.
"""

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.signals import password_reset
from allauth.core.internal.httpkit import get_client_ip
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from escala.core.clock import now

from .models import SignInMethod, SignInRecord
from .throttle import account_named, clear_failures

# Set on the request by a view that signs someone in its own way (the link by mail).
METHOD_ATTRIBUTE = "_escala_sign_in_method"


def _client(request: HttpRequest | None) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    try:
        ip = get_client_ip(request)
    except Exception:  # noqa: BLE001 - a malformed forwarded header must not stop the log
        ip = None
    return ip, request.META.get("HTTP_USER_AGENT", "")[:300]


def method_of(request: HttpRequest | None, user: Any) -> str:
    """How this sign-in was made, from what allauth recorded in the session (or the view)."""
    if request is not None and (told := getattr(request, METHOD_ATTRIBUTE, None)):
        return told
    records = get_authentication_records(request, user) if request is not None else []
    methods = [r.get("method") for r in records]
    if records and records[-1].get("method") == "mfa":
        if records[-1].get("passwordless"):
            return SignInMethod.PASSKEY
        return SignInMethod.TWO_FACTOR
    for known in (
        SignInMethod.PASSWORD_RESET,
        SignInMethod.SINGLE_SIGN_ON,
        SignInMethod.PASSWORD,
    ):
        if known.value in methods:
            return known
    backend = getattr(user, "backend", "") or ""
    if "ldap" in backend.lower():
        return SignInMethod.DIRECTORY
    if methods:
        return SignInMethod.OTHER
    return SignInMethod.PASSWORD


def record_sign_in(
    *,
    request: HttpRequest | None,
    user: Any = None,
    login: str = "",
    method: str = SignInMethod.PASSWORD,
    success: bool,
    reason: str = "",
) -> SignInRecord:
    ip, agent = _client(request)
    if user is not None and not login:
        login = user.get_username()
    return SignInRecord.objects.create(
        at=now(),
        user=user,
        login=(login or "")[:254],
        ip=ip,
        user_agent=agent,
        method=method,
        success=success,
        reason=reason[:100],
    )


@receiver(user_logged_in, dispatch_uid="escala_sign_in_log")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_sign_in(request=request, user=user, method=method_of(request, user), success=True)


@receiver(user_login_failed, dispatch_uid="escala_sign_in_failed_log")
def _failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **kw: Any) -> None:
    login = str(credentials.get("username") or credentials.get("email") or "")
    method = SignInMethod.PASSWORD
    if request is not None and getattr(request, METHOD_ATTRIBUTE, None):
        method = getattr(request, METHOD_ATTRIBUTE)
    record_sign_in(
        request=request,
        user=account_named(login),
        login=login,
        method=method,
        success=False,
        reason="wrong credentials",
    )


@receiver(password_reset, dispatch_uid="escala_reset_clears_failures")
def _password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A reset by mail proves the owner: the account's failed-attempt lock ends at once."""
    clear_failures(request, user)


@receiver(mfa_signals.authentication_failed, dispatch_uid="escala_second_factor_failed_log")
def _second_factor_failed(
    sender: Any, request: HttpRequest, user: Any, reauthentication: bool = False, **kw: Any
) -> None:
    record_sign_in(
        request=request,
        user=user,
        method=SignInMethod.TWO_FACTOR,
        success=False,
        reason="wrong re-authentication code" if reauthentication else "wrong second-factor code",
    )
