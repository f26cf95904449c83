"""`escala mail poll` against a real Dovecot on 127.0.0.1: mail is flagged or moved on the
server only after Escala stored it, and a broken mailbox never stops the others."""

import imaplib
import os
import tempfile
from pathlib import Path

import pytest
from django.db import DatabaseError

from escala.mail import imap, ingest
from escala.mail.choices import Outcome, Source
from escala.mail.models import InboundMail, Mailbox
from escala.tickets.models import Ticket

from .conftest import compose, free_port
from .dovecot import dovecot_binary, start

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]

USER, PASSWORD = "desk", "secret-pw"


@pytest.fixture(scope="module")
def dovecot():
    if dovecot_binary() is None and not os.environ.get("CI"):
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="escala-dovecot-"))
    port = free_port()
    process = start(base, port, USER, PASSWORD)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def server(dovecot):
    """A fresh, empty INBOX (and Processed folder) for each test."""
    conn = imaplib.IMAP4("127.0.0.1", dovecot)
    conn.login(USER, PASSWORD)
    for folder in ("INBOX", "Processed"):
        conn.create(folder)
        _status, data = conn.select(folder)
        if int(data[0]) > 0:
            conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            conn.expunge()
    yield conn
    conn.logout()


@pytest.fixture
def mailbox(dovecot) -> Mailbox:
    return Mailbox.objects.create(
        name="soporte",
        address="soporte@escala.example",
        imap_host="127.0.0.1",
        imap_port=dovecot,
        imap_tls=False,
        imap_user=USER,
        imap_password=PASSWORD,
        sender_policy="lenient",  # these tests are about store-then-flag, not the sender
    )


def _deliver(conn, raw: bytes) -> None:
    status, _ = conn.append("INBOX", None, None, raw)
    assert status == "OK"


def _unseen(conn, folder="INBOX") -> int:
    conn.select(folder)
    return len(conn.uid("SEARCH", None, "UNSEEN")[1][0].split())


def _count(conn, folder) -> int:
    conn.select(folder)
    return len(conn.uid("SEARCH", None, "ALL")[1][0].split())


def test_polling_files_each_mail_once_and_flags_it_seen(server, mailbox, customer):
    for i in range(3):
        _deliver(server, compose(sender=customer.email, subject=f"IMAP {i}"))

    assert imap.poll(mailbox) == {"stored": 3, "duplicates": 0}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "IMAP 0",
        "IMAP 1",
        "IMAP 2",
    ]
    assert set(InboundMail.objects.values_list("source", "mailbox")) == {(Source.IMAP, mailbox.pk)}
    assert _unseen(server) == 0
    assert imap.poll(mailbox) == {"stored": 0, "duplicates": 0}


def test_processed_mail_is_moved_when_a_folder_is_configured(server, mailbox, customer):
    mailbox.imap_processed_folder = "Processed"
    mailbox.save()
    _deliver(server, compose(sender=customer.email))
    imap.poll(mailbox)
    assert (_count(server, "INBOX"), _count(server, "Processed")) == (0, 1)


def test_a_mail_that_cannot_be_stored_stays_unseen_on_the_server(
    server, mailbox, customer, monkeypatch
):
    _deliver(server, compose(sender=customer.email))

    def database_down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(ingest, "store", database_down)
    assert "failed" in imap.poll_all()[0]
    assert _unseen(server) == 1  # still on the server, untouched
    monkeypatch.undo()

    imap.poll(mailbox)
    assert _unseen(server) == 0
    assert InboundMail.objects.get().outcome == Outcome.NEW_TICKET


def test_a_mail_fetched_again_after_a_crash_is_not_filed_twice(server, mailbox, customer):
    raw = compose(sender=customer.email)
    ingest.ingest(raw, source=Source.IMAP, mailbox=mailbox)  # stored, then the poller died
    _deliver(server, raw)  # ...before it could flag the mail on the server

    assert imap.poll(mailbox) == {"stored": 0, "duplicates": 1}
    assert Ticket.objects.count() == 1
    assert _unseen(server) == 0


def test_a_mailbox_with_a_wrong_password_does_not_stop_the_others(server, mailbox, customer):
    Mailbox.objects.create(
        name="aaa-broken",
        address="roto@escala.example",
        imap_host="127.0.0.1",
        imap_port=mailbox.imap_port,
        imap_tls=False,
        imap_user=USER,
        imap_password="wrong",
    )
    _deliver(server, compose(sender=customer.email))
    lines = imap.poll_all()
    assert any(line.startswith("aaa-broken: failed") for line in lines)
    assert "soporte: 1 new, 0 seen before" in lines
    assert Ticket.objects.count() == 1
