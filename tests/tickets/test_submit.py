"""The POST paths that open or answer a ticket do the minimum in the request (with the worker's
relay, the default): their query count is bounded, and what the worker does (routing, clocks,
the receipt) is on the author's next page even when the worker has not run yet
(docs/decisions/0021-submit-and-relay.md)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escala.knowledge.search import search_tickets
from escala.mail.choices import NotificationKind
from escala.mail.models import Outbox
from escala.portal.views import PLAIN_STATUS
from escala.sla.models import SlaPolicy, TicketClock
from escala.tickets import events
from escala.tickets.choices import EventKind, Status
from escala.tickets.middleware import COOKIE
from escala.tickets.models import QueuedEvent, Ticket
from tests.api.conftest import Api

from .factories import open_ticket
from .test_relay import Heard, make_worker

# The request's own rows (ticket, message, stay, event, queue row: one statement on PostgreSQL),
# the session, the user, the requester and the form's look-ups (the configuration's, cold in a
# test); nothing of what the listeners do. Issue #20 allows a portal POST 20.
PORTAL_SUBMIT_MAX = 12
DESK_NEW_TICKET_MAX = 22  # the agent's own rows, the requester, the claim of a phone call
DESK_REPLY_MAX = 24
API_CREATE_MAX = 11


@pytest.fixture
def worker_mode(settings):
    settings.ESCALA_EVENT_RELAY = "worker"


@pytest.fixture
def policy(db, l1_agent, categories) -> SlaPolicy:
    # Lucía can take password resets: routing gives her the new tickets.
    l1_agent.skills.add(categories["password"].specialty)
    return SlaPolicy.objects.create(
        name="Standard",
        order=100,
        first_response_target=timedelta(hours=2),
        next_response_target=timedelta(hours=4),
        resolution_target=timedelta(hours=16),
    )


@pytest.fixture
def heard():
    listener = Heard()
    events.ticket_event_committed.connect(listener.on_event, dispatch_uid="test.submit.one")
    yield listener
    events.ticket_event_committed.disconnect(dispatch_uid="test.submit.one")


def _submit(client, categories, subject="No puedo entrar al correo"):
    return client.post(
        reverse("portal:new_request"),
        {
            "subject": subject,
            "description": "Olvidé mi contraseña.",
            "category": categories["password"].pk,
        },
    )


def test_a_portal_request_costs_at_most_twenty_queries_and_leaves_the_rest_to_the_worker(
    worker_mode,
    policy,
    client,
    employee,
    l1_agent,
    categories,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client.force_login(employee.user)
    client.get(reverse("portal:new_request"))  # the session and CSRF cookie, as a browser has
    with (
        django_assert_max_num_queries(PORTAL_SUBMIT_MAX),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _submit(client, categories)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket", args=[ticket.pk])
    # Nothing of the listeners ran in the request: the ticket waits for the relay.
    assert ticket.assignee_id is None
    assert ticket.status == Status.NEW
    assert QueuedEvent.objects.filter(event__ticket=ticket).count() == 1
    assert not TicketClock.objects.filter(ticket=ticket).exists()
    assert not Outbox.objects.filter(kind=NotificationKind.RECEIVED).exists()
    assert response.cookies[COOKIE].value


def test_on_postgresql_a_new_request_is_one_insert_statement_that_also_wakes_the_worker(
    worker_mode,
    policy,
    client,
    employee,
    supervisor,
    categories,
    django_capture_on_commit_callbacks,
):
    if connection.vendor != "postgresql":
        pytest.skip("the chained INSERT and NOTIFY are PostgreSQL's (SQLite writes row by row)")
    client.force_login(employee.user)
    client.get(reverse("portal:new_request"))
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        _submit(client, categories, subject="La impresora no imprime")
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1
    assert "pg_notify('escala_relay'" in writes[0]  # no round trip of its own after the commit
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT pg_notify")]
    # Every row is there and linked, as row-by-row inserts wrote them.
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert (message.original_ticket_id, message.author_requester) == (ticket.pk, employee)
    stay = ticket.tier_stays.get()
    assert (stay.tier_id, stay.team_id, stay.left_at) == (ticket.tier_id, ticket.team_id, None)
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.data["message_id"] == message.pk
    assert QueuedEvent.objects.get().event == created
    # The search index is written by the same statement: found at once.
    assert [hit.ticket.pk for hit in search_tickets(supervisor.user, "impresora")] == [ticket.pk]


def test_the_next_page_shows_the_new_request_routed_and_clocked_before_the_worker_runs(
    worker_mode, policy, client, employee, l1_agent, categories, django_capture_on_commit_callbacks
):
    client.force_login(employee.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, categories)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(response.url)
    assert page.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.assignee == l1_agent  # routed
    assert ticket.status == Status.OPEN
    assert page.context["plain_status"] == PLAIN_STATUS[Status.OPEN]  # not "Received"
    assert TicketClock.objects.filter(ticket=ticket).exists()
    receipt = Outbox.objects.get(kind=NotificationKind.RECEIVED)
    assert receipt.to == employee.email
    assert not QueuedEvent.objects.exists()
    assert page.cookies[COOKIE].value == ""  # done: the cookie is dropped


def test_when_the_worker_was_first_the_next_page_relays_nothing_twice(
    worker_mode, policy, client, employee, l1_agent, categories, heard
):
    client.force_login(employee.user)
    response = _submit(client, categories)
    make_worker().run()  # the worker, woken by the submit, relays it before the redirect lands
    relayed = list(heard.one)
    assert relayed  # the creation, the assignment, the status
    client.get(response.url)
    assert heard.one == relayed  # exactly once
    assert Outbox.objects.filter(kind=NotificationKind.RECEIVED).count() == 1


def test_a_tampered_relay_cookie_is_ignored(
    worker_mode, policy, client, employee, l1_agent, categories
):
    client.force_login(employee.user)
    response = _submit(client, categories)
    client.cookies[COOKIE] = response.cookies[COOKIE].value.replace(":", "9:", 1)
    page = client.get(response.url)
    assert page.status_code == 200
    assert QueuedEvent.objects.count() == 1  # left to the worker
    client.cookies[COOKIE] = "1,2,3;not-signed"
    assert client.get(response.url).status_code == 200
    assert QueuedEvent.objects.count() == 1


def test_an_invalid_portal_request_records_nothing_and_says_which_field(
    worker_mode, client, employee, categories, django_assert_max_num_queries
):
    client.force_login(employee.user)
    with django_assert_max_num_queries(PORTAL_SUBMIT_MAX):
        response = client.post(reverse("portal:new_request"), {"subject": "", "description": "x"})
    assert response.status_code == 422
    assert response.context["form"].errors["subject"]
    assert COOKIE not in response.cookies
    assert not QueuedEvent.objects.exists()


def test_a_desk_ticket_for_a_caller_is_filed_in_few_queries_and_claimed_on_the_next_page(
    worker_mode,
    policy,
    client,
    l1_agent,
    customer,
    categories,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client.force_login(l1_agent.user)
    data = {
        "requester": customer.pk,
        "channel": "phone",
        "category": categories["password"].pk,
        "subject": "Sin conexión",
        "body": "La oficina no tiene red",
        "impact": "high",
        "urgency": "high",
    }
    with (
        django_assert_max_num_queries(DESK_NEW_TICKET_MAX),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("desk:new_ticket"), data)
    ticket = Ticket.objects.get()
    assert response.url == reverse("desk:ticket", args=[ticket.pk])
    assert not TicketClock.objects.filter(ticket=ticket).exists()  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(response.url)
    assert page.status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == l1_agent  # whoever took the call keeps it
    assert TicketClock.objects.filter(ticket=ticket).exists()
    assert not QueuedEvent.objects.exists()


@pytest.mark.parametrize("relay", ["worker", "inline"])
def test_a_call_about_another_levels_matter_is_filed_to_its_queue_unclaimed(
    relay, settings, policy, client, l1_agent, customer, categories
):
    settings.ESCALA_EVENT_RELAY = relay
    client.force_login(l1_agent.user)
    response = client.post(
        reverse("desk:new_ticket"),
        {
            "requester": customer.pk,
            "channel": "phone",
            "category": categories["database"].pk,  # Level 2's
            "subject": "La base de datos no responde",
            "body": "Errores de conexión desde las 9",
            "impact": "high",
            "urgency": "high",
        },
    )
    ticket = Ticket.objects.get()
    assert response.url == reverse("desk:ticket", args=[ticket.pk])
    assert ticket.tier.level == 2
    assert ticket.assignee is None  # Lucía works Level 1: the claim was refused, nothing written
    assert not ticket.events.filter(kind=EventKind.CLAIMED).exists()
    assert ticket.status == Status.NEW


def test_a_desk_reply_is_sent_in_few_queries_and_its_clock_is_met_on_the_next_page(
    worker_mode,
    policy,
    client,
    employee,
    l1_agent,
    categories,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, category=categories["password"])
    events.relay_all()
    ticket.refresh_from_db()
    assert ticket.assignee == l1_agent
    client.force_login(l1_agent.user)
    with (
        django_assert_max_num_queries(DESK_REPLY_MAX),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("desk:action", args=[ticket.pk, "compose"]),
            {
                "compose-kind": "reply",
                "compose-body": "Ya está restablecida.",
                "compose-version": ticket.version,
            },
        )
    assert response.status_code == 302, response.content[:2000]
    first = TicketClock.objects.get(ticket=ticket, kind="first_response")
    assert first.stopped_at is None  # the worker's, not the request's
    with django_capture_on_commit_callbacks(execute=True):
        client.get(response.url)
    first.refresh_from_db()
    assert first.stopped_at is not None  # met by the reply
    assert not QueuedEvent.objects.exists()


def test_an_api_create_writes_only_its_own_rows(
    worker_mode,
    policy,
    employee,
    l1_agent,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    api = Api(employee.user)
    with (
        django_assert_max_num_queries(API_CREATE_MAX),
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = api.post("tickets", {"subject": "Toner", "body": "The printer is out."})
    assert created.status_code == 201, created.content
    assert QueuedEvent.objects.count() == 1
    assert events.relay_all() >= 1
    ticket = Ticket.objects.get()
    assert ticket.events.filter(kind=EventKind.ASSIGNED).exists()
    assert TicketClock.objects.filter(ticket=ticket).exists()


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_is_woken_by_a_page_at_once_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; on SQLite the worker's tick relays")
    import threading
    import time

    def page_commits() -> None:
        time.sleep(0.3)
        events.wake_worker()  # what RelayPageEvents does after a deferred action
        connection.close()

    waker = threading.Thread(target=page_commits)
    started = time.monotonic()
    events.wait_for_events(0)  # starts listening (returns at once)
    waker.start()
    events.wait_for_events(20)
    waker.join()
    assert time.monotonic() - started < 10  # woken, not timed out
