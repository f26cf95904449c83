"""The SLA sweep's warnings and breaches reach the assignee's bell (escala/notifications)."""

from escala.notifications.choices import Kind
from escala.notifications.models import Notification
from escala.sla.sweep import sweep
from escala.tickets.actions import assign_ticket, create_ticket
from escala.tickets.choices import Channel

from .conftest import madrid


def test_the_sweep_warns_then_tells_the_assignee_of_the_breach(
    frozen_clock, committed, employee, categories, l1_agent, supervisor, madrid_8x5, level1_target
):
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
    with committed():
        assign_ticket(ticket=ticket, by=supervisor.user, assignee=l1_agent)
    frozen_clock.current = madrid(2026, 10, 13, 12, 59, 59)
    with committed():
        assert sweep().warned == 1
    warning = Notification.objects.get(kind=Kind.SLA_WARNING)
    assert (warning.recipient, warning.ticket, warning.actor) == (l1_agent.user, ticket, None)
    assert warning.params["clock"] == "tier"
    frozen_clock.current = madrid(2026, 10, 13, 13, 0)
    with committed():
        assert sweep().breached == 1
    # The breach escalates the ticket to Level 2 (the target says so), which unassigns it:
    # Level 1's agent, warned an hour ago, can no longer see it and is not told again; the
    # escalation itself goes to Level 2's bells.
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    assert not Notification.objects.filter(kind=Kind.SLA_BREACHED).exists()
