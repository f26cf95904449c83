import pytest

from escala.core.errors import InvalidTransition, ValidationFailed
from escala.tickets.actions import (
    claim_ticket,
    de_escalate_ticket,
    escalate_ticket,
    refer_to_vendor,
    resolve_ticket,
)
from escala.tickets.choices import EventKind, Status, StayReason
from escala.tickets.models import Ticket, TicketEvent, TierStay, VendorCase

from .factories import open_ticket

pytestmark = pytest.mark.django_db

REASON = {"reason": "No se resuelve en este nivel", "handover": "Comprobado lo básico."}


def test_escalation_goes_to_the_next_tier_and_the_team_with_the_specialty(
    categories, customer, l1_agent, teams
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    ticket = escalate_ticket(ticket=ticket, by=l1_agent.user, **REASON)
    assert (ticket.tier.level, ticket.team) == (2, teams["Networks"])


def test_escalation_can_skip_to_a_chosen_higher_tier_and_team(
    categories, customer, l1_agent, tiers, teams
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    ticket = escalate_ticket(
        ticket=ticket, by=l1_agent.user, to_tier=tiers[3], to_team=teams["Engineering"], **REASON
    )
    assert (ticket.tier.level, ticket.team) == (3, teams["Engineering"])
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert (event.old_value, event.new_value) == ("L1", "L3")


def test_escalation_refuses_a_team_of_another_tier(categories, customer, l1_agent, tiers, teams):
    ticket = open_ticket(customer, category=categories["connectivity"])
    with pytest.raises(ValidationFailed) as refused:
        escalate_ticket(
            ticket=ticket,
            by=l1_agent.user,
            to_tier=tiers[2],
            to_team=teams["Engineering"],
            **REASON,
        )
    assert refused.value.field == "to_team"


def test_escalation_cannot_go_down_or_sideways(categories, customer, l2_network_agent, tiers):
    ticket = open_ticket(customer, category=categories["database"])  # starts at Level 2
    for tier in (tiers[1], tiers[2]):
        with pytest.raises(InvalidTransition):
            escalate_ticket(ticket=ticket, by=l2_network_agent.user, to_tier=tier, **REASON)
    assert Ticket.objects.get(pk=ticket.pk).tier.level == 2


def test_escalating_to_the_vendor_tier_points_to_the_referral(
    categories, customer, l1_agent, tiers
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    with pytest.raises(InvalidTransition, match="vendor"):
        escalate_ticket(ticket=ticket, by=l1_agent.user, to_tier=tiers[4], **REASON)


def test_level_3_has_nowhere_internal_to_escalate(
    categories, customer, l1_agent, tiers, l3_engineer
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, to_tier=tiers[3], **REASON)
    with pytest.raises(InvalidTransition, match="vendor"):
        escalate_ticket(ticket=ticket, by=l3_engineer.user, **REASON)


def test_a_resolved_ticket_cannot_be_escalated(categories, customer, l1_agent):
    ticket = open_ticket(customer, category=categories["connectivity"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Router reiniciado")
    with pytest.raises(InvalidTransition):
        escalate_ticket(ticket=ticket, by=l1_agent.user, **REASON)


def test_escalation_clears_the_assignee_for_the_receiving_queue(categories, customer, l1_agent):
    ticket = open_ticket(customer, category=categories["connectivity"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    ticket = escalate_ticket(ticket=ticket, by=l1_agent.user, **REASON)
    assert ticket.assignee is None
    assert ticket.status == Status.OPEN


def test_de_escalation_returns_to_the_tier_and_team_it_came_from(
    categories, customer, l1_agent, l2_network_agent, teams
):
    ticket = open_ticket(customer, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, **REASON)
    ticket = de_escalate_ticket(
        ticket=ticket, by=l2_network_agent.user, note="Puerto corregido; confirma con el cliente."
    )
    assert (ticket.tier.level, ticket.team) == (1, teams["Service Desk"])
    stay = TierStay.objects.filter(ticket=ticket).last()
    assert (stay.entry_reason, stay.entry_note) == (
        StayReason.DE_ESCALATED,
        "Puerto corregido; confirma con el cliente.",
    )


def test_de_escalation_needs_a_note_and_a_lower_tier(categories, customer, l1_agent, tiers):
    ticket = open_ticket(customer, category=categories["connectivity"])
    with pytest.raises(ValidationFailed):
        de_escalate_ticket(ticket=ticket, by=l1_agent.user, note="")
    with pytest.raises(InvalidTransition):
        de_escalate_ticket(ticket=ticket, by=l1_agent.user, note="abajo")  # nothing below L1
    with pytest.raises(InvalidTransition):
        de_escalate_ticket(ticket=ticket, by=l1_agent.user, note="x", to_tier=tiers[2])


def test_a_ticket_can_go_to_vendors_more_than_once_each_referral_measured(
    frozen_clock, categories, customer, l1_agent, tiers, vendor
):
    from escala.tiers.models import Vendor

    other = Vendor.objects.create(name="RedEquipos", support_email="s@redequipos.example")
    ticket = open_ticket(customer, category=categories["connectivity"])
    escalate_ticket(ticket=ticket, by=l1_agent.user, to_tier=tiers[2], **REASON)
    refer_to_vendor(
        ticket=ticket, by=l1_agent.user, vendor=vendor, reason="Firmware", case_number="A-1"
    )
    frozen_clock.advance(hours=5)
    de_escalate_ticket(ticket=ticket, by=l1_agent.user, note="No era suyo", to_tier=tiers[2])
    refer_to_vendor(
        ticket=ticket, by=l1_agent.user, vendor=other, reason="Equipo de red", case_number="B-2"
    )
    with pytest.raises(InvalidTransition, match="already"):
        refer_to_vendor(ticket=ticket, by=l1_agent.user, vendor=vendor, reason="otra vez")
    cases = list(VendorCase.objects.filter(ticket=ticket))
    assert [(c.vendor, c.external_reference, c.status) for c in cases] == [
        (vendor, "A-1", "closed"),
        (other, "B-2", "open"),
    ]
    assert cases[0].closed_at - cases[0].opened_at == frozen_clock.current - cases[0].opened_at


def test_a_referral_needs_a_reason_and_an_active_vendor(categories, customer, l1_agent, vendor):
    ticket = open_ticket(customer, category=categories["connectivity"])
    with pytest.raises(ValidationFailed) as refused:
        refer_to_vendor(ticket=ticket, by=l1_agent.user, vendor=vendor, reason="")
    assert refused.value.field == "reason"
    vendor.is_active = False
    vendor.save()
    with pytest.raises(ValidationFailed) as refused:
        refer_to_vendor(ticket=ticket, by=l1_agent.user, vendor=vendor, reason="Firmware")
    assert refused.value.field == "vendor"


def test_resolving_at_the_vendor_closes_the_vendor_case(categories, customer, l1_agent, vendor):
    ticket = open_ticket(customer, category=categories["connectivity"])
    refer_to_vendor(ticket=ticket, by=l1_agent.user, vendor=vendor, reason="Firmware")
    ticket = resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Firmware actualizado")
    case = VendorCase.objects.get(ticket=ticket)
    assert (case.status, case.outcome) == ("closed", "Firmware actualizado")
    assert ticket.vendor is None
