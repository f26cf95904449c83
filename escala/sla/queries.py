"""Reads the desk (ticket page, queues) and the API call. No writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from escala.core import clock as core_clock
from escala.tickets.models import Ticket

from . import clock, clocks
from .models import TicketClock


@dataclass(frozen=True)
class ClockPanel:
    """One clock as the ticket page shows it: time left in business time, and why."""

    kind: str
    label: str
    target: timedelta | None
    elapsed: timedelta
    remaining: timedelta | None
    due_at: datetime | None
    paused: bool
    stopped_at: datetime | None
    breached: bool
    # (from, until, "counted" | "closed" | "paused"): the explain view.
    timeline: list[tuple[datetime, datetime, str]]


def clocks_for(ticket: Ticket, *, now: datetime | None = None) -> list[ClockPanel]:
    """Every clock of a ticket, measured now from its history, with its explanation."""
    from .choices import ClockKind

    now = now or core_clock.now()
    views = clocks.measure_ticket(ticket, clocks.load_events(ticket.pk), clocks.Context.load(), now)
    panels = []
    for view in views:
        m, run = view.measure, view.run
        end = m.stopped_at or now
        panels.append(
            ClockPanel(
                kind=run.kind,
                label=str(ClockKind(run.kind).label),
                target=m.target,
                elapsed=m.elapsed,
                remaining=m.remaining,
                due_at=m.due_at,
                paused=m.paused,
                stopped_at=m.stopped_at,
                breached=m.breached,
                timeline=clock.explain(view.calendar, run.start, end, run.pauses),
            )
        )
    return panels


def overdue_clocks(now: datetime | None = None) -> QuerySet[TicketClock]:
    """Clocks past due, soonest first (for a supervisor's queue)."""
    now = now or core_clock.now()
    return (
        TicketClock.objects.filter(due_at__lte=now, stopped_at__isnull=True)
        .select_related("ticket")
        .order_by("due_at")
    )


def due_soon(tickets: QuerySet[Ticket], *, before: datetime) -> QuerySet[Ticket]:
    """Tickets of a queue with a running clock due before `before` (queue filter)."""
    return tickets.filter(
        clocks__due_at__lte=before, clocks__stopped_at__isnull=True, clocks__paused=False
    ).distinct()
