"""The sign-in pages' Content-Security-Policy lets their SSO buttons reach the providers.

An SSO button posts to Escala, which redirects the browser to the provider's authorization
endpoint; browsers apply the page's `form-action` to that redirect too, so the pages under
/accounts/ add the origin of each configured OpenID Connect provider (its issuer's, or the
authorization endpoint's when the application overrides it). No other page changes."""

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in ("https", "http") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _app_settings() -> Iterator[dict]:
    from allauth.socialaccount.models import SocialApp

    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    for app in apps:
        yield app.get("settings") or {}
    for app_settings in SocialApp.objects.filter(provider="openid_connect").values_list(
        "settings", flat=True
    ):
        yield app_settings or {}


def provider_origins() -> list[str]:
    origins = []
    for app_settings in _app_settings():
        overrides = app_settings.get("openid_configuration_overrides") or {}
        for url in (app_settings.get("server_url"), overrides.get("authorization_endpoint")):
            if (origin := _origin(url)) and origin not in origins:
                origins.append(origin)
    return origins


class SignInFormActionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/accounts/")
            and response.get("Content-Type", "").startswith("text/html")
            and settings.SECURE_CSP
        ):
            origins = provider_origins()
            if origins:
                policy = dict(getattr(response, "_csp_config", None) or settings.SECURE_CSP)
                policy["form-action"] = [*policy.get("form-action", []), *origins]
                response._csp_config = policy  # type: ignore[attr-defined]
        return response
