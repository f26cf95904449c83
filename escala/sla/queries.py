"""Reads the desk (ticket page, queues) and the API call. No writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from escala.core import clock as core_clock
from escala.tickets.choices import EventKind, Status
from escala.tickets.models import Ticket, TicketEvent

from . import clock, clocks, timeline
from .choices import ClockKind
from .models import TicketClock

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"
BREACHED = "breached"


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
    # (from, until, "counted" | "closed" | "paused"): the explain view. Empty when not asked for.
    timeline: list[tuple[datetime, datetime, str]]
    started_at: datetime | None = None

    @property
    def state(self) -> str:
        """breached, stopped, paused or running (a breach outranks everything else)."""
        if self.breached:
            return BREACHED
        if self.stopped_at is not None:
            return STOPPED
        return PAUSED if self.paused else RUNNING

    @property
    def overdue(self) -> timedelta | None:
        """Business time past the target (None while within it)."""
        if self.remaining is None or self.remaining > timedelta(0):
            return None
        return -self.remaining


def clocks_for(
    ticket: Ticket,
    *,
    now: datetime | None = None,
    events: Sequence[TicketEvent] | None = None,
    with_timeline: bool = True,
    ctx: clocks.Context | None = None,
) -> list[ClockPanel]:
    """Every clock of a ticket, measured now from its history, with its explanation.

    `events`: the ticket's history when the caller has it already (the ticket page), so the
    clocks cost no query of their own beyond the configuration; `ctx`: that configuration, when
    the caller keeps a current copy (the ticket page, through desk.labels).
    """
    now = now or core_clock.now()
    history = list(events) if events is not None else clocks.load_events(ticket.pk)
    return [_panel(view, now, with_timeline) for view in _views(ticket, history, now, ctx)]


def _views(
    ticket: Ticket, history: list, now: datetime, ctx: clocks.Context | None = None
) -> list[clocks.ClockView]:
    return clocks.measure_ticket(ticket, history, ctx or clocks.Context.load(), now)


def _panel(view: clocks.ClockView, now: datetime, with_timeline: bool) -> ClockPanel:
    m, run = view.measure, view.run
    end = m.stopped_at or now
    return ClockPanel(
        kind=run.kind,
        label=str(ClockKind(run.kind).label),
        target=m.target,
        elapsed=m.elapsed,
        remaining=m.remaining,
        due_at=m.due_at,
        paused=m.paused,
        stopped_at=m.stopped_at,
        breached=m.breached,
        timeline=clock.explain(view.calendar, run.start, end, run.pauses) if with_timeline else [],
        started_at=run.start,
    )


@dataclass(frozen=True)
class Piece:
    """One stretch of the explain timeline, with the reason it counted or not."""

    start: datetime
    end: datetime
    kind: str  # clock.COUNTED, clock.CLOSED or clock.PAUSED
    why: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Explanation:
    panel: ClockPanel
    pieces: list[Piece]
    started_by: str
    stopped_by: str
    basis: str  # where the target comes from (the policy, the tier, the vendor)
    time_zone: str
    paused_total: timedelta


def explain_clock(ticket: Ticket, kind: str, *, now: datetime | None = None) -> Explanation | None:
    """One clock's run told from the ticket's history: what started and stopped it, and for
    every stretch whether it counted, was outside working time (and which days off), or was
    paused (and by which status). None when the ticket has no such clock."""
    now = now or core_clock.now()
    history = clocks.load_events(ticket.pk)
    view = next((v for v in _views(ticket, history, now) if v.run.kind == kind), None)
    if view is None:
        return None
    panel = _panel(view, now, with_timeline=True)
    spans = timeline.status_spans(history)
    pieces = [Piece(s, e, k, _why(k, s, e, spans, view.calendar)) for s, e, k in panel.timeline]
    return Explanation(
        panel=panel,
        pieces=pieces,
        started_by=_event_label(history, view.run.start, first=True),
        stopped_by=_event_label(history, panel.stopped_at) if panel.stopped_at else "",
        basis=_basis(view),
        time_zone=view.calendar.time_zone,
        paused_total=sum((p.length for p in pieces if p.kind == clock.PAUSED), start=timedelta(0)),
    )


def _why(kind: str, start: datetime, end: datetime, spans, cal: clock.Calendar) -> str:
    if kind == clock.COUNTED:
        return _("Working time: counted.")
    if kind == clock.PAUSED:
        status = next(
            (st for st, s, e in reversed(spans) if s <= start and (e is None or e > start)), None
        )
        if status in Status.values:
            return _("Paused: the ticket was “%(status)s”.") % {"status": Status(status).label}
        return _("Paused.")
    off = _days_off_within(cal, start, end)
    if off:
        return _("Outside working hours; days off: %(days)s.") % {"days": ", ".join(off)}
    return _("Outside working hours.")


def _days_off_within(cal: clock.Calendar, start: datetime, end: datetime) -> list[str]:
    """Working weekdays between two instants that were days off, with the holiday's name."""
    first, last = start.astimezone(cal.tz).date(), end.astimezone(cal.tz).date()
    out = []
    day = first
    while day <= last and len(out) < 10:
        if cal.week[day.weekday()] and cal.is_day_off(day):
            out.append(_day_name(cal, day))
        day += timedelta(days=1)
    return out


