"""Each ticket's clocks, recomputed from its own history and stored for the sweep and queues.

`recompute_many(ticket_ids)` (`recompute(ticket_id)` for one) writes TicketClock rows, as
`rebuild` does for tickets without any. It reads the ticket's events, picks the policy that
applies now, and measures every clock with `clock.measure`. Because counted time
always comes from the history, changing a policy or a target re-targets the clock without losing
a second; only `warned`/`breached` survive a recompute, and only within the same run (cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction

from escala.core import clock as core_clock
from escala.core.rows import insert_many, update_rows
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.models import Vendor

from . import clock, timeline
from .choices import ClockKind
from .models import BusinessCalendar, SlaPolicy, TicketClock, TierTarget

DEFAULT_WARN_SHARE = 0.75


@dataclass
class Context:
    """What recomputing needs besides the ticket; built once and reused by the sweep."""

    policies: list[SlaPolicy] = field(default_factory=list)
    tier_targets: dict[int, TierTarget] = field(default_factory=dict)
    vendors: dict[int, Vendor] = field(default_factory=dict)
    calendars: dict[int, clock.Calendar] = field(default_factory=dict)
    calendar_rows: list[BusinessCalendar] = field(default_factory=list)

    @classmethod
    def load(cls) -> Context:
        rows = list(BusinessCalendar.objects.all())
        return cls(
            policies=list(SlaPolicy.objects.filter(is_active=True).order_by("order", "id")),
            tier_targets={t.tier_id: t for t in TierTarget.objects.all()},
            vendors={v.pk: v for v in Vendor.objects.all()},
            calendars={c.pk: _calendar(c) for c in rows},
            calendar_rows=rows,
        )

    @classmethod
    def calendars_only(cls) -> Context:
        """Enough to choose and build a ticket's calendar (`calendar_for`), in one query."""
        rows = list(BusinessCalendar.objects.all())
        return cls(calendars={c.pk: _calendar(c) for c in rows}, calendar_rows=rows)

    def policy_for(self, ticket: Ticket, *, priority: str | None = None) -> SlaPolicy | None:
        """The first active policy matching the ticket; `priority` (the contract priority, see
        `timeline.contract_priority`) overrides the ticket's own."""
        for policy in self.policies:
            if policy.matches(
                priority=priority or ticket.priority,
                category_id=ticket.category_id,
                organization_id=ticket.organization_id,
            ):
                return policy
        return None

    def calendar_for(self, ticket: Ticket, policy: SlaPolicy | None) -> clock.Calendar:
        if policy is not None and policy.calendar_id in self.calendars:
            return self.calendars[policy.calendar_id]
        by_team = {c.team_id: c.pk for c in self.calendar_rows if c.team_id}
        by_org = {c.organization_id: c.pk for c in self.calendar_rows if c.organization_id}
        default = next((c.pk for c in self.calendar_rows if c.is_default), None)
        for pk in (by_team.get(ticket.team_id), by_org.get(ticket.organization_id), default):
            if pk is not None:
                return self.calendars[pk]
        return clock.always_open(settings.TIME_ZONE)


# Built calendars by (id, updated_at): saving a calendar (the admin saves it with its hours and
# days off) bumps updated_at, so an edited calendar is never served stale.
_calendars: dict[tuple[int, datetime], clock.Calendar] = {}


def _calendar(row: BusinessCalendar) -> clock.Calendar:
    key = (row.pk, row.updated_at)
    if key not in _calendars:
        if len(_calendars) > 256:
            _calendars.clear()
        _calendars[key] = row.to_calendar()
    return _calendars[key]


def pause_rules(policy: SlaPolicy | None) -> timeline.PauseRules:
    if policy is None:
        return timeline.PauseRules()
    return timeline.PauseRules(
        pending_customer=policy.pause_on_pending_customer,
        pending_vendor=policy.pause_on_pending_vendor,
    )


