"""With the worker's relay (the default outside tests), a mail's ingest writes the ticket, the
mail's receipt (by the mail's own rules: acknowledgement window, domain flood, no automatic
answer) and the queued events; the worker's relay then routes, clocks and writes the facts, as
the ingest process used to right after its commit (docs/decisions/0024). The result is the
same as relaying at once."""

import threading
import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail, Outbox
from escala.reports.models import TicketFact
from escala.sla.models import TicketClock
from escala.tickets import events
from escala.tickets.models import QueuedEvent, Ticket

from .conftest import compose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture
def worker_relay(settings):
    settings.ESCALA_EVENT_RELAY = "worker"


def _receipts(to: str | None = None) -> int:
    rows = Outbox.objects.filter(kind="received")
    return (rows.filter(to__iexact=to) if to else rows).count()


def _state() -> list[tuple]:
    """What the listeners leave on each ticket: routed, clocked, its facts, its receipts."""
    return [
        (
            t.subject,
            t.assignee_id is not None,
            t.team_id,
            TicketClock.objects.filter(ticket=t).count(),
            TicketFact.objects.filter(ticket=t).count(),
            _receipts(t.requester.email),
        )
        for t in Ticket.objects.select_related("requester").order_by("subject")
    ]


def _batch(customer) -> list[bytes]:
    raws = [compose(sender=f"cliente{i}@nuevo.example", subject=f"Petición {i}") for i in range(3)]
    raws += [compose(sender=customer.email, subject=f"Mía {i}") for i in range(2)]
    raws.append(
        compose(sender="lista@nuevo.example", subject="Aviso", headers={"Precedence": "bulk"})
    )
    return raws


