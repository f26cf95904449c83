"""A bounce of one of our notifications is recorded on its ticket and the address marked; only a
report quoting a Message-ID we sent counts."""

import pytest

from escala.mail import delivery, dsn, ingest
from escala.mail.choices import InboundStatus, OutboxStatus, Outcome
from escala.mail.models import BouncedAddress, Outbox
from escala.tickets.choices import EventKind

from .conftest import compose

# Limits, markers and bounces are the subject here, not who may act: the sender rule is lenient
# (tests/mail/test_sender_auth.py covers it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture
def receipt(customer):
    """A ticket opened by mail, and the receipt Escala sent for it."""
    mail = ingest.ingest(compose(sender=customer.email, subject="La VPN no conecta"))
    return Outbox.objects.get(ticket=mail.ticket, kind="received")


def standard_dsn(outbox: Outbox, *, recipient: str | None = None, status: str = "5.1.1",
                 action: str = "failed") -> bytes:  # fmt: skip
    recipient = recipient or outbox.to
    return (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.cliente.example>\r\n"
        "To: soporte@escala.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.cliente.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.cliente.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: soporte@escala.example\r\nTo: {outbox.to}\r\n"
        f"Subject: {outbox.subject}\r\nMessage-ID: <{outbox.message_id}>\r\n\r\n"
        "--B--\r\n"
    ).encode()


def qmail_bounce(outbox: Outbox) -> bytes:
    return (
        "From: MAILER-DAEMON@mail.cliente.example\r\n"
        "To: soporte@escala.example\r\n"
        "Subject: failure notice\r\n"
        "Message-ID: <qmail-1@mail.cliente.example>\r\n\r\n"
        "Hi. This is the qmail-send program at mail.cliente.example.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        f"<{outbox.to}>:\r\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n"
        "Return-Path: <soporte@escala.example>\r\n"
        f"Message-ID: <{outbox.message_id}>\r\n"
        f"Subject: {outbox.subject}\r\n\r\nSu solicitud ha sido recibida.\r\n"
    ).encode()


def exchange_ndr(outbox: Outbox) -> bytes:
    """Exchange's NDR: From postmaster, no Auto-Submitted, the original attached."""
    return (
        "From: postmaster@cliente.example\r\n"
        "To: soporte@escala.example\r\n"
        f"Subject: Undeliverable: {outbox.subject}\r\n"
        "Message-ID: <ndr-1@cliente.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="N"\r\n\r\n'
        "--N\r\nContent-Type: text/plain\r\n\r\n"
        "Delivery has failed to these recipients or groups:\r\n\r\n"
        f"{outbox.to}\r\nThe email address you entered couldn't be found.\r\n"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'\r\n"
        "--N\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: soporte@escala.example\r\nTo: {outbox.to}\r\nSubject: {outbox.subject}\r\n"
        f"Message-ID: <{outbox.message_id}>\r\n\r\nSu solicitud ha sido recibida.\r\n"
        "--N--\r\n"
    ).encode()


@pytest.mark.parametrize("make", [standard_dsn, qmail_bounce, exchange_ndr])
def test_a_bounce_of_our_notification_is_recorded_on_its_ticket(receipt, make):
    mail = ingest.ingest(make(receipt), envelope_from="<>")

    assert (mail.status, mail.outcome) == (InboundStatus.PROCESSED, Outcome.BOUNCE_RECORDED)
    assert mail.ticket_id == receipt.ticket_id
    event = receipt.ticket.events.get(kind=EventKind.MAIL_BOUNCED)
    assert event.new_value == receipt.to.lower()
    assert event.data["outbox_id"] == receipt.pk
    mark = BouncedAddress.objects.get()
    assert (mark.address, mark.ticket_id) == (receipt.to.lower(), receipt.ticket_id)
    assert mark.status.startswith("5")


def test_the_bounce_shows_in_the_ticket_timeline_and_beside_the_requester(
    receipt, client, l1_agent
):
    ingest.ingest(standard_dsn(receipt), envelope_from="<>")
    client.force_login(l1_agent.user)
    page = client.get(f"/desk/tickets/{receipt.ticket_id}/").content.decode()
    assert "Notification bounced" in page or "Notificación rebotada" in page
    assert "Mail bounces" in page or "El correo rebota" in page


