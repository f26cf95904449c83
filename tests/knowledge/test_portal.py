"""The portal's knowledge base: browse and search public articles, say whether one helped."""

import pytest
from django.urls import reverse

from escala.knowledge.actions import create_article
from escala.knowledge.models import ArticleFeedback

pytestmark = pytest.mark.django_db


def test_anyone_can_browse_the_public_articles(client, vpn_article, internal_erp_article):
    page = client.get(reverse("kb:index"))
    assert page.status_code == 200
    assert "Cómo conectarse a la VPN desde casa" in page.text
    assert "FI-CLOSE-7781" not in page.text


def test_the_portal_search_finds_public_articles_only(
    client, employee, vpn_article, internal_erp_article
):
    client.force_login(employee.user)
    page = client.get(reverse("kb:index"), {"q": "VPN"})
    assert "<mark>VPN</mark>" in page.text
    assert client.get(reverse("kb:index"), {"q": "FI-CLOSE-7781"}).text.count('class="kb-hit"') == 0


def test_an_htmx_search_returns_only_the_results(client, vpn_article):
    page = client.get(reverse("kb:index"), {"q": "vpn"}, headers={"HX-Request": "true"})
    assert "<form" not in page.text
    assert "<mark>" in page.text


def test_the_index_page_query_count_does_not_grow_with_articles(
    client, django_assert_max_num_queries, l1_agent, l2_network_agent, vpn_article
):
    from tests.knowledge.conftest import published_article

    for n in range(5):
        published_article(l1_agent, l2_network_agent, es=(f"Artículo {n}", "t"), en=(f"A {n}", "t"))
    with django_assert_max_num_queries(6):
        client.get(reverse("kb:index"))


def test_an_article_page_renders_its_markdown_in_the_readers_language(client, vpn_article):
    page = client.get(reverse("kb:article", args=[vpn_article.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "<strong>VPN client</strong>" in page.text


def test_internal_and_draft_articles_are_not_found_on_the_portal(
    client, employee, l1_agent, internal_erp_article
):
    draft = create_article(by=l1_agent.user, texts={"es": ("Borrador", "x")}, visibility="public")
    client.force_login(employee.user)
    assert client.get(reverse("kb:article", args=[internal_erp_article.pk])).status_code == 404
    assert client.get(reverse("kb:article", args=[draft.pk])).status_code == 404
    assert client.get(reverse("kb:article", args=[99999])).status_code == 404


def test_did_this_help_is_counted(client, employee, customer, vpn_article):
    client.force_login(employee.user)
    client.post(reverse("kb:feedback", args=[vpn_article.pk]), {"helpful": "yes"})
    client.force_login(customer.user)
    page = client.post(
        reverse("kb:feedback", args=[vpn_article.pk]),
        {"helpful": "no"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert ArticleFeedback.objects.filter(article=vpn_article, helpful=True).count() == 1
    assert ArticleFeedback.objects.filter(article=vpn_article, helpful=False).count() == 1


def test_a_reader_changing_their_mind_counts_once(client, employee, vpn_article):
    client.force_login(employee.user)
    client.post(reverse("kb:feedback", args=[vpn_article.pk]), {"helpful": "yes"})
    client.post(reverse("kb:feedback", args=[vpn_article.pk]), {"helpful": "no"})
    assert list(ArticleFeedback.objects.values_list("helpful", flat=True)) == [False]


def test_feedback_on_an_article_one_cannot_read_is_not_found(
    client, employee, internal_erp_article
):
    client.force_login(employee.user)
    response = client.post(
        reverse("kb:feedback", args=[internal_erp_article.pk]), {"helpful": "yes"}
    )
    assert response.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_the_pages_speak_spanish_and_english(client, vpn_article):
    assert "Centro de ayuda" in client.get(reverse("kb:index"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Help center" in client.get(reverse("kb:index"), HTTP_ACCEPT_LANGUAGE="en").text
    page = client.get(reverse("kb:article", args=[vpn_article.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert "¿Le ha servido?" in page.text
