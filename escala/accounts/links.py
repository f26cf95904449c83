"""Signed links sent by mail: the sign-in link for requesters (single use, short-lived) and the
address check of a self-registration.

A sign-in link signs the user's id and their last sign-in time: signing in changes that time, so a
link works once; it also expires after ESCALA_MAGIC_LINK_SECONDS. A registration link signs the
name, address and language asked for, and expires after ESCALA_REGISTRATION_LINK_SECONDS; the
account is made only when it is followed, so an unverified address never has one.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

_SIGN_IN_SALT = "escala.accounts.sign-in-link"
_REGISTER_SALT = "escala.accounts.registration"


def _stamp(user: Any) -> str:
    last = user.last_login.timestamp() if user.last_login else 0
    # The password hash too: changing the password kills every link sent before.
    return f"{last:.6f}:{user.password[-12:]}"


def sign_in_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "s": _stamp(user)}, salt=_SIGN_IN_SALT, compress=True)


def user_for_sign_in_token(token: str) -> Any:
    """The active user the link is for, or None when it is forged, used, or expired."""
    try:
        data = signing.loads(token, salt=_SIGN_IN_SALT, max_age=settings.ESCALA_MAGIC_LINK_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = get_user_model()._default_manager.filter(pk=data.get("u"), is_active=True).first()
    if user is None or data.get("s") != _stamp(user):
        return None
    return user


def registration_token(*, name: str, email: str, language: str) -> str:
    return signing.dumps({"n": name, "e": email, "l": language}, salt=_REGISTER_SALT, compress=True)


def registration_for_token(token: str) -> dict[str, str] | None:
    try:
        data = signing.loads(
            token, salt=_REGISTER_SALT, max_age=settings.ESCALA_REGISTRATION_LINK_SECONDS
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "nel"):
        return None
    return {"name": data["n"], "email": data["e"], "language": data["l"]}
