"""Signing in through OpenID Connect (Entra ID, Google Workspace, Keycloak...): allauth's
openid_connect provider does the protocol; this adapter provisions the user from the mapping
rules at every sign-in (provisioning.provision_user), as LDAP sign-in does:
- a first sign-in that no rule or mail domain places is refused before any login is made;
- a later sign-in the rules no longer allow deactivates the login (sessions and tokens end);
- a local account is never taken over: allauth links by mail only if told to (it is not).
The groups come from the claim named in the social application's settings ("groups_claim",
default "groups"); a mail domain counts only when the provider says it verified the address
(email_verified) or the application's settings say "trust_email": true (e.g. Entra ID)."""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import translation

from .choices import Source
from .models import DirectoryAccount
from .provisioning import (
    DirectoryProfile,
    SignInRefused,
    deactivate,
    matching,
    normalize_groups,
    not_placed,
    provision_user,
    rules_for,
)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes"}


def profile_of(sociallogin: Any) -> DirectoryProfile:
    data = sociallogin.account.extra_data or {}
    claims = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    if not claims:
        claims = dict(data)
    app = getattr(sociallogin.provider, "app", None)
    app_settings = (getattr(app, "settings", None) or {}) if app is not None else {}
    raw_groups = claims.get(app_settings.get("groups_claim") or "groups") or []
    if isinstance(raw_groups, str):
        raw_groups = [raw_groups]
    email = str(claims.get("email") or "").strip()
    verified = _truthy(claims.get("email_verified")) or _truthy(app_settings.get("trust_email"))
    return DirectoryProfile(
        source=Source.OIDC,
        provider=sociallogin.account.provider,
        external_id=str(claims.get("sub") or sociallogin.account.uid),
        email=email if "@" in email else "",
        email_verified=verified,
        first_name=str(claims.get("given_name") or ""),
        last_name=str(claims.get("family_name") or ""),
        groups=normalize_groups(raw_groups if isinstance(raw_groups, list) else []),
    )


def _would_place(profile: DirectoryProfile) -> bool:
    from escala.people.models import Organization

    matched = matching(rules_for(profile.source, profile.provider), profile)
    if any(r.organization_id or r.team_id or r.supervisor or r.administrator for r in matched):
        return True
    return bool(
        profile.email_verified
        and profile.domain
        and Organization.objects.filter(
            is_active=True, email_domain__iexact=profile.domain
        ).exists()
    )


def refused(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    response = TemplateResponse(request, "sso/refused.html", {"message": message}, status=403)
    return ImmediateHttpResponse(response.render())


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Whoever the provider vouches for may come in if the mapping rules place them:
        # pre_social_login has checked that already.
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        profile = profile_of(sociallogin)
        if not sociallogin.is_existing:
            if not _would_place(profile):
                raise refused(request, not_placed())
            return
        user = sociallogin.user
        if (
            not user.is_active
            and not DirectoryAccount.objects.filter(
                user=user, deactivated_by_directory=True
            ).exists()
        ):
            return  # deactivated by an administrator: allauth shows its "inactive" page
        try:
            provision_user(user=user, profile=profile, language=translation.get_language())
        except SignInRefused as refusal:
            deactivate(user)
            raise refused(request, refusal.message) from None
        user.refresh_from_db()

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        try:
            provision_user(
                user=user, profile=profile_of(sociallogin), language=translation.get_language()
            )
        except SignInRefused as refusal:
            user.delete()  # made by this attempt only
            raise refused(request, refusal.message) from None
        user.refresh_from_db()
        return user
