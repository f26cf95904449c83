"""Who is calling: a personal access token (Authorization: Bearer esc_...) or, for the browser,
the Django session (with a CSRF token for unsafe methods). Each operation names the scope it
needs; a session has every scope, since what the user may do is decided by the actions anyway."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from escala.accounts import throttle

from . import ratelimit, tokens
from .errors import RateLimited
from .models import ApiToken, Scope

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class ApiAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            kind, _sep, raw = header.partition(" ")
            if kind.lower() != "bearer":
                raise AuthenticationError()
            return self.authenticate(request, raw.strip())
        return self._session(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Guessing tokens: wrong ones are counted per client address with the sign-in limits.
        if not throttle.allowed(request, "escala_bad_token", count=False):
            raise RateLimited(retry_after=settings.ESCALA_LOGIN_ADDRESS_WINDOW)
        found = tokens.authenticate(token)
        if found is None:
            throttle.allowed(request, "escala_bad_token", count=True)
            raise AuthenticationError()
        ratelimit.check(f"t{found.pk}")
        if not found.has_scope(self.scope):
            raise HttpError(
                403,
                _("This token lacks the “%(scope)s” scope.") % {"scope": self.scope},
            )
        request.api_token = found  # type: ignore[attr-defined]
        request.user = found.user
        return found.user

    def _session(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        ratelimit.check(f"u{user.pk}")
        request.api_token = None  # type: ignore[attr-defined]
        return user


read = ApiAuth(Scope.TICKETS_READ)
write = ApiAuth(Scope.TICKETS_WRITE)
admin = ApiAuth(Scope.ADMIN)


def token_of(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)
