import pytest

pytestmark = pytest.mark.django_db


def test_only_admins_reach_the_configuration(client, admin_user, l1_agent, supervisor, customer):
    for person in (l1_agent.user, supervisor.user, customer.user):
        client.force_login(person)
        response = client.get("/admin/tiers/supporttier/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    client.force_login(admin_user)
    assert client.get("/admin/tiers/supporttier/").status_code == 200
    assert client.get("/admin/tiers/category/").status_code == 200


def test_admins_cannot_edit_tickets_behind_the_history(client, admin_user, categories, employee):
    from tests.tickets.factories import open_ticket

    ticket = open_ticket(employee, category=categories["password"])
    client.force_login(admin_user)
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # read-only: changes go through the actions
    assert client.get("/admin/tickets/ticket/add/").status_code == 403
