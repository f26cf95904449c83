"""Shift-left: a resolution found above Level 1 becomes an article that Level 1 then sees on
the next similar ticket, inserts into a reply, and is counted for."""

import pytest
from django.urls import reverse

from escala.core.errors import InvalidTransition, ValidationFailed
from escala.knowledge.actions import (
    draft_article_from_ticket,
    edit_article,
    publish_article,
    submit_for_review,
    use_article_on_ticket,
)
from escala.knowledge.choices import ArticleState, UseKind
from escala.knowledge.models import ArticleUse
from escala.knowledge.queries import article_impact, suggested_articles
from escala.tickets.actions import resolve_ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def publish_from(ticket, author, reviewer):
    article = draft_article_from_ticket(ticket=ticket, by=author.user)
    edit_article(
        article=article,
        by=author.user,
        language="en",
        title="VPN disconnects every ten minutes",
        body="The VPN concentrator idle timeout was raised. Reconnect the VPN client.",
    )
    submit_for_review(article=article, by=author.user)
    return publish_article(article=article, by=reviewer.user)


def test_a_level_3_resolution_becomes_a_draft_linked_to_its_ticket(
    vpn_outage_resolved_at_l3, l3_engineer, tiers
):
    article = draft_article_from_ticket(ticket=vpn_outage_resolved_at_l3, by=l3_engineer.user)
    assert article.state == ArticleState.DRAFT
    assert article.source_ticket == vpn_outage_resolved_at_l3
    text = article.translation("es")
    assert text.title == "La VPN se desconecta cada diez minutos"
    assert "subido a 8 horas" in text.body
    assert "pierdo la sesión" in text.body
    use = ArticleUse.objects.get(article=article)
    assert (use.kind, use.tier) == (UseKind.SOURCE, tiers[3])


def test_a_level_1_resolution_is_not_turned_into_an_article(employee, l1_agent):
    ticket = open_ticket(employee)
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Contraseña restablecida.")
    with pytest.raises(InvalidTransition):
        draft_article_from_ticket(ticket=ticket, by=l1_agent.user)


def test_an_open_ticket_is_not_turned_into_an_article(employee, l1_agent):
    with pytest.raises(InvalidTransition):
        draft_article_from_ticket(ticket=open_ticket(employee), by=l1_agent.user)


def test_one_ticket_gives_one_article(vpn_outage_resolved_at_l3, l3_engineer):
    draft_article_from_ticket(ticket=vpn_outage_resolved_at_l3, by=l3_engineer.user)
    with pytest.raises(ValidationFailed):
        draft_article_from_ticket(ticket=vpn_outage_resolved_at_l3, by=l3_engineer.user)


def test_the_published_article_is_suggested_on_a_new_similar_level_1_ticket(
    vpn_outage_resolved_at_l3, l3_engineer, supervisor, l1_agent, customer
):
    article = publish_from(vpn_outage_resolved_at_l3, l3_engineer, supervisor)
    new = open_ticket(
        customer,
        subject="VPN keeps disconnecting",
        body="My VPN session drops every few minutes when working from home.",
    )
    assert new.tier.level == 1
    assert [hit.article for hit in suggested_articles(l1_agent.user, new)] == [article]


def test_an_unrelated_ticket_gets_no_suggestion(
    vpn_outage_resolved_at_l3, l3_engineer, supervisor, l1_agent, customer
):
    publish_from(vpn_outage_resolved_at_l3, l3_engineer, supervisor)
    new = open_ticket(customer, subject="Laptop will not charge", body="Battery stays at 0 %.")
    assert suggested_articles(l1_agent.user, new) == []


