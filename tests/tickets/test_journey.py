"""The whole tiered journey of SCENARIOS.md #3, read back from the history alone."""

import pytest

from escala.core.errors import ValidationFailed
from escala.tickets.actions import (
    add_reply,
    claim_ticket,
    close_ticket,
    de_escalate_ticket,
    escalate_ticket,
    refer_to_vendor,
    reopen_ticket,
    resolve_ticket,
    set_vendor_case_number,
)
from escala.tickets.choices import EventKind, Status, StayReason
from escala.tickets.models import Ticket, TicketEvent, TierStay, VendorCase

from .factories import open_ticket

pytestmark = pytest.mark.django_db


def test_ticket_travels_l1_to_vendor_and_back_with_full_history(
    frozen_clock, categories, employee, l1_agent, l2_is_agent, l3_engineer, vendor, tiers, teams
):
    ticket = open_ticket(
        employee,
        category=categories["erp"],
        subject="El cierre de mes del ERP falla",
        body="Error ORA-600 al cerrar.",
    )
    assert ticket.tier.level == 1
    assert ticket.team == teams["Service Desk"]

    frozen_clock.advance(minutes=5)
    claim_ticket(ticket=ticket, by=l1_agent.user)
    frozen_clock.advance(minutes=10)
    add_reply(ticket=ticket, by=l1_agent.user, body="Lo estamos mirando.")
    frozen_clock.advance(minutes=20)
    escalate_ticket(
        ticket=ticket,
        by=l1_agent.user,
        reason="Error desconocido del ERP",
        handover="Reinicié el cliente, el error persiste con otro usuario.",
    )
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.team) == (2, teams["Information Systems"])
    assert ticket.assignee is None

    frozen_clock.advance(hours=1)
    claim_ticket(ticket=ticket, by=l2_is_agent.user)
    escalate_ticket(
        ticket=ticket,
        by=l2_is_agent.user,
        reason="No reproducible en L2",
        handover="Ocurre sólo en el cierre; logs adjuntos.",
    )
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.team) == (3, teams["Engineering"])

    frozen_clock.advance(hours=3)
    claim_ticket(ticket=ticket, by=l3_engineer.user)
    case = refer_to_vendor(
        ticket=ticket,
        by=l3_engineer.user,
        vendor=vendor,
        reason="Fallo reproducido en el módulo de cierre; análisis adjunto.",
    )
    set_vendor_case_number(ticket=ticket, by=l3_engineer.user, case_number="SR-88812")
    ticket.refresh_from_db()
    assert ticket.tier.level == 4
    assert ticket.status == Status.PENDING_VENDOR
    assert (ticket.vendor, ticket.vendor_case_number) == (vendor, "SR-88812")
    assert ticket.team == teams["Engineering"]  # the referring team keeps following it

    frozen_clock.advance(days=7)
    de_escalate_ticket(ticket=ticket, by=l3_engineer.user, note="El proveedor envió el parche.")
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.status) == (3, Status.OPEN)
    assert ticket.assignee == l3_engineer  # back home to the engineer who referred it
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.closed_at == frozen_clock.current

    frozen_clock.advance(hours=2)
    resolve_ticket(ticket=ticket, by=l3_engineer.user, summary="Parche SR-88812 aplicado.")
    frozen_clock.advance(days=1)
    reopen_ticket(ticket=ticket, by=employee.user, reason="Vuelve a fallar en otra sociedad.")
    frozen_clock.advance(hours=1)
    close_ticket(ticket=ticket, by=l3_engineer.user, reason="Se sigue en otro ticket.")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED

    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [
        EventKind.CREATED,
        EventKind.CLAIMED,
        EventKind.STATUS_CHANGED,
        EventKind.REPLIED,
        EventKind.ESCALATED,
        EventKind.CLAIMED,
        EventKind.ESCALATED,
        EventKind.CLAIMED,
        EventKind.REFERRED_TO_VENDOR,
        EventKind.STATUS_CHANGED,
        EventKind.FIELD_CHANGED,
        EventKind.VENDOR_CASE_CLOSED,
        EventKind.DE_ESCALATED,
        EventKind.STATUS_CHANGED,
        EventKind.RESOLVED,
        EventKind.REOPENED,
        EventKind.CLOSED,
    ]
    assert_status_chain(ticket)
    escalations = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED)
    assert [(e.old_value, e.new_value, e.actor) for e in escalations] == [
        ("L1", "L2", l1_agent.user),
        ("L2", "L3", l2_is_agent.user),
    ]
    assert escalations[0].reason == "Error desconocido del ERP"
    assert escalations[0].data["handover"].startswith("Reinicié")
    for event in TicketEvent.objects.filter(ticket=ticket):
        assert event.created_at is not None
    reopen = TicketEvent.objects.get(ticket=ticket, kind=EventKind.REOPENED)
    assert reopen.actor == employee.user
    assert reopen.reason.startswith("Vuelve")

    stays = list(TierStay.objects.filter(ticket=ticket).select_related("tier"))
    assert [(s.tier.level, s.entry_reason, s.exit_reason) for s in stays] == [
        (1, StayReason.CREATED, StayReason.ESCALATED),
        (2, StayReason.ESCALATED, StayReason.ESCALATED),
        (3, StayReason.ESCALATED, StayReason.REFERRED),
        (4, StayReason.REFERRED, StayReason.RETURNED),
        (3, StayReason.RETURNED, StayReason.RESOLVED),
        (3, StayReason.REOPENED, StayReason.CLOSED),  # issue #21: a reopen names itself
    ]
    # Time per level comes straight from the stays: L1 held it 35 minutes, the vendor 7 days.
    assert (stays[0].left_at - stays[0].entered_at).total_seconds() == 35 * 60
    assert (stays[3].left_at - stays[3].entered_at).days == 7
    assert VendorCase.objects.filter(ticket=ticket).count() == 1


