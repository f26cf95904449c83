"""One policy decides who sees and works what; lists and details agree."""

import pytest

from escala.core.errors import Forbidden, NotFound
from escala.tickets.actions import (
    add_note,
    add_participant,
    add_reply,
    claim_ticket,
    escalate_ticket,
    resolve_ticket,
)
from escala.tickets.permissions import access_ticket, tickets_visible_to

from .factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(categories, employee, customer, customer_colleague):
    return {
        "employee": open_ticket(employee, category=categories["password"]),
        "customer": open_ticket(
            customer, category=categories["connectivity"], subject="La fibra se corta"
        ),
        "colleague": open_ticket(
            customer_colleague, category=categories["connectivity"], subject="Sin línea"
        ),
        "database": open_ticket(
            customer, category=categories["database"], subject="Consultas lentas"
        ),
    }


def visible(user):
    return set(tickets_visible_to(user).values_list("pk", flat=True))


def test_a_requester_sees_only_their_own_tickets(tickets, customer):
    assert visible(customer.user) == {tickets["customer"].pk, tickets["database"].pk}


def test_an_organization_manager_sees_the_whole_organization(tickets, customer_manager):
    assert visible(customer_manager.user) == {
        tickets["customer"].pk,
        tickets["colleague"].pk,
        tickets["database"].pk,
    }


def test_another_requesters_ticket_does_not_exist_for_them(tickets, customer):
    with pytest.raises(NotFound):
        access_ticket(customer.user, tickets["colleague"].pk)
    with pytest.raises(NotFound):
        add_reply(ticket=tickets["colleague"], by=customer.user, body="¿Hola?")


def test_an_agent_works_the_tickets_of_their_tiers_and_teams(
    tickets, l1_agent, l2_db_specialist, l2_network_agent
):
    assert visible(l1_agent.user) == {
        tickets["employee"].pk,
        tickets["customer"].pk,
        tickets["colleague"].pk,
    }
    # Level 2 sees its tier: the database ticket starts there.
    assert tickets["database"].pk in visible(l2_db_specialist.user)
    assert tickets["database"].pk in visible(l2_network_agent.user)
    assert tickets["employee"].pk not in visible(l2_network_agent.user)


def test_an_escalated_ticket_leaves_level_1_queues_but_the_escalating_agent_follows(
    tickets, l1_agent, l1_colleague, l2_network_agent
):
    ticket = tickets["customer"]
    escalate_ticket(
        ticket=ticket, by=l1_agent.user, reason="Necesita redes", handover="Línea comprobada."
    )
    assert ticket.pk in visible(l2_network_agent.user)
    assert ticket.pk in visible(l1_agent.user)  # pulled in as a participant
    assert ticket.pk not in visible(l1_colleague.user)


def test_an_agent_pulled_in_as_participant_can_work_the_ticket(tickets, l1_agent, l3_engineer):
    ticket = tickets["employee"]
    with pytest.raises(NotFound):
        add_note(ticket=ticket, by=l3_engineer.user, body="Miro")
    add_participant(ticket=ticket, by=l1_agent.user, agent=l3_engineer)
    add_note(ticket=ticket, by=l3_engineer.user, body="Miro los logs")
    assert ticket.pk in visible(l3_engineer.user)


def test_supervisors_and_admins_see_everything(tickets, supervisor, admin_user):
    everything = {t.pk for t in tickets.values()}
    assert visible(supervisor.user) == everything
    assert visible(admin_user) == everything


def test_requesters_cannot_work_tickets(tickets, customer):
    ticket = tickets["customer"]
    with pytest.raises(Forbidden):
        add_note(ticket=ticket, by=customer.user, body="nota")
    with pytest.raises(Forbidden):
        claim_ticket(ticket=ticket, by=customer.user)
    with pytest.raises(Forbidden):
        resolve_ticket(ticket=ticket, by=customer.user, summary="ya está")


def test_an_agent_cannot_act_on_a_ticket_outside_their_scope(tickets, l2_network_agent):
    with pytest.raises(NotFound):
        claim_ticket(ticket=tickets["employee"], by=l2_network_agent.user)


def test_a_requester_cannot_open_a_ticket_for_someone_else(categories, customer, employee):
    with pytest.raises(Forbidden):
        open_ticket(employee, category=categories["password"], by=customer.user)


def test_an_agent_opens_a_ticket_for_a_caller(categories, customer, l1_agent):
    ticket = open_ticket(
        customer, category=categories["connectivity"], by=l1_agent.user, channel="phone"
    )
    first = ticket.messages.get()
    assert (first.author_requester, first.author_user) == (customer, l1_agent.user)


def test_anonymous_users_see_nothing(tickets):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    with pytest.raises(NotFound):
        access_ticket(AnonymousUser(), tickets["customer"].pk)


def test_list_and_detail_agree_for_every_persona(
    tickets, customer, customer_manager, employee, l1_agent, l2_network_agent, l3_engineer
):
    for person in (customer, customer_manager, employee, l1_agent, l2_network_agent, l3_engineer):
        seen = visible(person.user)
        for ticket in tickets.values():
            if ticket.pk in seen:
                assert access_ticket(person.user, ticket.pk).pk == ticket.pk
            else:
                with pytest.raises(NotFound):
                    access_ticket(person.user, ticket.pk)
