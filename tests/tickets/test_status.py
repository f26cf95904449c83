"""The state machine: every transition allowed by ALLOWED_TRANSITIONS works through the actions,
every other one is refused and changes nothing."""

import itertools

import pytest

from escala.core.errors import InvalidTransition, StaleObject, ValidationFailed
from escala.tickets.actions import (
    change_status,
    claim_ticket,
    close_ticket,
    refer_to_vendor,
    reopen_ticket,
    resolve_ticket,
)
from escala.tickets.choices import ALLOWED_TRANSITIONS, EventKind, Status
from escala.tickets.models import Ticket, TicketEvent

from .factories import open_ticket

pytestmark = pytest.mark.django_db


def _bring_to(status, ticket, agent, vendor):
    """Drive a fresh ticket to `status` through the actions only."""
    by = agent.user
    if status == Status.NEW:
        return ticket
    if status == Status.CLOSED:
        return close_ticket(ticket=ticket, by=by, reason="Duplicado")
    claim_ticket(ticket=ticket, by=by)
    if status == Status.OPEN:
        return Ticket.objects.get(pk=ticket.pk)
    if status == Status.PENDING_CUSTOMER:
        return change_status(ticket=ticket, by=by, to=Status.PENDING_CUSTOMER)
    if status == Status.PENDING_VENDOR:
        refer_to_vendor(ticket=ticket, by=by, vendor=vendor, reason="Fallo del fabricante")
        return Ticket.objects.get(pk=ticket.pk)
    resolve_ticket(ticket=ticket, by=by, summary="Hecho")
    if status == Status.RESOLVED:
        return Ticket.objects.get(pk=ticket.pk)
    return reopen_ticket(ticket=ticket, by=by, reason="Vuelve a pasar")  # REOPENED


def _apply(target, ticket, agent):
    by = agent.user
    if target == Status.RESOLVED:
        return resolve_ticket(ticket=ticket, by=by, summary="Hecho")
    if target == Status.CLOSED:
        return close_ticket(ticket=ticket, by=by, reason="Ya no aplica")
    if target == Status.REOPENED:
        return reopen_ticket(ticket=ticket, by=by, reason="Vuelve a pasar")
    return change_status(ticket=ticket, by=by, to=target)


# NEW is never a target, and PENDING_VENDOR is entered by referring to a vendor (see
# test_escalation.py); every other ordered pair is tried.
PAIRS = [
    (a, b)
    for a, b in itertools.product(Status.values, Status.values)
    if a != b and b != Status.NEW and b != Status.PENDING_VENDOR
]


@pytest.mark.parametrize(("start", "target"), PAIRS)
def test_each_transition_is_allowed_or_refused_as_the_map_says(
    start, target, categories, employee, l1_agent, vendor
):
    ticket = _bring_to(
        start, open_ticket(employee, category=categories["password"]), l1_agent, vendor
    )
    assert ticket.status == start
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    if target in ALLOWED_TRANSITIONS[start]:
        result = _apply(target, ticket, l1_agent)
        assert result.status == target
        assert Ticket.objects.get(pk=ticket.pk).status == target
        assert TicketEvent.objects.filter(ticket=ticket).count() > events_before
    else:
        with pytest.raises(InvalidTransition):
            _apply(target, ticket, l1_agent)
        assert Ticket.objects.get(pk=ticket.pk).status == start
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_pending_vendor_needs_an_open_vendor_case(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    with pytest.raises(InvalidTransition) as refused:
        change_status(ticket=ticket, by=l1_agent.user, to=Status.PENDING_VENDOR)
    assert refused.value.field == "status"


def test_resolving_needs_a_summary(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    with pytest.raises(ValidationFailed) as refused:
        resolve_ticket(ticket=ticket, by=l1_agent.user, summary=" ")
    assert refused.value.field == "summary"
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_closing_an_unresolved_ticket_needs_a_reason(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    with pytest.raises(ValidationFailed) as refused:
        close_ticket(ticket=ticket, by=l1_agent.user)
    assert refused.value.field == "reason"


def test_a_closed_ticket_is_final(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Contraseña restablecida")
    close_ticket(ticket=ticket, by=l1_agent.user)
    with pytest.raises(InvalidTransition):
        reopen_ticket(ticket=ticket, by=l1_agent.user, reason="otra vez")
    with pytest.raises(InvalidTransition):
        change_status(ticket=ticket, by=l1_agent.user, to=Status.OPEN)


def test_a_stale_form_is_refused_not_applied(categories, employee, l1_agent, l1_colleague):
    ticket = open_ticket(employee, category=categories["password"])
    seen_version = ticket.version
    claim_ticket(ticket=ticket, by=l1_colleague.user, expected_version=seen_version)
    with pytest.raises(StaleObject):
        change_status(
            ticket=ticket,
            by=l1_agent.user,
            to=Status.PENDING_CUSTOMER,
            expected_version=seen_version,
        )
    current = Ticket.objects.get(pk=ticket.pk)
    assert current.status == Status.OPEN
    assert current.assignee == l1_colleague


def test_claiming_a_ticket_someone_else_holds_is_refused(
    categories, employee, l1_agent, l1_colleague
):
    ticket = open_ticket(employee, category=categories["password"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    with pytest.raises(InvalidTransition, match="Lucia"):
        claim_ticket(ticket=ticket, by=l1_colleague.user)
    assert Ticket.objects.get(pk=ticket.pk).assignee == l1_agent


def test_every_status_change_is_in_the_history(categories, employee, l1_agent):
    ticket = open_ticket(employee, category=categories["password"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    change_status(ticket=ticket, by=l1_agent.user, to=Status.PENDING_CUSTOMER, reason="Esperando")
    change_status(ticket=ticket, by=l1_agent.user, to=Status.OPEN)
    changes = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    assert [(e.old_value, e.new_value) for e in changes] == [
        (Status.NEW, Status.OPEN),
        (Status.OPEN, Status.PENDING_CUSTOMER),
        (Status.PENDING_CUSTOMER, Status.OPEN),
    ]
    assert changes[1].reason == "Esperando"
    assert all(e.actor == l1_agent.user for e in changes)
