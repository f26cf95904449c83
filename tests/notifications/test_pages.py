"""The bell, its panel, the list, opening one, mark all read, preferences: what an agent sees."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from escala.core import clock
from escala.notifications import state
from escala.notifications.choices import Delivery, Kind
from escala.notifications.models import Notification, NotificationPreference
from escala.notifications.queries import unread_count
from tests.tickets.factories import open_ticket

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ticket(employee, categories):
    return open_ticket(employee, category=categories["erp"], subject="El ERP no cierra el mes")


def _notify(user, ticket, kind=Kind.ASSIGNED, n=1, **params):
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                ticket=ticket,
                params={"actor": "Lucia", **params},
                created_at=clock.now(),
            )
            for _ in range(n)
        ]
    )
    state.forget([user.pk])
    return rows


@pytest.fixture
def agent_client(client, l1_colleague):
    client.force_login(l1_colleague.user)
    return client


def test_the_bell_shows_the_unread_count_in_the_top_bar(agent_client, l1_colleague, ticket):
    _notify(l1_colleague.user, ticket, n=3)
    page = agent_client.get(reverse("desk:queue")).content.decode()
    assert 'id="bell-count"' in page
    assert 'data-count="3"' in page
    assert "/desk/notifications/bell/?stamp=" in page
    assert 'hx-trigger="every 12s, escala:bell from:body" hx-target="this"' in page


def test_requesters_get_no_bell(client, employee):
    client.force_login(employee.user)
    assert b"bell-count" not in client.get("/").content


def test_the_bell_poll_answers_204_while_nothing_changed(
    agent_client, l1_colleague, ticket, django_assert_max_num_queries
):
    _notify(l1_colleague.user, ticket)
    count, stamp = state.bell_state(l1_colleague.user)
    agent_client.get(reverse("notifications:bell"), {"stamp": stamp}, **HX)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        unchanged = agent_client.get(reverse("notifications:bell"), {"stamp": stamp}, **HX)
    assert unchanged.status_code == 204
    assert not [q for q in ctx.captured_queries if "notification" in q["sql"]]
    _notify(l1_colleague.user, ticket)
    changed = agent_client.get(reverse("notifications:bell"), {"stamp": stamp}, **HX)
    assert changed.status_code == 200
    assert 'data-count="2"' in changed.content.decode()
    assert stamp not in changed.content.decode()


def test_the_bell_poll_stops_for_anyone_but_an_agent(client, employee):
    # 286: htmx stops polling, and no sign-in page is swapped into the top bar.
    client.force_login(employee.user)
    assert client.get(reverse("notifications:bell"), **HX).status_code == 286
    assert client.get(reverse("notifications:bell")).status_code == 404
    client.logout()
    assert client.get(reverse("notifications:bell"), **HX).status_code == 286


def test_the_panel_lists_the_latest_with_buttons_that_mark_them_read(
    agent_client, l1_colleague, ticket
):
    (first,) = _notify(l1_colleague.user, ticket)
    panel = agent_client.get(reverse("notifications:list"), {"panel": "1"}, **HX)
    html = panel.content.decode()
    assert "Lucia assigned this ticket to you." in html
    assert "El ERP no cierra el mes" in html
    assert "<html" not in html  # a fragment
    assert reverse("notifications:preferences") in html
    opening = f'<form method="post" action="{reverse("notifications:open", args=[first.pk])}">'
    assert opening in html
    assert 'name="csrfmiddlewaretoken"' in html
    opened = agent_client.post(reverse("notifications:open", args=[first.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == reverse("desk:ticket", kwargs={"pk": ticket.pk})
    first.refresh_from_db()
    assert first.read_at is not None
    assert unread_count(l1_colleague.user) == 0
    # Read, it is a plain link to its ticket: nothing left to change, and it opens in a new tab.
    html = agent_client.get(reverse("notifications:list"), {"panel": "1"}, **HX).text
    assert f'href="{reverse("desk:ticket", args=[ticket.pk])}"' in html
    assert opening not in html


def test_a_get_of_a_notification_goes_to_its_ticket_and_reads_nothing(
    agent_client, l1_colleague, ticket
):
    # A link scanner, a prefetch or an old bookmark: never a change of state on a GET.
    (first,) = _notify(l1_colleague.user, ticket)
    for method in (agent_client.get, agent_client.head):
        response = method(reverse("notifications:open", args=[first.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("desk:ticket", kwargs={"pk": ticket.pk})
    first.refresh_from_db()
    assert first.read_at is None
    assert unread_count(l1_colleague.user) == 1


def test_opening_a_notification_needs_the_csrf_token(l1_colleague, ticket):
    (first,) = _notify(l1_colleague.user, ticket)
    client = Client(enforce_csrf_checks=True)
    client.force_login(l1_colleague.user)
    assert client.post(reverse("notifications:open", args=[first.pk])).status_code == 403
    first.refresh_from_db()
    assert first.read_at is None


def test_another_persons_notification_cannot_be_opened(agent_client, l1_agent, ticket):
    (theirs,) = _notify(l1_agent.user, ticket)
    url = reverse("notifications:open", args=[theirs.pk])
    assert agent_client.post(url).status_code == 404
    assert agent_client.get(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_reads_only_mine(agent_client, l1_colleague, l1_agent, ticket):
    _notify(l1_colleague.user, ticket, n=2)
    _notify(l1_agent.user, ticket)
    response = agent_client.post(reverse("notifications:read_all"), {"next": "//evil.example/"})
    assert response["Location"] == reverse("notifications:list")
    assert unread_count(l1_colleague.user) == 0
    assert unread_count(l1_agent.user) == 1
    fragment = agent_client.post(reverse("notifications:read_all"), **HX)
    assert fragment["HX-Trigger"] == "escala:bell"


def test_mark_all_read_is_a_post(agent_client):
    assert agent_client.get(reverse("notifications:read_all")).status_code == 405


def test_the_list_pages_and_filters_unread(agent_client, l1_colleague, ticket):
    rows = _notify(l1_colleague.user, ticket, n=30)
    Notification.objects.filter(pk__in=[r.pk for r in rows[:10]]).update(read_at=clock.now())
    state.forget([l1_colleague.user.pk])
    page1 = agent_client.get(reverse("notifications:list"))
    assert page1.content.decode().count("data-kind=") == 25
    assert "20 unread." in page1.content.decode()
    older = page1.context["next_url"]
    page2 = agent_client.get(reverse("notifications:list") + older)
    assert page2.content.decode().count("data-kind=") == 5
    unread = agent_client.get(reverse("notifications:list"), {"show": "unread"})
    assert unread.content.decode().count('class="notification unread') == 20
    assert agent_client.get(reverse("notifications:list"), {"after": "%%%"}).status_code == 200


def test_the_list_is_reachable_and_in_spanish(agent_client, l1_colleague, ticket):
    _notify(l1_colleague.user, ticket, kind=Kind.SLA_BREACHED, clock="resolution")
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    with translation.override("es"):
        html = agent_client.get(reverse("desk:queue"), **spanish).content.decode()
        assert reverse("notifications:bell") in html
        html = agent_client.get(reverse("notifications:list"), **spanish).content.decode()
    assert "<h1>Notificaciones</h1>" in html
    assert "Marcar todas como leídas" in html
    assert "Se ha incumplido el objetivo «Resolución» en tu ticket." in html


def test_preferences_are_saved_per_kind(agent_client, l1_colleague):
    page = agent_client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    data = {k: Delivery.IN_APP for k in Kind.values}
    data[Kind.MENTIONED] = Delivery.NONE
    response = agent_client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=l1_colleague.user).values_list(
            "kind", "delivery"
        )
    )
    assert saved[Kind.MENTIONED] == Delivery.NONE
    assert saved[Kind.ASSIGNED] == Delivery.IN_APP


def test_a_bad_preference_is_refused_at_its_field_and_nothing_is_saved(agent_client, l1_colleague):
    data = {k: Delivery.BOTH for k in Kind.values}
    data[Kind.ASSIGNED] = "carrier-pigeon"
    del data[Kind.SLA_WARNING]
    response = agent_client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[Kind.ASSIGNED] == ["Choose one of the options offered."]
    assert form.errors[Kind.SLA_WARNING] == ["Choose how to hear of this."]
    assert not NotificationPreference.objects.exists()


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["queue", "ticket"])
def test_the_bell_adds_at_most_one_query_to_the_queue_and_ticket_pages(
    page, agent_client, l1_colleague, ticket, monkeypatch
):
    _notify(l1_colleague.user, ticket, n=3)
    url = reverse("desk:queue") if page == "queue" else reverse("desk:ticket", args=[ticket.pk])
    _page_queries(agent_client, url)  # warm what every page warms (sessions, labels)
    with monkeypatch.context() as m:
        m.setattr(state, "bell_state", lambda user: (0, "x"))
        without_bell = _page_queries(agent_client, url)
    cache.delete(state._key(l1_colleague.user.pk))
    cold = _page_queries(agent_client, url)
    warm = _page_queries(agent_client, url)
    assert cold <= without_bell + 1
    assert warm == without_bell


def test_a_notification_about_a_ticket_no_longer_visible_is_neither_shown_nor_counted(
    agent_client, l1_colleague, ticket, teams
):
    _notify(l1_colleague.user, ticket, n=2)
    assert unread_count(l1_colleague.user) == 2
    ticket.tier, ticket.team = teams["Engineering"].tier, teams["Engineering"]
    ticket.save()  # escalated on beyond Level 1's sight
    state.forget([l1_colleague.user.pk])
    assert unread_count(l1_colleague.user) == 0
    page = agent_client.get(reverse("notifications:list")).content.decode()
    assert "El ERP no cierra el mes" not in page
