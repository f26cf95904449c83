"""A token sees exactly what its user sees in the console or the portal; the rest is a 404."""

import pytest

from escala.tickets.actions import add_note
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {t["id"] for t in response.json()["items"]}


def test_a_customer_lists_only_their_own_tickets(
    api_as, customer, customer_ticket, colleague_ticket, employee_ticket
):
    assert ids(api_as(customer).get("tickets")) == {customer_ticket.pk}


def test_a_customer_manager_lists_the_whole_organization(
    api_as, customer_manager, customer_ticket, colleague_ticket, employee_ticket
):
    assert ids(api_as(customer_manager).get("tickets")) == {customer_ticket.pk, colleague_ticket.pk}


def test_a_customer_gets_404_for_a_colleagues_ticket(api_as, customer, colleague_ticket):
    response = api_as(customer).get(f"tickets/{colleague_ticket.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_level_1_agent_sees_level_1_but_not_the_database_queue(
    api_as, l1_agent, employee_ticket, database_ticket
):
    assert ids(api_as(l1_agent).get("tickets")) == {employee_ticket.pk}
    assert api_as(l1_agent).get(f"tickets/{database_ticket.pk}").status_code == 404


def test_the_database_specialist_sees_the_database_ticket(
    api_as, l2_db_specialist, employee_ticket, database_ticket
):
    assert ids(api_as(l2_db_specialist).get("tickets")) == {database_ticket.pk}


def test_a_supervisor_and_an_admin_see_everything(
    api_as, supervisor, admin_user, employee_ticket, database_ticket, customer_ticket
):
    everything = {employee_ticket.pk, database_ticket.pk, customer_ticket.pk}
    assert ids(api_as(supervisor).get("tickets")) == everything
    assert ids(api_as(admin_user).get("tickets")) == everything


def test_a_requester_never_reads_internal_notes(api_as, employee, l1_agent, employee_ticket):
    add_note(ticket=employee_ticket, by=l1_agent.user, body="Usuario VIP, cuidado.")
    as_requester = api_as(employee).get(f"tickets/{employee_ticket.pk}/messages").json()
    as_agent = api_as(l1_agent).get(f"tickets/{employee_ticket.pk}/messages").json()
    assert [m["kind"] for m in as_requester] == ["reply"]
    assert [m["kind"] for m in as_agent] == ["reply", "note"]


def test_a_requesters_history_hides_the_desks_internal_moves(
    api_as, employee, l1_agent, employee_ticket
):
    add_note(ticket=employee_ticket, by=l1_agent.user, body="Nota interna")
    kinds = [e["kind"] for e in api_as(employee).get(f"tickets/{employee_ticket.pk}/events").json()]
    assert "note_added" not in kinds
    assert kinds[0] == "created"


def test_a_requester_cannot_read_the_agent_directory(api_as, employee, l1_agent):
    assert api_as(employee).get("agents").status_code == 404
    assert api_as(l1_agent).get("agents").status_code == 200


def test_a_requester_sees_only_themself_among_requesters(api_as, employee, customer):
    names = [r["name"] for r in api_as(employee).get("requesters").json()]
    assert names == [employee.name]
    assert api_as(employee).get(f"requesters/{customer.pk}").status_code == 404


def test_the_ticket_list_pages_through_everything_once_even_when_times_tie(
    api_as, supervisor, employee, categories, frozen_clock
):
    made = []
    for i in range(7):
        if i % 3 == 0:  # several tickets share each creation time
            frozen_clock.advance(minutes=1)
        made.append(open_ticket(employee, category=categories["password"]).pk)
    sara, seen, cursor = api_as(supervisor), [], None
    while True:
        page = sara.get("tickets", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)
