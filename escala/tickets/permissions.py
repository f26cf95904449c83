"""The one policy: who may see and work which ticket.

`ticket_scope` is the only definition of visibility; `tickets_visible_to` is its queryset. Detail
access goes through the same queryset (`access_ticket`), so a list and a detail page can never
disagree. Anything an agent can
see, the agent can work; requesters can see and answer their own tickets (managers: their whole
organization's) but never work them.
"""

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from escala.core.errors import Forbidden, NotFound
from escala.people import access
from escala.people.models import Agent
from escala.people.queries import agent_of, is_admin, requester_of, team_and_tier_ids

from .models import Ticket, TicketParticipant

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class TicketScope:
    """The tickets a user may see, as data: every ticket, or the union of the parts set here.

    `tickets_visible_to` turns it into the queryset; the search index, which keeps copies of
    these ticket columns, turns the same data into its own conditions. No parts: no tickets."""

    everything: bool = False
    tier_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    assignee_id: int | None = None  # an agent: the tickets assigned to them...
    participant_id: int | None = None  # ...and those they were pulled into
    organization_id: int | None = None  # a customer manager: the whole organization
    requester_id: int | None = None  # a requester: their own

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything
            or self.tier_ids
            or self.team_ids
            or self.assignee_id
            or self.participant_id
            or self.organization_id
            or self.requester_id
        )

    def q(self) -> Q:
        """The condition on Ticket (only meaningful when neither everything nor empty)."""
        parts = []
        if self.tier_ids:
            parts.append(Q(tier_id__in=self.tier_ids))
        if self.team_ids:
            parts.append(Q(team_id__in=self.team_ids))
        if self.assignee_id:
            parts.append(Q(assignee_id=self.assignee_id))
        if self.participant_id:
            pulled_in = TicketParticipant.objects.filter(
                ticket=OuterRef("pk"), agent_id=self.participant_id
            )
            parts.append(Q(Exists(pulled_in)))
        if self.organization_id:
            parts.append(Q(organization_id=self.organization_id))
        if self.requester_id:
            parts.append(Q(requester_id=self.requester_id))
        return reduce(operator.or_, parts) if parts else Q(pk__in=[])

    def admits(self, ticket: Ticket, *, participant_ids: frozenset[int] = frozenset()) -> bool:
        """`q()` decided in Python for a ticket in hand (`participant_ids`: the agents pulled
        into it), so a listener can check many people against a batch of tickets without a
        query each. Kept beside `q()`: the two must say the same."""
        if self.everything:
            return True
        return bool(
            (self.tier_ids and ticket.tier_id in self.tier_ids)
            or (self.team_ids and ticket.team_id in self.team_ids)
            or (self.assignee_id and ticket.assignee_id == self.assignee_id)
            or (self.participant_id and self.participant_id in participant_ids)
            or (self.organization_id and ticket.organization_id == self.organization_id)
            or (self.requester_id and ticket.requester_id == self.requester_id)
        )


def _agent_ticket_scope(agent: Agent) -> TicketScope:
    """The tickets an agent works: their tiers, their teams, assigned to them, or pulled in."""
    team_ids, tier_ids = team_and_tier_ids(agent)
    return TicketScope(
        tier_ids=tuple(tier_ids),
        team_ids=tuple(team_ids),
        assignee_id=agent.pk,
        participant_id=agent.pk,
    )


def agent_scope(agent: Agent) -> Q:
    return _agent_ticket_scope(agent).q()


def ticket_scope(user: User | None) -> TicketScope:
    """Who sees what: the one visibility rule."""
    if user is None or not user.is_authenticated:
        return TicketScope()
    if is_admin(user):
        return TicketScope(everything=True)
    if (agent := agent_of(user)) is not None:
        if agent.is_supervisor:
            return TicketScope(everything=True)
        return _agent_ticket_scope(agent)
    if (requester := requester_of(user)) is not None:
        if requester.is_manager:
            return TicketScope(organization_id=requester.organization_id)
        return TicketScope(requester_id=requester.pk)
    return TicketScope()


def tickets_visible_to(user: User | None) -> QuerySet[Ticket]:
    return tickets_for_scope(ticket_scope(user))


def tickets_for_scope(scope: TicketScope) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if scope.everything:
        return tickets
    if scope.is_empty:
        return tickets.none()
    return tickets.filter(scope.q())


is_staff_member = access.is_staff_member  # the one definition, in people.access


def access_ticket(
    user: User | None,
    ticket_id: int,
    *,
    for_update: bool = False,
    related: tuple[str, ...] = (),
    annotations: dict[str, Any] | None = None,
) -> Ticket:
    """Fetch and authorize in one step. A ticket the user may not see does not exist for them.
    `related`: rows to join in the same query (a page that shows them); `annotations`: values
    computed in the same query (a page's small look-ups)."""
    tickets = tickets_visible_to(user)
    if related:
        tickets = tickets.select_related(*related)
    if annotations:
        tickets = tickets.annotate(**annotations)
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
