"""Keep each ticket's stored clocks in step with its history."""

import logging

from django.dispatch import receiver

from escala.tickets.events import ticket_event_committed
from escala.tickets.models import TicketEvent

from . import clocks

log = logging.getLogger(__name__)


@receiver(ticket_event_committed, dispatch_uid="sla.recompute_clocks")
def recompute_clocks(sender, event, **kwargs) -> None:  # noqa: ANN001
    # One action often writes several events; every one of them reaches this listener after
    # the commit. Only the ticket's latest event needs a recompute: it sees the whole history.
    try:
        if TicketEvent.objects.filter(ticket_id=event.ticket_id, pk__gt=event.pk).exists():
            return
        clocks.recompute(event.ticket_id)
    except Exception:
        # The change itself is committed; the sweep recomputes the clocks again before acting.
        log.exception("Could not recompute the clocks of ticket %s", event.ticket_id)
