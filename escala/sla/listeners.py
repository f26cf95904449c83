"""Keep each ticket's stored clocks in step with its history."""

import logging

from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver

from escala.tickets.choices import EventKind
from escala.tickets.events import ticket_events_committed
from escala.tickets.models import TicketEvent

from . import clocks

log = logging.getLogger(__name__)


@receiver(ticket_events_committed, dispatch_uid="sla.recompute_clocks")
def recompute_clocks(sender, events, **kwargs) -> None:  # noqa: ANN001
    # One action often writes several events, and a mail batch many: the clocks of each ticket
    # are recomputed once, from its whole history, with the SLA settings read once.
    ours: dict[int, int] = {}
    for event in events:
        ours[event.ticket_id] = max(ours.get(event.ticket_id, 0), event.pk)
    try:
        # A ticket with a later event is skipped: that event's own signal recomputes it.
        with transaction.atomic():
            latest = dict(
                TicketEvent.objects.filter(ticket_id__in=list(ours))
                .values("ticket_id")
                .annotate(last=Max("pk"))
                .values_list("ticket_id", "last")
            )
    except Exception:
        log.exception("Could not read the latest events of tickets %s", list(ours))
        return
    ctx = None
    todo = [t for t, last in ours.items() if latest.get(t, 0) <= last]
    # Tickets created by these events have no stored clocks yet: built together, in a few
    # queries (a mail batch creates a hundred at once).
    created = {e.ticket_id for e in events if e.kind == EventKind.CREATED}
    new = [t for t in todo if t in created]
    if new:
        try:
            with transaction.atomic():
                ctx = clocks.Context.load()
                clocks.rebuild(new, ctx=ctx)
        except Exception:
            log.exception("Could not build the clocks of tickets %s", new)
    changed = [t for t in todo if t not in created]
    if changed:
        try:
            # A savepoint: a failure here never poisons the caller's transaction.
            with transaction.atomic():
                ctx = ctx or clocks.Context.load()
                clocks.recompute_many(changed, ctx=ctx)
            changed = []
        except Exception:
            log.exception("Could not recompute the clocks of tickets %s together", changed)
    for ticket_id in changed:  # again one by one after a failure: one ticket spoils no other
        try:
            with transaction.atomic():
                ctx = ctx or clocks.Context.load()
                clocks.recompute(ticket_id, ctx=ctx)
        except Exception:
            # The change itself is committed; the sweep recomputes the clocks again before acting.
            log.exception("Could not recompute the clocks of ticket %s", ticket_id)
