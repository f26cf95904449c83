"""How allauth fits Escala: the remembered language on sign-in, and the per-account key of the
failed sign-in limit."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from escala.people.queries import agent_of, requester_of


def profile_language(user: Any) -> str | None:
    for profile in (agent_of(user), requester_of(user)):
        if profile is not None:
            return profile.language
    return None


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "ACCOUNT_SIGNUP_OPEN", False))

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """Sign in, and switch to the language the user chose last time."""
        response = super().post_login(request, user, **kwargs)
        language = profile_language(user)
        if language and response is not None:
            translation.activate(language)
            set_language_cookie(response, language)
        return response
