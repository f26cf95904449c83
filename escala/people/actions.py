"""Changes to people: a requester created by an agent taking a call; a preferred language."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, ValidationFailed
from escala.core.inputs import one_line

from .choices import RequesterKind
from .models import Organization, Requester
from .queries import agent_of, is_admin, requester_of


def create_requester(
    *,
    by: Any,
    name: str,
    email: str,
    organization: Organization | None,
    phone: str = "",
    kind: str = RequesterKind.CUSTOMER,
    language: str = "es",
) -> Requester:
    """A requester without a login, e.g. a caller an agent files a ticket for."""
    if by is not None and not (is_admin(by) or agent_of(by) is not None):
        raise Forbidden(_("Only help desk agents can add requesters."))
    name = one_line(name)
    if not name:
        raise ValidationFailed(_("Write the requester’s name."), field="name")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid email address."), field="email") from None
    if organization is None:
        raise ValidationFailed(_("Choose the requester’s organization."), field="organization")
    if kind not in RequesterKind.values:
        raise ValidationFailed(_("Unknown kind of requester."), field="kind")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        if Requester.objects.filter(email__iexact=email).exists():
            raise ValidationFailed(
                _("A requester with this email already exists: look them up instead."),
                field="email",
            )
        return Requester.objects.create(
            name=name[:200],
            email=email,
            phone=one_line(phone)[:40],
            kind=kind,
            organization=organization,
            language=language,
        )


def set_preferred_language(*, user: Any, language: str) -> bool:
    """Remember the interface language of an agent or requester. False when there is no one
    to remember it for (anonymous, or a login without a profile)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), field="language")
    saved = False
    for profile in (agent_of(user), requester_of(user)):
        if profile is not None and profile.language != language:
            type(profile).objects.filter(pk=profile.pk).update(language=language)
            profile.language = language
            saved = True
        elif profile is not None:
            saved = True
    return saved
