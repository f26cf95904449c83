"""Full-text search over tickets and articles: the same tests on PostgreSQL and SQLite."""

import pytest
from django.db import connection
from django.urls import reverse

from escala.core import clock
from escala.knowledge.search import search_articles, search_tickets
from escala.tickets.actions import add_note, add_reply, merge_tickets, update_ticket_fields
from escala.tickets.models import Message, Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def refs(hits):
    return [hit.ticket.pk for hit in hits]


@pytest.fixture
def password_ticket(employee):
    return open_ticket(
        employee,
        subject="Olvidé mi contraseña del correo",
        body="No puedo entrar al buzón desde esta mañana.",
    )


@pytest.fixture
def fibre_ticket(customer):
    return open_ticket(
        customer,
        subject="Fibre line drops every evening",
        body="Our connection drops around 7 pm and comes back later.",
    )


def test_the_backend_follows_the_database():
    from escala.knowledge.search import backend

    assert (
        backend().__name__.rsplit(".", 1)[-1]
        == {
            "postgresql": "postgres",
            "sqlite": "sqlite",
        }[connection.vendor]
    )


@pytest.mark.parametrize(
    "query",
    ["contraseña", "CONTRASEÑA", "contrasena", "Contrasena", "olvide contraseña", "OLVIDÉ"],
)
def test_a_spanish_word_matches_whatever_its_accents_and_case(
    query, supervisor, password_ticket, fibre_ticket
):
    assert refs(search_tickets(supervisor.user, query)) == [password_ticket.pk]


@pytest.mark.parametrize("query", ["evening", "EVENING", "évening", "Fibre drops", "FÍBRE"])
def test_an_english_word_matches_whatever_its_accents_and_case(
    query, supervisor, password_ticket, fibre_ticket
):
    assert refs(search_tickets(supervisor.user, query)) == [fibre_ticket.pk]


def test_messages_are_searched_not_only_the_subject(supervisor, password_ticket, fibre_ticket):
    assert refs(search_tickets(supervisor.user, "buzón")) == [password_ticket.pk]


def test_all_words_must_match_by_default(supervisor, password_ticket, fibre_ticket):
    assert search_tickets(supervisor.user, "contraseña evening") == []
    any_hits = search_tickets(supervisor.user, "contraseña evening", match="any")
    assert set(refs(any_hits)) == {password_ticket.pk, fibre_ticket.pk}


def test_the_match_is_highlighted_and_the_rest_escaped(supervisor, employee):
    open_ticket(employee, subject="<script>alert(1)</script> impresora", body="La impresora falla")
    [hit] = search_tickets(supervisor.user, "impresora")
    assert "<mark>impresora</mark>" in hit.subject_html
    assert "<script>" not in hit.subject_html
    assert "&lt;script&gt;" in hit.subject_html
    assert "<mark>impresora</mark>" in hit.snippet_html


def test_a_reply_is_searchable_as_soon_as_it_is_written(
    supervisor, l1_agent, password_ticket, frozen_clock
):
    assert search_tickets(supervisor.user, "restablecido") == []
    add_reply(ticket=password_ticket, by=l1_agent.user, body="Hemos restablecido tu acceso.")
    assert refs(search_tickets(supervisor.user, "restablecido")) == [password_ticket.pk]


def test_a_changed_subject_is_searchable_and_the_old_one_is_gone(
    supervisor, l1_agent, password_ticket
):
    update_ticket_fields(ticket=password_ticket, by=l1_agent.user, subject="Buzón bloqueado")
    assert refs(search_tickets(supervisor.user, "bloqueado")) == [password_ticket.pk]
    assert search_tickets(supervisor.user, "olvidé") == []


def test_merged_messages_are_found_on_the_ticket_they_moved_to(supervisor, l1_agent, employee):
    first = open_ticket(employee, subject="Impresora", body="El tóner está vacío")
    second = open_ticket(employee, subject="Impresora otra vez", body="Sigue sin imprimir")
    merge_tickets(source=first, target=second, by=l1_agent.user)
    assert refs(search_tickets(supervisor.user, "tóner")) == [second.pk]


def test_a_deleted_message_is_no_longer_found(supervisor, password_ticket):
    Message.objects.filter(ticket=password_ticket).delete()
    assert search_tickets(supervisor.user, "buzón") == []


def test_a_requester_finds_only_their_own_tickets(employee, customer, password_ticket):
    open_ticket(customer, subject="Olvidé la contraseña de la centralita", body="No entra.")
    assert refs(search_tickets(employee.user, "contraseña")) == [password_ticket.pk]


def test_a_requester_never_matches_an_internal_note(employee, l1_agent, password_ticket):
    add_note(ticket=password_ticket, by=l1_agent.user, body="Sospechamos phishing del usuario")
    assert search_tickets(employee.user, "phishing") == []
    [hit] = search_tickets(l1_agent.user, "phishing")
    assert hit.in_notes
    assert "<mark>phishing</mark>" in hit.snippet_html


def test_an_agent_finds_only_tickets_of_their_levels(
    l2_db_specialist, l1_agent, password_ticket, categories, employee
):
    db_ticket = open_ticket(
        employee, category=categories["database"], subject="Contraseña de la base de datos"
    )
    assert refs(search_tickets(l2_db_specialist.user, "contraseña")) == [db_ticket.pk]
    assert set(refs(search_tickets(l1_agent.user, "contraseña"))) == {password_ticket.pk}


def test_filters_narrow_the_results(supervisor, categories, employee, password_ticket):
    erp = open_ticket(employee, category=categories["erp"], subject="Contraseña del ERP")
    assert refs(
        search_tickets(supervisor.user, "contraseña", {"category": categories["erp"].pk})
    ) == [erp.pk]
    assert refs(search_tickets(supervisor.user, "contraseña", {"status": "done"})) == []


