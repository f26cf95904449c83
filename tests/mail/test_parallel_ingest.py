"""Several ingest processes at once (`escala mail ingest --jobs N`, and two pipes given the same
mails): each sender domain in one process, so a sender's acknowledgement window, rate limit and
replies to the ticket it just opened are decided as by one process; a mail delivered to both
processes is stored and filed once."""

import time

import pytest
from django.core.management import call_command
from django.db import connection

from escala.mail import limits, parallel
from escala.mail.choices import InboundStatus, NotificationKind, Outcome
from escala.mail.models import InboundMail, Outbox
from escala.tickets.models import Ticket

from .conftest import compose

pytestmark = pytest.mark.usefixtures("lenient")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite takes one writer at a time"
)


# --- the partition (pure) ---------------------------------------------------------------------


def test_each_domain_goes_to_one_process_in_the_order_given():
    domains = {"a1": "a", "b1": "b", "a2": "a", "c1": "c", "b2": "b", "a3": "a", "x": ""}
    parts = parallel.partition(list(domains), 2, domain_of_file=domains.get)
    assert sorted(name for part in parts for name in part) == sorted(domains)
    for part in parts:
        assert part == [name for name in domains if name in part]  # arrival order kept
    for domain in ("a", "b", "c", ""):
        holders = [i for i, part in enumerate(parts) if any(domains[n] == domain for n in part)]
        assert len(holders) == 1, domain


def test_the_largest_domains_are_spread_first():
    names = [f"a{i}" for i in range(4)] + [f"b{i}" for i in range(3)] + ["c0", "d0"]
    parts = parallel.partition(names, 2, domain_of_file=lambda n: n[0])
    assert sorted(len(p) for p in parts) == [4, 5]  # a | b, c, d  (or a, d | b, c)


def test_one_process_or_one_domain_is_one_part():
    assert parallel.partition(["x", "y"], 1, domain_of_file=lambda n: n) == [["x", "y"]]
    assert parallel.partition(["x", "y"], 3, domain_of_file=lambda n: "d") == [["x", "y"]]


def test_the_sender_domain_is_read_as_the_parser_reads_from():
    assert parallel.sender_domain(compose(sender="Ana <Ana@Cliente.Example>")) == "cliente.example"
    raw = compose(sender="x@y.example", verbatim={"From": "=?utf-8?q?Jos=C3=A9?= <j@Z.example>"})
    assert parallel.sender_domain(raw) == "z.example"
    assert parallel.sender_domain(b"not a mail at all") == ""


# --- two processes on PostgreSQL --------------------------------------------------------------


def _write(tmp_path, raws: list[bytes]) -> list[str]:
    names = []
    for i, raw in enumerate(raws):
        path = tmp_path / f"{i:04d}.eml"
        path.write_bytes(raw)
        names.append(str(path))
    return names


def _corpus() -> tuple[list[bytes], dict[str, str]]:
    """Two domains' requests, each sender's replies (by In-Reply-To) right after its own
    request, and a sender who writes three new requests: (mails, reply -> what it answers)."""
    raws, answers = [], {}
    for n in range(30):
        domain = "norte.example" if n % 2 else "sur.example"
        opened = f"op{n}@client.example"
        raws.append(
            compose(sender=f"user{n}@{domain}", subject=f"Caso {n}", message_id=f"<{opened}>")
        )
        if n % 3 == 0:
            reply = f"re{n}@client.example"
            raws.append(
                compose(
                    sender=f"user{n}@{domain}",
                    subject=f"Re: Caso {n}",
                    body=f"Respuesta {n}",
                    in_reply_to=f"<{opened}>",
                    references=f"<{opened}>",
                    message_id=f"<{reply}>",
                )
            )
            answers[reply] = opened
    for k in range(3):
        raws.append(compose(sender="insistente@norte.example", subject=f"Otra vez {k}"))
    return raws, answers


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_file_every_mail_once_with_the_rules_of_one(tmp_path, settings):
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    raws, answers = _corpus()
    names = _write(tmp_path, raws)
    call_command("mail", "ingest", "--jobs", "2", *names)

    assert InboundMail.objects.count() == len(raws)
    assert not InboundMail.objects.exclude(status=InboundStatus.PROCESSED).exists()
    by_id = {m.message_id: m for m in InboundMail.objects.all()}
    for reply, opened in answers.items():
        assert by_id[reply].outcome == Outcome.REPLY
        assert by_id[reply].ticket_id == by_id[opened].ticket_id
    assert Ticket.objects.count() == 30 + 3
    # One receipt per sender in the window, though its three requests came in one batch.
    receipts = Outbox.objects.filter(kind=NotificationKind.RECEIVED)
    assert receipts.filter(to="insistente@norte.example").count() == 1
    assert receipts.count() == 30 + 1
    assert len(parallel.partition(names, 2)) == 2  # two processes did file them


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_mail_given_to_two_pipes_at_once_is_stored_and_filed_once(tmp_path):
    raws = [compose(sender=f"user{n}@sur.example", subject=f"Caso {n}") for n in range(40)]
    names = _write(tmp_path, raws)
    from escala.mail.management.commands.mail import Command

    command = Command()
    where = {"mailbox": None, "envelope_from": "", "envelope_to": []}
    # Two deliveries of the same mails (two MTAs, or a retry while the first still runs).
    counts, status = parallel.run_forked(
        [names, names], lambda part: command._ingest_guarded(part, where)
    )
    assert status == 0
    assert counts == {InboundStatus.PROCESSED: 40}  # each filed by one of them
    assert InboundMail.objects.count() == 40
    assert set(InboundMail.objects.values_list("duplicate_count", flat=True)) == {1}
    assert Ticket.objects.count() == 40


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_consumers_filing_one_sender_at_once_send_one_receipt(tmp_path, settings, monkeypatch):
    """Two pipes (or SMTP sessions) file mails of one sender at the same moment: the second
    waits for the first one's commit (its domain's lock) and counts its receipt."""
    settings.ESCALA_MAIL_ACK_WINDOW = 600
    read_counts = limits.prefetch

    def slowly(senders):  # noqa: ANN001, ANN202
        read_counts(senders)
        time.sleep(0.5)  # each would have read "no receipt yet" before the other commits

    monkeypatch.setattr(limits, "prefetch", slowly)
    raws = [compose(sender="ana@sur.example", subject=s) for s in ("Uno", "Dos")]
    names = _write(tmp_path, raws)
    from escala.mail.management.commands.mail import Command

    command = Command()
    where = {"mailbox": None, "envelope_from": "", "envelope_to": []}
    counts, status = parallel.run_forked(
        [[names[0]], [names[1]]], lambda part: command._ingest_guarded(part, where)
    )
    assert (status, counts) == (0, {InboundStatus.PROCESSED: 2})
    assert Ticket.objects.count() == 2
    receipts = Outbox.objects.filter(kind=NotificationKind.RECEIVED, to="ana@sur.example")
    assert receipts.count() == 1
