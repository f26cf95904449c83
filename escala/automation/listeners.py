"""Routing and triggers react to committed ticket events."""

import logging

from django.dispatch import receiver

from escala.core import memo
from escala.tickets.choices import EventKind
from escala.tickets.events import (
    ticket_event_committed,
    ticket_events_relayed,
    ticket_events_relaying,
)

from . import routing, triggers

log = logging.getLogger(__name__)


@receiver(ticket_events_relaying, dispatch_uid="automation.route_new_tickets")
def route_new_tickets(sender, events, **kwargs) -> None:  # noqa: ANN001
    # The relay's batch: its new tickets routed together, before any listener of their events
    # (as route_new_ticket, the first of them, would one by one).
    routed = memo.cached(("routed_together",), set)
    try:
        routed |= routing.route_many(events)
    except Exception:
        log.exception("Could not route tickets %s", sorted({e.ticket_id for e in events}))
    try:
        triggers.preload(events)  # routed: the triggers see the tickets as they are now
    except Exception:
        log.exception("Could not read the tickets of events %s", [e.pk for e in events])


@receiver(ticket_event_committed, dispatch_uid="automation.route_new_ticket")
def route_new_ticket(sender, event, **kwargs) -> None:  # noqa: ANN001
    if event.kind != EventKind.CREATED:
        return
    if event.pk in memo.get(("routed_together",), ()):
        return  # done by route_new_tickets
    triggers.forget_preloaded(event.ticket_id)  # routing changes it
    try:
        routing.route_ticket(event.ticket_id, seen=event.ticket)
    except Exception:
        # The ticket is safe in its team's queue; routing is a convenience, never a blocker.
        log.exception("Could not route ticket %s", event.ticket_id)


@receiver(ticket_event_committed, dispatch_uid="automation.fire_triggers")
def fire_triggers(sender, event, **kwargs) -> None:  # noqa: ANN001
    try:
        triggers.fire(event)
    except Exception:
        log.exception("Triggers failed for event %s", event.pk)


@receiver(ticket_events_relayed, dispatch_uid="automation.save_last_agents")
def save_last_agents(sender, **kwargs) -> None:  # noqa: ANN001
    # Last in the batch: every worker writes these rows, so their locks are held the shortest.
    # Not caught here: a database error spoils the relay's batch savepoint, and the relay runs
    # the batch again event by event, so round-robin never skips what the batch recorded.
    routing.save_last_agents()
