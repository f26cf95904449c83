"""Provisioning on every sign-in through a directory (LDAP / Active Directory, OpenID Connect).

`provision_user` is the one action both ways in call, after the directory vouched for the user:
- the login is linked to the directory (a local account is never taken over silently);
- the mapping rules (DirectoryMapping, edited in the admin) that match the user's groups and mail
  domain decide their place: requester of an organization, agent of teams (their tiers come with
  the teams), supervisor, administrator;
- what a rule can give, the directory owns: a team named by any rule follows the groups at each
  sign-in (a removed group removes the membership); teams no rule names stay as set by hand, as
  do the supervisor and administrator flags while no rule grants them;
- someone the rules give no place (and who had none) is refused, with a message that says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import DomainError
from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Agent, Organization, Requester

from .choices import MappingSource, MatchKind
from .models import DirectoryAccount, DirectoryMapping


class SignInRefused(DomainError):
    code = "sign_in_refused"


@dataclass(frozen=True)
class DirectoryProfile:
    """What a directory says about a user at sign-in."""

    source: str  # choices.Source
    external_id: str  # LDAP DN, or the OpenID Connect subject
    email: str = ""
    email_verified: bool = False  # the directory vouches for the address (LDAP: its admins)
    first_name: str = ""
    last_name: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)  # names, DNs or claim values
    provider: str = ""  # OpenID Connect: the provider id of the social application

    @property
    def domain(self) -> str:
        local, at, domain = self.email.strip().lower().rpartition("@")
        return domain if at and local else ""


def not_placed() -> str:
    return _(
        "Your directory account is not given access to the help desk (no group or mail domain "
        "of yours is mapped to an organization or a team). Ask your administrator."
    )


def normalize_groups(values: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(v).strip().lower() for v in values if str(v).strip())


def rules_for(source: str, provider: str = "") -> list[DirectoryMapping]:
    """The active rules that apply to a directory (those for any directory included)."""
    rules = DirectoryMapping.objects.filter(
        is_active=True, source__in=[MappingSource.ANY, source]
    ).select_related("organization", "team")
    if source == MappingSource.OIDC:
        rules = rules.filter(Q(provider="") | Q(provider=provider))
    else:
        rules = rules.filter(provider="")
    return list(rules)


def matching(rules: list[DirectoryMapping], profile: DirectoryProfile) -> list[DirectoryMapping]:
    found = []
    for rule in rules:
        if (
            rule.match == MatchKind.GROUP
            and rule.value in profile.groups
            or (
                rule.match == MatchKind.EMAIL_DOMAIN
                and profile.email_verified
                and profile.domain
                and rule.value == profile.domain
            )
        ):
            found.append(rule)
    return found


@dataclass
class Provisioned:
    user: Any
    agent: Agent | None
    requester: Requester | None
    created_agent: bool = False
    created_requester: bool = False


def provision_user(*, user: Any, profile: DirectoryProfile, language: str = "") -> Provisioned:
    """Apply the directory's view of `user`; raises SignInRefused (nothing changed) when the
    user may not use the help desk. `language`: a new profile's (the sign-in page's)."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _link(user, profile)
        rules = rules_for(profile.source, profile.provider)
        matched = matching(rules, profile)
        # Staff roles come from groups only, even if a domain rule was saved without clean().
        rules = [r for r in rules if r.match == MatchKind.GROUP or r.organization_id]
        matched = [r for r in matched if r.match == MatchKind.GROUP or not _grants_staff(r)]
        _apply_user(user, profile, rules, matched)
        agent, created_agent = _apply_agent(user, rules, matched, language)
        requester, created_requester = _apply_requester(user, profile, rules, matched, language)
        if agent is None and requester is None and not user.is_superuser:
            raise SignInRefused(not_placed())
    return Provisioned(user, agent, requester, created_agent, created_requester)


def deactivate(user: Any) -> None:
    """The directory removed, disabled or no longer admits `user`: no sign-in, no session (the
    backends refuse inactive users), no API token (api.tokens refuses them) from now on."""
    DirectoryAccount.objects.filter(user=user).update(deactivated_by_directory=True)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])  # the save signal forgets its cached tokens


def _grants_staff(rule: DirectoryMapping) -> bool:
    return bool(rule.team_id or rule.supervisor or rule.administrator)


