"""A ticket taken by phone: find the caller, or add them, then file it for them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from escala.core.errors import Forbidden
from escala.people.actions import create_requester
from escala.people.models import Requester
from escala.tickets.choices import Channel
from escala.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_lookup_finds_the_caller_by_name(login, l1_agent, customer):
    response = login(l1_agent.user).get(
        reverse("desk:new_ticket"), {"lookup": "smith"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="matches"')
    assert "John Smith" in body


def test_file_a_phone_ticket_for_a_known_caller(
    login, frozen_clock, l1_agent, customer, categories
):
    response = login(l1_agent.user).post(
        reverse("desk:new_ticket"),
        {
            "requester": customer.pk,
            "channel": Channel.PHONE,
            "category": categories["connectivity"].pk,
            "subject": "Sin conexión",
            "body": "La oficina no tiene red",
            "impact": "high",
            "urgency": "high",
            "time_spent": "7",
        },
    )
    ticket = Ticket.objects.get(subject="Sin conexión")
    assert response.url == reverse("desk:ticket", args=[ticket.pk])
    assert (ticket.requester, ticket.channel, ticket.priority) == (customer, "phone", "critical")
    assert ticket.messages.get().time_spent == timedelta(minutes=7)
    assert ticket.assignee == l1_agent  # whoever took the call keeps it


def test_file_a_phone_ticket_for_a_new_caller(login, frozen_clock, l1_agent, customer_org):
    login(l1_agent.user).post(
        reverse("desk:new_ticket"),
        {
            "new_name": "Rosa Nueva",
            "new_email": "rosa@fibrarapida.example",
            "new_phone": "+34 600 000 000",
            "new_organization": customer_org.pk,
            "new_kind": "customer",
            "channel": Channel.PHONE,
            "subject": "Factura",
            "body": "Duda con la factura",
            "impact": "medium",
            "urgency": "medium",
        },
    )
    rosa = Requester.objects.get(email="rosa@fibrarapida.example")
    assert rosa.user is None
    assert Ticket.objects.get(subject="Factura").requester == rosa


def test_a_duplicate_email_is_refused_and_nothing_is_half_written(
    login, frozen_clock, l1_agent, customer, customer_org
):
    response = login(l1_agent.user).post(
        reverse("desk:new_ticket"),
        {
            "new_name": "Otro John",
            "new_email": customer.email.upper(),
            "new_organization": customer_org.pk,
            "channel": Channel.PHONE,
            "subject": "x",
            "body": "y",
            "impact": "medium",
            "urgency": "medium",
        },
    )
    assert response.context["form"].errors["new_email"]
    assert not Ticket.objects.exists()
    assert Requester.objects.filter(name="Otro John").count() == 0


def test_a_ticket_needs_a_caller(login, l1_agent):
    response = login(l1_agent.user).post(
        reverse("desk:new_ticket"),
        {"channel": "phone", "subject": "x", "body": "y", "impact": "low", "urgency": "low"},
    )
    assert response.context["form"].errors["requester"]


def test_requesters_cannot_create_requesters(employee, customer_org):
    with pytest.raises(Forbidden):
        create_requester(
            by=employee.user, name="X", email="x@example.com", organization=customer_org
        )
