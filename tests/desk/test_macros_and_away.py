"""Agents apply macros from the ticket page and mark themselves away from the queue page."""

import pytest
from django.urls import reverse

from escala.automation.models import Macro
from escala.automation.queries import tags_of
from escala.automation.routing import candidates
from escala.tickets.actions import claim_ticket
from escala.tickets.choices import EventKind, MessageKind, Status
from escala.tickets.models import Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def macro(db):
    return Macro.objects.create(
        name_en="Ask for a screenshot",
        name_es="Pedir captura",
        body_en="Hello {{ requester.name }}, please send a screenshot of {{ ticket.reference }}.",
        body_es="Hola {{ requester.name }}, envíenos una captura de {{ ticket.reference }}.",
        set_status=Status.PENDING_CUSTOMER,
        add_tag="screenshot",
    )


@pytest.fixture
def ticket(frozen_clock, employee, categories, l1_agent):
    ticket = open_ticket(employee, category=categories["erp"])
    claim_ticket(ticket=ticket, by=l1_agent.user)
    return ticket


def apply(client, ticket, macro, version=None):
    version = version or Ticket.objects.get(pk=ticket.pk).version
    return client.post(
        reverse("desk:action", args=[ticket.pk, "macro"]),
        {"macro-macro": macro.pk, "macro-version": version},
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Hola Marta Gómez, envíenos una captura de {ref}."),
        ("en", "Hello Marta Gómez, please send a screenshot of {ref}."),
    ],
)
def test_a_macro_answers_in_the_requesters_language_and_sets_its_fields(
    login, ticket, macro, l1_agent, employee, language, expected
):
    employee.language = language
    employee.save(update_fields=["language"])

    response = apply(login(l1_agent.user), ticket, macro)

    assert response.status_code == 302
    ticket.refresh_from_db()
    reply = ticket.messages.filter(kind=MessageKind.REPLY).filter(author_user=l1_agent.user).get()
    assert reply.body == expected.format(ref=ticket.reference)
    assert ticket.status == Status.PENDING_CUSTOMER
    assert tags_of(ticket) == ["screenshot"]
    assert ticket.events.filter(kind=EventKind.REPLIED).exists()


def test_the_macro_action_is_on_the_ticket_page(login, ticket, macro, l1_agent):
    body = login(l1_agent.user).get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert 'id="action-macro"' in body
    assert "Ask for a screenshot" in body


def test_no_macro_action_without_macros(login, ticket, l1_agent):
    body = login(l1_agent.user).get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert 'id="action-macro"' not in body


def test_a_macro_on_a_stale_page_is_refused(login, ticket, macro, l1_agent):
    seen = Ticket.objects.get(pk=ticket.pk).version
    Ticket.objects.filter(pk=ticket.pk).update(version=seen + 1)  # someone acted meanwhile

    response = apply(login(l1_agent.user), ticket, macro, version=seen)

    assert "changed by someone else" in response.content.decode()
    assert not ticket.messages.filter(author_user=l1_agent.user).exists()


def test_an_inactive_macro_cannot_be_chosen(login, ticket, macro, l1_agent):
    macro.is_active = False
    macro.save()
    response = apply(login(l1_agent.user), ticket, macro)
    assert response.context["forms"]["macro"].errors["macro"]


def test_an_agent_marks_themself_away_and_routing_skips_them(login, ticket, l1_agent, l1_colleague):
    for agent in (l1_agent, l1_colleague):
        agent.skills.add(ticket.category.specialty_id)
    assert candidates(ticket) == [l1_colleague, l1_agent]  # Lucía holds the ticket: busier
    client = login(l1_agent.user)
    assert "Mark me away" in client.get(reverse("desk:queue")).content.decode()

    response = client.post(reverse("desk:away"), {"away": "1"}, follow=True)

    l1_agent.refresh_from_db()
    assert l1_agent.is_away
    body = response.content.decode()
    assert "You are away" in body
    assert "I am back" in body
    assert candidates(ticket) == [l1_colleague]

    client.post(reverse("desk:away"), {"away": "0"})
    l1_agent.refresh_from_db()
    assert not l1_agent.is_away
    assert candidates(ticket) == [l1_colleague, l1_agent]


def test_the_away_switch_reads_in_spanish(login, l1_agent, settings):
    settings.LANGUAGE_CODE = "es"
    body = (
        login(l1_agent.user)
        .get(reverse("desk:queue"), headers={"accept-language": "es"})
        .content.decode()
    )
    assert "Marcarme ausente" in body
