"""The one policy: who may see and work which ticket.

`tickets_visible_to` is the only definition of visibility. Detail access goes through the same
queryset (`access_ticket`), so a list and a detail page can never disagree. Anything an agent can
see, the agent can work; requesters can see and answer their own tickets (managers: their whole
organization's) but never work them.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, NotFound
from escala.people.models import Agent
from escala.people.queries import agent_of, is_admin, requester_of, team_and_tier_ids

from .models import Ticket, TicketParticipant

User = AbstractBaseUser | AnonymousUser


def agent_scope(agent: Agent) -> Q:
    """The tickets an agent works: their tiers, their teams, assigned to them, or pulled in."""
    team_ids, tier_ids = team_and_tier_ids(agent)
    pulled_in = TicketParticipant.objects.filter(ticket=OuterRef("pk"), agent=agent)
    return (
        Q(tier_id__in=tier_ids) | Q(team_id__in=team_ids) | Q(assignee=agent) | Q(Exists(pulled_in))
    )


def tickets_visible_to(user: User | None) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if user is None or not user.is_authenticated:
        return tickets.none()
    if is_admin(user):
        return tickets
    if (agent := agent_of(user)) is not None:
        if agent.is_supervisor:
            return tickets
        return tickets.filter(agent_scope(agent))
    if (requester := requester_of(user)) is not None:
        if requester.is_manager:
            return tickets.filter(organization_id=requester.organization_id)
        return tickets.filter(requester=requester)
    return tickets.none()


def is_staff_member(user: User | None) -> bool:
    return is_admin(user) or agent_of(user) is not None


def access_ticket(
    user: User | None, ticket_id: int, *, for_update: bool = False, related: tuple[str, ...] = ()
) -> Ticket:
    """Fetch and authorize in one step. A ticket the user may not see does not exist for them.
    `related`: rows to join in the same query (a page that shows them)."""
    tickets = tickets_visible_to(user)
    if related:
        tickets = tickets.select_related(*related)
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    try:
        return tickets.get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ticket not found.")) from None


def can_see(user: User | None, ticket: Ticket) -> bool:
    return tickets_visible_to(user).filter(pk=ticket.pk).exists()


def can_work(user: User | None, ticket: Ticket) -> bool:
    return is_staff_member(user) and can_see(user, ticket)


def ensure_can_work(user: User | None, ticket: Ticket) -> None:
    """`user` None is the system itself (SLA sweep, mail ingest), which may do anything."""
    if user is None:
        return
    if not can_see(user, ticket):
        raise NotFound(_("Ticket not found."))
    if not is_staff_member(user):
        raise Forbidden(_("Only help desk agents can do this."))


def ensure_can_see(user: User | None, ticket: Ticket) -> None:
    if user is None:
        return
    if not can_see(user, ticket):
        raise NotFound(_("Ticket not found."))