def test_the_subject_outranks_a_passing_mention(supervisor, employee):
    mention = open_ticket(
        employee, subject="Pregunta general", body="También la VPN va lenta a veces."
    )
    about = open_ticket(employee, subject="La VPN no conecta", body="Error al conectar la VPN.")
    assert refs(search_tickets(supervisor.user, "vpn")) == [about.pk, mention.pk]


def test_nothing_typed_or_only_symbols_finds_nothing(supervisor, password_ticket):
    assert search_tickets(supervisor.user, "") == []
    assert search_tickets(supervisor.user, "&|!():*'\"") == []


def test_search_syntax_in_the_query_is_harmless(supervisor, password_ticket):
    assert refs(search_tickets(supervisor.user, 'contraseña" OR "x* NEAR(')) == []
    assert refs(search_tickets(supervisor.user, "contraseña:* | !correo")) == [password_ticket.pk]


# --- articles -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["contraseña", "CONTRASENA", "Password", "PASSWÓRD", "vpn"])
def test_an_article_is_found_in_either_language_whatever_the_accents(
    query, employee, vpn_article, printer_article
):
    hits = search_articles(employee.user, query)
    assert [hit.article.pk for hit in hits] == [vpn_article.pk]


def test_an_article_appears_once_in_the_readers_language(employee, vpn_article):
    [hit] = search_articles(employee.user, "vpn", language="en")
    assert hit.translation.language == "en"
    [hit] = search_articles(employee.user, "vpn", language="es")
    assert hit.translation.language == "es"
    assert "<mark>" in hit.title_html


def test_requesters_never_find_internal_articles(employee, l1_agent, internal_erp_article):
    assert search_articles(employee.user, "FI-CLOSE-7781") == []
    assert [h.article for h in search_articles(l1_agent.user, "FI-CLOSE-7781")] == [
        internal_erp_article
    ]
    assert search_articles(l1_agent.user, "FI-CLOSE-7781", public_only=True) == []


def test_an_edited_article_is_found_by_its_new_words(l1_agent, employee, vpn_article):
    from escala.knowledge.actions import edit_article

    assert search_articles(employee.user, "módem") == []
    edit_article(
        article=vpn_article,
        by=l1_agent.user,
        language="es",
        title="Cómo conectarse a la VPN desde casa",
        body="Reinicia el módem y abre el cliente VPN.",
    )
    assert [h.article for h in search_articles(employee.user, "MODEM")] == [vpn_article]


def test_the_console_search_page_filters_and_highlights(
    client, l1_agent, password_ticket, fibre_ticket, django_assert_max_num_queries
):
    client.force_login(l1_agent.user)
    url = reverse("desk_kb:search")
    with django_assert_max_num_queries(15):
        page = client.get(url, {"q": "CONTRASEÑA"}, headers={"HX-Request": "true"})
    assert "<mark>contraseña</mark>" in page.text
    assert password_ticket.reference in page.text
    assert fibre_ticket.reference not in page.text
    assert (
        password_ticket.reference not in client.get(url, {"q": "contraseña", "status": "done"}).text
    )


def test_requesters_cannot_use_the_console_search(client, employee, password_ticket):
    client.force_login(employee.user)
    assert client.get(reverse("desk_kb:search"), {"q": "contraseña"}).status_code == 403


def test_searching_the_newest_tickets_first_finds_what_a_full_search_finds(
    monkeypatch, supervisor, employee, customer
):
    """The PostgreSQL backend looks in windows of the newest ids before the whole index; the
    answer must be the one a single unbounded search gives (SQLite has no windows: same answer
    trivially)."""
    made = []
    for n in range(12):
        made.append(open_ticket(employee, subject=f"Impresora atascada {n}", body="Papel").pk)
        open_ticket(customer, subject=f"Router apagado {n}", body="Sin luz")
    newest_first = sorted(made, reverse=True)
    if connection.vendor != "postgresql":
        assert refs(search_tickets(supervisor.user, "impresora", limit=30)) == newest_first
        return
    from escala.knowledge.search import postgres

    monkeypatch.setattr(postgres, "CANDIDATES", 5)
    whole = search_tickets(supervisor.user, "impresora atascada", limit=30)
    # (16, None): the first window (walked backwards from the newest id) holds 8 matches, more
    # than CANDIDATES: it answers alone, as (1000, None) does with every ticket in it.
    for windows in [(3, 7, None), (2, None), (16, None), (1000, None)]:
        monkeypatch.setattr(postgres, "WINDOWS", windows)
        # Equal ranks: the newest CANDIDATES matches, newest first, whatever the windows.
        assert refs(search_tickets(supervisor.user, "impresora atascada", limit=30)) == refs(whole)
    assert refs(whole) == newest_first[:5]


@pytest.mark.django_db(transaction=True)
def test_a_ticket_written_without_a_message_is_found_by_its_subject_once_committed(
    employee, supervisor, tiers
):
    # Every ticket the app creates comes with its first message, which indexes it; on
    # PostgreSQL a ticket written alone (an import, a bulk load) is indexed at its commit.
    ticket = Ticket.objects.create(
        subject="Proyector averiado en la sala Alhambra",
        requester=employee,
        organization=employee.organization,
        channel="api",
        tier=tiers[1],
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    assert refs(search_tickets(supervisor.user, "proyector alhambra")) == [ticket.pk]
    add_reply(ticket=ticket, by=employee.user, body="La lámpara parpadea y se apaga.")
    assert refs(search_tickets(supervisor.user, "lámpara")) == [ticket.pk]
