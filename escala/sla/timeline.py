"""From a ticket's history to its clocks' runs. Pure: takes event records, returns intervals.

An event here is anything with `id`, `kind`, `created_at`, `field`, `new_value` and `data` (a
TicketEvent, or a plain `Event` in tests). The result says, for each clock, when its current run
started, when (if ever) it stopped, and which intervals paused it; `clock.measure` does the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any, Protocol

from escala.tickets.choices import EventKind, Status

from .choices import ClockKind
from .clock import Pause

DONE = frozenset({Status.RESOLVED, Status.CLOSED})

# The cause a priority change names in its event's data when an SLA breach made it (the sweep's
# bump, or a trigger that fired on the breach). See docs/decisions/0004-sla-clocks.md.
BREACH_CAUSE = "sla_breach"


class EventLike(Protocol):
    id: int
    kind: str
    created_at: datetime
    field: str
    new_value: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    created_at: datetime
    field: str = ""
    new_value: str = ""
    data: dict[str, Any] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    kind: str
    cycle: str
    start: datetime
    stopped_at: datetime | None
    pauses: tuple[Pause, ...] = ()
    tier_id: int | None = None
    vendor_id: int | None = None


@dataclass(frozen=True)
class PauseRules:
    pending_customer: bool = True
    pending_vendor: bool = False

    def statuses(self) -> frozenset[str]:
        out = set()
        if self.pending_customer:
            out.add(Status.PENDING_CUSTOMER)
        if self.pending_vendor:
            out.add(Status.PENDING_VENDOR)
        return frozenset(out)


def contract_priority(events: Sequence[EventLike], current: str) -> str:
    """The priority the ticket's customer clocks are measured against.

    An agent's or a trigger's priority change moves the contract (the clocks keep their start
    and take the new target); a change an SLA breach caused does not: its event carries the
    contract in force (`data["contract_priority"]`), so the bump never re-targets the clocks the
    ticket was already measured against. Only the latest priority change matters."""
    for e in sorted(events, key=lambda e: (e.created_at, e.id), reverse=True):
        if e.field != "priority" or e.kind == EventKind.CREATED:
            continue
        data = e.data or {}
        if data.get("cause") == BREACH_CAUSE and data.get("contract_priority"):
            return str(data["contract_priority"])
        return e.new_value or current
    return current


def status_spans(events: Sequence[EventLike]) -> list[tuple[str, datetime, datetime | None]]:
    """(status, from, until) for the ticket's whole life; the last one is open."""
    spans: list[tuple[str, datetime, datetime | None]] = []
    for e in events:
        if e.kind == EventKind.CREATED:
            spans = [(Status.NEW, e.created_at, None)]
        elif e.field == "status" and e.new_value and spans:
            status, since, _ = spans[-1]
            if e.new_value == status:
                continue
            spans[-1] = (status, since, e.created_at)
            spans.append((e.new_value, e.created_at, None))
    return spans


def _spans_in(spans, statuses: Iterable[str]) -> list[Pause]:
    wanted = set(statuses)
    return [(s, e) for status, s, e in spans if status in wanted]


def _after(pauses: list[Pause], start: datetime) -> tuple[Pause, ...]:
    return tuple((s, e) for s, e in pauses if e is None or e > start)