def test_inserting_an_article_returns_its_text_and_counts_when_the_ticket_is_resolved(
    vpn_outage_resolved_at_l3, l3_engineer, supervisor, l1_agent, customer, tiers
):
    article = publish_from(vpn_outage_resolved_at_l3, l3_engineer, supervisor)
    customer.language = "en"
    customer.save()
    new = open_ticket(customer, subject="VPN keeps disconnecting", body="Every ten minutes.")
    text = use_article_on_ticket(article=article, ticket=new, by=l1_agent.user)
    assert text.startswith("VPN disconnects every ten minutes")
    assert article_impact(article).resolved_by_level == {}
    resolve_ticket(ticket=new, by=l1_agent.user, summary="Article applied.")
    impact = article_impact(article)
    assert impact.resolved_by_level == {1: 1}
    assert (impact.source_ticket_id, impact.source_level) == (vpn_outage_resolved_at_l3.pk, 3)


def test_the_desk_turns_a_ticket_into_an_article_and_a_reviewer_publishes_it(
    client, vpn_outage_resolved_at_l3, l3_engineer, supervisor
):
    client.force_login(l3_engineer.user)
    response = client.post(reverse("desk_kb:from_ticket", args=[vpn_outage_resolved_at_l3.pk]))
    article = vpn_outage_resolved_at_l3.source_of_articles.get()
    assert response.url == reverse("desk_kb:edit", args=[article.pk])
    response = client.post(
        reverse("desk_kb:edit", args=[article.pk]),
        {
            "version": article.version,
            "visibility": "internal",
            "title_es": "La VPN se desconecta cada diez minutos",
            "body_es": "Subir el tiempo de inactividad.",
            "title_en": "VPN disconnects every ten minutes",
            "body_en": "Raise the idle timeout.",
        },
    )
    assert response.status_code == 302
    client.post(reverse("desk_kb:transition", args=[article.pk]), {"to": "in_review"})
    client.force_login(supervisor.user)
    client.post(reverse("desk_kb:transition", args=[article.pk]), {"to": "published"})
    article.refresh_from_db()
    assert article.state == ArticleState.PUBLISHED


def test_the_edit_form_shows_a_field_error_and_keeps_what_was_typed(client, l1_agent, vpn_article):
    client.force_login(l1_agent.user)
    response = client.post(
        reverse("desk_kb:edit", args=[vpn_article.pk]),
        {"visibility": "tiers", "title_es": "Mi título", "body_es": "texto"},
    )
    assert response.status_code == 400
    assert "Mi título" in response.text
    assert 'class="kb-error"' in response.text


def test_the_suggestions_partial_inserts_into_the_reply(
    client, vpn_article, l1_agent, employee, django_assert_max_num_queries
):
    ticket = open_ticket(employee, subject="No conecta la VPN desde casa", body="Falla")
    client.force_login(l1_agent.user)
    with django_assert_max_num_queries(13):
        page = client.get(reverse("desk_kb:suggestions", args=[ticket.pk]))
    assert reverse("desk_kb:insert", args=[ticket.pk, vpn_article.pk]) in page.text
    response = client.post(
        reverse("desk_kb:insert", args=[ticket.pk, vpn_article.pk]),
        {"body": "Hola Marta,"},
        headers={"HX-Request": "true"},
    )
    assert 'id="reply-body"' in response.text
    assert "Hola Marta," in response.text
    assert "Abre el cliente VPN" in response.text  # plain text: the reply is no Markdown


def test_requesters_cannot_reach_the_desk_pages(client, employee, vpn_article):
    client.force_login(employee.user)
    assert client.get(reverse("desk_kb:index")).status_code == 403
    assert client.get(reverse("desk_kb:detail", args=[vpn_article.pk])).status_code == 403


def test_the_desk_list_and_detail_pages_render(client, l1_agent, vpn_article):
    client.force_login(l1_agent.user)
    assert "VPN" in client.get(reverse("desk_kb:index")).text
    assert "<mark>" in client.get(reverse("desk_kb:index"), {"q": "vpn"}).text
    page = client.get(reverse("desk_kb:detail", args=[vpn_article.pk]))
    assert page.status_code == 200
    assert "r1" in page.text
    assert client.get(reverse("desk_kb:new")).status_code == 200
