"""THE contract case: a Level 1 ticket opened on Friday at 17:55, with Monday a holiday."""

from escala.automation.models import Notification
from escala.sla.choices import ClockKind
from escala.sla.models import TicketClock
from escala.sla.sweep import sweep
from escala.tickets.actions import create_ticket
from escala.tickets.choices import Channel, EventKind
from escala.tiers.choices import Priority

from .conftest import madrid


def test_a_level1_ticket_opened_friday_evening_breaches_tuesday_at_13_when_monday_is_a_holiday(
    frozen_clock, committed, employee, categories, supervisor, madrid_8x5, level1_target, tiers
):
    # Friday 9 October 2026, 17:55 in Madrid: the office closed at 17:00. Monday 12 October is
    # Spain's national day. The 4 business hours are Tuesday 09:00-13:00.
    frozen_clock.current = madrid(2026, 10, 9, 17, 55)
    with committed():
        ticket = create_ticket(
            requester=employee,
            subject="No puedo entrar en el ERP",
            body="Mi contraseña ha caducado.",
            channel=Channel.PORTAL,
            by=employee.user,
            category=categories["password"],
        )
    tier_clock = TicketClock.objects.get(ticket=ticket, kind=ClockKind.TIER)
    assert tier_clock.due_at == madrid(2026, 10, 13, 13, 0)
    assert tier_clock.warn_at == madrid(2026, 10, 13, 12, 0)  # 75 % of the target

    # All of Monday passes: nothing has counted yet.
    frozen_clock.current = madrid(2026, 10, 12, 23, 59)
    with committed():
        assert sweep().breached == 0
    # Tuesday 12:59:59: warned, not breached.
    frozen_clock.current = madrid(2026, 10, 13, 12, 59, 59)
    with committed():
        result = sweep()
    assert (result.warned, result.breached) == (1, 0)
    assert not ticket.events.filter(kind=EventKind.SLA_BREACHED).exists()

    # Tuesday 13:00 sharp: breached, and the contract's consequences follow.
    frozen_clock.current = madrid(2026, 10, 13, 13, 0)
    with committed():
        assert sweep().breached == 1
    ticket.refresh_from_db()
    breach = ticket.events.get(kind=EventKind.SLA_BREACHED)
    assert breach.created_at == madrid(2026, 10, 13, 13, 0)
    assert breach.data["clock"] == ClockKind.TIER
    assert ticket.tier == tiers[2]
    escalation = ticket.events.get(kind=EventKind.ESCALATED)
    assert escalation.actor is None
    assert "automatic" in escalation.reason.lower() or "automática" in escalation.reason.lower()
    assert ticket.priority == Priority.HIGH  # raised one step from medium
    assert Notification.objects.filter(
        ticket=ticket, agent=supervisor, kind="sla_breached"
    ).exists()
    assert ticket.events.filter(kind=EventKind.NOTIFIED).exists()

    # A second sweep in the same minute changes nothing: one breach per clock run.
    with committed():
        assert sweep().breached == 0
    assert ticket.events.filter(kind=EventKind.SLA_BREACHED).count() == 1
    # The Level 2 stay starts a new tier clock run (no Level 2 target configured here).
    assert TicketClock.objects.get(ticket=ticket, kind=ClockKind.TIER).breached is False
