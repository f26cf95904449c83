"""The worker's relay of committed ticket events (ESCALA_EVENT_RELAY = "worker"): listeners run
once per event, after the event's commit, in batches; nothing is lost when a relay dies."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse

from escala.core.management.commands.worker import EscalaWorker
from escala.mail.choices import NotificationKind
from escala.mail.models import Outbox
from escala.tickets import events
from escala.tickets.choices import EventKind
from escala.tickets.models import QueuedEvent, Ticket, TicketEvent
from tests.api.conftest import Api
from tests.sla.test_worker import make_worker as worker_for_tests
from tests.tickets.concurrently import relay_in_two_threads

from .factories import open_ticket


class Heard:
    """Records what the two committed-event signals deliver."""

    def __init__(self) -> None:
        self.one: list[int] = []
        self.lists: list[list[int]] = []
        self.lock = threading.Lock()

    def on_event(self, sender, event, **kwargs) -> None:
        with self.lock:
            self.one.append(event.pk)

    def on_events(self, sender, events, **kwargs) -> None:
        with self.lock:
            self.lists.append([e.pk for e in events])


@pytest.fixture
def heard():
    listener = Heard()
    events.ticket_event_committed.connect(listener.on_event, dispatch_uid="test.relay.one")
    events.ticket_events_committed.connect(listener.on_events, dispatch_uid="test.relay.many")
    yield listener
    events.ticket_event_committed.disconnect(dispatch_uid="test.relay.one")
    events.ticket_events_committed.disconnect(dispatch_uid="test.relay.many")


@pytest.fixture
def worker_mode(settings):
    settings.ESCALA_EVENT_RELAY = "worker"


def make_worker() -> EscalaWorker:
    return worker_for_tests("relay-test")


def test_the_event_is_queued_in_its_transaction_and_heard_only_when_relayed(
    worker_mode, heard, employee, categories, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(employee, category=categories["password"])
    created = ticket.events.get(kind=EventKind.CREATED)
    assert list(QueuedEvent.objects.values_list("event_id", flat=True)) == [created.pk]
    assert heard.one == []  # the commit alone ran no listener

    assert events.relay() == 1
    assert heard.one == [created.pk]
    assert heard.lists == [[created.pk]]
    assert not QueuedEvent.objects.exists()
    assert events.relay() == 0  # exactly once
    assert heard.one == [created.pk]


def test_a_batch_reaches_the_list_listeners_as_one_list_in_order(
    worker_mode, heard, employee, categories
):
    tickets = [open_ticket(employee, subject=f"Printer {n}") for n in range(5)]
    ids = [t.events.get(kind=EventKind.CREATED).pk for t in tickets]
    assert events.relay(limit=3) == 3
    assert events.relay(limit=3) == 2
    assert heard.one == ids
    assert heard.lists == [ids[:3], ids[3:]]


def test_an_event_of_a_rolled_back_transaction_is_never_queued(worker_mode, heard, employee):
    def fail_after_recording() -> None:
        with transaction.atomic():
            open_ticket(employee)
            raise RuntimeError("the action failed after recording")

    with pytest.raises(RuntimeError):
        fail_after_recording()
    assert not TicketEvent.objects.exists()
    assert not QueuedEvent.objects.exists()
    assert events.relay() == 0


def test_a_listener_that_breaks_the_database_does_not_stop_the_others(worker_mode, employee):
    def broken(sender, event, **kwargs) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    def mark(sender, events, **kwargs) -> None:
        tickets = Ticket.objects.filter(pk__in=[e.ticket_id for e in events])
        tickets.update(subject=Concat(F("subject"), Value(" [heard]")))

    events.ticket_event_committed.connect(broken, dispatch_uid="test.relay.broken")
    events.ticket_events_committed.connect(mark, dispatch_uid="test.relay.mark")
    try:
        ticket = open_ticket(employee, subject="Printer")
        assert events.relay() == 1
    finally:
        events.ticket_event_committed.disconnect(dispatch_uid="test.relay.broken")
        events.ticket_events_committed.disconnect(dispatch_uid="test.relay.mark")
    # The relay's transaction survived the error (on PostgreSQL it aborts the batch's savepoint
    # and the batch is tried again event by event): the other listener's write is there, once.
    ticket.refresh_from_db()
    assert ticket.subject == "Printer [heard]"
    assert not QueuedEvent.objects.exists()


class Killed(BaseException):
    """Stands for the worker dying in the middle of a batch (not an error a listener catches)."""


def test_a_relay_that_dies_midway_leaves_every_event_queued_for_the_next(
    worker_mode, heard, employee
):
    first, second = open_ticket(employee), open_ticket(employee, subject="VPN")

    def die(sender, event, **kwargs) -> None:
        if event.ticket_id == second.pk:
            raise Killed

    events.ticket_event_committed.connect(die, dispatch_uid="test.relay.die")
    try:
        with pytest.raises(Killed):
            events.relay()
    finally:
        events.ticket_event_committed.disconnect(dispatch_uid="test.relay.die")
    assert QueuedEvent.objects.count() == 2  # the batch's deletion rolled back with it
    heard.one.clear()
    assert events.relay() == 2
    assert heard.one == [first.events.get().pk, second.events.get().pk]


def test_the_worker_relays_queued_events_on_its_tick(worker_mode, heard, employee):
    ticket = open_ticket(employee)
    make_worker().run()  # --batch: until nothing is left
    assert heard.one == [ticket.events.get().pk]
    assert not QueuedEvent.objects.exists()


def test_a_page_relays_its_own_events_at_once_and_the_api_leaves_them_to_the_worker(
    worker_mode, heard, client, employee, l1_agent, categories, django_capture_on_commit_callbacks
):
    client.force_login(l1_agent.user)
    ticket = open_ticket(employee, category=categories["password"])
    heard.one.clear()
    QueuedEvent.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:action", args=[ticket.pk, "claim"]), {"claim-version": ticket.version}
        )
    assert response.status_code in (200, 302)
    assert ticket.events.filter(kind=EventKind.CLAIMED).exists()
    assert heard.one == [e.pk for e in ticket.events.order_by("pk") if e.kind != "created"]
    assert not QueuedEvent.objects.exists()

    heard.one.clear()
    api = Api(employee.user)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("tickets", {"subject": "Toner", "body": "The printer is out."})
    assert created.status_code == 201, created.content
    assert heard.one == []
    assert QueuedEvent.objects.count() == 1
    # Even the receipt waits: the request wrote only the ticket's own rows.
    assert not Outbox.objects.filter(kind=NotificationKind.RECEIVED).exists()
    new_id = QueuedEvent.objects.get().event_id
    # The worker relays it, then what its listeners recorded (routing assigns the new ticket).
    assert events.relay_all() >= 1
    assert heard.one[0] == new_id
    assert not QueuedEvent.objects.exists()
    receipt = Outbox.objects.get(kind=NotificationKind.RECEIVED)
    assert (receipt.event_id, receipt.to) == (new_id, employee.email)


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_hand_each_event_to_exactly_one(worker_mode, heard, employee):
    for n in range(40):
        open_ticket(employee, subject=f"Outage report {n}")
    expected = sorted(TicketEvent.objects.values_list("pk", flat=True))
    assert relay_in_two_threads(limit=5) == []
    assert sorted(heard.one) == expected  # every event once: none twice, none missed
    assert not QueuedEvent.objects.exists()


def test_events_recorded_while_the_worker_runs_tasks_are_relayed_between_them(
    worker_mode, heard, employee, monkeypatch
):
    from escala.core.management.commands import worker

    from . import relay_tasks

    monkeypatch.setattr(worker, "RELAY_BETWEEN_TASKS", 0)  # relay before every task
    relay_tasks.seen_queued.clear()
    relay_tasks.open_a_ticket.enqueue(employee.pk)
    relay_tasks.note_queued.enqueue()
    make_worker().tick()  # one tick: the ticket's event is relayed before the second task runs
    assert Ticket.objects.filter(subject="Opened by a task").exists()
    assert relay_tasks.seen_queued == [0]
    assert heard.one  # its listeners ran
