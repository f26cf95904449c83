"""Clocks computed from the ticket's history: pauses, re-targeting, next response, vendors."""

from datetime import timedelta

import pytest

from escala.sla.choices import ClockKind
from escala.sla.clocks import recompute, recompute_many
from escala.sla.models import SlaPolicy, TicketClock
from escala.sla.sweep import sweep
from escala.tickets.actions import (
    add_reply,
    add_vendor_message,
    change_status,
    claim_ticket,
    create_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import Channel, EventKind
from escala.tiers.choices import Priority

from .conftest import madrid

H = timedelta(hours=1)


@pytest.fixture
def monday_ticket(frozen_clock, committed, customer, categories, madrid_8x5, standard_policy):
    frozen_clock.current = madrid(2026, 3, 2, 9, 0)  # Monday
    with committed():
        return create_ticket(
            requester=customer,
            subject="VPN down",
            body="The VPN does not connect.",
            channel=Channel.EMAIL,
            by=None,
            category=categories["connectivity"],
        )


def clock_of(ticket, kind) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, kind=kind)


def test_a_new_ticket_gets_its_customer_clocks_from_the_matching_policy(monday_ticket):
    first = clock_of(monday_ticket, ClockKind.FIRST_RESPONSE)
    assert first.due_at == madrid(2026, 3, 2, 11, 0)
    assert clock_of(monday_ticket, ClockKind.RESOLUTION).due_at == madrid(2026, 3, 3, 17, 0)


def test_the_first_public_reply_stops_the_first_response_clock(
    monday_ticket, frozen_clock, committed, l1_agent
):
    frozen_clock.advance(minutes=30)
    with committed():
        add_reply(ticket=monday_ticket, by=l1_agent.user, body="Looking into it.")
    first = clock_of(monday_ticket, ClockKind.FIRST_RESPONSE)
    assert (first.elapsed, first.stopped_at, first.due_at) == (
        timedelta(minutes=30),
        madrid(2026, 3, 2, 9, 30),
        None,
    )


def test_pending_customer_pauses_the_clock_and_the_time_already_counted_is_kept(
    monday_ticket, frozen_clock, committed, l1_agent
):
    frozen_clock.advance(hours=1)
    with committed():
        claim_ticket(ticket=monday_ticket, by=l1_agent.user)
        change_status(ticket=monday_ticket, by=l1_agent.user, to="pending_customer")
    resolution = clock_of(monday_ticket, ClockKind.RESOLUTION)
    assert resolution.paused
    assert resolution.due_at is None
    assert resolution.elapsed == H
    frozen_clock.advance(hours=24)  # Tuesday 10:00, a whole business day waiting
    with committed():
        add_reply(ticket=monday_ticket, by=monday_ticket.requester.user, body="Here it is.")
    resolution = clock_of(monday_ticket, ClockKind.RESOLUTION)
    assert not resolution.paused
    assert resolution.elapsed == H
    # 15 hours left from Tuesday 10:00: 7 on Tuesday, 8 on Wednesday.
    assert resolution.due_at == madrid(2026, 3, 4, 17, 0)


def test_changing_the_policy_retargets_without_losing_counted_time(
    monday_ticket, frozen_clock, committed, standard_policy
):
    frozen_clock.advance(hours=3)
    standard_policy.resolution_target = 4 * H
    standard_policy.save()
    recompute(monday_ticket.pk)
    resolution = clock_of(monday_ticket, ClockKind.RESOLUTION)
    assert resolution.elapsed == 3 * H
    assert resolution.due_at == madrid(2026, 3, 2, 13, 0)


def test_the_first_matching_policy_by_order_applies(
    monday_ticket, committed, standard_policy, customer
):
    SlaPolicy.objects.create(
        name="Fibra Rápida critical",
        order=1,
        organization=customer.organization,
        priority=Priority.MEDIUM,
        first_response_target=30 * timedelta(minutes=1),
    )
    SlaPolicy.objects.create(name="Later", order=50, first_response_target=H * 9)
    recompute(monday_ticket.pk)
    assert clock_of(monday_ticket, ClockKind.FIRST_RESPONSE).due_at == madrid(2026, 3, 2, 9, 30)


