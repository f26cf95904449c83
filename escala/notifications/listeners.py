"""Committed ticket events -> the notifications they mean, once per relayed batch.

The relay (docs/decisions/0005-event-relay.md) hands this listener a batch of events; a batch
with nothing to tell costs nothing, and one that does costs a fixed number of queries whatever
its size: the tickets, the notes' bodies, the people who may be told (with their teams), the
tickets' participants, their preferences, then one insert (and the mails, a row each).

Who is told, never the person who did it:
- assigned: the new assignee (not when they assigned themself: that is a claim or a choice);
- escalated / sent back: every agent of the receiving team, or of the receiving tier when no
  team received it;
- a requester's reply, an SLA warning or breach: the ticket's assignee;
- an internal note's @mention (@username or @"Full Name"): the agents it names.
Each only if the one policy (tickets.permissions) lets them see the ticket now.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower, Trim
from django.dispatch import receiver

from escala.core import clock
from escala.core.rows import insert_many
from escala.people.models import Agent
from escala.tickets.choices import EventKind
from escala.tickets.events import ticket_events_committed
from escala.tickets.models import Message, Ticket, TicketEvent, TicketParticipant
from escala.tickets.permissions import ticket_scope
from escala.tiers.models import Team

from . import mailing, mentions, queries, state
from .choices import BY_MAIL, DEFAULT_DELIVERY, IN_APP, Kind
from .models import Notification

log = logging.getLogger(__name__)

WATCHED = frozenset(
    {
        EventKind.ASSIGNED,
        EventKind.ESCALATED,
        EventKind.DE_ESCALATED,
        EventKind.REQUESTER_REPLIED,
        EventKind.SLA_WARNING,
        EventKind.SLA_BREACHED,
        EventKind.NOTE_ADDED,
    }
)
_TO_ASSIGNEE = {
    EventKind.REQUESTER_REPLIED: Kind.REQUESTER_REPLIED,
    EventKind.SLA_WARNING: Kind.SLA_WARNING,
    EventKind.SLA_BREACHED: Kind.SLA_BREACHED,
}
EXCERPT = 200


@dataclass
class _Batch:
    events: list[TicketEvent]
    tickets: dict[int, Ticket] = field(default_factory=dict)
    notes: dict[int, mentions.Mentions] = field(default_factory=dict)  # event id -> mentions
    bodies: dict[int, str] = field(default_factory=dict)  # event id -> note body
    agents: dict[int, Agent] = field(default_factory=dict)
    by_team: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_tier: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_handle: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    participants: dict[int, frozenset[int]] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)


@receiver(ticket_events_committed, dispatch_uid="escala.notifications.notify")
def _on_events(sender: Any, events: list[TicketEvent], **kwargs: Any) -> None:
    watched = [e for e in events if e.kind in WATCHED]
    if not watched:
        return  # not even a savepoint
    try:
        # A savepoint (inside the relay's transaction, or a transaction of its own after an
        # inline commit): a bug here never takes the batch's other listeners with it.
        with transaction.atomic():
            notify(watched)
    except Exception:
        log.exception("notifications for events %s failed", [e.pk for e in watched])


def notify(events: list[TicketEvent]) -> list[Notification]:
    """Write the notifications (and queue the mails) these committed events mean."""
    batch = _Batch(events=[e for e in events if e.kind in WATCHED])
    if not batch.events:
        return []
    _load(batch)
    wanted: dict[tuple[int, int, str], tuple[TicketEvent, dict[str, Any]]] = {}
    for event in batch.events:
        ticket = batch.tickets.get(event.ticket_id)
        if ticket is None:
            continue
        for agent_id, kind, params in _audience(batch, event, ticket):
            agent = batch.agents.get(agent_id)
            if agent is None or agent.user_id == event.actor_id:
                continue
            if not _may_see(agent, ticket, batch):
                continue
            wanted.setdefault((event.pk, agent.user_id, kind), (event, params))
    if not wanted:
        return []
    chosen = queries.deliveries({user_id for _e, user_id, _k in wanted})
    now = clock.now()
    rows: list[Notification] = []
    mails: list[tuple[Agent, str, TicketEvent, dict[str, Any]]] = []
    agents_by_user = {a.user_id: a for a in batch.agents.values()}
    for (_event_id, user_id, kind), (event, params) in wanted.items():
        delivery = chosen.get((user_id, kind), DEFAULT_DELIVERY[kind])
        if delivery in IN_APP:
            rows.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    ticket_id=event.ticket_id,
                    actor_id=event.actor_id,
                    event_id=event.pk,
                    params=params,
                    created_at=now,
                )
            )
        if delivery in BY_MAIL:
            mails.append((agents_by_user[user_id], kind, event, params))
    # A batch run again (event by event, after a failure) finds its rows already written.
    created = insert_many(rows, ignore_conflicts=True)
    state.forget(n.recipient_id for n in rows)
    if mails:
        mailing.send(mails, tickets=batch.tickets, teams=batch.teams)
    return created


# --- loading the batch's rows -------------------------------------------------------------------


def _load(batch: _Batch) -> None:
    ticket_ids = {e.ticket_id for e in batch.events}
    batch.tickets = {
        t.pk: t
        for t in Ticket.objects.filter(pk__in=ticket_ids).only(
            "id", "subject", "tier_id", "team_id", "assignee_id", "organization_id", "requester_id"
        )
    }
    note_messages = {
        e.pk: (e.data or {}).get("message_id")
        for e in batch.events
        if e.kind == EventKind.NOTE_ADDED
    }
    message_ids = [m for m in note_messages.values() if isinstance(m, int)]
    if message_ids:
        bodies = dict(Message.objects.filter(pk__in=message_ids).values_list("pk", "body"))
        for event_id, message_id in note_messages.items():
            body = bodies.get(message_id, "")
            found = mentions.find(body)
            if found:
                batch.notes[event_id] = found
                batch.bodies[event_id] = body
    direct: set[int] = set()
    team_ids: set[int] = set()
    tier_ids: set[int] = set()
    for event in batch.events:
        data = event.data or {}
        ticket = batch.tickets.get(event.ticket_id)
        if event.kind == EventKind.ASSIGNED and isinstance(data.get("agent_id"), int):
            direct.add(data["agent_id"])
        elif event.kind in _TO_ASSIGNEE and ticket is not None and ticket.assignee_id:
            direct.add(ticket.assignee_id)
        elif event.kind in (EventKind.ESCALATED, EventKind.DE_ESCALATED):
            if isinstance(data.get("to_team_id"), int):
                team_ids.add(data["to_team_id"])
            elif isinstance(data.get("to_tier_id"), int):
                tier_ids.add(data["to_tier_id"])
    handles = set().union(*(m.usernames for m in batch.notes.values())) if batch.notes else set()
    names = set().union(*(m.names for m in batch.notes.values())) if batch.notes else set()
    who = Q(pk__in=direct) | Q(teams__in=team_ids) | Q(teams__tier_id__in=tier_ids)
    candidates = Agent.objects.filter(is_active=True, user__is_active=True)
    if handles or names:
        candidates = candidates.alias(
            handle=Lower("user__username"),
            full=Lower(Trim(Concat("user__first_name", Value(" "), "user__last_name"))),
        )
        who |= Q(handle__in=handles) | Q(full__in=names)
    if not (direct or team_ids or tier_ids or handles or names):
        return
    batch.agents = {a.pk: a for a in candidates.filter(who).select_related("user").distinct()}
    if not batch.agents:
        return
    memberships: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for agent_id, team_id, tier_id in Agent.teams.through.objects.filter(
        agent_id__in=list(batch.agents)
    ).values_list("agent_id", "team_id", "team__tier_id"):
        memberships[agent_id].append((team_id, tier_id))
        batch.by_team[team_id].add(agent_id)
        batch.by_tier[tier_id].add(agent_id)
    for agent in batch.agents.values():
        pairs = memberships.get(agent.pk, [])
        # What people.queries.team_and_tier_ids would read, one agent at a time.
        agent._team_and_tier_ids = (  # type: ignore[attr-defined]
            [team for team, _tier in pairs],
            sorted({tier for _team, tier in pairs}),
        )
        batch.by_handle[agent.user.username.casefold()] = agent.pk
        batch.by_name[mentions.norm_name(agent.user.get_full_name())].add(agent.pk)
    pulled: dict[int, set[int]] = defaultdict(set)
    for ticket_id, agent_id in TicketParticipant.objects.filter(
        ticket_id__in=ticket_ids, agent_id__in=list(batch.agents)
    ).values_list("ticket_id", "agent_id"):
        pulled[ticket_id].add(agent_id)
    batch.participants = {k: frozenset(v) for k, v in pulled.items()}
    if team_ids:
        batch.teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)}


def _may_see(agent: Agent, ticket: Ticket, batch: _Batch) -> bool:
    # The one policy, decided on rows in hand (agent.user.agent is this agent: select_related).
    scope = ticket_scope(agent.user)
    return scope.admits(ticket, participant_ids=batch.participants.get(ticket.pk, frozenset()))


# --- who hears of one event ---------------------------------------------------------------------


def _audience(batch: _Batch, event: TicketEvent, ticket: Ticket) -> list[tuple[int, str, dict]]:
    data = event.data or {}
    actor = {"actor": event.actor_name}
    if event.kind == EventKind.ASSIGNED:
        agent_id = data.get("agent_id")
        return [(agent_id, Kind.ASSIGNED, actor)] if isinstance(agent_id, int) else []
    if event.kind in _TO_ASSIGNEE:
        if not ticket.assignee_id:
            return []
        # A requester's name is not copied here: erasing them (escala/privacy) must not
        # leave it behind in agents' notifications.
        params = {}
        if event.kind != EventKind.REQUESTER_REPLIED:
            params = {"clock": event.field, "due_at": event.new_value}
        return [(ticket.assignee_id, _TO_ASSIGNEE[event.kind], params)]
    if event.kind in (EventKind.ESCALATED, EventKind.DE_ESCALATED):
        kind = Kind.ESCALATED if event.kind == EventKind.ESCALATED else Kind.RETURNED
        team_id = data.get("to_team_id")
        team = batch.teams.get(team_id) if isinstance(team_id, int) else None
        params = {
            **actor,
            "tier": event.new_value,
            "team": {"en": team.name, "es": team.name_es or team.name} if team else None,
            "reason": (event.reason or "")[:EXCERPT],
        }
        if isinstance(team_id, int):
            members = batch.by_team.get(team_id, set())
        else:
            members = batch.by_tier.get(data.get("to_tier_id"), set())
        return [(agent_id, kind, params) for agent_id in sorted(members)]
    if event.kind == EventKind.NOTE_ADDED and event.pk in batch.notes:
        found = batch.notes[event.pk]
        named: set[int] = set()
        for handle in found.usernames:
            if handle in batch.by_handle:
                named.add(batch.by_handle[handle])
        for name in found.names:
            named |= batch.by_name.get(name, set())
        excerpt = " ".join(batch.bodies[event.pk].split())[:EXCERPT]
        params = {**actor, "excerpt": excerpt}
        return [(agent_id, Kind.MENTIONED, params) for agent_id in sorted(named)]
    return []