def test_the_batch_leaves_the_listeners_to_the_worker_and_the_result_is_the_same(
    customer, l1_agent, l1_colleague, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    raws = _batch(customer)
    # Relayed at once, in this process (ESCALA_EVENT_RELAY=inline): the reference result, then
    # rolled back (the same mails again, the same senders' windows).
    with transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True):
            ingest.process_batch(ingest.store_many(raws))
        inline = _state()
        transaction.set_rollback(True)
    assert any(clocks for _s, _a, _t, clocks, _f, _r in inline)
    assert not Ticket.objects.exists()

    settings.ESCALA_EVENT_RELAY = "worker"
    woken = []
    monkeypatch.setattr(events, "wake_worker", lambda: woken.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        mails = ingest.process_batch(ingest.store_many(raws))
    assert [m.outcome for m in mails].count(Outcome.NEW_TICKET) == 5
    # Filed, routed in the batch, the receipts written; clocks and facts wait for the worker.
    assert QueuedEvent.objects.filter(recorded_later=False).count() == QueuedEvent.objects.count()
    assert QueuedEvent.objects.exists()
    assert not TicketClock.objects.exists()
    assert _receipts() == 4  # three new senders, the customer once (window), the list none
    assert woken == [1]  # once for the batch, after its commit

    with django_capture_on_commit_callbacks(execute=True):
        events.relay_all()
    assert not QueuedEvent.objects.exists()
    assert _state() == inline
    assert _receipts() == 4  # the relay writes no receipt again


def test_one_mail_at_a_time_keeps_the_acknowledgement_window_with_the_worker_relay(
    customer, worker_relay, settings, django_capture_on_commit_callbacks
):
    """The SMTP listener, IMAP and `mail retry` process mail by mail: the receipt is decided
    with the mail (one per sender per window, none for list mail), not later by the relay."""
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            ingest.ingest(compose(sender=customer.email, subject=f"consulta {i}"))
        ingest.ingest(
            compose(sender="lista@nuevo.example", subject="Aviso", headers={"Precedence": "bulk"})
        )
        ingest.ingest(  # filed, but it asked for no automatic answer
            compose(
                sender="outlook@nuevo.example",
                subject="Informe",
                headers={"X-Auto-Response-Suppress": "All"},
            )
        )
        ingest.ingest(compose(sender="nuevo@nuevo.example", subject="Hola"))
    assert Ticket.objects.count() == 5  # the bulk mail opens nothing
    with django_capture_on_commit_callbacks(execute=True):
        events.relay_all()
    assert _receipts(customer.email) == 1
    assert _receipts() == 2
    assert TicketClock.objects.exists()  # the relay did the rest
    # The receipt answers the mail it acknowledges.
    first = Outbox.objects.filter(to__iexact=customer.email).get()
    assert first.in_reply_to


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_batch_the_database_broke_a_deadlock_with_is_processed_again_once(customer, monkeypatch):
    """The relay locks tickets while the pipe files a batch: if PostgreSQL picks the batch to
    break a deadlock, its transaction rolled back and it is processed again, as a batch."""
    raws = [compose(sender=customer.email, subject=f"Caso {i}") for i in range(3)]
    ids, parsed = ingest.store_and_parse(raws)
    real = ingest.process_batch
    calls = []

    def deadlocked_once(ids, parsed, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(parsed)
        if len(calls) == 1:
            with transaction.atomic():
                real(ids, parsed, **kwargs)  # its work...
                try:
                    raise _Deadlock("deadlock detected")
                except _Deadlock as exc:
                    raise OperationalError("deadlock detected") from exc  # ...rolled back

        return real(ids, parsed, **kwargs)

    monkeypatch.setattr(ingest, "process_batch", deadlocked_once)
    mails = ingest.process_batch_again(ids, raws, parsed)
    assert len(calls) == 2
    assert calls[1] is not calls[0]  # parsed afresh
    assert [m.outcome for m in mails] == [Outcome.NEW_TICKET] * 3
    assert Ticket.objects.count() == 3  # once each


def test_other_database_errors_are_not_tried_again(customer, monkeypatch):
    raws = [compose(sender=customer.email, subject="Caso")]
    ids, parsed = ingest.store_and_parse(raws)
    calls = []

    def broken(ids, parsed, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(1)
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(ingest, "process_batch", broken)
    with pytest.raises(OperationalError):
        ingest.process_batch_again(ids, raws, parsed)
    assert calls == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database")
@pytest.mark.django_db(transaction=True)
def test_a_reply_to_a_ticket_another_transaction_holds_is_processed_when_it_is_free(customer):
    """The relay holds the ticket a reply answers: the pipe's batch does not wait for it (it
    could close a deadlock), files the other mails and the reply a moment later, in order."""
    first = ingest.ingest(compose(sender=customer.email, subject="Caso"))
    raws = [
        compose(sender=customer.email, subject=f"Re: [{first.ticket.reference}] Caso", body="1"),
        compose(sender=customer.email, subject="Otro asunto"),
        compose(sender=customer.email, subject=f"Re: [{first.ticket.reference}] Caso", body="2"),
    ]
    ids, parsed = ingest.store_and_parse(raws)
    holder = psycopg.connect(**connection.get_connection_params(), autocommit=False)
    holder.execute("SELECT 1 FROM tickets_ticket WHERE id = %s FOR UPDATE", [first.ticket_id])
    try:
        busy = []
        mails = ingest.process_batch(ids, parsed, busy=busy)
        assert [m.pk for m in mails] == [ids[1]]
        assert busy == [ids[0], ids[2]]
        assert InboundMail.objects.get(pk=ids[0]).status == InboundStatus.RECEIVED
        assert InboundMail.objects.get(pk=ids[0]).attempts == 0
        # Still held for a moment: the pipe's next rounds find it free.
        threading.Timer(0.3, holder.rollback).start()
        again = ingest.process_batch_again(busy, [raws[0], raws[2]], parsed)
    finally:
        time.sleep(0.4)
        holder.close()
    assert [m.outcome for m in again] == [Outcome.REPLY, Outcome.REPLY]
    bodies = list(
        Ticket.objects.get(pk=first.ticket_id)
        .messages.order_by("pk")
        .values_list("body", flat=True)
    )
    assert bodies[1:] == ["1", "2"]  # in the order they came
