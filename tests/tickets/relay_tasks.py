"""Tasks for the relay tests: one that records a ticket event while the worker runs tasks, one
that notes how many events are still waiting for the relay when it runs."""

from django.tasks import task

seen_queued: list[int] = []


@task()
def open_a_ticket(requester_id: int) -> int:
    from escala.people.models import Requester

    from .factories import open_ticket

    return open_ticket(Requester.objects.get(pk=requester_id), subject="Opened by a task").pk


@task()
def note_queued() -> int:
    from escala.tickets.models import QueuedEvent

    seen_queued.append(QueuedEvent.objects.count())
    return seen_queued[-1]
