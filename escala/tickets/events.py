"""Every change to a ticket is an event row, written here, in the caller's transaction.

Listeners hear about events in three ways:
- `ticket_event_recorded`: at once, inside the event's transaction (for writes that must commit
  or roll back with the event, such as the mail outbox);
- `ticket_event_committed`: once per event after its transaction has committed (webhooks,
  triggers, routing);
- `ticket_events_committed`: the same events as a list, so a costly listener (SLA clocks,
  report facts) works once per ticket for a whole batch. Outside `batched()` each list holds one
  event; inside it (mail ingest), one list holds every event the batch committed.
"""

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from escala.core import clock

from .models import Ticket, TicketEvent

ticket_event_recorded = Signal()  # sender=TicketEvent, event=TicketEvent (in the transaction)
ticket_event_committed = Signal()  # sender=TicketEvent, event=TicketEvent
ticket_events_committed = Signal()  # sender=TicketEvent, events=list[TicketEvent]

_local = threading.local()


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
    ticket_event_recorded.send(sender=TicketEvent, event=event)
    transaction.on_commit(lambda: _committed(event), robust=True)
    return event


def _committed(event: TicketEvent) -> None:
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.append(event)  # sent when the batch ends
    else:
        _send([event])


def _send(events: list[TicketEvent]) -> None:
    for event in events:
        ticket_event_committed.send_robust(sender=TicketEvent, event=event)
    if events:
        ticket_events_committed.send_robust(sender=TicketEvent, events=events)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Hold back the committed-event signals until the block ends, then send them together.
    Wrap a block whose transactions commit many events (one transaction per mail batch): events
    of a rolled-back transaction or savepoint are never collected, since on_commit drops them."""
    if getattr(_local, "pending", None) is not None:
        yield  # already batching: the outer block sends
        return
    _local.pending = []
    try:
        yield
    finally:
        pending, _local.pending = _local.pending, None
        _send(pending)