def test_each_requester_message_after_an_answer_restarts_the_next_response_clock(
    monday_ticket, frozen_clock, committed, l1_agent
):
    with committed():
        add_reply(ticket=monday_ticket, by=l1_agent.user, body="Restart the router.")
    frozen_clock.advance(hours=1)
    with committed():
        add_reply(
            ticket=monday_ticket,
            by=monday_ticket.requester.user,
            body="Still down.",
            channel=Channel.EMAIL,
        )
    nxt = clock_of(monday_ticket, ClockKind.NEXT_RESPONSE)
    assert (nxt.started_at, nxt.due_at) == (madrid(2026, 3, 2, 10), madrid(2026, 3, 2, 14))
    frozen_clock.advance(hours=1)
    with committed():
        add_reply(ticket=monday_ticket, by=l1_agent.user, body="Sending a technician.")
    nxt = clock_of(monday_ticket, ClockKind.NEXT_RESPONSE)
    assert nxt.stopped_at == madrid(2026, 3, 2, 11)
    assert nxt.due_at is None


def test_the_vendor_clock_runs_while_the_customer_clock_is_paused(
    monday_ticket, frozen_clock, committed, l1_agent, vendor, standard_policy
):
    standard_policy.pause_on_pending_vendor = True
    standard_policy.save()
    with committed():
        claim_ticket(ticket=monday_ticket, by=l1_agent.user)
        refer_to_vendor(ticket=monday_ticket, by=l1_agent.user, vendor=vendor, reason="ERP bug")
    assert clock_of(monday_ticket, ClockKind.RESOLUTION).paused
    vendor_response = clock_of(monday_ticket, ClockKind.VENDOR_RESPONSE)
    assert vendor_response.due_at == madrid(2026, 3, 2, 13)  # the vendor's 4 hours
    frozen_clock.advance(hours=2)
    with committed():
        add_vendor_message(ticket=monday_ticket, vendor=vendor, body="Case VX-1 opened.")
    assert clock_of(monday_ticket, ClockKind.VENDOR_RESPONSE).elapsed == 2 * H
    assert clock_of(monday_ticket, ClockKind.VENDOR_RESOLUTION).stopped_at is None


def test_a_clock_stopped_in_time_never_breaches(monday_ticket, frozen_clock, committed, l1_agent):
    with committed():
        claim_ticket(ticket=monday_ticket, by=l1_agent.user)
        add_reply(ticket=monday_ticket, by=l1_agent.user, body="Fixed: the certificate expired.")
        resolve_ticket(ticket=monday_ticket, by=l1_agent.user, summary="Renewed the certificate.")
    frozen_clock.advance(days=10)
    with committed():
        result = sweep()
    assert result.breached == 0
    assert not monday_ticket.events.filter(kind=EventKind.SLA_BREACHED).exists()


def test_a_missed_first_response_breaches_and_raises_priority_without_escalating(
    monday_ticket, frozen_clock, committed, supervisor, tiers
):
    frozen_clock.current = madrid(2026, 3, 2, 11, 0)
    with committed():
        result = sweep()
    assert result.breached == 1
    monday_ticket.refresh_from_db()
    assert monday_ticket.priority == Priority.HIGH
    assert monday_ticket.tier == tiers[1]  # the standard policy does not escalate
    kinds = list(monday_ticket.events.values_list("kind", flat=True))
    assert kinds.index(EventKind.SLA_BREACHED) < kinds.index(EventKind.FIELD_CHANGED)