def runs(events: Sequence[EventLike], rules: PauseRules) -> list[Run]:
    """The current run of every clock the history has started."""
    events = sorted(events, key=lambda e: (e.created_at, e.id))
    created = next((e for e in events if e.kind == EventKind.CREATED), None)
    if created is None:
        return []
    spans = status_spans(events)
    waiting = _spans_in(spans, rules.statuses())
    done = _spans_in(spans, DONE)
    customer_pauses = waiting + done
    finished_at = spans[-1][1] if spans and spans[-1][0] in DONE else None
    out: list[Run] = []

    # First response: from creation to the first public agent reply (or the end of the ticket).
    first_reply = next((e for e in events if e.kind == EventKind.REPLIED), None)
    out.append(
        Run(
            ClockKind.FIRST_RESPONSE,
            f"t:{created.id}",
            created.created_at,
            first_reply.created_at if first_reply else finished_at,
            _after(customer_pauses, created.created_at),
        )
    )

    # Next response: from the first requester message after the last agent reply to the next
    # agent reply, whatever channel the requester wrote through.
    if first_reply is not None:
        waiting_since = None
        answered_at = None
        for e in events:
            if e.created_at < first_reply.created_at or e is first_reply:
                continue
            if e.kind == EventKind.REQUESTER_REPLIED and (waiting_since is None or answered_at):
                waiting_since, answered_at = e, None
            elif e.kind == EventKind.REPLIED and waiting_since is not None and answered_at is None:
                answered_at = e.created_at
        if waiting_since is not None:
            stop = answered_at
            if stop is None and finished_at is not None:
                # A message on a finished ticket that did not reopen it (a "thank you") starts
                # no wait for an answer.
                stop = max(finished_at, waiting_since.created_at)
            out.append(
                Run(
                    ClockKind.NEXT_RESPONSE,
                    f"m:{waiting_since.id}",
                    waiting_since.created_at,
                    stop,
                    _after(customer_pauses, waiting_since.created_at),
                )
            )

    # Resolution: counts from creation while the ticket is not resolved; a reopen resumes it.
    out.append(
        Run(
            ClockKind.RESOLUTION,
            f"t:{created.id}",
            created.created_at,
            finished_at,
            _after(waiting + [p for p in done if p[1] is not None], created.created_at),
        )
    )

    # Tier target (OLA): the current stay at an internal tier.
    stay_start = None
    tier_id = None
    for e in events:
        if e.kind == EventKind.CREATED:
            stay_start, tier_id = e, e.data.get("tier_id")
        elif e.kind in (EventKind.ESCALATED, EventKind.DE_ESCALATED):
            stay_start, tier_id = e, e.data.get("to_tier_id")
        elif e.kind == EventKind.REFERRED_TO_VENDOR:
            stay_start, tier_id = None, None
        elif e.kind == EventKind.REOPENED and tier_id is not None:
            stay_start = e
    if stay_start is not None and tier_id is not None:
        stop = finished_at if finished_at and finished_at >= stay_start.created_at else None
        out.append(
            Run(
                ClockKind.TIER,
                f"s:{stay_start.id}",
                stay_start.created_at,
                stop,
                _after(waiting, stay_start.created_at),
                tier_id=tier_id,
            )
        )

    # Vendor clocks: the latest referral; they run even while the customer clock is paused.
    referral = None
    for e in events:
        if e.kind == EventKind.REFERRED_TO_VENDOR:
            referral = e
    if referral is not None:
        vendor_id = referral.data.get("vendor_id")
        cycle = f"v:{referral.data.get('vendor_case_id', referral.id)}"
        later = [e for e in events if (e.created_at, e.id) > (referral.created_at, referral.id)]
        answer = next((e for e in later if e.kind == EventKind.VENDOR_MESSAGE), None)
        closed = next(
            (
                e
                for e in later
                if e.kind in (EventKind.VENDOR_CASE_CLOSED, EventKind.RESOLVED, EventKind.CLOSED)
                or (e.kind == EventKind.DE_ESCALATED and e.data.get("from_vendor"))
            ),
            None,
        )
        closed_at = closed.created_at if closed else None
        answered_at = answer.created_at if answer else None
        if answered_at is None or (closed_at is not None and closed_at < answered_at):
            answered_at = closed_at
        out.append(
            Run(
                ClockKind.VENDOR_RESPONSE,
                cycle,
                referral.created_at,
                answered_at,
                vendor_id=vendor_id,
            )
        )
        out.append(
            Run(
                ClockKind.VENDOR_RESOLUTION,
                cycle,
                referral.created_at,
                closed_at,
                vendor_id=vendor_id,
            )
        )
    return out
