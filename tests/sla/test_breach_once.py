"""A breach acts once and never re-targets the clocks the ticket was measured against."""

from escala.automation.models import Trigger
from escala.sla.choices import ClockKind
from escala.sla.defaults import install_defaults
from escala.sla.models import TicketClock
from escala.sla.sweep import sweep
from escala.tickets.actions import create_ticket, update_ticket_fields
from escala.tickets.choices import Channel, EventKind
from escala.tiers.choices import Priority

from .conftest import madrid


def _medium_ticket(frozen_clock, committed, employee, categories):
    # Monday 2 March 2026, 09:00 in Madrid; the defaults' calendar is 09-14 and 15-18.
    frozen_clock.current = madrid(2026, 3, 2, 9, 0)
    with committed():
        ticket = create_ticket(
            requester=employee,
            subject="El ERP va lento",
            body="Tarda minutos en abrir un pedido.",
            channel=Channel.PORTAL,
            by=employee.user,
            category=categories["password"],
        )
    assert ticket.priority == Priority.MEDIUM
    return ticket


def clock(ticket, kind) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, kind=kind)


def test_two_clocks_breaching_together_raise_a_medium_ticket_once_and_keep_its_contract(
    frozen_clock, committed, employee, categories, tiers, supervisor
):
    assert install_defaults()
    ticket = _medium_ticket(frozen_clock, committed, employee, categories)
    # Medium: first response in 4 business hours; Level 1 must hand on within 4 hours too.
    resolution_due = clock(ticket, ClockKind.RESOLUTION).due_at
    assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == madrid(2026, 3, 2, 13, 0)
    assert clock(ticket, ClockKind.TIER).due_at == madrid(2026, 3, 2, 13, 0)

    frozen_clock.current = madrid(2026, 3, 2, 13, 0)
    with committed():
        result = sweep()
    assert result.breached == 2
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH  # one step, not medium -> high -> critical
    assert ticket.tier == tiers[2]
    bumps = ticket.events.filter(kind=EventKind.FIELD_CHANGED, field="priority")
    assert [(e.old_value, e.new_value) for e in bumps] == [("medium", "high")]
    assert bumps.get().data == {"cause": "sla_breach", "contract_priority": "medium"}
    # The customer clocks still follow the medium contract the requester had.
    assert clock(ticket, ClockKind.RESOLUTION).due_at == resolution_due

    # Sweeping again, at once and an hour later, records nothing new.
    events_before = ticket.events.count()
    with committed():
        assert sweep().breached == 0
    frozen_clock.current = madrid(2026, 3, 2, 15, 0)
    with committed():
        assert sweep().breached == 0
    assert ticket.events.count() == events_before
    assert (
        ticket.events.filter(kind=EventKind.SLA_BREACHED, field=ClockKind.RESOLUTION).exists()
        is False
    )


def test_an_agents_priority_change_moves_the_contract_and_a_later_breach_raises_from_it(
    frozen_clock, committed, employee, categories, tiers, supervisor, l1_agent
):
    assert install_defaults()
    ticket = _medium_ticket(frozen_clock, committed, employee, categories)
    frozen_clock.current = madrid(2026, 3, 2, 10, 0)
    with committed():
        update_ticket_fields(ticket=ticket, by=l1_agent.user, priority=Priority.LOW)
    # Low: first response within 8 business hours from 09:00 (09-14, 15-18), keeping its start.
    assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == madrid(2026, 3, 2, 18, 0)
    frozen_clock.current = madrid(2026, 3, 2, 18, 0)
    with committed():
        sweep()
    ticket.refresh_from_db()
    # One step above the agent's low, though the tier clock breached as well.
    assert ticket.priority == Priority.MEDIUM
    assert clock(ticket, ClockKind.FIRST_RESPONSE).breached


def test_a_trigger_that_sets_the_priority_on_a_breach_does_not_retarget_the_clocks(
    frozen_clock, committed, employee, categories, tiers, supervisor
):
    assert install_defaults()
    Trigger.objects.create(
        name="Breach means critical",
        event=EventKind.SLA_BREACHED,
        conditions=[],
        actions=[{"action": "set_priority", "value": Priority.CRITICAL}],
    )
    ticket = _medium_ticket(frozen_clock, committed, employee, categories)
    resolution_due = clock(ticket, ClockKind.RESOLUTION).due_at
    frozen_clock.current = madrid(2026, 3, 2, 13, 0)
    with committed():
        sweep()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.CRITICAL
    critical = ticket.events.filter(field="priority", new_value=Priority.CRITICAL).get()
    assert critical.data == {"cause": "sla_breach", "contract_priority": "medium"}
    # Critical would make the resolution due at 13:00 (4 hours): the contract stays medium.
    assert clock(ticket, ClockKind.RESOLUTION).due_at == resolution_due
    frozen_clock.current = madrid(2026, 3, 2, 13, 30)
    with committed():
        sweep()
    assert not ticket.events.filter(
        kind=EventKind.SLA_BREACHED, field=ClockKind.RESOLUTION
    ).exists()
