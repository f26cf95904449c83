"""Keep each ticket's stored clocks in step with its history."""

import logging

from django.dispatch import receiver

from escala.tickets.events import ticket_event_committed

from . import clocks

log = logging.getLogger(__name__)


@receiver(ticket_event_committed, dispatch_uid="sla.recompute_clocks")
def recompute_clocks(sender, event, **kwargs) -> None:  # noqa: ANN001
    clocks.recompute(event.ticket_id)
