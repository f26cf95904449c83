"""Which pages of the help desk a user may open: the one place both the menus and the views ask.

Each `may_*` function is what the target view checks (it raises 404/403 when False) and what
the menu checks before it shows the link, so a link is never shown to someone it would refuse
and a page never lacks its link. Ticket visibility stays in `tickets.permissions`; article
visibility in `knowledge.permissions`."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Organization, Requester
from .queries import agent_of, is_admin, requester_of

User = AbstractBaseUser | AnonymousUser | None


def is_staff_member(user: User) -> bool:
    """Agents (any level) and administrators: the console and everything in it."""
    return is_admin(user) or agent_of(user) is not None


def is_requester(user: User) -> bool:
    return requester_of(user) is not None


def may_use_console(user: User) -> bool:
    return is_staff_member(user)


def may_see_dashboard(user: User) -> bool:
    """The tier dashboard (/desk/reports/): supervisors and administrators."""
    agent = agent_of(user)
    return is_admin(user) or (agent is not None and agent.is_supervisor)


def may_see_own_figures(user: User) -> bool:
    """An agent's own figures (/desk/reports/me/)."""
    return agent_of(user) is not None


def may_handle_mail(user: User) -> bool:
    """The mail quarantine (/desk/mail/): quarantined mail is every agent's to sort out."""
    return is_staff_member(user)


def may_manage_api_tokens(user: User) -> bool:
    """Personal access tokens (/api/tokens/): every signed-in person of the desk; a token sees
    only what its user sees."""
    return bool(user is not None and user.is_authenticated)


def may_manage_settings(user: User) -> bool:
    """Configuration (the admin site, webhooks): administrators only."""
    return is_admin(user)


def may_write_articles(user: User) -> bool:
    """The knowledge base is written by the whole desk."""
    return is_staff_member(user)


def may_keep_reply_tools(user: User) -> bool:
    """An agent's own reply tools (/desk/settings/: signature, own canned replies)."""
    return agent_of(user) is not None


def may_manage_shared_canned_replies(user: User) -> bool:
    """Canned replies shared with the whole desk: written by supervisors and administrators."""
    agent = agent_of(user)
    return is_admin(user) or (agent is not None and agent.is_supervisor)


def requesters_visible_to(user: User) -> QuerySet[Requester]:
    """The requesters a user may look up: the desk sees the whole directory (an agent files
    tickets for any caller); nobody else sees anyone through the console's search."""
    if is_staff_member(user):
        return Requester.objects.all()
    return Requester.objects.none()


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """The organizations a user may look up: the desk's, as for requesters."""
    if is_staff_member(user):
        return Organization.objects.all()
    return Organization.objects.none()
