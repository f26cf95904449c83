"""A batch of mails in one transaction: its rows written together, its mails still threaded to
each other, its tickets indexed for search at its commit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escala.knowledge.search import search_tickets
from escala.mail import filing, ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail, Outbox, ThreadId
from escala.tickets import events
from escala.tickets.choices import EventKind
from escala.tickets.models import QueuedEvent, Ticket, TicketEvent, TierStay

from ..knowledge.test_search_scope import index_out_of_step
from .conftest import compose

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def _inserts(queries: CaptureQueriesContext, table: str) -> int:
    # SQLite spells an insert that skips conflicts "INSERT OR IGNORE INTO".
    heads = (f'INSERT INTO "{table}"', f'INSERT OR IGNORE INTO "{table}"')
    return sum(1 for q in queries.captured_queries if q["sql"].startswith(heads))


@pytest.fixture
def relay_in_worker(settings):
    """As in production: the batch writes its queued events, and relays them after commit."""
    settings.ESCALA_EVENT_RELAY = "worker"


def test_a_batch_writes_receipts_thread_ids_stays_and_queued_events_once_per_table(
    customer, relay_in_worker, django_capture_on_commit_callbacks
):
    raws = [compose(sender=f"cliente{i}@nuevo.example", subject=f"Petición {i}") for i in range(4)]
    raws.append(compose(sender=customer.email, subject="Otra petición"))
    ids = ingest.store_many(raws)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
        mails = ingest.process_batch(ids)

    assert {m.outcome for m in mails} == {Outcome.NEW_TICKET}
    assert Ticket.objects.count() == 5
    assert Outbox.objects.count() == 5  # one receipt each
    assert TierStay.objects.count() == 5
    assert ThreadId.objects.filter(outgoing=True).count() == 5
    assert ThreadId.objects.filter(outgoing=False).count() == 5
    for table in ("tickets_ticketevent", "mail_outbox", "tickets_tierstay", "tickets_queuedevent"):
        assert _inserts(queries, table) == 1, table
    # Each receipt knows the event it announces, though both were held to the end.
    assert {(o.ticket_id, o.event_id) for o in Outbox.objects.all()} == set(
        TicketEvent.objects.filter(kind=EventKind.CREATED).values_list("ticket_id", "pk")
    )
    assert QueuedEvent.objects.count() == 5
    # Receipts' ids, then the filed mails' ids (which skip an id some ticket already holds).
    assert _inserts(queries, "mail_threadid") == 2
    # Four new senders, each filed as a requester with one statement and no savepoint.
    assert _inserts(queries, "people_requester") == 4


def test_a_reply_in_the_same_batch_threads_to_the_ticket_the_first_mail_opened(customer):
    first = compose(sender=customer.email, message_id="<first@client.example>")
    reply = compose(
        sender=customer.email,
        subject="Re: No funciona la impresora",
        body="Ya la he reiniciado y sigue igual.",
        in_reply_to="<first@client.example>",
        references="<first@client.example>",
    )
    mails = ingest.process_batch(ingest.store_many([first, reply]))

    assert [m.outcome for m in mails] == [Outcome.NEW_TICKET, Outcome.REPLY]
    assert mails[1].ticket_id == mails[0].ticket_id
    assert Ticket.objects.count() == 1


def test_a_failed_mail_holds_nothing_for_the_batch_to_write(customer, monkeypatch, settings):
    """The failed mail's savepoint rolls back, and its held receipt and stay go with it."""
    settings.ESCALA_MAIL_ACK_WINDOW = 0  # one sender, a receipt for each of its tickets
    real = filing.after

    def failing_after(mail, parsed, ticket, message):
        if parsed.subject == "Falla":
            raise RuntimeError("bug after the ticket was filed")
        return real(mail, parsed, ticket, message)

    monkeypatch.setattr(filing, "after", failing_after)
    raws = [compose(sender=customer.email, subject=s) for s in ("Bien", "Falla", "También")]
    mails = ingest.process_batch(ingest.store_many(raws))

    assert [m.status for m in mails] == [
        InboundStatus.PROCESSED,
        InboundStatus.QUARANTINED,
        InboundStatus.PROCESSED,
    ]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Bien", "También"]
    assert Outbox.objects.count() == 2
    assert TierStay.objects.count() == 2
    assert set(ThreadId.objects.values_list("ticket__subject", flat=True)) == {"Bien", "También"}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's search index is written at once"
)
def test_the_batch_tickets_are_indexed_together_at_its_commit(customer, supervisor, l1_agent):
    raws = [
        compose(sender=customer.email, subject="Escáner atascado", body="El escáner no va."),
        compose(sender=customer.email, subject="Pantalla negra", body="El monitor parpadea."),
    ]
    ingest.process_batch(ingest.store_many(raws))
    # Not yet: the test's own transaction has not committed.
    assert search_tickets(supervisor.user, "escáner") == []

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what the commit runs
        cursor.execute("SELECT count(*) FROM knowledge_ticket_dirty")
        assert cursor.fetchone()[0] == 0
    assert [h.ticket.subject for h in search_tickets(supervisor.user, "escáner")] == [
        "Escáner atascado"
    ]
    assert [h.ticket.subject for h in search_tickets(supervisor.user, "monitor")] == [
        "Pantalla negra"
    ]
    # Routed in the batch: the rows were written with the assignee in their scope keys.
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {l1_agent.pk}
    assert index_out_of_step() == []
    assert [h.ticket.subject for h in search_tickets(l1_agent.user, "escáner")] == [
        "Escáner atascado"
    ]


