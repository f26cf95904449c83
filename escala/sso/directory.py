"""Signing in against LDAP / Active Directory: django-auth-ldap's backend, plus
- a local account is never taken over by a directory entry of the same name (unless
  ESCALA_LDAP_ADOPT_LOCAL_USERS), and an account another directory manages is refused;
- an entry matching ESCALA_LDAP_DISABLED_FILTER (Active Directory: the disabled bit of
  userAccountControl) is refused and its login deactivated;
- every sign-in provisions the user from the mapping rules (provisioning.provision_user);
- the signed-in user is read as PeopleBackend reads them, and an inactive one is signed out.
`lookup()` tells the directory check (sync.py) whether an entry still exists and is enabled.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import ldap
import ldap.filter
from django.conf import settings
from django.contrib import messages
from django.utils import translation
from django_auth_ldap.backend import LDAPBackend

from escala.people.backends import PeopleBackend

from .choices import Source
from .models import DirectoryAccount
from .provisioning import (
    DirectoryProfile,
    SignInRefused,
    deactivate,
    normalize_groups,
    provision_user,
)

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))


def _first(attrs: Any, name: str) -> str:
    values = attrs.get(name) or [] if attrs is not None else []
    return str(values[0]).strip() if values else ""


def profile_of(ldap_user: Any) -> DirectoryProfile:
    attrs = ldap_user.attrs
    attr_map = ldap_user.settings.USER_ATTR_MAP
    groups: set[str] = set()
    if ldap_user.settings.GROUP_SEARCH is not None and ldap_user.settings.GROUP_TYPE is not None:
        groups |= set(ldap_user.group_dns) | set(ldap_user.group_names)
    return DirectoryProfile(
        source=Source.LDAP,
        external_id=ldap_user.dn or "",
        email=_first(attrs, attr_map.get("email", "mail")),
        email_verified=True,  # the directory's administrators set it
        first_name=_first(attrs, attr_map.get("first_name", "givenName")),
        last_name=_first(attrs, attr_map.get("last_name", "sn")),
        groups=normalize_groups(groups),
    )


class DirectoryBackend(LDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN001, ANN201
        if not configured() or not username or not password:
            return None
        if len(username) > 150 or len(password) > 1024 or "\x00" in username + password:
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        ldap_user = user.ldap_user
        built = getattr(ldap_user, "_escala_built", False)
        try:
            if is_disabled(ldap_user.connection, ldap_user.dn):
                raise SignInRefused("disabled")
            done = provision_user(
                user=user, profile=profile_of(ldap_user), language=translation.get_language()
            )
        except SignInRefused as refusal:
            if built:
                user.delete()  # made by this attempt only: leave nothing behind
            else:
                # Known before, refused now: no session or token of theirs works any more.
                deactivate(user)
            if request is not None and refusal.message != "disabled":
                # The password was right: say why the sign-in still fails.
                messages.error(request, refusal.message, fail_silently=True)
            log.info("LDAP sign-in of %s refused: %s", username, refusal.message)
            return None
        except ldap.LDAPError:
            log.exception("LDAP sign-in of %s failed", username)
            if built:
                user.delete()
            return None
        # Deactivated by an administrator: the directory's yes does not undo it.
        return done.user if done.user.is_active else None

    def get_or_build_user(self, username, ldap_user):  # noqa: ANN001, ANN201
        user, built = super().get_or_build_user(username, ldap_user)
        if not built:
            account = DirectoryAccount.objects.filter(user=user).first()
            if account is None and not getattr(settings, "ESCALA_LDAP_ADOPT_LOCAL_USERS", False):
                raise ldap_user.AuthenticationFailed("a local account has this username")
            if account is not None and account.source != Source.LDAP:
                raise ldap_user.AuthenticationFailed("another directory manages this account")
        ldap_user._escala_built = built
        return user, built

    def get_user(self, user_id):  # noqa: ANN001, ANN201
        return PeopleBackend().get_user(user_id)

    def get_all_permissions(self, user, obj=None):  # noqa: ANN001, ANN201
        return set()  # permissions come from Django's groups and flags, not the directory's


def is_disabled(connection: Any, dn: str | None) -> bool:
    """Whether the entry matches ESCALA_LDAP_DISABLED_FILTER (errors propagate)."""
    disabled_filter = getattr(settings, "ESCALA_LDAP_DISABLED_FILTER", "")
    if not disabled_filter or not dn:
        return False
    try:
        found = connection.search_s(dn, ldap.SCOPE_BASE, disabled_filter, ["1.1"])
    except ldap.NO_SUCH_OBJECT:
        return True
    return bool(found)


def connect() -> Any:
    """A connection bound with the service account; raises ldap.LDAPError when it cannot."""
    connection = ldap.initialize(settings.AUTH_LDAP_SERVER_URI, bytes_mode=False)
    for option, value in getattr(settings, "AUTH_LDAP_CONNECTION_OPTIONS", {}).items():
        connection.set_option(option, value)
    if getattr(settings, "AUTH_LDAP_START_TLS", False):
        connection.start_tls_s()
    connection.simple_bind_s(
        getattr(settings, "AUTH_LDAP_BIND_DN", ""), getattr(settings, "AUTH_LDAP_BIND_PASSWORD", "")
    )
    return connection


def lookup(connection: Any, username: str) -> Literal["active", "missing", "disabled"]:
    """What the directory says of `username` now. Errors (server down, bad bind) propagate:
    the caller must never take an unreachable directory for a removed user."""
    template = getattr(settings, "AUTH_LDAP_USER_DN_TEMPLATE", None)
    if template:
        dn = template % {"user": ldap.dn.escape_dn_chars(username)}
        try:
            found = connection.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["1.1"])
        except ldap.NO_SUCH_OBJECT:
            return "missing"
    else:
        search = settings.AUTH_LDAP_USER_SEARCH
        query = search.filterstr % {"user": ldap.filter.escape_filter_chars(username)}
        try:
            found = connection.search_s(search.base_dn, search.scope, query, ["1.1"])
        except ldap.NO_SUCH_OBJECT:
            return "missing"
    entries = [dn for dn, _attrs in found if dn]
    if len(entries) != 1:
        return "missing"
    return "disabled" if is_disabled(connection, entries[0]) else "active"
