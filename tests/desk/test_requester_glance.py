"""The requester at a glance: their tickets, organization and satisfaction, beside a ticket."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.people.avatars import avatar_html, initials
from escala.surveys.actions import answer_survey
from escala.surveys.models import Survey
from escala.tickets.actions import claim_ticket, escalate_ticket, resolve_ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def panel(client, requester, ticket=None, **extra):
    params = {"ticket": ticket.pk} if ticket else {}
    return client.get(reverse("desk:requester", args=[requester.pk]), params, **HTMX, **extra)


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Marta Gómez", "MG"),
        ("marta gómez ruiz", "MR"),
        ("Ñoño", "Ñ"),
        ("", "?"),
        ("  <b>  ", "B"),
        ("O'Brien-Smith, Anne", "OA"),
    ],
)
def test_initials_are_the_first_and_last_words_letters(name, letters):
    assert initials(name) == letters


def test_an_avatar_is_escaped_and_hidden_from_screen_readers():
    html = avatar_html('"><script>x</script>', size='"><i>')
    assert "<script>" not in html
    assert "<i>" not in html
    assert 'aria-hidden="true"' in html


def test_the_ticket_page_loads_the_panel_after_itself(login, l1_agent, employee, categories):
    ticket = open_ticket(employee, category=categories["password"])
    html = login(l1_agent.user).get(reverse("desk:ticket", args=[ticket.pk])).text
    url = reverse("desk:requester", args=[employee.pk])
    assert f'hx-get="{url}?ticket={ticket.pk}" hx-trigger="load"' in html
    assert 'class="avatar' in html


def test_the_panel_shows_their_tickets_organization_and_satisfaction(
    login, frozen_clock, l1_agent, employee, categories, django_capture_on_commit_callbacks
):
    cat = categories["password"]
    tickets = []
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            tickets.append(open_ticket(employee, category=cat, subject=f"Asunto {i}"))
        frozen_clock.advance(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        claim_ticket(ticket=tickets[0], by=l1_agent.user)
        resolve_ticket(ticket=tickets[0], by=l1_agent.user, summary="Hecho.")
    answer_survey(survey=Survey.objects.get(ticket=tickets[0]), rating=4, comment="Rápido <b>")

    html = panel(login(l1_agent.user), employee, tickets[2]).text
    spanish = panel(login(l1_agent.user), employee, tickets[2], HTTP_ACCEPT_LANGUAGE="es").text
    assert "Todos sus tickets (3)" in spanish

    for ticket in tickets:
        assert ticket.reference in html
    assert 'aria-current="true"' in html  # the ticket being read, marked
    assert f'href="{reverse("desk:ticket", args=[tickets[2].pk])}"' not in html
    assert f"requester={employee.pk}" in html
    assert "All their tickets (3)" in html
    assert employee.organization.name in html
    assert "2 open tickets" in html
    assert "<strong>4.0</strong> / 5" in html
    assert "4 out of 5" in html
    assert "Rápido &lt;b&gt;" in html


def test_the_panel_counts_only_tickets_the_agent_may_see(login, tiers, l1_agent, employee):
    seen = open_ticket(employee, subject="Visible")
    hidden = open_ticket(employee, subject="Oculto")
    escalate_ticket(ticket=hidden, by=None, to_tier=tiers[3], reason="r", handover="h")
    html = panel(login(l1_agent.user), employee).text
    assert seen.reference in html
    assert hidden.reference not in html
    assert "All their tickets (1)" in html


def test_all_their_tickets_opens_the_queue_filtered_by_requester(
    login, supervisor, employee, customer
):
    theirs = open_ticket(employee, subject="Mío")
    open_ticket(customer, subject="De otro")
    response = login(supervisor.user).get(
        reverse("desk:queue"), {"queue": "all", "status": "any", "requester": employee.pk}
    )
    assert [t.pk for t in response.context["page"].rows] == [theirs.pk]
    assert f"Requester: {employee.name}" in response.text


def _panel_queries(client, requester) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = panel(client, requester)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_panel_costs_the_same_queries_however_long_their_history(
    login,
    frozen_clock,
    l1_agent,
    employee,
    customer,
    categories,
    django_capture_on_commit_callbacks,
):
    def history(requester, n: int) -> None:
        for i in range(n):
            with django_capture_on_commit_callbacks(execute=True):
                t = open_ticket(requester, category=categories["password"], subject=f"T{i}")
            with django_capture_on_commit_callbacks(execute=True):
                claim_ticket(ticket=t, by=l1_agent.user)
                resolve_ticket(ticket=t, by=l1_agent.user, summary="Hecho.")
            answer_survey(survey=Survey.objects.get(ticket=t), rating=1 + i % 5)

    history(employee, 1)
    history(customer, 12)
    client = login(l1_agent.user)
    _panel_queries(client, employee)  # warm caches
    assert _panel_queries(client, employee) == _panel_queries(client, customer)


def test_the_requester_has_a_page_of_their_own(login, l1_agent, employee):
    open_ticket(employee, subject="Algo")
    html = login(l1_agent.user).get(reverse("desk:requester", args=[employee.pk])).text
    assert f"<h1>{employee.name}</h1>" in html
    assert "No survey answered yet." in html


def test_an_unknown_requester_is_a_404_and_a_requester_cannot_look(
    login, l1_agent, employee, customer
):
    assert login(l1_agent.user).get(reverse("desk:requester", args=[999999])).status_code == 404
    response = login(employee.user).get(reverse("desk:requester", args=[customer.pk]))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_the_panel_speaks_spanish(login, l1_agent, employee):
    open_ticket(employee, subject="Algo")
    client = login(l1_agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = panel(client, employee).text
    assert "Sus tickets" in html
    assert "Satisfacción" in html
