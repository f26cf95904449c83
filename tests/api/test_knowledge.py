"""Articles and search through the API: the portal's view for a requester, the desk's for an
agent, through escala/knowledge's own policy and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.api.tokens import forget_tokens
from escala.knowledge.actions import create_article
from escala.knowledge.choices import Visibility
from escala.tickets.actions import add_note
from tests.knowledge.conftest import published_article
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

VPN = (
    ("Cómo conectarse a la VPN desde casa", "1. Abre el **cliente VPN**.\n"),
    ("How to connect to the VPN from home", "1. Open the **VPN client**.\n"),
)


@pytest.fixture
def kb(l1_agent, l2_network_agent, supervisor, tiers, categories):
    """One article of each kind a reader may or may not see."""

    def publish(visibility, title, **kwargs):
        return published_article(
            l1_agent,
            supervisor,
            visibility=visibility,
            es=(f"{title} (es)", f"Texto de {title}."),
            en=(f"{title} (en)", f"Text of {title}."),
            **kwargs,
        )

    vpn = published_article(
        l1_agent, l2_network_agent, category=categories["connectivity"], es=VPN[0], en=VPN[1]
    )
    return {
        "public": vpn,
        "internal": publish(Visibility.INTERNAL, "Cierre de mes FI-CLOSE"),
        "level3": publish(Visibility.TIERS, "Consola de la cabina SAN", tiers=[tiers[3]]),
        "draft": create_article(
            by=l1_agent.user,
            texts={"es": ("Borrador VPN", "Sin terminar."), "en": ("VPN draft", "Unfinished.")},
            visibility=Visibility.PUBLIC,
        ),
    }


def listed(api, **params) -> set[int]:
    response = api.get("articles", **params)
    assert response.status_code == 200, response.content
    return {a["id"] for a in response.json()["items"]}


# --- who reads which article --------------------------------------------------------------------


def test_a_requester_lists_only_public_published_articles(api_as, employee, customer, kb):
    for requester in (employee, customer):
        assert listed(api_as(requester)) == {kb["public"].pk}
        assert listed(api_as(requester), state="draft") == set()


def test_a_requester_gets_404_for_internal_restricted_and_draft_articles(api_as, employee, kb):
    me = api_as(employee)
    for hidden in ("internal", "level3", "draft"):
        response = me.get(f"articles/{kb[hidden].pk}")
        assert response.status_code == 404, hidden
        assert response.json()["error"]["code"] == "not_found"
    shown = me.get(f"articles/{kb['public'].pk}", language="en").json()
    assert shown["title"] == "How to connect to the VPN from home"
    assert shown["tiers"] == []
    assert shown["source_ticket_id"] is None
    english = {t["language"]: t for t in shown["translations"]}["en"]
    assert "<strong>VPN client</strong>" in english["html"]


def test_an_agent_lists_the_desks_articles_in_every_state(api_as, l1_agent, supervisor, kb):
    everything = {a.pk for a in kb.values()}
    for agent in (l1_agent, supervisor):
        assert listed(api_as(agent)) == everything
    assert listed(api_as(l1_agent), state="draft") == {kb["draft"].pk}
    assert listed(api_as(l1_agent), state="published", visibility="internal") == {kb["internal"].pk}
    restricted = api_as(l1_agent).get(f"articles/{kb['level3'].pk}").json()
    assert [t["level"] for t in restricted["tiers"]] == [3]


def test_the_article_list_filters_by_category(api_as, employee, l1_agent, kb, categories):
    connectivity = categories["connectivity"].pk
    assert listed(api_as(l1_agent), category=connectivity) == {kb["public"].pk}
    assert listed(api_as(employee), category=categories["erp"].pk) == set()


def test_the_article_list_pages_with_a_cursor(api_as, l1_agent, kb):
    lucia = api_as(l1_agent)
    seen: list[int] = []
    cursor = None
    while True:
        page = lucia.get("articles", limit=3, **({"cursor": cursor} if cursor else {})).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted((a.pk for a in kb.values()), reverse=True)
    bad = lucia.get("articles", cursor="nonsense")
    assert bad.status_code == 422
    assert "cursor" in bad.json()["error"]["fields"]


def test_the_article_list_costs_the_same_for_one_or_many_articles(api_as, l1_agent, supervisor, kb):
    lucia = api_as(l1_agent)
    lucia.get("articles")

    def count() -> int:
        forget_tokens()  # the token's look-up counts each time, remembered or not
        with CaptureQueriesContext(connection) as captured:
            assert lucia.get("articles").status_code == 200
        return len(captured)

    few = count()
    for i in range(4):
        published_article(l1_agent, supervisor, es=(f"Nota {i}", "a"), en=(f"Note {i}", "b"))
    assert count() == few


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def vpn_tickets(employee, customer, l1_agent, categories):
    mine = open_ticket(
        employee,
        category=categories["connectivity"],
        subject="La VPN no conecta",
        body="Desde casa la VPN rechaza mi usuario.",
    )
    theirs = open_ticket(
        customer,
        category=categories["connectivity"],
        subject="VPN caída en la oficina",
        body="Nadie puede entrar por VPN.",
    )
    add_note(ticket=mine, by=l1_agent.user, body="Revisar el concentrador Fortinet.")
    return mine, theirs


def hits(api, **params) -> tuple[set[int], set[int]]:
    response = api.get("search", **params)
    assert response.status_code == 200, response.content
    body = response.json()
    return {t["id"] for t in body["tickets"]}, {a["id"] for a in body["articles"]}


def test_a_requester_finds_their_tickets_and_public_articles_only(
    api_as, employee, vpn_tickets, kb
):
    mine, _theirs = vpn_tickets
    assert hits(api_as(employee), q="VPN") == ({mine.pk}, {kb["public"].pk})
    assert hits(api_as(employee), q="FI-CLOSE") == (set(), set())


def test_a_requester_never_matches_an_internal_note(api_as, employee, l1_agent, vpn_tickets):
    mine, _theirs = vpn_tickets
    assert hits(api_as(employee), q="Fortinet") == (set(), set())
    found = api_as(l1_agent).get("search", q="Fortinet", kind="tickets").json()["tickets"]
    assert [(t["id"], t["in_notes"]) for t in found] == [(mine.pk, True)]
    assert "<mark>Fortinet</mark>" in found[0]["snippet_html"]


def test_an_agent_finds_the_articles_of_their_levels(api_as, l1_agent, l3_engineer, kb):
    assert hits(api_as(l1_agent), q="cabina SAN", kind="articles")[1] == set()
    assert hits(api_as(l3_engineer), q="cabina SAN", kind="articles")[1] == {kb["level3"].pk}


def test_search_filters_narrow_the_tickets(api_as, supervisor, vpn_tickets, employee):
    mine, theirs = vpn_tickets
    sara = api_as(supervisor)
    assert hits(sara, q="VPN", kind="tickets")[0] == {mine.pk, theirs.pk}
    assert hits(sara, q="VPN", kind="tickets", requester=employee.pk)[0] == {mine.pk}
    assert hits(sara, q="VPN", kind="tickets", status="done")[0] == set()
    assert hits(sara, q="VPN", kind="tickets", tier=1)[0] == {mine.pk, theirs.pk}
    assert hits(sara, q="VPN", kind="tickets", tier=2)[0] == set()
    unknown = sara.get("search", q="VPN", tier=9)
    assert unknown.status_code == 422
    assert "tier" in unknown.json()["error"]["fields"]


def test_search_needs_words(api_as, employee):
    assert api_as(employee).get("search").status_code == 422
    assert hits(api_as(employee), q="%%%") == (set(), set())
