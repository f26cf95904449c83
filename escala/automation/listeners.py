"""Routing and triggers react to committed ticket events."""

import logging

from django.dispatch import receiver

from escala.tickets.choices import EventKind
from escala.tickets.events import ticket_event_committed, ticket_events_committed

from . import routing, triggers

log = logging.getLogger(__name__)


@receiver(ticket_event_committed, dispatch_uid="automation.route_new_ticket")
def route_new_ticket(sender, event, **kwargs) -> None:  # noqa: ANN001
    if event.kind != EventKind.CREATED:
        return
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


@receiver(ticket_events_committed, dispatch_uid="automation.save_last_agents")
def save_last_agents(sender, events, **kwargs) -> None:  # noqa: ANN001
    # Not caught here: a database error spoils the relay's batch savepoint, and the relay runs
    # the batch again event by event, so round-robin never skips what the batch recorded.
    routing.save_last_agents()
