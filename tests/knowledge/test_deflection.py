"""Deflection: while a requester types a request, matching public articles appear; saying one
solved it records a request that never had to be filed."""

import pytest
from django.urls import reverse

from escala.knowledge.models import Deflection

pytestmark = pytest.mark.django_db


def test_typing_a_request_shows_matching_public_articles(
    client, employee, vpn_article, printer_article, internal_erp_article
):
    client.force_login(employee.user)
    page = client.get(
        reverse("kb:deflect"),
        {"subject": "no puedo conectar a la vpn", "body": "desde casa"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert "VPN" in page.text
    assert "impresora" not in page.text.lower()
    assert reverse("kb:deflect_solved", args=[vpn_article.pk]) in page.text


@pytest.mark.parametrize("typed", ["IMPRESORA no imprime", "la impresóra", "printer"])
def test_deflection_ignores_accents_case_and_language(client, employee, printer_article, typed):
    client.force_login(employee.user)
    page = client.get(reverse("kb:deflect"), {"subject": typed})
    assert reverse("kb:deflect_solved", args=[printer_article.pk]) in page.text


def test_internal_articles_are_never_offered_to_requesters(client, employee, internal_erp_article):
    client.force_login(employee.user)
    page = client.get(reverse("kb:deflect"), {"subject": "error FI-CLOSE-7781 cierre"})
    assert "FI-CLOSE" not in page.text


def test_too_little_text_offers_nothing(client, employee, vpn_article):
    client.force_login(employee.user)
    assert client.get(reverse("kb:deflect"), {"subject": "v"}).text.strip() == ""


def test_this_solved_it_records_a_deflected_request(client, employee, vpn_article, frozen_clock):
    client.force_login(employee.user)
    page = client.post(
        reverse("kb:deflect_solved", args=[vpn_article.pk]),
        {"text": "No puedo conectar a la VPN"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.requester) == (vpn_article, employee)
    assert deflection.query == "No puedo conectar a la VPN"
    assert deflection.created_at == frozen_clock.current


def test_an_internal_article_cannot_be_claimed_as_a_deflection(
    client, employee, internal_erp_article
):
    client.force_login(employee.user)
    response = client.post(reverse("kb:deflect_solved", args=[internal_erp_article.pk]))
    assert response.status_code == 400
    assert not Deflection.objects.exists()


def test_the_portal_can_include_the_deflection_box(rf, employee):
    from django.template.loader import render_to_string

    html = render_to_string("knowledge/partials/deflection_box.html", {})
    assert reverse("kb:deflect") in html
    assert 'hx-include="closest form"' in html


def test_the_portals_request_form_asks_for_suggestions_while_the_requester_types(client, employee):
    client.force_login(employee.user)
    html = client.get(reverse("portal:new_request")).content.decode()
    assert f'hx-get="{reverse("kb:deflect")}"' in html
    assert "delay:500ms" in html  # debounced
