"""Routing: who in the team gets a new ticket. The assignment itself is `assign_ticket`; the
relay's batch assigns its new tickets together (`route_many`, the same choice and checks)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from escala.core import memo
from escala.people.models import Agent
from escala.tickets import events
from escala.tickets.actions import assign_many, assign_ticket
from escala.tickets.choices import OPEN_STATUSES, EventKind
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.models import Category, Team

from .choices import RoutingMode
from .models import TeamRouting

log = logging.getLogger(__name__)


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
    agents = agents.annotate(load=Coalesce(Subquery(open_load), 0)).select_related("user")
    return list(agents.order_by("load", "pk").distinct())


def _routing_of(team_id: int) -> TeamRouting | None:
    # A mail batch routes a hundred tickets of a few teams: each team's row is read once.
    return memo.cached(
        ("team_routing", team_id), lambda: TeamRouting.objects.filter(team_id=team_id).first()
    )


def choose(ticket: Ticket) -> Agent | None:
    routing = _routing_of(ticket.team_id)
    mode = routing.mode if routing else RoutingMode.LEAST_LOADED
    if mode == RoutingMode.MANUAL:
        return None
    # In a batch (a hundred mails' tickets) each team's pool is read once; the loads are then
    # counted on as the batch gives tickets out (route_ticket).
    pool = memo.cached(("routing_pool", ticket.team_id, ticket.category_id), lambda: _pool(ticket))
    if not pool:
        return None
    if mode == RoutingMode.ROUND_ROBIN:
        ordered = sorted(pool, key=lambda a: a.pk)
        last = routing.last_agent_id if routing else None
        return next((a for a in ordered if last is None or a.pk > last), ordered[0])
    return min(pool, key=lambda a: (a.load, a.pk))


def _pool(ticket: Ticket) -> list[Agent]:
    """`candidates`, read for a batch; with each one's teams, which the assignment checks
    (`may hold`), read with one query for the pool instead of one per agent given a ticket."""
    pool = candidates(ticket)
    if pool and memo.active():
        teams: dict[int, list[Team]] = {agent.pk: [] for agent in pool}
        links = Agent.teams.through.objects.filter(agent_id__in=list(teams)).select_related("team")
        for link in links:
            teams[link.agent_id].append(link.team)
        for agent_id, held in teams.items():
            memo.remember(("agent_teams", agent_id), held)
    return pool


def nothing_to_route(ticket: Ticket) -> bool:
    """Assigned, closed, or without a team whose agents could take it."""
    return ticket.assignee_id is not None or not ticket.is_open or ticket.team_id is None


def route_ticket(ticket_id: int, *, seen: Ticket | None = None) -> Agent | None:
    """Give a new, unassigned ticket to the agent its team's routing picks (as the system).
    `seen`: the ticket as its committed event found it; one with nothing to route (no team,
    an assignee, closed) is left without reading it again."""
    if seen is not None and nothing_to_route(seen):
        return None
    if seen is not None and memo.active():
        # In a batch (the relay's, a mail batch's) the ticket was read at its start, in this
        # transaction: its team and category pick the pool, the assignment locks and re-checks.
        _with_category(seen)
        return route(seen)
    return route(Ticket.objects.select_related("category").get(pk=ticket_id))


def route(ticket: Ticket) -> Agent | None:
    """`route_ticket` for a ticket in hand, as it is now (its team and category decide the
    pool; the assignment itself locks and reads it again)."""
    if nothing_to_route(ticket):
        return None
    # No savepoint of its own: its caller has one (the relay's batch, or the mail batch per ticket).
    with transaction.atomic(savepoint=False):
        agent = choose(ticket)
        if agent is None:
            return None
        assign_ticket(ticket=ticket.pk, by=None, assignee=agent)
        _given(ticket, agent)
    return agent


def _with_category(ticket: Ticket) -> Ticket:
    if ticket.category_id is not None:
        ticket.category = memo.cached(
            ("category", ticket.category_id), lambda: Category.objects.get(pk=ticket.category_id)
        )
    return ticket


def _given(ticket: Ticket, agent: Agent) -> None:
    """Count the assignment: the batch's pool (memo) and the team's round-robin pointer."""
    agent.load += 1
    routing = _routing_of(ticket.team_id)
    if routing is None:
        routing = TeamRouting.objects.create(team_id=ticket.team_id, last_agent=agent)
    elif events.in_relay() and memo.active():
        # The relay's batch gives a team many tickets: its last agent is written once, at the
        # end of the batch (save_last_agents), in the same transaction.
        routing.last_agent = agent
        memo.cached(("routing_to_save",), dict)[routing.pk] = routing
    else:
        TeamRouting.objects.filter(pk=routing.pk).update(last_agent=agent)
        routing.last_agent = agent
    memo.remember(("team_routing", ticket.team_id), routing)


def route_many(new: list[TicketEvent]) -> set[int]:
    """Route the new tickets of a relayed batch (their CREATED events) together: each is given
    to the agent `choose` picks, in event order, as `route_ticket` one by one would, but the
    tickets are locked and read with one query each for all, and their events and updates
    written with one statement each (`assign_many`). Returns the ids of the events handled:
    those tickets are routed, or had nothing to route. On any error nothing is kept and an
    empty set is returned, so `route_ticket` routes each event alone."""
    todo = [e for e in new if e.kind == EventKind.CREATED and not nothing_to_route(e.ticket)]
    if not todo:
        return {e.pk for e in new if e.kind == EventKind.CREATED}
    saved = memo.snapshot()
    given: list[tuple[Agent, TeamRouting | None, int | None]] = []

    def pick(ticket: Ticket) -> Agent | None:
        if nothing_to_route(ticket):
            return None
        agent = choose(_with_category(ticket))
        if agent is not None:
            routing = _routing_of(ticket.team_id)
            given.append((agent, routing, routing.last_agent_id if routing else None))
            _given(ticket, agent)  # the next ticket's choice counts this one
        return agent

    try:
        with transaction.atomic():  # one savepoint: a failure takes back the whole step
            assign_many([e.ticket_id for e in todo], pick, by=None)
    except Exception:
        # The pool's counts and the pointers as they were: each ticket is routed again alone.
        for agent, routing, last in reversed(given):
            agent.load -= 1
            if routing is not None:
                routing.last_agent_id = last
        memo.restore(saved)
        log.exception("Could not route tickets %s together", [e.ticket_id for e in todo])
        return set()
    return {e.pk for e in new if e.kind == EventKind.CREATED}


def save_last_agents() -> None:
    """Write the last agent of each team the relay's batch routed to (see `route`)."""
    for routing in memo.take(("routing_to_save",), {}).values():
        TeamRouting.objects.filter(pk=routing.pk).update(last_agent=routing.last_agent)
