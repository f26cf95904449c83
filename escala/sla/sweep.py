"""The breach sweep: warn and breach the clocks whose instant has come.

It reads only two indexed slices of TicketClock (warn_at / due_at passed and not yet handled), so
its cost follows the number of clocks coming due, not the number of tickets. Each candidate is
recomputed from history first, so a stale row can never cause a false breach.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from escala.core import clock as core_clock

from . import actions, clocks
from .models import TicketClock

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    breached: int = 0
    failed: int = 0


def sweep(now: datetime | None = None, *, limit: int = 5000) -> SweepResult:
    now = now or core_clock.now()
    result = SweepResult()
    ctx = clocks.Context.load()
    due = TicketClock.objects.filter(breached=False, due_at__isnull=False, due_at__lte=now)
    warn = TicketClock.objects.filter(
        warned=False, warn_at__isnull=False, warn_at__lte=now, stopped_at__isnull=True
    )
    ticket_ids = list(due.order_by("due_at").values_list("ticket_id", flat=True)[:limit])
    ticket_ids += list(warn.order_by("warn_at").values_list("ticket_id", flat=True)[:limit])
    for ticket_id in dict.fromkeys(ticket_ids):
        result.checked += 1
        try:
            _handle(ticket_id, ctx, now, result)
        except Exception:
            # One broken ticket must not stop the sweep for all the others.
            result.failed += 1
            log.exception("SLA sweep failed for ticket %s", ticket_id)
    return result


def _handle(ticket_id: int, ctx: clocks.Context, now: datetime, result: SweepResult) -> None:
    for row in clocks.recompute(ticket_id, ctx=ctx, now=now):
        if not row.breached and row.due_at is not None and row.due_at <= now:
            result.breached += actions.breach(clock_id=row.pk, now=now)
        elif not row.warned and row.warn_at is not None and row.warn_at <= now:
            result.warned += actions.warn(clock_id=row.pk, now=now)
