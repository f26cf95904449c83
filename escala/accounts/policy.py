"""The sign-in policy, read once per change (cached), and who it asks two-factor of."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models.signals import post_delete, post_save

from escala.core import memo
from escala.people.queries import agent_of

from .models import SignInPolicy


@memo.config_cached
def current_policy() -> SignInPolicy:
    """The policy (the defaults while no admin has saved one), remembered a few seconds per
    process like the rest of the configuration (memo.config_cached)."""
    return SignInPolicy.objects.filter(pk=1).first() or SignInPolicy(pk=1)


post_save.connect(memo.forget_config, sender=SignInPolicy, dispatch_uid="escala_policy_saved")
post_delete.connect(memo.forget_config, sender=SignInPolicy, dispatch_uid="escala_policy_gone")


def is_staff_person(user: Any) -> bool:
    """Agents and admins: the people the two-factor requirement is about."""
    if not user or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or agent_of(user) is not None)


def has_second_factor(user: Any) -> bool:
    """An authenticator app or a passkey (recovery codes alone do not count)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def must_enrol_two_factor(user: Any) -> bool:
    return (
        is_staff_person(user)
        and current_policy().require_two_factor_for_staff
        and not has_second_factor(user)
    )
