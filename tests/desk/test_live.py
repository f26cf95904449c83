"""The live console's polls: nothing changed costs no query, a change anywhere shows, presence and
typing, and only agents who may see a ticket learn anything about it."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from escala.desk import live, live_extras, presence
from escala.tickets.actions import (
    add_note,
    add_reply,
    claim_ticket,
    escalate_ticket,
)
from escala.tickets.choices import Status
from escala.tickets.models import Ticket
from tests.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db

# A poll that finds nothing new is answered from the cache (desk.middleware.LiveShortcut); even
# without it (its minute ran out) it reads only the session and the signed-in user.
AUTH_QUERIES = 2


@pytest.fixture
def ticket(frozen_clock, employee, categories, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return open_ticket(employee, category=categories["erp"], subject="El ERP no cierra")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the block's after-commit callbacks, as a real commit would (stamps are written then)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll(client, ticket, **params):
    return client.get(reverse("desk:live_ticket", args=[ticket.pk]), params)


def settle(client, ticket, **params) -> dict:
    """Poll until the page is up to date; the stamps the page would send next."""
    data = poll(client, ticket, **params).json()
    n = data["notifications"]
    return {"s": data["stamp"], "p": data["presence"]["stamp"], "n": "" if n is None else str(n)}


def test_a_poll_that_finds_nothing_new_answers_204_without_touching_the_tickets(
    ticket, l1_agent, django_assert_max_num_queries
):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    with django_assert_max_num_queries(AUTH_QUERIES):
        response = poll(client, ticket, **stamps)
    assert response.status_code == 204


def test_the_shortcut_answers_an_unchanged_poll_with_no_query_at_all(
    ticket, l1_agent, django_assert_num_queries
):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    with django_assert_num_queries(0):
        assert poll(client, ticket, **stamps).status_code == 204
    queue = queue_poll(client, queue="mine").json()
    with django_assert_num_queries(0):
        assert queue_poll(client, queue="mine", s=queue["stamp"]).status_code == 204


def test_without_the_remembered_session_an_unchanged_poll_reads_only_who_is_asking(
    ticket, l1_agent, django_assert_max_num_queries
):
    from django.core.cache import cache

    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    for key in cache._cache:  # locmem: forget who the cookie belongs to, keep the stamps
        if ":live:who:" in key:
            cache._cache.pop(key)
            break
    with django_assert_max_num_queries(AUTH_QUERIES):
        assert poll(client, ticket, **stamps).status_code == 204


def test_the_cache_remembers_who_is_polling_without_their_user_row(ticket, l1_agent):
    """A shared cache (files, Redis) must never hold a password hash: only the id and name."""
    import pickle

    from django.core.cache import cache

    client = client_for(l1_agent.user)
    settle(client, ticket)
    keys = [key.split(":", 2)[2] for key in list(cache._cache) if ":live:who:" in key]
    kept = [cache.get(key) for key in keys]
    assert kept == [(l1_agent.user.pk, l1_agent.user.get_full_name())]
    assert l1_agent.user.password not in str(pickle.dumps(kept))


def test_signing_out_ends_the_shortcut_at_once(ticket, l1_agent):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    client.post(reverse("logout"))
    assert poll(client, ticket, **stamps).status_code == 403


def test_the_shortcut_still_says_who_is_typing(ticket, l1_agent, l1_colleague):
    colleague = client_for(l1_colleague.user)
    mine = client_for(l1_agent.user)
    settle(colleague, ticket)
    stamps = settle(mine, ticket)
    theirs = settle(colleague, ticket)  # now showing Lucía viewing
    # Through the shortcut (nothing changed for them): it still marks them typing.
    assert poll(colleague, ticket, **theirs, typing="1").status_code == 204
    answer = poll(mine, ticket, **stamps).json()
    assert answer["presence"]["people"][0]["mode"] == "typing"


def test_the_cost_of_an_unchanged_poll_does_not_grow_with_the_ticket(
    ticket, l1_agent, commit, django_assert_max_num_queries
):
    with commit():
        for i in range(30):
            add_note(ticket=ticket, by=l1_agent.user, body=f"note {i}")
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    with django_assert_max_num_queries(AUTH_QUERIES):
        assert poll(client, ticket, **stamps).status_code == 204


def test_a_colleagues_reply_reaches_the_open_page_with_its_new_version(
    ticket, l1_agent, l1_colleague, commit
):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    with commit():
        add_reply(ticket=ticket, by=l1_colleague.user, body="Ya está arreglado el cierre")

    data = poll(client, ticket, **stamps).json()

    assert data["stamp"] != stamps["s"]
    assert "Ya está arreglado el cierre" in data["html"]
    assert data["version"] == Ticket.objects.get(pk=ticket.pk).version
    assert f'data-version="{data["version"]}"' in data["html"]


def test_a_requesters_reply_through_the_api_shows_without_waiting_for_the_worker(
    ticket, l1_agent, employee, commit, settings
):
    settings.ESCALA_EVENT_RELAY = "worker"  # listeners wait for the worker; the stamp must not
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    with commit():
        add_reply(ticket=ticket, by=employee.user, body="Sigue sin cerrar", channel="api")

    data = poll(client, ticket, **stamps).json()
    assert "Sigue sin cerrar" in data["html"]


def test_the_agents_own_change_comes_back_once_and_then_nothing(ticket, l1_agent, commit):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    version = Ticket.objects.get(pk=ticket.pk).version
    with commit():
        client.post(
            reverse("desk:action", args=[ticket.pk, "compose"]),
            {"compose-kind": "reply", "compose-body": "Mi respuesta", "compose-version": version},
        )
    data = poll(client, ticket, **stamps).json()
    assert data["html"].count("Mi respuesta") == 1
    stamps["s"] = data["stamp"]
    assert poll(client, ticket, **stamps).status_code == 204


def test_a_form_built_before_a_live_update_is_still_refused_as_stale(
    ticket, l1_agent, l1_colleague, commit
):
    client = client_for(l1_agent.user)
    old_version = Ticket.objects.get(pk=ticket.pk).version
    stamps = settle(client, ticket)
    with commit():
        claim_ticket(ticket=ticket, by=l1_colleague.user)
    data = poll(client, ticket, **stamps).json()  # the page shows the change...
    assert data["version"] != old_version

    response = client.post(
        reverse("desk:action", args=[ticket.pk, "resolve"]),
        {"resolve-summary": "Hecho", "resolve-version": old_version},
    )
    # ...but a form the agent was still writing refers to the old version: refused, not applied.
    assert "changed by someone else" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status != Status.RESOLVED


def test_an_agent_who_may_not_see_the_ticket_gets_404_even_with_its_stamp(
    ticket, l2_db_specialist, l1_agent
):
    stamps = settle(client_for(l1_agent.user), ticket)
    response = poll(client_for(l2_db_specialist.user), ticket, **stamps)
    assert response.status_code == 404
    assert "html" not in response.json()


def test_requesters_and_strangers_never_get_an_answer(ticket, employee, l1_agent):
    stamps = settle(client_for(l1_agent.user), ticket)
    assert poll(client_for(employee.user), ticket, **stamps).status_code == 403
    assert poll(Client(), ticket, **stamps).status_code == 403
    queue = Client().get(reverse("desk:live_queue"))
    assert queue.status_code == 403
    assert client_for(employee.user).get(reverse("desk:live_queue")).status_code == 403


def test_losing_sight_of_a_ticket_ends_the_answers_within_a_minute(
    ticket, l1_agent, teams, frozen_clock
):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    l1_agent.teams.clear()
    from django.core.cache import cache

    cache.delete(f"live:grant:{l1_agent.user.pk}:{ticket.pk}")  # as its minute runs out
    assert poll(client, ticket, **stamps).status_code == 404


def test_a_lapsed_grant_is_checked_again_without_rendering_the_ticket(
    ticket, l1_agent, django_assert_max_num_queries
):
    from django.core.cache import cache

    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    cache.delete(f"live:grant:{l1_agent.user.pk}:{ticket.pk}")  # as its minute runs out
    with django_assert_max_num_queries(AUTH_QUERIES + 2):  # the agent's teams, the ticket
        assert poll(client, ticket, **stamps).status_code == 204
    assert live.granted(l1_agent.user.pk, ticket.pk, stamps["s"])


def test_hostile_parameters_are_just_different_stamps(ticket, l1_agent):
    client = client_for(l1_agent.user)
    response = poll(client, ticket, s="x" * 5000, p="<script>", n="'; DROP", kind="\x00evil")
    assert response.status_code == 200
    assert "html" in response.json()


def test_leaving_the_page_is_a_post_and_removes_the_mark(ticket, l1_agent, l1_colleague):
    colleague = client_for(l1_colleague.user)
    poll(colleague, ticket)
    assert presence.others(ticket.pk, user_id=l1_agent.user.pk)
    assert colleague.get(reverse("desk:live_leave", args=[ticket.pk])).status_code == 405
    assert colleague.post(reverse("desk:live_leave", args=[ticket.pk])).status_code == 204
    assert presence.others(ticket.pk, user_id=l1_agent.user.pk) == []


# --- Presence and typing -----------------------------------------------------------------------


def test_who_is_typing_what_then_writing_then_viewing_then_gone(
    ticket, l1_agent, l1_colleague, frozen_clock
):
    mine = client_for(l1_agent.user)
    colleague = client_for(l1_colleague.user)
    stamps = settle(mine, ticket)

    poll(colleague, ticket, typing="1", draft="1", kind="note")
    answer = poll(mine, ticket, **stamps).json()
    assert "Pablo" in answer["presence"]["html"]
    assert "is typing an internal note" in answer["presence"]["html"]
    assert answer["presence"]["people"] == [{"name": "Pablo", "mode": "typing", "kind": "note"}]
    assert "html" not in answer  # the ticket itself did not change

    frozen_clock.advance(seconds=presence.TYPING.total_seconds() + 1)
    poll(colleague, ticket, draft="1", kind="note")
    assert "has an internal note in progress" in poll(mine, ticket).json()["presence"]["html"]

    poll(colleague, ticket, draft="0", kind="reply")
    assert "is viewing" in poll(mine, ticket).json()["presence"]["html"]

    frozen_clock.advance(seconds=presence.FRESH.total_seconds() + 1)
    assert poll(mine, ticket).json()["presence"]["people"] == []


def test_the_ticket_page_shows_who_is_there_from_the_start(
    ticket, l1_agent, l1_colleague, frozen_clock
):
    poll(client_for(l1_colleague.user), ticket, typing="1", kind="reply")
    body = client_for(l1_agent.user).get(reverse("desk:ticket", args=[ticket.pk])).text
    assert "is typing a reply" in body
    assert 'class="avatar" aria-hidden="true">P<' in body


def test_sending_ends_writing_but_not_viewing(ticket, l1_agent, l1_colleague, commit):
    colleague = client_for(l1_colleague.user)
    poll(colleague, ticket, typing="1", draft="1")
    with commit():
        colleague.post(
            reverse("desk:action", args=[ticket.pk, "compose"]),
            {
                "compose-kind": "reply",
                "compose-body": "Hecho",
                "compose-version": Ticket.objects.get(pk=ticket.pk).version,
            },
        )
    [other] = presence.others(ticket.pk, user_id=l1_agent.user.pk)
    assert other.mode == "viewing"


def test_an_unchanged_heartbeat_writes_nothing_to_the_cache(ticket, l1_agent, monkeypatch):
    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    writes = []
    monkeypatch.setattr(presence, "_write", lambda *args: writes.append(args))
    assert poll(client, ticket, **stamps).status_code == 204
    assert writes == []


def test_presence_reads_well_in_spanish(ticket, l1_agent, l1_colleague):
    poll(client_for(l1_colleague.user), ticket, typing="1", kind="note")
    with translation.override("es"):
        client = client_for(l1_agent.user)
        client.cookies["django_language"] = "es"
        html = poll(client, ticket, HTTP_ACCEPT_LANGUAGE="es").json()["presence"]["html"]
    assert "está escribiendo una nota interna" in html


# --- Notifications, for the bell ---------------------------------------------------------------


def test_every_answer_carries_the_notification_count_and_a_new_count_is_news(
    ticket, l1_agent, monkeypatch
):
    client = client_for(l1_agent.user)
    data = poll(client, ticket).json()
    assert data["notifications"] == 0
    stamps = {"s": data["stamp"], "p": data["presence"]["stamp"], "n": "0"}
    assert poll(client, ticket, **stamps).status_code == 204

    monkeypatch.setattr(live_extras, "unread_count", lambda user: 3)
    monkeypatch.setattr(live_extras, "kept_unread_count", lambda user_id: 3)
    data = poll(client, ticket, **stamps).json()
    assert data["notifications"] == 3
    assert poll(client, ticket, **(stamps | {"n": "3"})).status_code == 204


def test_the_poll_carries_the_bells_real_count(ticket, l1_agent, supervisor, commit):
    from escala.tickets.actions import assign_ticket

    client = client_for(l1_agent.user)
    data = poll(client, ticket).json()
    assert data["notifications"] == 0
    with commit():
        assign_ticket(ticket=ticket, by=supervisor.user, assignee=l1_agent)
    assert poll(client, ticket, s=data["stamp"]).json()["notifications"] == 1


# --- The queue page --------------------------------------------------------------------------


def queue_poll(client, **params):
    """The queue's poll; like the page, it sends back the bell's count it was last given."""
    params.setdefault("n", "0")
    return client.get(reverse("desk:live_queue"), params)


def test_the_queue_poll_answers_tab_counts_and_rows_then_204(
    ticket, l1_agent, django_assert_max_num_queries
):
    client = client_for(l1_agent.user)
    data = queue_poll(client, queue="unassigned").json()
    assert data["counts"]["unassigned"] == 1
    assert "all" not in data["counts"]  # not a supervisor: no such tab
    assert [row[0] for row in data["rows"]] == [ticket.pk]
    with django_assert_max_num_queries(AUTH_QUERIES):
        assert queue_poll(client, queue="unassigned", s=data["stamp"]).status_code == 204


def test_the_same_question_between_two_changes_is_answered_once(
    ticket, l1_agent, commit, employee, categories, django_assert_max_num_queries
):
    # Two pages of one agent: the second asks what the first did, with a stamp it lacks.
    first, second = client_for(l1_agent.user), client_for(l1_agent.user)
    data = queue_poll(first, queue="unassigned").json()
    with django_assert_max_num_queries(AUTH_QUERIES):
        again = queue_poll(second, queue="unassigned", s="older").json()
    assert again == data
    # Another question is its own answer; a change makes both look again.
    assert queue_poll(second, queue="mine", s="older").json()["rows"] == []
    with commit():
        fresh = open_ticket(employee, category=categories["erp"], subject="Nuevo")
    after = queue_poll(second, queue="unassigned", s=data["stamp"]).json()
    assert after["stamp"] != data["stamp"]
    assert [row[0] for row in after["rows"]] == [fresh.pk, ticket.pk]
    assert after["counts"]["unassigned"] == data["counts"]["unassigned"] + 1


def test_a_new_ticket_raises_the_count_of_the_queues_it_lands_in(
    ticket, l1_agent, supervisor, employee, categories, commit
):
    agent = client_for(l1_agent.user)
    boss = client_for(supervisor.user)
    before = queue_poll(agent, queue="unassigned").json()
    boss_before = queue_poll(boss, queue="all").json()
    with commit():
        fresh = open_ticket(employee, category=categories["erp"], subject="Nuevo")

    after = queue_poll(agent, queue="unassigned", s=before["stamp"]).json()
    assert after["counts"]["unassigned"] == before["counts"]["unassigned"] + 1
    assert after["rows"][0][0] == fresh.pk
    boss_after = queue_poll(boss, queue="all", s=boss_before["stamp"]).json()
    assert boss_after["counts"]["all"] == boss_before["counts"]["all"] + 1


def test_a_ticket_that_leaves_for_another_level_updates_both_queues(
    ticket, l1_agent, l2_db_specialist, tiers, teams, commit
):
    l1 = client_for(l1_agent.user)
    l2 = client_for(l2_db_specialist.user)
    l1_before = queue_poll(l1, queue="unassigned").json()
    l2_before = queue_poll(l2, queue="unassigned").json()
    with commit():
        escalate_ticket(
            ticket=ticket,
            by=l1_agent.user,
            to_tier=tiers[2],
            to_team=teams["Databases"],
            reason="Bloqueos",
            handover="Ver trazas",
        )

    l1_after = queue_poll(l1, queue="unassigned", s=l1_before["stamp"]).json()
    l2_after = queue_poll(l2, queue="unassigned", s=l2_before["stamp"]).json()
    assert l1_after["counts"]["unassigned"] == l1_before["counts"]["unassigned"] - 1
    assert l2_after["counts"]["unassigned"] == l2_before["counts"]["unassigned"] + 1


def test_a_change_elsewhere_costs_the_queue_no_query(
    ticket, l1_agent, l2_db_specialist, employee, categories, commit, django_assert_max_num_queries
):
    client = client_for(l1_agent.user)
    data = queue_poll(client, queue="mine").json()
    with commit():
        open_ticket(employee, category=categories["database"], subject="Otra planta")
    with django_assert_max_num_queries(AUTH_QUERIES):
        assert queue_poll(client, queue="mine", s=data["stamp"]).status_code == 204


def test_queue_rows_carry_what_the_poll_compares(ticket, l1_agent):
    client = client_for(l1_agent.user)
    page = client.get(reverse("desk:queue"), {"queue": "unassigned"}).text
    row = queue_poll(client, queue="unassigned").json()["rows"][0]
    assert f'data-id="{row[0]}" data-v="{row[1]}"' in page
    assert 'data-count-for="unassigned"' in page


def test_a_lost_stamp_is_made_anew_and_the_page_looks_again(ticket, l1_agent):
    from django.core.cache import cache

    client = client_for(l1_agent.user)
    stamps = settle(client, ticket)
    cache.clear()
    assert live.ticket_stamp(ticket.pk) != stamps["s"]
    assert "html" in poll(client, ticket, **stamps).json()


def test_a_new_ticket_stamps_its_queues_but_gets_no_stamp_of_its_own(
    ticket, employee, categories, l1_agent, commit, settings
):
    # No page can hold a stamp for a ticket before the commit that creates it: the first page
    # that asks makes one, so the creation writes only the queues' (one file fewer each).
    settings.ESCALA_EVENT_RELAY = "worker"  # the creation's own commit, nothing relayed after it
    queues = live.stamps(["all", f"team:{ticket.team_id}", f"tier:{ticket.tier_id}"])
    with commit():
        fresh = open_ticket(employee, category=categories["erp"], subject="Nuevo")

    assert cache.get(f"live:stamp:ticket:{fresh.pk}") is None
    after = live.stamps(queues)
    assert all(after[name] != stamp for name, stamp in queues.items())
    shown = live.ticket_stamp(fresh.pk)  # the first page to ask
    with commit():
        add_note(ticket=fresh, by=l1_agent.user, body="Lo miro")
    assert live.ticket_stamp(fresh.pk) != shown