def test_a_batch_reads_the_tickets_its_replies_point_at_once(customer):
    opened = [ingest.ingest(compose(sender=customer.email, subject=f"Caso {i}")) for i in range(3)]
    replies = [
        compose(sender=customer.email, subject=f"Re: [{m.ticket.reference}] Caso", body="Sigue.")
        for m in opened
    ]
    # The first ticket twice: the second reply reads it again, after the first one's change.
    replies.append(
        compose(
            sender=customer.email,
            subject="Re: otra vez",
            body="Y otra cosa.",
            in_reply_to=f"<{opened[0].message_id}>",
        )
    )
    ids = ingest.store_many(replies)
    with CaptureQueriesContext(connection) as queries:
        mails = ingest.process_batch(ids)

    assert [m.outcome for m in mails] == [Outcome.REPLY] * 4
    assert [m.ticket_id for m in mails] == [m.ticket_id for m in opened] + [opened[0].ticket_id]
    assert Ticket.objects.get(pk=opened[0].ticket_id).messages.count() == 3
    with_requester = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "tickets_ticket" INNER JOIN "people_requester"' in q["sql"]
        and '"people_agent"' not in q["sql"]  # the actions' locks join the assignee too
    ]
    # One read for the batch's three tickets, and one more for the ticket answered twice.
    assert len(with_requester) == 2, with_requester


def test_the_batch_leaves_routing_to_the_worker_which_routes_each_ticket_once(
    customer, l1_agent, l1_colleague, relay_in_worker, django_capture_on_commit_callbacks
):
    raws = [compose(sender=customer.email, subject=f"Pedido {i}") for i in range(4)]
    ids = ingest.store_many(raws)
    with django_capture_on_commit_callbacks(execute=True):
        mails = ingest.process_batch(ids)
    assert {m.outcome for m in mails} == {Outcome.NEW_TICKET}
    # Filed and queued: the worker's relay routes them (docs/decisions/0024).
    assert not Ticket.objects.filter(assignee__isnull=False).exists()
    assert QueuedEvent.objects.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        events.relay_all()
    assigned = list(Ticket.objects.order_by("pk").values_list("assignee_id", flat=True))
    assert sorted(assigned) == sorted([l1_agent.pk, l1_colleague.pk] * 2)  # the load shared
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 4
    assert QueuedEvent.objects.count() == 0


def test_relayed_at_once_the_batch_gives_its_new_tickets_to_agents_before_it_commits(
    customer, l1_agent, l1_colleague, django_capture_on_commit_callbacks
):
    """ESCALA_EVENT_RELAY=inline: the batch's own process relays, and routes before its commit
    (each ticket's search row is written once, with its assignee)."""
    raws = [compose(sender=customer.email, subject=f"Pedido {i}") for i in range(4)]
    ids = ingest.store_many(raws)
    with django_capture_on_commit_callbacks() as after_commit:
        mails = ingest.process_batch(ids)
        # Before the commit's listeners (the relay) run, every ticket has its agent already,
        # the load shared between the two agents of the team.
        assigned = list(Ticket.objects.order_by("pk").values_list("assignee_id", flat=True))
    assert sorted(assigned) == sorted([l1_agent.pk, l1_colleague.pk] * 2)
    assert {m.outcome for m in mails} == {Outcome.NEW_TICKET}
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 4
    # The listeners then run once for the batch, and route nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 4
    assert list(Ticket.objects.order_by("pk").values_list("assignee_id", flat=True)) == assigned


def test_a_pipe_batch_locks_and_reads_the_ticket_a_reply_answers_once(customer):
    """The pipe's batch locks the ticket a reply answers without waiting (thread_match.claim),
    reading it as the reply's action would: the action takes it from there, not locking and
    reading it again."""
    opened = ingest.ingest(compose(sender=customer.email, subject="Caso"))
    reply = compose(sender=customer.email, subject=f"Re: [{opened.ticket.reference}] Caso")
    ids, parsed = ingest.store_and_parse([reply])
    with CaptureQueriesContext(connection) as queries:
        mails = ingest.process_batch(ids, parsed, busy=[])

    assert [m.outcome for m in mails] == [Outcome.REPLY]
    assert mails[0].ticket_id == opened.ticket_id
    assert Ticket.objects.get(pk=opened.ticket_id).messages.count() == 2
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "tickets_ticket"' in q["sql"]
    ]
    # The batch's read of the tickets its mails point at, and the reply's lock and read.
    assert len(reads) == 2, reads
    if connection.vendor == "postgresql":
        assert "SKIP LOCKED" in reads[1]
        assert '"people_agent"' in reads[1]  # the assignee too, as the action reads it


def test_a_batch_of_raw_mails_is_stored_with_one_insert_in_order_byte_for_byte(customer):
    raws = [
        compose(sender=f"cliente{i}@nuevo.example", subject=f"Petición {i}") + b"\xff\x00\xfe\n"
        for i in range(12)
    ]
    with CaptureQueriesContext(connection) as queries:
        ids = ingest.store_many(raws)

    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('INSERT INTO "mail_inboundmail"')
    ]
    assert len(inserts) == 1
    if connection.vendor == "postgresql":
        # A parameter per column (an array), not one per column and mail.
        assert "UNNEST" in inserts[0]
    stored = {m.pk: m for m in InboundMail.objects.filter(pk__in=ids)}
    assert [bytes(stored[pk].raw) for pk in ids] == raws
    assert [stored[pk].size for pk in ids] == [len(raw) for raw in raws]
    assert len(set(ids)) == len(raws)
