"""Personal access tokens: issue, revoke, authenticate. The token is shown once, stored hashed."""

import copy
import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import Forbidden, NotFound, ValidationFailed
from escala.core.shared import SharedCopy
from escala.people.queries import is_admin

from .models import ApiToken, Scope

TOKEN_PREFIX = "esc_"  # noqa: S105 (a marker, not a secret)
# Writing last_used_at on every request would turn every read into a write: once a minute is
# precise enough to tell a forgotten token from a busy one.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_scopes(values: list[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    scopes = []
    for value in values:
        if value not in Scope.values:
            raise ValidationFailed(
                _("Unknown scope “%(scope)s”; use %(known)s.")
                % {"scope": value, "known": ", ".join(Scope.values)},
                field="scopes",
            )
        if value not in scopes:
            scopes.append(value)
    if not scopes:
        raise ValidationFailed(_("Choose at least one scope."), field="scopes")
    return scopes


def issue_token(
    *,
    user: Any,
    by: Any,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the token text (never stored)."""
    if by is not None and by.pk != user.pk and not is_admin(by):
        raise Forbidden(_("You can only create tokens for yourself."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise ValidationFailed(_("The name is too long."), field="name")
    scopes = parse_scopes(scopes)
    if Scope.ADMIN in scopes and not is_admin(user):
        raise ValidationFailed(_("Only administrators can hold the admin scope."), field="scopes")
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(_("The expiry date is in the past."), field="expires_at")
    if not user.is_active:
        raise ValidationFailed(_("This user is inactive."), field="user")
    with transaction.atomic():
        prefix = secrets.token_hex(6)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            digest=_digest(raw),
            scopes=scopes,
            created_at=now,
            expires_at=expires_at,
        )
    return token, raw


def revoke_token(*, token_id: int, by: Any) -> ApiToken:
    tokens = ApiToken.objects.all() if is_admin(by) else ApiToken.objects.filter(user=by)
    with transaction.atomic():
        try:
            token = tokens.select_for_update().get(pk=token_id)
        except (ApiToken.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("Token not found.")) from None
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The active token `raw` stands for, with its user; None for anything else."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not secret or len(prefix) != 12:
        return None
    token = _lookup(prefix)
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        _recent.current().pop(prefix, None)  # the remembered copy has the old time
    return token


# A burst of requests with one token reads it (and its user's profile) once per process every
# CACHE_SECONDS. A change anywhere (revocation, a deactivated user) forgets it at once in every
# process on every host, through the models' signals (escala.api.apps) and the shared generation
# of escala.core.shared (Django's cache: Redis when there are several hosts).
CACHE_SECONDS = 2.0
_recent = SharedCopy("api-tokens", max_age=CACHE_SECONDS)


def _lookup(prefix: str) -> ApiToken | None:
    recent = _recent.current()
    hit = recent.get(prefix)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return _clone(hit[1])  # each request its own objects: no state shared by threads
    # The user's agent or requester profile comes in the same query: every operation asks.
    token = (
        ApiToken.objects.select_related("user", "user__agent", "user__requester__organization")
        .filter(prefix=prefix)
        .first()
    )
    if token is None:
        recent.pop(prefix, None)
        return None
    recent[prefix] = (now + CACHE_SECONDS, _clone(token))
    return token


def _clone(obj: Model, seen: dict[int, Model] | None = None) -> Model:
    """A copy of a model instance and of the related instances it holds (the user, their profile
    and organization, which point back at each other): a fraction of what deepcopy costs."""
    seen = {} if seen is None else seen
    if id(obj) in seen:
        return seen[id(obj)]
    new = copy.copy(obj)  # Django's __getstate__ gives the copy its own state and cache dict
    seen[id(obj)] = new
    cache = new._state.fields_cache
    for name, value in cache.items():
        if isinstance(value, Model):
            cache[name] = _clone(value, seen)
    return new


def forget_tokens(*args: Any, **kwargs: Any) -> None:
    """Signal receiver: a token, a user or a profile changed (in any process)."""
    _recent.forget()