def _link(user: Any, profile: DirectoryProfile) -> None:
    now = clock.now()
    groups = sorted(profile.groups)[:500]
    account = DirectoryAccount.objects.filter(user=user).first()
    if account is None:
        DirectoryAccount.objects.create(
            user=user,
            source=profile.source,
            provider=profile.provider,
            external_id=profile.external_id[:500],
            groups=groups,
            last_sign_in_at=now,
            last_checked_at=now,
        )
        return
    if account.source != profile.source or account.provider != profile.provider:
        raise SignInRefused(_("This account signs in through another directory."))
    account.external_id = profile.external_id[:500]
    account.groups = groups
    account.last_sign_in_at = account.last_checked_at = now
    if account.deactivated_by_directory:
        # The directory let them in again: undo only what the directory did.
        account.deactivated_by_directory = False
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
    account.save()


def _apply_user(user: Any, profile: DirectoryProfile, rules: list, matched: list) -> None:
    changed = []
    for name, value in (
        ("first_name", profile.first_name[:150]),
        ("last_name", profile.last_name[:150]),
        ("email", profile.email[:254]),
    ):
        if value and getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if any(r.administrator for r in rules):
        admin = any(r.administrator for r in matched)
        if user.is_superuser != admin or user.is_staff != admin:
            user.is_superuser = user.is_staff = admin
            changed += ["is_superuser", "is_staff"]
    if changed:
        user.save(update_fields=changed)


def _apply_agent(user: Any, rules: list, matched: list, language: str) -> tuple[Agent | None, bool]:
    managed = {r.team_id for r in rules if r.team_id}
    wanted = {r.team_id for r in matched if r.team_id and r.team.is_active}
    supervisor_managed = any(r.supervisor for r in rules)
    supervisor = any(r.supervisor for r in matched)
    agent = Agent.objects.filter(user=user).first()
    created = False
    if agent is None:
        if not wanted and not supervisor:
            return None, False
        agent = Agent.objects.create(user=user, is_supervisor=supervisor, language=language)
        created = True
    current = set(agent.teams.values_list("pk", flat=True))
    target = (current - managed) | wanted
    if target != current:
        agent.teams.set(target)
    changed = []
    if supervisor_managed and agent.is_supervisor != supervisor:
        agent.is_supervisor = supervisor
        changed.append("is_supervisor")
    # No team and no supervision left: no longer an agent (the row stays for the history).
    active = bool(target) or agent.is_supervisor
    if agent.is_active != active:
        agent.is_active = active
        changed.append("is_active")
    if changed:
        agent.save(update_fields=changed)
    return (agent if active else None), created


def _organization_for(profile: DirectoryProfile, matched: list) -> tuple[Organization | None, bool]:
    """The organization the rules give (lowest position first) and whether a rule gave it."""
    for rule in matched:
        if rule.organization_id and rule.organization.is_active:
            return rule.organization, True
    if profile.email_verified and profile.domain:
        by_domain = Organization.objects.filter(
            is_active=True, email_domain__iexact=profile.domain
        ).first()
        return by_domain, False
    return None, False


def _apply_requester(
    user: Any, profile: DirectoryProfile, rules: list, matched: list, language: str
) -> tuple[Requester | None, bool]:
    organization, by_rule = _organization_for(profile, matched)
    manager_managed = any(r.organization_manager for r in rules)
    manager = any(
        r.organization_manager and organization and r.organization_id == organization.pk
        for r in matched
    )
    requester = Requester.objects.filter(user=user).first()
    if requester is not None:
        changed = []
        if by_rule and requester.organization_id != organization.pk:
            requester.organization = organization
            changed.append("organization")
        if manager_managed and requester.is_manager != manager:
            requester.is_manager = manager
            changed.append("is_manager")
        if changed:
            requester.save(update_fields=changed)
        return requester, False
    if organization is None:
        return None, False
    email = profile.email.strip()
    if not email:
        raise SignInRefused(_("The directory gives no mail address for your account."))
    kind = (
        RequesterKind.EMPLOYEE
        if organization.kind == OrganizationKind.DEPARTMENT
        else RequesterKind.CUSTOMER
    )
    existing = Requester.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None:
        if existing.user_id is not None or not profile.email_verified:
            # Someone else's requester, or an address the directory does not vouch for.
            raise SignInRefused(
                _("A requester with your mail address already exists. Ask your administrator.")
            )
        existing.user = user
        existing.organization = organization if by_rule else existing.organization
        existing.is_manager = manager if manager_managed else existing.is_manager
        existing.save(update_fields=["user", "organization", "is_manager"])
        return existing, False
    name = user.get_full_name() or user.get_username()
    requester = Requester.objects.create(
        user=user,
        name=name[:200],
        email=email,
        kind=kind,
        organization=organization,
        is_manager=manager,
        language=language,
    )
    return requester, True
