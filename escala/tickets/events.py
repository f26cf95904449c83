"""Every change to a ticket is an event row, written here, in the caller's transaction.

Listeners (notifications, SLA clocks, webhooks, triggers) hear about an event only once its
transaction has committed, through the `ticket_event_committed` signal.
"""

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from escala.core import clock

from .models import Ticket, TicketEvent

ticket_event_committed = Signal()  # sender=TicketEvent, event=TicketEvent


def _name(user: Any) -> str:
    if user is None:
        return "Escala"
    return user.get_full_name() or user.get_username()


def record(
    ticket: Ticket,
    kind: str,
    *,
    by: Any,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=by,
        actor_name=_name(by),
        created_at=clock.now(),
        field=field,
        old_value="" if old is None else str(old)[:250],
        new_value="" if new is None else str(new)[:250],
        reason=reason,
        data=data or {},
    )
    transaction.on_commit(
        lambda: ticket_event_committed.send(sender=TicketEvent, event=event), robust=True
    )
    return event
