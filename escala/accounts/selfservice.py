"""Requesters on their own: sign in with a link by mail, and register with a verified address.

Neither tells whether an address has an account: the answer on the page is always the same, and
what differs goes to the mailbox (a link, or "you already have an account").
"""

import re
from typing import Any

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth import get_user_model, login, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from escala.core.errors import DomainError, ValidationFailed
from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Requester

from . import links
from .audit import METHOD_ATTRIBUTE
from .models import SelfRegistration, SignInMethod
from .policy import current_policy, has_second_factor, is_staff_person


class TooManyRequests(DomainError):
    code = "rate_limited"


def _mail(request: HttpRequest, *, to: str, template: str, language: str, context: dict) -> None:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _limit(request: HttpRequest, action: str, key: str) -> None:
    if not ratelimit.consume(request, action=action, key=key.lower()):
        raise TooManyRequests(_("Too many requests. Please wait a few minutes and try again."))


# --- The sign-in link --------------------------------------------------------------------------


def may_use_sign_in_link(user: Any) -> bool:
    """Requesters who use only the portal: not agents or admins, not anyone with two-factor."""
    return (
        user is not None
        and user.is_active
        and not is_staff_person(user)
        and not has_second_factor(user)
    )


def request_sign_in_link(*, request: HttpRequest, email: str) -> None:
    """Mail a sign-in link to the requester with this address, if there is one who may use it."""
    email = (email or "").strip()
    if not current_policy().magic_link_enabled:
        raise DomainError(_("Sign-in by link is turned off."))
    _limit(request, "escala_sign_in_link", email)
    requester = (
        Requester.objects.select_related("user").filter(email__iexact=email, user__isnull=False)
    ).first()
    if requester is None or not may_use_sign_in_link(requester.user):
        return
    url = request.build_absolute_uri(
        reverse("account_link_sign_in", args=[links.sign_in_token(requester.user)])
    )
    _mail(
        request,
        to=requester.email,
        template="sign_in_link",
        language=requester.language,
        context={
            "name": requester.name,
            "url": url,
            "minutes": settings.ESCALA_MAGIC_LINK_SECONDS // 60,
        },
    )


def sign_in_with_link(*, request: HttpRequest, token: str) -> Any:
    """Sign in the link's owner, once. A used, expired or forged link is refused (and counted
    against the client's address like a wrong password)."""
    if not ratelimit.consume(request, action="escala_bad_link", dry_run=True):
        raise TooManyRequests(_("Too many failed attempts. Please wait a few minutes."))
    user = links.user_for_sign_in_token(token)
    if user is None or not may_use_sign_in_link(user) or not current_policy().magic_link_enabled:
        ratelimit.consume(request, action="escala_bad_link")
        raise ValidationFailed(
            _("This sign-in link has expired or was already used. Ask for a new one.")
        )
    setattr(request, METHOD_ATTRIBUTE, SignInMethod.MAGIC_LINK)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return user


# --- Self-registration -------------------------------------------------------------------------


def registration_for_address(email: str) -> SelfRegistration | None:
    domain = email.rpartition("@")[2].strip().lower()
    return (
        SelfRegistration.objects.select_related("organization")
        .filter(domain=domain, enabled=True, organization__is_active=True)
        .first()
    )


def request_registration(*, request: HttpRequest, name: str, email: str, language: str) -> None:
    """Check the address by mail before any account exists."""
    name, email = (name or "").strip(), (email or "").strip()
    if not name:
        raise ValidationFailed(_("Write your name."), field="name")
    if "@" not in email or len(email) > 254:
        raise ValidationFailed(_("Enter a valid email address."), field="email")
    if registration_for_address(email) is None:
        raise ValidationFailed(
            _("Addresses at this domain cannot register here. Ask your help desk for an account."),
            field="email",
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    _limit(request, "escala_register", email)
    existing = Requester.objects.filter(email__iexact=email, user__isnull=False).first()
    if existing is not None:
        _mail(
            request,
            to=email,
            template="already_registered",
            language=existing.language,
            context={
                "name": existing.name,
                "url": request.build_absolute_uri(reverse("login")),
                "reset_url": request.build_absolute_uri(reverse("account_reset_password")),
            },
        )
        return
    token = links.registration_token(name=name[:200], email=email, language=language)
    _mail(
        request,
        to=email,
        template="register",
        language=language,
        context={
            "name": name,
            "url": request.build_absolute_uri(reverse("account_register_confirm", args=[token])),
            "hours": settings.ESCALA_REGISTRATION_LINK_SECONDS // 3600,
        },
    )


def _free_username(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.lower())[:140] or "requester"
    users = get_user_model()._default_manager
    candidate, n = base, 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def complete_registration(*, request: HttpRequest, token: str, password: str) -> Any:
    """Make the account the link was sent for (its address is now verified) and sign it in."""
    data = links.registration_for_token(token)
    if data is None:
        raise ValidationFailed(_("This link has expired. Register again to get a new one."))
    place = registration_for_address(data["email"])
    if place is None:
        raise ValidationFailed(_("Registration for this address is no longer open."))
    User = get_user_model()
    candidate = User(username=_free_username(data["email"]), email=data["email"])
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as invalid:
        raise ValidationFailed(" ".join(invalid.messages), field="password1") from None
    with transaction.atomic():
        requester = (
            Requester.objects.select_for_update().filter(email__iexact=data["email"]).first()
        )
        if requester is not None and requester.user_id is not None:
            raise ValidationFailed(
                _("This address already has an account. Sign in, or reset your password.")
            )
        first, _sep, last = data["name"].partition(" ")
        candidate.first_name, candidate.last_name = first[:150], last[:150]
        candidate.set_password(password)
        candidate.save()
        if requester is None:
            requester = Requester(
                name=data["name"],
                email=data["email"],
                kind=RequesterKind.EMPLOYEE
                if place.organization.kind == OrganizationKind.DEPARTMENT
                else RequesterKind.CUSTOMER,
                organization=place.organization,
                language=data["language"],
            )
        requester.user = candidate
        requester.save()
        EmailAddress.objects.create(
            user=candidate, email=data["email"], verified=True, primary=True
        )
    login(request, candidate, backend=settings.AUTHENTICATION_BACKENDS[0])
    return candidate
