"""Routing: who in the team gets a new ticket. The assignment itself is `assign_ticket`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from escala.people.models import Agent
from escala.tickets.actions import assign_ticket
from escala.tickets.choices import OPEN_STATUSES
from escala.tickets.models import Ticket

from .choices import RoutingMode
from .models import TeamRouting


def candidates(ticket: Ticket) -> list[Agent]:
    """Available (not away) agents of the ticket's team with the category's specialty, least
    loaded first (open tickets assigned), then by id for a stable order."""
    if ticket.team_id is None:
        return []
    agents = Agent.objects.filter(teams=ticket.team_id, is_away=False, is_supervisor=False)
    specialty_id = ticket.category.specialty_id if ticket.category_id else None
    if specialty_id is not None:
        agents = agents.filter(skills=specialty_id)
    # A correlated count over (assignee, status): it reads only each agent's open tickets from
    # the index, where a join counted through every ticket they ever held (a second a ticket at
    # a million tickets).
    open_load = (
        Ticket.objects.filter(assignee=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    agents = agents.annotate(load=Coalesce(Subquery(open_load), 0))
    return list(agents.order_by("load", "pk").distinct())


def choose(ticket: Ticket) -> Agent | None:
    routing = TeamRouting.objects.filter(team_id=ticket.team_id).first()
    mode = routing.mode if routing else RoutingMode.LEAST_LOADED
    if mode == RoutingMode.MANUAL:
        return None
    pool = candidates(ticket)
    if not pool:
        return None
    if mode == RoutingMode.ROUND_ROBIN:
        ordered = sorted(pool, key=lambda a: a.pk)
        last = routing.last_agent_id if routing else None
        return next((a for a in ordered if last is None or a.pk > last), ordered[0])
    return pool[0]


def route_ticket(ticket_id: int) -> Agent | None:
    """Give a new, unassigned ticket to the agent its team's routing picks (as the system)."""
    ticket = Ticket.objects.select_related("category").get(pk=ticket_id)
    if ticket.assignee_id is not None or not ticket.is_open:
        return None
    with transaction.atomic():
        agent = choose(ticket)
        if agent is None:
            return None
        assign_ticket(ticket=ticket.pk, by=None, assignee=agent)
        TeamRouting.objects.update_or_create(team_id=ticket.team_id, defaults={"last_agent": agent})
    return agent
