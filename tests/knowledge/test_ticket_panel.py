"""The console ticket page's knowledge panel: articles to insert or send, similar tickets, and
"Create article from this ticket" when a Level 2-4 resolution is there to share."""

import pytest
from django.urls import reverse

from escala.core.errors import ValidationFailed
from escala.knowledge.actions import send_article_to_requester
from escala.knowledge.choices import UseKind
from escala.knowledge.models import ArticleUse
from escala.tickets.choices import MessageKind
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def vpn_ticket(employee, categories):
    return open_ticket(
        employee,
        category=categories["connectivity"],
        subject="No puedo conectarme a la VPN desde casa",
        body="El cliente VPN no conecta desde casa.",
    )


def test_the_console_ticket_page_loads_the_panel(login, l1_agent, vpn_ticket):
    html = login(l1_agent.user).get(reverse("desk:ticket", args=[vpn_ticket.pk])).content.decode()
    assert reverse("desk_kb:panel", args=[vpn_ticket.pk]) in html


def test_the_panel_suggests_articles_and_similar_tickets(
    login, l1_agent, employee, vpn_article, vpn_ticket
):
    other = open_ticket(employee, subject="La VPN no conecta", body="Desde casa no conecta.")
    response = login(l1_agent.user).get(reverse("desk_kb:panel", args=[vpn_ticket.pk]))
    html = response.content.decode()
    assert reverse("desk_kb:insert", args=[vpn_ticket.pk, vpn_article.pk]) in html
    assert reverse("desk_kb:send", args=[vpn_ticket.pk, vpn_article.pk]) in html
    assert other.reference in html
    assert "Create article from this ticket" not in html  # open, and at Level 1


def test_an_internal_article_can_be_inserted_but_not_sent(
    login, supervisor, internal_erp_article, employee
):
    ticket = open_ticket(employee, subject="Error FI-CLOSE-7781", body="El cierre de mes falla")
    html = login(supervisor.user).get(reverse("desk_kb:panel", args=[ticket.pk])).content.decode()
    assert reverse("desk_kb:insert", args=[ticket.pk, internal_erp_article.pk]) in html
    assert reverse("desk_kb:send", args=[ticket.pk, internal_erp_article.pk]) not in html
    with pytest.raises(ValidationFailed):
        send_article_to_requester(article=internal_erp_article, ticket=ticket, by=supervisor.user)
    assert not ticket.messages.filter(body__contains="FI-CLOSE-7781 en el cierre").exists()


def test_sending_an_article_replies_in_the_requesters_language_and_counts_its_use(
    login, l1_agent, vpn_article, vpn_ticket
):
    response = login(l1_agent.user).post(
        reverse("desk_kb:send", args=[vpn_ticket.pk, vpn_article.pk])
    )
    assert response.status_code == 302
    reply = vpn_ticket.messages.filter(kind=MessageKind.REPLY).order_by("-id").first()
    assert reply.body.startswith("Cómo conectarse a la VPN desde casa")
    assert ArticleUse.objects.filter(
        article=vpn_article, ticket=vpn_ticket, kind=UseKind.SENT
    ).exists()


def test_insert_fills_the_console_composer_field(login, l1_agent, vpn_article, vpn_ticket):
    response = login(l1_agent.user).post(
        reverse("desk_kb:insert", args=[vpn_ticket.pk, vpn_article.pk]),
        {"field": "compose-body", "compose-body": "Hola,"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'name="compose-body"' in html
    assert 'id="id_compose-body"' in html
    assert "Hola,\n\nCómo conectarse" in html


def test_a_level_3_resolution_offers_to_become_an_article(
    login, l3_engineer, vpn_outage_resolved_at_l3
):
    ticket = vpn_outage_resolved_at_l3
    html = login(l3_engineer.user).get(reverse("desk_kb:panel", args=[ticket.pk])).content.decode()
    assert reverse("desk_kb:from_ticket", args=[ticket.pk]) in html


def test_linking_from_the_panel_never_redirects_off_site(login, l1_agent, employee, vpn_ticket):
    other = open_ticket(employee, subject="Otra")
    response = login(l1_agent.user).post(
        reverse("desk_kb:relate", args=[vpn_ticket.pk, other.pk]),
        {"how": "related", "next": "https://evil.example/"},
    )
    assert response.url == reverse("desk_kb:ticket", args=[vpn_ticket.pk])
