"""The notification hook: write to the outbox in the caller's transaction.

Delivering (mail, in-app) belongs to the mail side; it reads unsent rows and sets `sent_at`.
"""

from collections.abc import Iterable
from typing import Any

from escala.core import clock
from escala.people.models import Agent
from escala.tickets.models import Ticket

from .models import Notification


def notify(
    *, ticket: Ticket, agents: Iterable[Agent], kind: str, data: dict[str, Any] | None = None
) -> list[Notification]:
    now = clock.now()
    return Notification.objects.bulk_create(
        [
            Notification(ticket=ticket, agent=a, kind=kind, data=data or {}, created_at=now)
            for a in dict.fromkeys(agents)
        ]
    )
