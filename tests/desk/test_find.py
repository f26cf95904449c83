"""Search from anywhere: the top bar's box (htmx results) and its full results page."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.desk.find import clean_query
from escala.people.models import Organization, Requester
from escala.tickets.actions import escalate_ticket
from tests.conftest import make_requester
from tests.knowledge.conftest import published_article
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def dropdown(client, q: str):
    return client.get(reverse("desk:find"), {"q": q}, **HTMX)


def test_hostile_input_is_trimmed_and_flattened():
    assert clean_query("a\x00b\n\tc   d") == "a b c d"
    assert len(clean_query("x" * 100_000)) == 200


def test_the_top_bar_offers_the_box_on_every_console_page(login, l1_agent, employee):
    client = login(l1_agent.user)
    ticket = open_ticket(employee)
    for url in (reverse("desk:queue"), reverse("desk:ticket", args=[ticket.pk])):
        html = client.get(url).text
        assert 'role="combobox"' in html
        assert 'aria-controls="find-listbox"' in html
        assert f'hx-get="{reverse("desk:find")}"' in html
        assert "js/find.js" in html


def test_the_portal_has_no_console_search_box(login, employee):
    html = login(employee.user).get(reverse("portal:home")).text
    assert 'id="find-q"' not in html
    assert "js/find.js" not in html


def test_words_from_a_message_body_find_the_ticket(login, supervisor, employee):
    found = open_ticket(employee, subject="No va", body="La impresora de la planta tres atasca")
    open_ticket(employee, subject="Otra cosa", body="El correo no llega")
    html = dropdown(login(supervisor.user), "atasca").text
    assert f'href="{reverse("desk:ticket", args=[found.pk])}"' in html
    assert 'role="option"' in html
    assert "<mark>atasca</mark>" in html
    assert "Otra cosa" not in html


def test_a_number_jumps_straight_to_the_ticket(login, supervisor, employee):
    ticket = open_ticket(employee, subject="Algo")
    client = login(supervisor.user)
    html = dropdown(client, f"#{ticket.pk}").text
    assert 'id="find-o-number"' in html
    for typed in (str(ticket.pk), ticket.reference, f"#{ticket.pk}"):
        response = client.get(reverse("desk:find"), {"q": typed})
        assert response.status_code == 302
        assert response.url == reverse("desk:ticket", args=[ticket.pk])
    # "All results" shows the page even for a number.
    assert client.get(reverse("desk:find"), {"q": ticket.pk, "all": "1"}).status_code == 200


def test_the_sites_own_prefix_is_the_number_read(login, supervisor, employee, settings):
    # tickets.references reads the configured prefix, never a hard-coded "ESC".
    settings.ESCALA_TICKET_PREFIX = "HD"
    ticket = open_ticket(employee, subject="Algo")
    client = login(supervisor.user)
    for typed in (ticket.reference, f"hd {ticket.pk}"):
        response = client.get(reverse("desk:find"), {"q": typed})
        assert response.url == reverse("desk:ticket", args=[ticket.pk])


def test_search_never_reaches_beyond_what_the_agent_sees(login, tiers, l1_agent, employee):
    hidden = open_ticket(employee, subject="Secreto", body="servidor quemado")
    escalate_ticket(ticket=hidden, by=None, to_tier=tiers[3], reason="r", handover="h")
    client = login(l1_agent.user)
    assert hidden.reference not in dropdown(client, "quemado").text
    # Nor by number: no jump, no hint that the ticket exists.
    assert 'id="find-o-number"' not in dropdown(client, str(hidden.pk)).text
    response = client.get(reverse("desk:find"), {"q": str(hidden.pk)})
    assert response.status_code == 200
    assert hidden.reference not in response.text


def test_requesters_and_organizations_are_found_by_name_and_email(
    login, l1_agent, employee, customer, customer_org
):
    client = login(l1_agent.user)
    html = dropdown(client, employee.email.split("@")[0]).text
    assert f'href="{reverse("desk:requester", args=[employee.pk])}"' in html
    assert 'class="avatar' in html
    html = dropdown(client, customer_org.name[:5]).text
    assert customer_org.name in html
    assert f"organization={customer_org.pk}" in html


@pytest.mark.parametrize(
    ("lang", "group", "all_theirs"),
    [("en", "Their tickets", "All their tickets"), ("es", "Sus tickets", "Todos sus tickets")],
)
def test_a_requester_found_by_name_brings_their_tickets_the_agent_may_see(
    login, settings, tiers, l1_agent, employee, customer, lang, group, all_theirs
):
    # Nothing in these tickets names Marta: only the requester's own name leads to them.
    older = open_ticket(employee, subject="Sin correo")
    seen = open_ticket(employee, subject="La impresora no imprime")
    hidden = open_ticket(employee, subject="Servidor caído")
    escalate_ticket(ticket=hidden, by=None, to_tier=tiers[3], reason="r", handover="h")
    someone_else = open_ticket(customer, subject="Otra cosa")
    client = login(l1_agent.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    for html in (
        dropdown(client, "marta").text,
        client.get(reverse("desk:find"), {"q": "marta"}).text,
    ):
        assert group in html
        assert f'href="{reverse("desk:ticket", args=[seen.pk])}"' in html
        assert f'href="{reverse("desk:ticket", args=[older.pk])}"' in html
        assert html.index(seen.reference) < html.index(older.reference)  # the latest first
        assert hidden.reference not in html  # within what the agent may see
        assert someone_else.reference not in html
    page = client.get(reverse("desk:find"), {"q": "Gómez"}).text
    assert f"requester={employee.pk}" in page
    assert all_theirs in page


def test_a_requester_outside_sight_brings_no_tickets(login, l1_agent, employee, monkeypatch):
    # The requesters found are the policy's; their tickets come only with them.
    open_ticket(employee, subject="La impresora no imprime")
    monkeypatch.setattr(
        "escala.desk.find.requesters_visible_to", lambda user: Requester.objects.none()
    )
    html = dropdown(login(l1_agent.user), "marta").text
    assert "Their tickets" not in html
    assert "La impresora" not in html


def test_articles_the_agent_may_read_are_found(login, l1_agent, l2_network_agent, categories):
    article = published_article(
        l1_agent,
        l2_network_agent,
        category=categories["connectivity"],
        es=("Cómo conectarse a la VPN", "Abre el cliente."),
        en=("How to connect to the VPN", "Open the client."),
    )
    html = dropdown(login(l1_agent.user), "vpn").text
    assert f'href="{reverse("desk_kb:detail", args=[article.pk])}"' in html


def test_enter_without_a_choice_opens_the_full_results_page(login, supervisor, employee):
    ticket = open_ticket(employee, subject="Impresora", body="La impresora atasca")
    response = login(supervisor.user).get(reverse("desk:find"), {"q": "impresora"})
    assert response.status_code == 200
    assert "<h1>Search</h1>" in response.text
    assert ticket.reference in response.text
    assert "Requesters" in response.text
    assert "Articles" in response.text


@pytest.mark.parametrize(
    "typed",
    [
        "x" * 5000,
        '" OR 1=1 --',
        "'; DROP TABLE tickets_ticket; --",
        "impresora* NEAR(a b) OR NOT AND ^ : -",
        "<script>alert(1)</script>",
        "%_%",
        "\x00\x01",
        "ñandú ÁÉÍ",
    ],
)
def test_hostile_input_is_answered_calmly(login, supervisor, employee, typed):
    open_ticket(employee, subject="Impresora", body="<b>atasca</b>")
    client = login(supervisor.user)
    for response in (dropdown(client, typed), client.get(reverse("desk:find"), {"q": typed})):
        assert response.status_code == 200
        assert "<script>alert" not in response.text
        assert "<b>atasca" not in response.text


def _dropdown_queries(client, q: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = dropdown(client, q)
    assert response.status_code == 200
    return [query["sql"][:120] for query in ctx.captured_queries]


def test_the_dropdown_costs_the_same_queries_however_much_it_finds(
    login, supervisor, l1_agent, l2_network_agent, employee, customer_org, categories
):
    client = login(supervisor.user)

    def one_more_of_each(i: int) -> None:
        requester = make_requester(f"Router{i} Fan", customer_org, kind="customer")
        open_ticket(requester, subject=f"Router {i}", body="router caído")
        Organization.objects.create(name=f"Router Corp {i}", kind="customer")

    one_more_of_each(0)
    published_article(
        l1_agent,
        l2_network_agent,
        category=categories["connectivity"],
        es=("Router", "Reinicia el router."),
        en=("Router", "Restart the router."),
    )
    _dropdown_queries(client, "router")  # warm caches (content types, sessions)
    few = _dropdown_queries(client, "router")
    for i in range(1, 12):
        one_more_of_each(i)
    for i in range(4):
        published_article(
            l1_agent,
            l2_network_agent,
            category=categories["connectivity"],
            es=(f"Router {i}", "Reinicia el router."),
            en=(f"Router {i}", "Restart the router."),
        )
    # Warmed again: creating the rows took long enough for the configuration kept a few seconds
    # per process (core.memo) to be read anew, which is not what this test measures.
    _dropdown_queries(client, "router")
    many = _dropdown_queries(client, "router")
    assert len(many) == len(few), "\n".join(set(many) ^ set(few))


def test_the_results_speak_spanish(login, supervisor, employee):
    open_ticket(employee, subject="Impresora", body="atasca")
    client = login(supervisor.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = dropdown(client, "atasca").text
    assert "Tiques" in html or "Tickets" in html
    assert "Todos los resultados" in html
    assert 'placeholder="Buscar…"' in client.get(reverse("desk:queue")).text


def test_only_the_desk_may_search(login, employee, client):
    response = login(employee.user).get(reverse("desk:find"), {"q": "x"})
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