def target_for(
    run: timeline.Run, policy: SlaPolicy | None, ctx: Context
) -> tuple[timedelta | None, SlaPolicy | None]:
    if run.kind == ClockKind.TIER:
        tt = ctx.tier_targets.get(run.tier_id)  # type: ignore[arg-type]
        return (tt.target if tt else None), None
    if run.kind in (ClockKind.VENDOR_RESPONSE, ClockKind.VENDOR_RESOLUTION):
        vendor = ctx.vendors.get(run.vendor_id)  # type: ignore[arg-type]
        if vendor is None:
            return None, None
        if run.kind == ClockKind.VENDOR_RESPONSE:
            return vendor.response_time, None
        return vendor.resolution_time, None
    if policy is None:
        return None, None
    return {
        ClockKind.FIRST_RESPONSE: policy.first_response_target,
        ClockKind.NEXT_RESPONSE: policy.next_response_target,
        ClockKind.RESOLUTION: policy.resolution_target,
    }[run.kind], policy


@dataclass(frozen=True)
class ClockView:
    """One measured clock, for the ticket page and the explain view."""

    run: timeline.Run
    measure: clock.Measure
    policy: SlaPolicy | None
    calendar: clock.Calendar


def measure_ticket(ticket: Ticket, events: list, ctx: Context, now: datetime) -> list[ClockView]:
    policy = ctx.policy_for(ticket, priority=timeline.contract_priority(events, ticket.priority))
    cal = ctx.calendar_for(ticket, policy)
    share = (policy.warn_percent / 100) if policy else DEFAULT_WARN_SHARE
    out = []
    for run in timeline.runs(events, pause_rules(policy)):
        target, applied = target_for(run, policy, ctx)
        m = clock.measure(
            cal,
            start=run.start,
            now=now,
            target=target,
            pauses=run.pauses,
            stopped_at=run.stopped_at,
            warn_share=share,
        )
        out.append(ClockView(run=run, measure=m, policy=applied, calendar=cal))
    return out


def load_events(ticket_id: int) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.filter(ticket_id=ticket_id)
        .only("id", "kind", "created_at", "field", "new_value", "data")
        .order_by("created_at", "id")
    )


def _fill(row: TicketClock, view: ClockView, now: datetime) -> TicketClock:
    run, m = view.run, view.measure
    if row.cycle != run.cycle:
        row.warned = row.breached = False
    row.cycle = run.cycle
    row.policy = view.policy
    row.target = m.target
    row.elapsed = m.elapsed
    row.started_at = run.start
    row.stopped_at = m.stopped_at
    row.paused = m.paused
    # A clock that stopped in time can no longer warn or breach.
    stopped_in_time = m.stopped_at is not None and not m.breached
    row.due_at = None if stopped_in_time else m.due_at
    row.warn_at = None if m.stopped_at is not None else m.warn_at
    row.computed_at = now
    return row


