"""Agents and admins set up two-factor before anything else when the sign-in policy says so."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .policy import must_enrol_two_factor

# Where someone who must enrol may still go: the account pages (two-factor, sign out), the
# language switch, static files and the health check.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/language/", "/healthz")


class RequireTwoFactor:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and must_enrol_two_factor(user)
        ):
            message = _(
                "Your organization requires two-factor authentication for agents and admins. "
                "Set up an authenticator app or a passkey to continue."
            )
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "two_factor_required", "message": message, "fields": {}}},
                    status=403,
                )
            messages.warning(request, message)
            return redirect("mfa_index")
        return self.get_response(request)
