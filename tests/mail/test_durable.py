"""Nothing lost, nothing duplicated: the raw mail is stored first and processed exactly once."""

import subprocess
import sys

import pytest

from escala.mail import ingest, new_ticket, route
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail
from escala.tickets.models import Ticket

from .conftest import compose

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def test_the_same_mail_delivered_twice_makes_one_ticket(customer):
    raw = compose(sender=customer.email)
    first = ingest.ingest(raw)
    second = ingest.ingest(raw)

    assert first.pk == second.pk
    assert InboundMail.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_mails_without_message_id_are_deduplicated_by_their_bytes(customer):
    raw = b"From: " + customer.email.encode() + b"\nSubject: sin id\n\ncuerpo\n"
    ingest.ingest(raw)
    ingest.ingest(raw)
    ingest.ingest(raw + b"otra linea\n")
    assert InboundMail.objects.count() == 2


def test_the_raw_bytes_are_kept_exactly(customer):
    raw = compose(sender=customer.email) + b"\xff\xfe bytes that are not text\n"
    mail = ingest.ingest(raw)
    assert bytes(mail.raw) == raw


def test_a_mail_that_breaks_processing_is_quarantined_and_the_next_one_still_goes_in(
    monkeypatch, customer
):
    def explode(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(route, "parse_mail", explode)
    bad = ingest.ingest(compose(sender=customer.email, subject="malo"))
    monkeypatch.undo()
    good = ingest.ingest(compose(sender=customer.email, subject="bueno"))

    assert (bad.status, bad.outcome) == (InboundStatus.QUARANTINED, Outcome.ERROR)
    assert "parser bug" in bad.reason
    assert bad.ticket is None
    assert good.outcome == Outcome.NEW_TICKET
    assert Ticket.objects.count() == 1


def test_a_quarantined_mail_can_be_processed_again_once_fixed(monkeypatch, customer):
    monkeypatch.setattr(route, "parse_mail", lambda *a, **k: 1 / 0)
    mail = ingest.ingest(compose(sender=customer.email))
    monkeypatch.undo()

    again = ingest.process(mail.pk, force=True)
    assert (again.status, again.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)
    assert again.attempts == 2
    assert ingest.process(mail.pk, force=True).ticket == again.ticket  # and only once


def test_a_huge_mail_is_quarantined_without_blocking_the_others(settings, customer):
    settings.ESCALA_MAIL_MAX_RAW_BYTES = 50_000
    huge = ingest.ingest(compose(sender=customer.email, body="x" * 60_000))
    small = ingest.ingest(compose(sender=customer.email, subject="pequeño"))
    assert (huge.status, huge.outcome) == (InboundStatus.QUARANTINED, Outcome.TOO_LARGE)
    assert bytes(huge.raw)  # kept for an agent to look at
    assert small.outcome == Outcome.NEW_TICKET


def test_an_over_limit_attachment_is_dropped_with_a_note_to_the_agent(settings, customer):
    settings.ESCALA_MAX_ATTACHMENT_BYTES = 1000
    mail = ingest.ingest(
        compose(
            sender=customer.email,
            attachments=[
                ("grande.pdf", "application/pdf", b"%PDF" + b"0" * 5000),
                ("chica.pdf", "application/pdf", b"%PDF-1"),
            ],
        )
    )
    ticket = mail.ticket
    assert [a.filename for a in ticket.messages.first().attachments.all()] == ["chica.pdf"]
    note = ticket.messages.get(kind="note")
    assert "grande.pdf" in note.body


def test_a_mail_left_received_by_a_crash_is_picked_up_by_retry(customer):
    from django.core.management import call_command

    stored, _ = ingest.store(compose(sender=customer.email))  # the process died here
    assert stored.status == InboundStatus.RECEIVED
    call_command("mail", "retry")
    stored.refresh_from_db()
    assert stored.status == InboundStatus.PROCESSED
    assert Ticket.objects.count() == 1


def test_the_pipe_exits_75_when_the_database_is_unreachable(tmp_path):
    mail_file = tmp_path / "m.eml"
    mail_file.write_bytes(compose(sender="a@b.example"))
    env = {
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "escala.cli", "mail", "ingest", str(mail_file)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 75, result.stderr.decode()[-2000:]
    assert b"try again later" in result.stderr


def test_the_pipe_reads_standard_input(customer, capsys, monkeypatch):
    import io

    from django.core.management import call_command

    raw = compose(sender=customer.email, subject="por la tubería")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("mail", "ingest")
    assert Ticket.objects.get().subject == "por la tubería"


def test_a_batch_quarantines_its_bad_mail_alone_and_files_the_others_once(
    monkeypatch, customer, django_capture_on_commit_callbacks
):
    raws = [compose(sender=customer.email, subject=f"Asunto {i}") for i in range(4)]
    raws.append(raws[0])  # delivered twice
    real_create = new_ticket.actions.create_ticket

    def create(**kwargs):
        if kwargs["subject"] == "Asunto 2":
            raise RuntimeError("bug on one mail")
        return real_create(**kwargs)

    monkeypatch.setattr(new_ticket.actions, "create_ticket", create)
    ids = ingest.store_many(raws)
    assert ids[0] == ids[4]
    assert len(set(ids)) == 4
    with django_capture_on_commit_callbacks(execute=True):
        mails = ingest.process_batch(ids)
    outcomes = sorted((m.subject, m.status) for m in mails)
    assert outcomes == [
        ("Asunto 0", InboundStatus.PROCESSED),
        ("Asunto 1", InboundStatus.PROCESSED),
        ("Asunto 2", InboundStatus.QUARANTINED),
        ("Asunto 3", InboundStatus.PROCESSED),
    ]
    assert "bug on one mail" in InboundMail.objects.get(subject="Asunto 2").reason
    assert Ticket.objects.count() == 3
    # Processed mails are not processed again by a second batch.
    assert ingest.process_batch(ids) == []
    assert Ticket.objects.count() == 3


def test_a_batch_reads_its_senders_once(customer, django_assert_max_num_queries, settings):
    # The acknowledgement limits (two reads per batch, and an alert write for each receipt
    # held back) are counted in tests/mail/test_limits.py.
    settings.ESCALA_MAIL_ACK_WINDOW = 0
    settings.ESCALA_MAIL_DOMAIN_FLOOD_LIMIT = 0
    ids = ingest.store_many([compose(sender=customer.email, subject=f"S {i}") for i in range(5)])
    ingest.process_batch(ids[:1])  # warm: the default organization, the levels
    # Per mail: its savepoint (2), the ticket and its message (16). Per batch: the lock, the
    # senders with their rate and organization, the mails' updates (one executemany, counted
    # once per mail), one insert each for the events, stays, receipts and both kinds of
    # Message-IDs, the bouncing marks of its senders cleared (they wrote to us), and on
    # PostgreSQL the transaction's settings with its senders' domain locks, one statement (31
    # there, 30 on SQLite).
    with django_assert_max_num_queries(31):
        ingest.process_batch(ids[1:])
