"""Reads the desk and the API call."""

from django.db.models import QuerySet

from escala.people.queries import agent_of, is_admin
from escala.tickets.models import Ticket

from .models import Macro


def macros_for(user) -> QuerySet[Macro]:  # noqa: ANN001
    """The macros an agent may apply (every active one; none for requesters)."""
    if agent_of(user) is None and not is_admin(user):
        return Macro.objects.none()
    return Macro.objects.filter(is_active=True)


def tags_of(ticket: Ticket) -> list[str]:
    return list(ticket.tags.values_list("name", flat=True))