def test_further_notifications_to_a_bouncing_address_are_suppressed(receipt, settings, l1_agent):
    from escala.tickets import actions

    ingest.ingest(standard_dsn(receipt), envelope_from="<>")
    actions.add_reply(ticket=receipt.ticket, by=l1_agent.user, body="¿Puede reiniciar el equipo?")
    reply = Outbox.objects.get(ticket=receipt.ticket, kind="agent_reply")
    assert delivery.deliver(reply.pk) == "suppressed"
    reply.refresh_from_db()
    assert reply.status == OutboxStatus.FAILED
    assert "bounced" in reply.last_error or "rebot" in reply.last_error


def test_with_send_the_address_is_only_flagged(receipt, settings, l1_agent):
    from django.core import mail as django_mail

    from escala.tickets import actions

    settings.ESCALA_MAIL_BOUNCED_ADDRESSES = "send"
    ingest.ingest(standard_dsn(receipt), envelope_from="<>")
    actions.add_reply(ticket=receipt.ticket, by=l1_agent.user, body="Otra prueba")
    reply = Outbox.objects.get(ticket=receipt.ticket, kind="agent_reply")
    assert delivery.deliver(reply.pk) == "sent"
    assert django_mail.outbox


def test_a_mail_from_the_address_clears_the_mark(receipt, customer):
    ingest.ingest(standard_dsn(receipt), envelope_from="<>")
    assert BouncedAddress.objects.exists()
    ingest.ingest(compose(sender=customer.email, subject="Ya funciona mi correo"))
    assert not BouncedAddress.objects.exists()


def test_a_delay_report_is_not_a_bounce(receipt):
    mail = ingest.ingest(
        standard_dsn(receipt, status="4.4.1", action="delayed"), envelope_from="<>"
    )
    assert mail.outcome == Outcome.BOUNCE
    assert not BouncedAddress.objects.exists()
    assert not receipt.ticket.events.filter(kind=EventKind.MAIL_BOUNCED).exists()


def test_a_forged_bounce_without_our_message_id_marks_nothing(receipt):
    """Naming the ticket and the customer's address is not enough: anyone can write those."""
    forged = standard_dsn(receipt).replace(receipt.message_id.encode(), b"guess@escala.example")
    mail = ingest.ingest(forged, envelope_from="<>")
    assert (mail.status, mail.outcome) == (InboundStatus.IGNORED, Outcome.BOUNCE)
    assert not BouncedAddress.objects.exists()


def test_a_report_naming_another_recipient_marks_nothing(receipt):
    mail = ingest.ingest(standard_dsn(receipt, recipient="otro@cliente.example"))
    assert mail.outcome == Outcome.BOUNCE
    assert not BouncedAddress.objects.exists()


def test_a_bounce_in_a_batch_is_recorded_once(receipt):
    raw = standard_dsn(receipt)
    mails = ingest.process_batch(ingest.store_many([raw]))
    assert mails[0].outcome == Outcome.BOUNCE_RECORDED
    ingest.store_many([raw])  # delivered again
    assert receipt.ticket.events.filter(kind=EventKind.MAIL_BOUNCED).count() == 1


def test_the_report_reader_reads_the_standard_fields():
    raw = (
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a\r\n\r\n"
        b"Final-Recipient: rfc822;Ana.Perez@Cliente.Example\r\nAction: failed\r\n"
        b"Status: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n--x--\r\n"
    )
    report = dsn.read_report(raw)
    assert report.standard
    [failed] = report.recipients
    assert (failed.address, failed.status, failed.permanent) == (
        "ana.perez@cliente.example",
        "5.2.2",
        True,
    )
    assert "Mailbox full" in failed.diagnostic


def test_a_non_standard_bounce_is_recognised_without_a_null_envelope(receipt):
    """As IMAP or a forwarding server hands it over: no envelope, no Auto-Submitted."""
    mail = ingest.ingest(exchange_ndr(receipt))
    assert mail.outcome == Outcome.BOUNCE_RECORDED


def test_a_report_naming_our_address_as_original_recipient_counts(receipt):
    raw = standard_dsn(receipt, recipient="reenvio@otro.example").replace(
        b"Final-Recipient: rfc822; reenvio@otro.example\r\n",
        b"Final-Recipient: rfc822; reenvio@otro.example\r\n"
        + f"Original-Recipient: rfc822; {receipt.to}\r\n".encode(),
    )
    assert ingest.ingest(raw).outcome == Outcome.BOUNCE_RECORDED