def test_escalation_without_reason_is_refused_and_changes_nothing(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    before = Ticket.objects.get(pk=ticket.pk)
    with pytest.raises(ValidationFailed) as refused:
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="  ", handover="Probé todo.")
    assert refused.value.field == "reason"
    assert "reason" in refused.value.message
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.tier_id, after.version) == (before.tier_id, before.version)
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).exists()
    assert TierStay.objects.filter(ticket=ticket).count() == 1


def test_escalation_without_handover_is_refused(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    with pytest.raises(ValidationFailed) as refused:
        escalate_ticket(ticket=ticket, by=l1_agent.user, reason="No sé", handover="")
    assert refused.value.field == "handover"


def test_history_is_append_only(categories, employee):
    ticket = open_ticket(employee, category=categories["password"])
    event = TicketEvent.objects.get(ticket=ticket)
    event.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert TicketEvent.objects.get(pk=event.pk).reason == ""


def assert_status_chain(ticket):
    """Replaying the status events from NEW must land on the ticket's status, with no gaps."""
    status = Status.NEW
    for old, new in TicketEvent.objects.filter(ticket=ticket, field="status").values_list(
        "old_value", "new_value"
    ):
        assert old == status, (old, status)
        status = new
    ticket.refresh_from_db()
    assert status == ticket.status


def test_every_status_change_of_a_long_journey_is_in_the_history(
    categories, customer, l1_agent, l2_network_agent, vendor
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, reason="Red", handover="Línea ok")
    refer_to_vendor(ticket=ticket, by=l2_network_agent.user, vendor=vendor, reason="Firmware")
    de_escalate_ticket(ticket=ticket, by=l2_network_agent.user, note="Parche recibido")
    add_reply(ticket=ticket, by=l2_network_agent.user, body="Parche aplicado, ¿funciona?")
    resolve_ticket(ticket=ticket, by=l2_network_agent.user, summary="Firmware actualizado")
    add_reply(ticket=ticket, by=customer.user, body="Vuelve a cortarse")
    claim_ticket(ticket=ticket, by=l2_network_agent.user)
    resolve_ticket(ticket=ticket, by=l2_network_agent.user, summary="Puerto sustituido")
    close_ticket(ticket=ticket, by=customer.user)
    assert_status_chain(ticket)
    assert ticket.status == Status.CLOSED
