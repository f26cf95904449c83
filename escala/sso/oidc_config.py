"""OpenID Connect providers for allauth from environment variables (one provider; more are added
in the admin as social applications of the "OpenID Connect" provider)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .ldap_config import _bool


def oidc_settings(env: Mapping[str, str]) -> dict[str, Any]:
    provider: dict[str, Any] = {"OAUTH_PKCE_ENABLED": True, "APPS": []}
    server_url = (env.get("ESCALA_OIDC_SERVER_URL") or "").strip()
    if server_url:
        if not server_url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("ESCALA_OIDC_SERVER_URL must be the issuer's https:// URL")
        client_id = (env.get("ESCALA_OIDC_CLIENT_ID") or "").strip()
        if not client_id:
            raise ImproperlyConfigured("ESCALA_OIDC_SERVER_URL needs ESCALA_OIDC_CLIENT_ID")
        provider_id = (env.get("ESCALA_OIDC_PROVIDER_ID") or "sso").strip()
        if not provider_id.replace("-", "").replace("_", "").isalnum():
            raise ImproperlyConfigured("ESCALA_OIDC_PROVIDER_ID may hold letters, digits, - and _")
        app_settings: dict[str, Any] = {
            "server_url": server_url,
            "groups_claim": (env.get("ESCALA_OIDC_GROUPS_CLAIM") or "groups").strip(),
            "trust_email": _bool(env, "ESCALA_OIDC_TRUST_EMAIL", False),
        }
        if method := (env.get("ESCALA_OIDC_TOKEN_AUTH_METHOD") or "").strip():
            if method not in ("client_secret_basic", "client_secret_post"):
                raise ImproperlyConfigured(
                    "ESCALA_OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or "
                    "client_secret_post"
                )
            app_settings["token_auth_method"] = method
        provider["APPS"].append(
            {
                "provider_id": provider_id,
                "name": (env.get("ESCALA_OIDC_NAME") or "Single sign-on").strip(),
                "client_id": client_id,
                "secret": env.get("ESCALA_OIDC_CLIENT_SECRET", ""),
                "settings": app_settings,
            }
        )
    if scopes := (env.get("ESCALA_OIDC_SCOPES") or "").split():
        provider["SCOPE"] = scopes
    return {"openid_connect": provider}