def recompute(
    ticket: Ticket | int, *, ctx: Context | None = None, now: datetime | None = None
) -> list[TicketClock]:
    """Rebuild the stored clocks of one ticket from its history; return them."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    return recompute_many([pk], ctx=ctx, now=now).get(pk, [])


TICKET_FIELDS = (
    "id",
    "priority",
    "category_id",
    "organization_id",
    "team_id",
    "status",
    "sla_due_at",
)
SAVED_FIELDS = (
    "cycle",
    "policy",
    "target",
    "elapsed",
    "started_at",
    "stopped_at",
    "paused",
    "due_at",
    "warn_at",
    "warned",
    "breached",
    "computed_at",
)


def next_due(rows: list[TicketClock]) -> datetime | None:
    """The soonest due instant of the running clocks (breached ones included: they are the most
    overdue); None when none is running toward a target (paused, stopped, no target)."""
    return min(
        (r.due_at for r in rows if r.stopped_at is None and r.due_at is not None), default=None
    )


def _store_next_due(tickets: list[SimpleNamespace], rows: dict[int, list[TicketClock]]) -> None:
    """Keep `Ticket.sla_due_at` (the queue's "Due" sort and filters) with the clocks, written
    only for the tickets whose value changed."""
    changed = []
    for ticket in tickets:
        due = next_due(rows.get(ticket.id, []))
        if due != ticket.sla_due_at:
            changed.append(Ticket(pk=ticket.id, sla_due_at=due))
    update_rows(changed, ["sla_due_at"])


def _histories(ticket_ids: list[int]) -> tuple[list[SimpleNamespace], dict[int, list]]:
    # Plain tuples, not model instances: at a million tickets the ORM's per-row cost dominates.
    tickets = [
        SimpleNamespace(**row)
        for row in Ticket.objects.filter(pk__in=ticket_ids).values(*TICKET_FIELDS)
    ]
    by_ticket: dict[int, list[timeline.Event]] = {pk: [] for pk in ticket_ids}
    events = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "id", "kind", "created_at", "field", "new_value", "data")
    )
    for ticket_id, *fields in events:
        by_ticket[ticket_id].append(timeline.Event(*fields))
    return tickets, by_ticket


def recompute_many(
    ticket_ids: list[int], *, ctx: Context | None = None, now: datetime | None = None
) -> dict[int, list[TicketClock]]:
    """Rebuild the stored clocks of tickets from their histories (one ticket for `recompute`,
    a batch for the worker's relay): histories and stored clocks are read in three queries, and
    the changed rows written in one statement. It keeps what the sweep did to a clock of the
    same cycle (warned, breached). Returns each ticket's clocks."""
    ctx = ctx or Context.load()
    now = now or core_clock.now()
    tickets, by_ticket = _histories(ticket_ids)
    with transaction.atomic():
        existing: dict[int, dict[str, TicketClock]] = {}
        for row in TicketClock.objects.select_for_update().filter(ticket_id__in=ticket_ids):
            existing.setdefault(row.ticket_id, {})[row.kind] = row
        new, changed, gone = [], [], []
        kept: dict[int, list[TicketClock]] = {}
        for ticket in tickets:
            mine = existing.pop(ticket.id, {})
            for view in measure_ticket(ticket, by_ticket[ticket.id], ctx, now):
                row = mine.pop(view.run.kind, None)
                if row is None:
                    row = TicketClock(ticket_id=ticket.id, kind=view.run.kind)
                    new.append(row)
                else:
                    changed.append(row)
                kept.setdefault(ticket.id, []).append(_fill(row, view, now))
            gone += [c.pk for c in mine.values()]
        gone += [c.pk for rows in existing.values() for c in rows.values()]  # tickets gone
        if gone:
            TicketClock.objects.filter(pk__in=gone).delete()
        if new:
            insert_many(new)
        if changed:
            update_rows(changed, SAVED_FIELDS)
        _store_next_due(tickets, kept)
    return kept


def rebuild(
    ticket_ids: list[int], *, ctx: Context | None = None, now: datetime | None = None
) -> int:
    """Rebuild the clocks of many tickets in a few queries (deploying SLAs on existing data).

    History is history: a clock that stopped after its target is stored as already breached and
    warned, without events; only clocks still running past their target are left to the sweep.
    """
    ctx = ctx or Context.load()
    now = now or core_clock.now()
    tickets, by_ticket = _histories(ticket_ids)
    rows = []
    by_ticket_rows: dict[int, list[TicketClock]] = {}
    for ticket in tickets:
        for view in measure_ticket(ticket, by_ticket[ticket.id], ctx, now):
            row = _fill(TicketClock(ticket_id=ticket.id, kind=view.run.kind), view, now)
            if row.stopped_at is not None and view.measure.breached:
                row.breached = row.warned = True
            rows.append(row)
            by_ticket_rows.setdefault(ticket.id, []).append(row)
    with transaction.atomic():
        TicketClock.objects.filter(ticket_id__in=ticket_ids).delete()
        insert_many(rows)
        _store_next_due(tickets, by_ticket_rows)
    return len(rows)
