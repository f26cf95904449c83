"""Similar tickets: the open and recent tickets most like this one, to spot an outage or a
duplicate, with a one-click link or merge."""

import pytest
from django.urls import reverse

from escala.knowledge.queries import similar_tickets
from escala.tickets.actions import close_ticket, resolve_ticket
from escala.tickets.models import TicketLink
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def evening_drops(customer, customer_colleague, employee, frozen_clock):
    """Three customers in one town whose fibre drops every evening (SCENARIOS.md journey 2)."""
    tickets = [
        open_ticket(
            customer, subject="La fibra se corta todas las tardes", body="Hacia las 19:00."
        ),
        open_ticket(
            customer_colleague, subject="Corte de fibra por las tardes", body="Cada tarde se cae."
        ),
        open_ticket(customer, subject="Fibre line drops every evening", body="Around 7 pm."),
    ]
    open_ticket(employee, subject="Impresora atascada", body="El papel se atasca.")
    return tickets


def test_tickets_about_the_same_problem_are_similar(supervisor, evening_drops):
    first, second, _english = evening_drops
    found = [hit.ticket for hit in similar_tickets(supervisor.user, first)]
    assert second in found
    assert first not in found
    assert all("Impresora" not in t.subject for t in found)


def test_old_closed_tickets_are_not_similar_but_recent_resolved_ones_are(
    supervisor, l1_agent, evening_drops, frozen_clock, customer
):
    first, second, _english = evening_drops
    resolve_ticket(ticket=second, by=l1_agent.user, summary="Puerto corregido.")
    assert second in [hit.ticket for hit in similar_tickets(supervisor.user, first)]
    frozen_clock.advance(days=45)
    close_ticket(ticket=second, by=l1_agent.user)
    later = open_ticket(customer, subject="La fibra se corta otra vez por las tardes", body="…")
    assert second not in [hit.ticket for hit in similar_tickets(supervisor.user, later)]


def test_an_agent_only_sees_similar_tickets_they_may_see(
    l2_db_specialist, evening_drops, categories, customer
):
    db = open_ticket(
        customer, category=categories["database"], subject="La fibra y la base de datos"
    )
    assert [hit.ticket for hit in similar_tickets(l2_db_specialist.user, db)] == []


def test_one_click_links_a_similar_ticket(client, supervisor, evening_drops):
    first, second, _english = evening_drops
    client.force_login(supervisor.user)
    page = client.get(reverse("desk_kb:similar", args=[first.pk]))
    assert reverse("desk_kb:relate", args=[first.pk, second.pk]) in page.text
    client.post(reverse("desk_kb:relate", args=[first.pk, second.pk]), {"how": "related"})
    assert TicketLink.objects.filter(source=first, target=second, kind="related").exists()


def test_one_click_merges_a_duplicate_of_the_same_requester(client, supervisor, evening_drops):
    first, _second, english = evening_drops
    client.force_login(supervisor.user)
    client.post(reverse("desk_kb:relate", args=[first.pk, english.pk]), {"how": "merge"})
    english.refresh_from_db()
    assert english.merged_into == first


def test_a_refused_merge_is_explained_not_a_crash(client, supervisor, evening_drops):
    first, second, _english = evening_drops  # different requesters: cannot merge
    client.force_login(supervisor.user)
    response = client.post(
        reverse("desk_kb:relate", args=[first.pk, second.pk]), {"how": "merge"}, follow=True
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.merged_into is None


def test_the_minimal_ticket_page_shows_the_knowledge_panels(client, supervisor, evening_drops):
    client.force_login(supervisor.user)
    page = client.get(reverse("desk_kb:ticket", args=[evening_drops[0].pk]))
    assert page.status_code == 200
    assert 'id="kb-similar"' in page.text
    assert 'id="kb-suggestions"' in page.text
