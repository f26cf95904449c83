"""Hears committed ticket events and queues a delivery for every subscription that wants it."""

from typing import Any

from escala.tickets.models import TicketEvent

from . import actions
from .payloads import EVENT_MAP


def on_ticket_event(sender: Any, event: TicketEvent, **kwargs: Any) -> None:
    name = EVENT_MAP.get(event.kind)
    if name is None:
        return
    if event.kind == "replied" and not event.data.get("public", True):
        return
    actions.queue_for_ticket_event(name=name, event=event)
