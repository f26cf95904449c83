"""How allauth fits Escala: the remembered language on sign-in, and the per-account key of the
failed sign-in limit."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from escala.people.queries import agent_of, requester_of

from .audit import record_sign_in
from .throttle import account_key, account_named


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
        """Sign in, and switch to the language the user chose last time.

        The language is switched before allauth writes its "signed in" message, so the message
        reads in the language of the page it appears on."""
        language = profile_language(user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = super().post_login(request, user, **kwargs)
        if language and response is not None:
            set_language_cookie(response, language)
        return response

    # --- Brute force: the per-account key is the account, however its name was typed ----------

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        login = str(credentials.get("email", credentials.get("username", "")) or "")
        user = account_named(login)
        return account_key(user) if user is not None else f"login:{login.strip().lower()}"

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth calls this after a password reset, per address; ours clears the account's key.
        return

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = str(credentials.get("username") or credentials.get("email") or "")
            record_sign_in(
                request=request,
                user=account_named(login),
                login=login,
                success=False,
                reason="too many failed attempts",
            )
            raise
