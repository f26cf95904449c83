from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core.errors import ValidationFailed
from escala.people.models import Agent, Requester

from .. import events
from ..choices import EventKind
from ..models import Ticket
from ..permissions import ensure_can_work
from ._common import add_participant_row, lock, touch


def add_participant(
    *, ticket: Ticket | int, by: Any, agent: Agent | None = None, requester: Requester | None = None
) -> Ticket:
    """Pull an agent from another tier into a ticket, or copy a requester on it."""
    if (agent is None) == (requester is None):
        raise ValidationFailed(_("Choose one agent or one requester."), field="participant")
    with transaction.atomic():
        locked = lock(ticket)
        ensure_can_work(by, locked)
        if add_participant_row(locked, agent=agent, requester=requester):
            who = agent.display_name if agent else requester.name  # type: ignore[union-attr]
            events.record(
                locked,
                EventKind.PARTICIPANT_ADDED,
                by=by,
                new=who,
                data={
                    "agent_id": agent.pk if agent else None,
                    "requester_id": requester.pk if requester else None,
                },
            )
            touch(locked)
    return locked


def keep_informed(*, tickets: Iterable[Ticket], agent: Agent) -> None:
    """Let an agent read tickets outside their tiers without an entry in the tickets' history:
    the engineer of a problem its incidents, as an escalating agent keeps following the ticket
    they hand on. Called inside the caller's transaction."""
    for ticket in tickets:
        add_participant_row(ticket, agent=agent)
