"""Reactions to ticket events (connected in apps.ready). The search index needs none: database
triggers keep it current."""

from typing import Any

from django.conf import settings
from django.dispatch import receiver

from escala.tickets.choices import EventKind
from escala.tickets.events import ticket_event_committed


@receiver(ticket_event_committed, dispatch_uid="knowledge_triage_new_ticket")
def triage_new_ticket(sender: Any, event: Any, **kwargs: Any) -> None:
    """A new ticket gets a triage suggestion in the background, once a model has been trained."""
    if event.kind != EventKind.CREATED or not settings.ESCALA_TRIAGE_MODEL_PATH.exists():
        return
    from .tasks import triage_ticket

    triage_ticket.enqueue(event.ticket_id)