def _day_name(cal: clock.Calendar, day: date) -> str:
    """The day, and the holiday's name in the reader's language when the package has it."""
    label = date_format(day, "SHORT_DATE_FORMAT")
    name = None
    if cal.country and day in cal.public_holidays:
        import holidays

        language = {"en": "en_US"}.get(get_language() or "", get_language())
        name = holidays.country_holidays(
            cal.country, subdiv=cal.subdivision or None, years=day.year, language=language
        ).get(day)
    return f"{label} ({name})" if name else label


def _event_label(history: list, at: datetime | None, *, first: bool = False) -> str:
    """What happened at `at` in the history (the event that started or stopped a clock)."""
    if at is None:
        return ""
    found = [e for e in history if e.created_at == at]
    if not found:
        return ""
    event = found[0] if first else found[-1]
    return str(EventKind(event.kind).label) if event.kind in EventKind.values else event.kind


def _basis(view: clocks.ClockView) -> str:
    run = view.run
    if view.measure.target is None:
        return _("No target applies to this clock.")
    if run.kind == ClockKind.TIER:
        return _("The internal target (OLA) of the tier the ticket is at.")
    if run.kind in (ClockKind.VENDOR_RESPONSE, ClockKind.VENDOR_RESOLUTION):
        return _("The times agreed with the vendor.")
    if view.policy is not None:
        return _("SLA policy “%(name)s”.") % {"name": view.policy.name}
    return ""


WARNED = "warned"
ON_TIME = "on_time"


@dataclass(frozen=True)
class Due:
    """A queue row's "Due" cell: the ticket's next deadline among its running clocks."""

    kind: str  # the clock (ClockKind value)
    label: str
    due_at: datetime | None
    # Business time left (negative: overdue by), None when the clock is paused.
    left: timedelta | None
    state: str  # BREACHED, WARNED, ON_TIME or PAUSED


def queue_due(
    tickets: Sequence[Ticket],
    *,
    now: datetime | None = None,
    ctx: clocks.Context | None = None,
) -> dict[int, Due]:
    """The "Due" cell of each ticket of a queue page, from the stored clocks (one query
    whatever the page size, and one more for the calendars unless `ctx` holds them: the
    console keeps a current copy in desk.labels). The time left is business time, on the
    calendar the ticket's clocks count on (`clocks.Context.calendar_for`)."""
    if not tickets:
        return {}
    now = now or core_clock.now()
    by_ticket: dict[int, list[_Clock]] = {}
    for row in (
        TicketClock.objects.filter(ticket_id__in=[t.pk for t in tickets], stopped_at__isnull=True)
        # Not the model's order (by ticket, which joins the ticket table for its own order):
        # rows are grouped by ticket here, and only their order by kind within one counts.
        .order_by("ticket_id", "kind")
        .values_list(*_Clock._fields)  # plain values: a page has a hundred clocks
    ):
        by_ticket.setdefault(row[0], []).append(_Clock(*row))
    # Read even when no row of the page has a clock: the page's cost never depends on its rows.
    ctx = ctx or clocks.Context.calendars_only()
    labels: dict[str, str] = {}  # each kind's name, translated once
    out = {}
    for ticket in tickets:
        rows = by_ticket.get(ticket.pk)
        if rows and (cell := _due_cell(ticket, rows, ctx, now, labels)) is not None:
            out[ticket.pk] = cell
    return out


class _Clock(NamedTuple):
    """What a Due cell reads of a running clock."""

    ticket_id: int
    kind: str
    due_at: datetime | None
    warn_at: datetime | None
    warned: bool
    paused: bool
    target: timedelta | None
    policy_id: int | None
    policy__calendar_id: int | None


def _due_cell(
    ticket: Ticket, rows: list[_Clock], ctx: clocks.Context, now: datetime, labels: dict[str, str]
) -> Due | None:
    def label(kind: str) -> str:
        if kind not in labels:
            labels[kind] = str(ClockKind(kind).label)
        return labels[kind]

    running = [r for r in rows if r.due_at is not None]
    if not running:
        paused = next((r for r in rows if r.paused and r.target is not None), None)
        if paused is None:
            return None
        return Due(paused.kind, label(paused.kind), None, None, PAUSED)
    lead = min(running, key=lambda r: (r.due_at, r.kind))
    # The contract policy (stored on the customer clocks) chooses the calendar of them all
    # (`clocks.Context.calendar_for`, asked for the ticket's own when it names none).
    with_policy = next((r for r in rows if r.policy_id is not None), None)
    cal = ctx.calendars.get(with_policy.policy__calendar_id) if with_policy else None
    if cal is None:
        cal = ctx.calendar_for(ticket, None)
    assert lead.due_at is not None  # noqa: S101 - filtered above
    if lead.due_at <= now:
        state, left = BREACHED, -clock.elapsed(cal, lead.due_at, now)
    else:
        warned = lead.warned or (lead.warn_at is not None and lead.warn_at <= now)
        state, left = (WARNED if warned else ON_TIME), clock.elapsed(cal, now, lead.due_at)
    return Due(lead.kind, label(lead.kind), lead.due_at, left, state)


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
