"""Background tasks of the SLA app: thin, by id."""

from django.tasks import task


@task()
def recompute_ticket_clocks(ticket_id: int) -> None:
    from .clocks import recompute

    recompute(ticket_id)


@task()
def recompute_all_clocks() -> int:
    """After a calendar or policy change: rebuild every open ticket's clocks."""
    from escala.tickets.choices import OPEN_STATUSES
    from escala.tickets.models import Ticket

    from .clocks import Context, recompute

    ctx = Context.load()
    n = 0
    for pk in Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True):
        recompute(pk, ctx=ctx)
        n += 1
    return n
