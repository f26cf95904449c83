"""Properties of the breach sweep over random ticket histories, calendars and sweep times.

- sweeping twice at the same instant changes nothing the second time;
- every recorded breach is a real one under the target in force, re-measured from the history
  as it stood at the breach;
- no clock breaches before its due time, and after a sweep no clock is left overdue unbreached.

Each example runs in a savepoint that is rolled back, so examples do not see each other.
The listeners that recompute clocks after a commit are stood in for by `recompute` calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escala.automation.models import Notification
from escala.core.errors import DomainError
from escala.sla import clocks
from escala.sla.models import BusinessCalendar, SlaPolicy, TicketClock, TierTarget, WorkingHours
from escala.sla.sweep import sweep
from escala.sla.timeline import contract_priority
from escala.tickets.actions import (
    add_reply,
    change_status,
    claim_ticket,
    create_ticket,
    escalate_ticket,
    reopen_ticket,
    resolve_ticket,
    update_ticket_fields,
)
from escala.tickets.choices import Channel, EventKind
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.choices import Priority

PRIORITIES = [p.value for p in Priority]
OPS = [
    "sweep",
    "sweep",
    "reply",
    "requester_reply",
    "pending",
    "open",
    "resolve",
    "reopen",
    "priority",
    "escalate",
    "claim",
]


@st.composite
def calendars(draw) -> dict:
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    start = draw(st.integers(0, 20))
    end = draw(st.integers(start + 1, 24))
    return {
        "time_zone": draw(st.sampled_from(["Europe/Madrid", "America/Mexico_City", "UTC"])),
        "country": draw(st.sampled_from(["", "ES"])),
        "days": sorted(days),
        "hours": (start, end),
    }


targets = st.integers(15, 16 * 60).map(lambda m: timedelta(minutes=m))
steps = st.lists(
    st.tuples(
        st.integers(0, 36 * 60).map(lambda m: timedelta(minutes=m)),
        st.sampled_from(OPS),
        st.sampled_from(PRIORITIES),
    ),
    min_size=1,
    max_size=10,
)


def _configure(cal: dict, policy_targets: list[timedelta], tier_target: timedelta, tiers) -> None:
    row = BusinessCalendar.objects.create(
        name="Random", time_zone=cal["time_zone"], country=cal["country"], is_default=True
    )
    start, end = cal["hours"]
    WorkingHours.objects.bulk_create(
        WorkingHours(
            calendar=row, weekday=d, start=time(start), end=time(0) if end == 24 else time(end)
        )
        for d in cal["days"]
    )
    for order, priority in enumerate(PRIORITIES):
        first = policy_targets[order]
        SlaPolicy.objects.create(
            name=priority,
            order=order,
            priority=priority,
            first_response_target=first,
            next_response_target=first * 2,
            resolution_target=first * 4,
        )
    TierTarget.objects.create(tier=tiers[1], target=tier_target, escalate_on_breach=True)
    TierTarget.objects.create(tier=tiers[2], target=tier_target * 2)


def _state(ticket: Ticket) -> tuple:
    t = Ticket.objects.get(pk=ticket.pk)
    clock_rows = TicketClock.objects.filter(ticket=ticket).order_by("kind")
    return (
        (t.priority, t.tier_id, t.status, t.version),
        list(TicketEvent.objects.filter(ticket=ticket).values_list("pk", flat=True)),
        [(c.kind, c.cycle, c.due_at, c.warned, c.breached) for c in clock_rows],
        Notification.objects.filter(ticket=ticket).count(),
    )


def _apply(op: str, priority: str, ticket: Ticket, people: SimpleNamespace) -> None:
    agent, requester = people.agent.user, people.requester.user
    try:
        if op == "reply":
            add_reply(ticket=ticket.pk, by=agent, body="Working on it.")
        elif op == "requester_reply":
            add_reply(ticket=ticket.pk, by=requester, body="Any news?")
        elif op in ("pending", "open"):
            to = "pending_customer" if op == "pending" else "open"
            change_status(ticket=ticket.pk, by=agent, to=to)
        elif op == "resolve":
            resolve_ticket(ticket=ticket.pk, by=agent, summary="Fixed.")
        elif op == "reopen":
            reopen_ticket(ticket=ticket.pk, by=requester, reason="It broke again.")
        elif op == "priority":
            update_ticket_fields(ticket=ticket.pk, by=agent, priority=priority)
        elif op == "escalate":
            escalate_ticket(ticket=ticket.pk, by=agent, reason="Needs L2.", handover="Tried X.")
        elif op == "claim":
            claim_ticket(ticket=ticket.pk, by=agent)
    except DomainError:
        pass  # a refused step is part of a random history too


def _check_breaches(ticket: Ticket) -> None:
    """Each breach event, re-measured from the history before it under today's configuration."""
    ctx = clocks.Context.load()
    history = list(clocks.load_events(ticket.pk))
    created = next(e for e in history if e.kind == EventKind.CREATED)
    for breach in [e for e in history if e.kind == EventKind.SLA_BREACHED]:
        at = breach.created_at
        assert datetime.fromisoformat(breach.data["due_at"]) <= at
        before = [e for e in history if (e.created_at, e.pk) < (at, breach.pk)]
        past = SimpleNamespace(
            priority=contract_priority(before, created.data["priority"]),
            category_id=created.data["category_id"],
            organization_id=ticket.organization_id,
            team_id=created.data["team_id"],
        )
        views = {v.run.kind: v for v in clocks.measure_ticket(past, before, ctx, at)}
        view = views[breach.field]
        assert view.measure.target is not None
        assert view.measure.elapsed >= view.measure.target, (breach.field, view)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cal=calendars(),
    policy_targets=st.lists(targets, min_size=4, max_size=4),
    tier_target=targets,
    start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(  # noqa: DTZ001
        lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    history=steps,
)
def test_the_sweep_acts_once_and_only_on_real_breaches(
    frozen_clock,
    tiers,
    categories,
    employee,
    l1_agent,
    supervisor,
    cal,
    policy_targets,
    tier_target,
    start,
    history,
):
    people = SimpleNamespace(agent=l1_agent, requester=employee)
    with transaction.atomic():
        _configure(cal, policy_targets, tier_target, tiers)
        frozen_clock.current = start
        ticket = create_ticket(
            requester=employee,
            subject="Random history",
            body="Something is wrong.",
            channel=Channel.PORTAL,
            by=employee.user,
            category=categories["password"],
        )
        clocks.recompute(ticket.pk)
        for wait, op, priority in history:
            now = frozen_clock.advance(seconds=wait.total_seconds())
            if op != "sweep":
                _apply(op, priority, ticket, people)
                clocks.recompute(ticket.pk)
                continue
            sweep(now)
            clocks.recompute(ticket.pk)  # what the listener does after the sweep's commits
            after_first = _state(ticket)
            sweep(now)
            clocks.recompute(ticket.pk)
            assert _state(ticket) == after_first
            for row in TicketClock.objects.filter(ticket=ticket):
                if row.breached:
                    continue
                assert row.due_at is None or row.due_at > now, row
        _check_breaches(ticket)
        transaction.set_rollback(True)
