"""The hot endpoints' query counts do not grow with the page: no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.api.tokens import forget_tokens
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def queries_for(call) -> int:
    forget_tokens()  # each count includes the token's look-up, whatever the process remembers
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.content
    return len(captured)


def test_the_ticket_list_costs_the_same_for_two_or_twenty_tickets(
    api_as, l1_agent, employee, customer, categories
):
    lucia = api_as(l1_agent)
    for _ in range(2):
        open_ticket(employee, category=categories["password"])
    lucia.get("tickets")  # the token's last-use stamp is written once a minute
    few = queries_for(lambda: lucia.get("tickets"))
    for i in range(18):
        open_ticket(customer if i % 2 else employee, category=categories["password"])
    many = queries_for(lambda: lucia.get("tickets"))
    assert len(lucia.get("tickets").json()["items"]) == 20
    assert few == many
    # token, agent, teams, tiers, the page, then one query per small table shown (tier, team,
    # organization, category, vendor): cheaper than joining them (see present.TICKET_JOINED)
    assert many <= 10


def test_the_conversation_costs_the_same_for_one_or_ten_messages(
    api_as, l1_agent, employee, employee_ticket
):
    from escala.tickets.actions import add_reply

    lucia = api_as(l1_agent)
    path = f"tickets/{employee_ticket.pk}/messages"
    lucia.get(path)
    few = queries_for(lambda: lucia.get(path))
    for i in range(9):
        add_reply(ticket=employee_ticket, by=l1_agent.user, body=f"Respuesta {i}")
    assert queries_for(lambda: lucia.get(path)) == few


def test_creating_a_ticket_takes_a_bounded_number_of_queries(api_as, employee):
    me = api_as(employee)
    me.post("tickets", {"subject": "a", "body": "b"})
    # About 15 for the ticket and its routing, 5 for its receipt (the outbox row is written in
    # the same transaction), the report day marked stale: a bound, whatever the history.
    assert queries_for(lambda: me.post("tickets", {"subject": "a", "body": "b"})) <= 21
