"""The directory check: every ESCALA_LDAP_SYNC_MINUTES, `escala worker` asks the directory about
each login it manages. Removed or disabled: the login is deactivated (no sign-in, no session, no
API token works: api.tokens refuses inactive users). Still there: its groups are read again and
the mapping rules re-applied, so a team membership ends even without a sign-in. An unreachable
directory deactivates no one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from escala.core import clock
from escala.core.periodic import periodic

from .choices import Source
from .models import DirectoryAccount

log = logging.getLogger(__name__)


@dataclass
class CheckReport:
    checked: int = 0
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    failed: str = ""


def check_ldap_accounts() -> CheckReport:
    from . import directory
    from .provisioning import SignInRefused, provision_user

    report = CheckReport()
    if not directory.configured():
        return report
    import ldap

    try:
        connection = directory.connect()
    except ldap.LDAPError as exc:
        report.failed = str(exc)
        log.warning("Directory check skipped: the directory did not answer (%s)", exc)
        return report
    backend = directory.DirectoryBackend()
    try:
        accounts = DirectoryAccount.objects.filter(source=Source.LDAP).select_related("user")
        for account in accounts.iterator():
            user = account.user
            try:
                state = directory.lookup(connection, user.get_username())
            except ldap.LDAPError as exc:
                report.failed = str(exc)
                log.warning("Directory check stopped at %s: %s", user, exc)
                break
            report.checked += 1
            if state != "active":
                if user.is_active:
                    report.deactivated.append(user.get_username())
                directory.deactivate(user)
                continue
            if account.deactivated_by_directory or user.is_active:
                # Read the entry and its groups again and apply the rules (it may reactivate).
                ldap_user = backend.populate_user(user.get_username())
                if ldap_user is None:
                    continue
                was_active = user.is_active
                try:
                    provision_user(user=user, profile=directory.profile_of(ldap_user.ldap_user))
                except SignInRefused:
                    report.deactivated.append(user.get_username())
                    directory.deactivate(user)
                    continue
                if not was_active:
                    report.reactivated.append(user.get_username())
    finally:
        connection.unbind_s()
    if not report.failed:
        DirectoryAccount.objects.filter(source=Source.LDAP).update(last_checked_at=clock.now())
    return report


@periodic("sso.directory_check", every=timedelta(minutes=max(1, settings.ESCALA_LDAP_SYNC_MINUTES)))
def directory_check(now: datetime) -> CheckReport:
    return check_ldap_accounts()
