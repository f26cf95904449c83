"""What happens when a clock nears or passes its target. Called by the sweep (by=None)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.automation.notify import notify
from escala.core import clock as core_clock
from escala.core.errors import DomainError
from escala.people.models import Agent
from escala.tickets import events
from escala.tickets.actions import escalate_ticket, update_ticket_fields
from escala.tickets.choices import EventKind
from escala.tickets.models import Ticket
from escala.tiers.choices import PRIORITY_RANK, Priority
from escala.tiers.models import SupportTier

from . import clocks, timeline
from .choices import CUSTOMER_CLOCKS, VENDOR_CLOCKS, ClockKind
from .models import TicketClock, TierTarget

log = logging.getLogger(__name__)

RAISED = {
    Priority.LOW: Priority.MEDIUM,
    Priority.MEDIUM: Priority.HIGH,
    Priority.HIGH: Priority.CRITICAL,
}


def supervisors_of(ticket: Ticket) -> list[Agent]:
    """The supervisors of the ticket's team; every supervisor when the team has none."""
    agents = Agent.objects.filter(is_supervisor=True).select_related("user")
    team_ones = list(agents.filter(teams=ticket.team_id)) if ticket.team_id else []
    return team_ones or list(agents)


def _clock_data(row: TicketClock) -> dict[str, Any]:
    return {
        "clock": row.kind,
        "cycle": row.cycle,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "target_seconds": row.target.total_seconds() if row.target else None,
        "elapsed_seconds": row.elapsed.total_seconds(),
    }


def _lock_clock(row_id: int) -> tuple[TicketClock, Ticket] | None:
    row = TicketClock.objects.select_for_update().filter(pk=row_id).first()
    if row is None:
        return None
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier").get(pk=row.ticket_id)
    )
    return row, ticket


def _current(row: TicketClock, ticket: Ticket, now: datetime) -> TicketClock | None:
    """The clock recomputed from the history as it stands under the locks: another worker's
    sweep or an agent's change since the caller looked can have stopped or re-targeted it."""
    for fresh in clocks.recompute(ticket.pk, now=now):
        if fresh.pk == row.pk and fresh.cycle == row.cycle:
            return fresh
    return None


def warn(*, clock_id: int, now: datetime | None = None) -> bool:
    """Record the warning once per clock run and tell whoever holds the ticket."""
    now = now or core_clock.now()
    with transaction.atomic():
        locked = _lock_clock(clock_id)
        if locked is None:
            return False
        row, ticket = locked
        if row.warned or row.breached:
            return False
        row = _current(row, ticket, now)
        if row is None or row.warned or row.breached:
            return False
        if row.warn_at is None or row.warn_at > now:
            return False
        row.warned = True
        row.save(update_fields=["warned"])
        events.record(
            ticket,
            EventKind.SLA_WARNING,
            by=None,
            field=row.kind,
            new=row.due_at.isoformat() if row.due_at else "",
            reason=_("%(clock)s is due soon.") % {"clock": row.get_kind_display()},
            data=_clock_data(row),
        )
        recipients = [ticket.assignee] if ticket.assignee_id else supervisors_of(ticket)
        _notify(ticket, recipients, kind="sla_warning", row=row)
    return True


def breach(*, clock_id: int, now: datetime | None = None) -> bool:
    """Record the breach once per clock run, then escalate: hierarchically (the supervisor is
    told, the priority goes up) and, when the target says so, functionally (Level 1 to 2).

    The clock is recomputed under its lock first, so only a real breach of the target in force
    is recorded, once, however many sweeps or workers reach it."""
    now = now or core_clock.now()
    with transaction.atomic():
        locked = _lock_clock(clock_id)
        if locked is None:
            return False
        row, ticket = locked
        if row.breached:
            return False
        row = _current(row, ticket, now)
        if row is None or row.breached or row.due_at is None or row.due_at > now:
            return False
        row.breached = True
        row.warned = True
        row.save(update_fields=["breached", "warned"])
        events.record(
            ticket,
            EventKind.SLA_BREACHED,
            by=None,
            field=row.kind,
            new=row.due_at.isoformat() if row.due_at else "",
            reason=_("%(clock)s target passed.") % {"clock": row.get_kind_display()},
            data=_clock_data(row),
        )
        _notify(ticket, supervisors_of(ticket), kind="sla_breached", row=row)
        if not ticket.is_open:
            return True
        if row.kind not in VENDOR_CLOCKS and _raises_priority(row):
            _raise_priority(ticket)
        if _escalates(row, ticket):
            _consequence(
                escalate_ticket,
                ticket=ticket.pk,
                by=None,
                reason=_("Automatic escalation: the %(clock)s target of %(tier)s was passed.")
                % {"clock": row.get_kind_display().lower(), "tier": ticket.tier},
                handover=_(
                    "Escalated by Escala when the target was breached; read the history for "
                    "what was done so far."
                ),
            )
    return True


def _raise_priority(ticket: Ticket) -> None:
    """One step above the contract priority (the one the clocks are measured against), once:
    several clocks breaching together, or one after another, raise it one step in all. The
    change names its cause, so it does not re-target the clocks (timeline.contract_priority)."""
    contract = timeline.contract_priority(clocks.load_events(ticket.pk), ticket.priority)
    raised = RAISED.get(contract)
    if raised is None or PRIORITY_RANK[ticket.priority] <= PRIORITY_RANK[raised]:
        return
    _consequence(
        update_ticket_fields,
        ticket=ticket.pk,
        by=None,
        priority=raised,
        cause=timeline.BREACH_CAUSE,
        contract_priority=contract,
    )


def _consequence(action, **kwargs) -> None:  # noqa: ANN001
    """Run a follow-up action in a savepoint: if it is refused (say, no higher tier), the breach
    and the notification stay recorded and the refusal is logged."""
    try:
        with transaction.atomic():
            action(**kwargs)
    except DomainError as exc:
        log.warning("Breach follow-up %s refused: %s", action.__name__, exc)


def _raises_priority(row: TicketClock) -> bool:
    if row.kind in CUSTOMER_CLOCKS:
        return row.policy is not None and row.policy.raise_priority_on_breach
    return row.kind == ClockKind.TIER


def _escalates(row: TicketClock, ticket: Ticket) -> bool:
    first_level = SupportTier.objects.filter(is_external=False).order_by("level").first()
    if first_level is None or ticket.tier_id != first_level.pk:
        return False
    if row.kind == ClockKind.TIER:
        target = TierTarget.objects.filter(tier_id=ticket.tier_id).first()
        return target is not None and target.escalate_on_breach
    if row.kind in CUSTOMER_CLOCKS:
        return row.policy is not None and row.policy.escalate_on_breach
    return False


def _notify(ticket: Ticket, agents: list[Agent], *, kind: str, row: TicketClock) -> None:
    agents = [a for a in agents if a is not None]
    if not agents:
        return
    notify(ticket=ticket, agents=agents, kind=kind, data=_clock_data(row))
    events.record(
        ticket,
        EventKind.NOTIFIED,
        by=None,
        field=row.kind,
        new=", ".join(a.display_name for a in agents),
        data={"kind": kind, "agent_ids": [a.pk for a in agents], "clock": row.kind},
    )