def test_the_ticket_page_query_explains_each_clock(
    monday_ticket, frozen_clock, committed, l1_agent
):
    from escala.sla.queries import clocks_for

    with committed():
        claim_ticket(ticket=monday_ticket, by=l1_agent.user)
        change_status(ticket=monday_ticket, by=l1_agent.user, to="pending_customer")
    frozen_clock.current = madrid(2026, 3, 2, 11, 0)
    resolution = next(p for p in clocks_for(monday_ticket) if p.kind == ClockKind.RESOLUTION)
    assert resolution.paused
    assert resolution.elapsed == timedelta(0)
    assert resolution.remaining == 16 * H
    assert [kind for _s, _e, kind in resolution.timeline] == ["paused"]


def test_one_failing_ticket_does_not_stop_the_sweep_for_the_others(
    monday_ticket, frozen_clock, committed, customer, monkeypatch
):
    from escala.sla import actions

    with committed():
        other = create_ticket(
            requester=customer, subject="Printer", body="Jammed.", channel=Channel.PHONE, by=None
        )
    real_breach = actions.breach
    broken = TicketClock.objects.filter(ticket=monday_ticket).values_list("pk", flat=True)

    def breach(*, clock_id, now=None):
        if clock_id in set(broken):
            raise RuntimeError("database hiccup")
        return real_breach(clock_id=clock_id, now=now)

    monkeypatch.setattr(actions, "breach", breach)
    frozen_clock.current = madrid(2026, 3, 2, 11, 0)
    with committed():
        result = sweep()
    assert result.failed == 1
    assert other.events.filter(kind=EventKind.SLA_BREACHED).exists()
    assert not monday_ticket.events.filter(kind=EventKind.SLA_BREACHED).exists()


def test_the_warning_comes_at_the_policys_share_of_the_target(monday_ticket, standard_policy):
    standard_policy.warn_percent = 50
    standard_policy.save()
    recompute(monday_ticket)
    # 50 % of the 2-hour first response target, from Monday 09:00.
    assert clock_of(monday_ticket, ClockKind.FIRST_RESPONSE).warn_at == madrid(2026, 3, 2, 10, 0)
    assert clock_of(monday_ticket, ClockKind.RESOLUTION).warn_at == madrid(2026, 3, 2, 17, 0)


def test_a_batch_recompute_stores_what_one_by_one_stores_and_keeps_the_sweeps_flags(
    frozen_clock, committed, customer, categories, madrid_8x5, standard_policy, l1_agent
):
    frozen_clock.current = madrid(2026, 3, 2, 9, 0)
    with committed():
        tickets = [
            create_ticket(
                requester=customer,
                subject=f"VPN down {n}",
                body="The VPN does not connect.",
                channel=Channel.EMAIL,
                by=None,
                category=categories["connectivity"],
            )
            for n in range(3)
        ]
    frozen_clock.advance(hours=3)  # past the first response target of two of them
    with committed():
        claim_ticket(ticket=tickets[0], by=l1_agent.user)
        add_reply(ticket=tickets[0], by=l1_agent.user, body="On it.")
        change_status(ticket=tickets[1], by=l1_agent.user, to="pending_customer")
    sweep()  # marks the running, overdue first-response clock of tickets[2] breached
    fields = ("kind", "cycle", "target", "elapsed", "stopped_at", "paused", "due_at", "warn_at")

    def stored() -> list[tuple]:
        rows = TicketClock.objects.filter(ticket__in=tickets).order_by("ticket_id", "kind")
        return [(r.ticket_id, *(getattr(r, f) for f in fields), r.warned, r.breached) for r in rows]

    frozen_clock.advance(hours=1)
    for ticket in tickets:
        recompute(ticket.pk)
    one_by_one = stored()
    assert any(row[-1] for row in one_by_one)  # the sweep's breach is among them
    TicketClock.objects.filter(ticket=tickets[0], kind=ClockKind.RESOLUTION).delete()
    TicketClock.objects.filter(ticket=tickets[1]).update(elapsed=timedelta(0))
    recompute_many([t.pk for t in tickets])
    assert stored() == one_by_one
