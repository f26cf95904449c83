import pytest

from escala.core.errors import InvalidTransition, ValidationFailed
from escala.tickets.actions import (
    add_reply,
    close_ticket,
    link_tickets,
    merge_tickets,
    resolve_ticket,
    set_parent,
    unlink_tickets,
)
from escala.tickets.choices import EventKind, LinkKind, Status
from escala.tickets.models import Message, Ticket, TicketEvent, TicketLink

from .factories import open_ticket

pytestmark = pytest.mark.django_db


def test_similar_tickets_can_be_linked_once_with_history_on_both(
    categories, customer, customer_colleague, l1_agent
):
    a = open_ticket(customer, category=categories["connectivity"], subject="Fibra cae")
    b = open_ticket(customer_colleague, category=categories["connectivity"], subject="Sin fibra")
    link_tickets(source=a, target=b, by=l1_agent.user, kind=LinkKind.RELATED)
    link_tickets(source=a, target=b, by=l1_agent.user, kind=LinkKind.RELATED)
    assert TicketLink.objects.count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.LINKED).count() == 2
    with pytest.raises(ValidationFailed):
        link_tickets(source=a, target=a, by=l1_agent.user, kind=LinkKind.RELATED)
    unlink_tickets(link=TicketLink.objects.get(), by=l1_agent.user)
    assert not TicketLink.objects.exists()


def test_a_parent_cannot_be_resolved_while_a_child_is_open(categories, customer, l1_agent):
    outage = open_ticket(customer, category=categories["connectivity"], subject="Caída en Alcalá")
    child = open_ticket(customer, category=categories["connectivity"], subject="Mi línea")
    set_parent(child=child, parent=outage, by=l1_agent.user)
    with pytest.raises(InvalidTransition, match=child.reference):
        resolve_ticket(ticket=outage, by=l1_agent.user, summary="Puerto corregido")
    resolve_ticket(ticket=child, by=l1_agent.user, summary="Vuelve a funcionar")
    resolve_ticket(ticket=outage, by=l1_agent.user, summary="Puerto corregido")
    assert Ticket.objects.get(pk=outage.pk).status == Status.RESOLVED


def test_parent_links_cannot_make_a_cycle(categories, customer, l1_agent):
    a = open_ticket(customer, category=categories["connectivity"])
    b = open_ticket(customer, category=categories["connectivity"])
    set_parent(child=b, parent=a, by=l1_agent.user)
    with pytest.raises(ValidationFailed):
        set_parent(child=a, parent=b, by=l1_agent.user)


def test_merge_moves_the_conversation_and_both_keep_their_history(categories, customer, l1_agent):
    first = open_ticket(customer, category=categories["connectivity"], body="Sin internet")
    dup = open_ticket(customer, category=categories["connectivity"], body="Sigo sin internet")
    add_reply(ticket=dup, by=customer.user, body="¿Alguien?")
    merge_tickets(source=dup, target=first, by=l1_agent.user, reason="Mismo problema")
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into) == (Status.CLOSED, first)
    bodies = list(Message.objects.filter(ticket=first).values_list("body", flat=True))
    assert bodies == ["Sin internet", "Sigo sin internet", "¿Alguien?"]
    assert Message.objects.filter(ticket=first, original_ticket=dup).count() == 2
    assert TicketEvent.objects.filter(ticket=dup, kind=EventKind.CREATED).exists()
    assert TicketEvent.objects.filter(ticket=dup, kind=EventKind.MERGED).exists()
    assert TicketEvent.objects.filter(ticket=first, kind=EventKind.ABSORBED).exists()


def test_merge_refuses_different_requesters_and_closed_tickets(
    categories, customer, customer_colleague, l1_agent
):
    mine = open_ticket(customer, category=categories["connectivity"])
    theirs = open_ticket(customer_colleague, category=categories["connectivity"])
    with pytest.raises(ValidationFailed):
        merge_tickets(source=theirs, target=mine, by=l1_agent.user)
    closed = open_ticket(customer, category=categories["connectivity"])
    close_ticket(ticket=closed, by=customer.user)
    with pytest.raises(InvalidTransition):
        merge_tickets(source=closed, target=mine, by=l1_agent.user)
    assert Message.objects.filter(ticket=mine).count() == 1
