"""The ticket page's forms are drawn once per process for many tickets (desk.fragments): each
page still shows its own ticket, version and CSRF token, and any change on the next request."""

import re

import pytest
from django.urls import reverse

from escala.desk import fragments
from escala.tickets.actions import assign_ticket, change_status
from escala.tickets.choices import Status
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def _body(client, ticket) -> str:
    response = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _action(body: str, name: str) -> str:
    found = re.search(rf'<details class="action" id="action-{name}".*?</details>', body, re.S)
    assert found, f"no {name} action on the page"
    return found.group(0)


def _no_stand_ins(body: str) -> None:
    assert fragments.PK not in body
    assert str(fragments.VERSION) not in body
    assert fragments.CSRF not in body


def test_two_tickets_share_the_drawn_forms_but_each_shows_its_own(
    login, frozen_clock, l1_agent, employee, categories
):
    one = open_ticket(employee, category=categories["erp"], subject="one")
    two = open_ticket(employee, category=categories["erp"], subject="two")
    change_status(ticket=two.pk, by=l1_agent.user, to=Status.PENDING_CUSTOMER)
    two.refresh_from_db()
    assert two.version != one.version
    client = login(l1_agent.user)
    first, second = _body(client, one), _body(client, two)
    for body, ticket in ((first, one), (second, two)):
        _no_stand_ins(body)
        resolve = _action(body, "resolve")
        assert f'action="{reverse("desk:action", args=[ticket.pk, "resolve"])}"' in resolve
        assert f'name="resolve-version" value="{ticket.version}"' in resolve
        assert reverse("desk:compose_canned", args=[ticket.pk]) in body  # the reply box
        assert f'name="compose-version" value="{ticket.version}"' in body


def test_the_forms_carry_this_pages_csrf_token_and_a_post_from_them_is_accepted(
    login, frozen_clock, l1_agent, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    client.handler.enforce_csrf_checks = True
    _body(client, ticket)  # the first page sets the CSRF cookie
    body = _body(client, ticket)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _action(body, "close"))
    assert token
    response = client.post(
        reverse("desk:action", args=[ticket.pk, "close"]),
        {
            "csrfmiddlewaretoken": token.group(1),
            "close-version": ticket.version,
            "close-reason": "x",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_change_of_the_ticket_shows_in_its_forms_on_the_next_page(
    login, frozen_clock, l1_agent, l1_colleague, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    before = _body(client, ticket)
    assert f'<option value="{Status.PENDING_CUSTOMER}" selected>' not in _action(before, "status")
    assign_ticket(ticket=ticket.pk, by=l1_agent.user, assignee=l1_colleague)
    change_status(ticket=ticket.pk, by=l1_agent.user, to=Status.PENDING_CUSTOMER)
    ticket.refresh_from_db()
    after = _body(client, ticket)
    _no_stand_ins(after)
    assert f'<option value="{l1_colleague.pk}" selected>' in _action(after, "assign")
    assert f'<option value="{Status.PENDING_CUSTOMER}" selected>' in _action(after, "status")
    assert f'name="assign-version" value="{ticket.version}"' in _action(after, "assign")


def test_a_refused_action_comes_back_with_its_error_and_what_was_written(
    login, frozen_clock, l1_agent, employee, categories
):
    ticket = open_ticket(employee, category=categories["erp"])
    client = login(l1_agent.user)
    _body(client, ticket)  # the escalate form drawn and kept unbound
    response = client.post(
        reverse("desk:action", args=[ticket.pk, "escalate"]),
        {"escalate-version": ticket.version, "escalate-reason": "", "escalate-handover": "seen"},
    )
    body = response.content.decode()
    escalate = _action(body, "escalate")
    assert escalate.startswith('<details class="action" id="action-escalate" open>')
    assert "seen</textarea>" in escalate
    assert 'aria-invalid="true"' in escalate or 'class="error"' in escalate
    _no_stand_ins(body)
    # The next plain page shows it closed and empty again.
    again = _action(_body(client, ticket), "escalate")
    assert " open>" not in again.split("\n", 1)[0]
    assert "seen</textarea>" not in again
