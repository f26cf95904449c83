"""Real-world mail stored right (issue #14, fidelity): what the ticket shows, what is kept.

The pure rules are in test_parse.py / test_replies.py; these check the stored outcome of the
key cases through ingest, on SQLite and PostgreSQL alike.
"""

import pytest
from django.urls import reverse

from escala.mail import ingest, thread_match
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import ThreadId
from escala.tickets.models import Attachment, Ticket

from .conftest import DATA, compose

pytestmark = pytest.mark.django_db


def _sent_id(ticket: Ticket) -> str:
    row = ThreadId.objects.create(
        message_id=thread_match.new_message_id(), ticket=ticket, created_at=ticket.created_at
    )
    return row.message_id


def _ticket_of(customer) -> Ticket:
    mail = ingest.ingest(compose(sender=f"{customer.name} <{customer.email}>"))
    assert mail.outcome == Outcome.NEW_TICKET, mail.reason
    return mail.ticket


def _reply(customer, ticket: Ticket, raw_body: bytes, headers: str) -> bytes:
    sent = _sent_id(ticket)
    return (
        f"From: {customer.email}\nTo: soporte@escala.example\nSubject: Re: {ticket.subject}\n"
        f"Message-ID: <r{ticket.pk}.{len(raw_body)}@cliente.example>\nIn-Reply-To: <{sent}>\n"
        f"MIME-Version: 1.0\n{headers}\n"
    ).encode() + raw_body


def test_an_encoded_last_first_name_is_a_sender_and_can_be_filed_from_the_quarantine(
    client, settings, l1_agent
):
    settings.ESCALA_MAIL_UNKNOWN_SENDERS = "hold"
    raw = (
        b"From: =?utf-8?Q?M=C3=BCller=2C_Hans?= <hans.mueller@kunde.example>\n"
        b"To: soporte@escala.example\nSubject: Drucker\nMessage-ID: <lf1@kunde.example>\n\n"
        b"Der Drucker druckt nicht.\n"
    )
    held = ingest.ingest(raw)
    assert (held.status, held.outcome) == (InboundStatus.QUARANTINED, Outcome.REFUSED)
    assert held.sender == "hans.mueller@kunde.example"  # never "no sender"

    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "new_ticket"})

    held.refresh_from_db()
    assert (held.status, held.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)
    requester = held.ticket.requester
    assert (requester.name, requester.email) == ("Müller, Hans", "hans.mueller@kunde.example")


def test_a_raw_utf8_filename_keeps_the_attachment_and_the_body_is_not_mime_source():
    mail = ingest.ingest((DATA / "raw_utf8_filename.eml").read_bytes())

    message = mail.ticket.opening_message
    assert message.body == "Adjunto la factura del año pasado."
    assert [a.filename for a in Attachment.objects.filter(message=message)] == [
        "Factura año 2025.pdf"
    ]


def test_a_top_posted_reply_shows_the_new_text_and_keeps_the_whole_mail(customer):
    ticket = _ticket_of(customer)
    body = (
        "Sigue fallando.\n\nEnviado desde mi iPhone\n\n"
        "> El 2 mar 2026, a las 9:15, Soporte Escala <soporte@escala.example> escribió:\n"
        ">\n> ¿Puede reiniciar el equipo?\n"
    ).encode()
    mail = ingest.ingest(_reply(customer, ticket, body, "Content-Type: text/plain; charset=utf-8"))

    assert mail.outcome == Outcome.REPLY
    assert mail.filed_message.body == "Sigue fallando."
    assert "¿Puede reiniciar el equipo?" in mail.body_text  # the original is kept whole
    assert b"Enviado desde mi iPhone" in bytes(mail.raw)


def test_an_interleaved_reply_is_kept_whole(customer):
    ticket = _ticket_of(customer)
    body = (
        "On 02/03/2026 09:15, Soporte Escala wrote:\n> Which version?\n\n4.2.1\n\n"
        "> Other machines too?\n\nOnly mine.\n"
    )
    mail = ingest.ingest(_reply(customer, ticket, body.encode(), "Content-Type: text/plain"))

    assert mail.filed_message.body == body.strip()


def test_a_forwarded_mail_attached_to_a_reply_is_kept_with_a_summary(customer):
    ticket = _ticket_of(customer)
    body = (
        b"--fw\nContent-Type: text/plain; charset=utf-8\n\nOs reenvio lo del proveedor.\n\n"
        b"On Mon, 2 Mar 2026 at 09:15, Soporte <soporte@escala.example> wrote:\n> Hola\n"
        b"--fw\nContent-Type: message/rfc822\n\n"
        b"From: Proveedor <ventas@proveedor.example>\nSubject: Corte el martes\n"
        b"Date: Sun, 1 Mar 2026 18:00:00 +0100\n\nHabra un corte de 2 horas.\n--fw--\n"
    )
    mail = ingest.ingest(
        _reply(customer, ticket, body, 'Content-Type: multipart/mixed; boundary="fw"')
    )

    assert mail.outcome == Outcome.REPLY
    message = mail.filed_message
    assert message.body.startswith("Os reenvio lo del proveedor.\n\n---------- Forwarded")
    assert "From: Proveedor <ventas@proveedor.example>" in message.body
    assert "Subject: Corte el martes" in message.body
    assert "Date: Sun, 1 Mar 2026 18:00:00 +0100" in message.body
    assert "> Hola" not in message.body
    stored = Attachment.objects.get(message=message)
    assert stored.filename == "Corte el martes.eml"
    assert b"Habra un corte de 2 horas." in stored.file.read()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("utf8_one_invalid_byte.eml", "La recepción del almacén está cerrada"),
        ("koi8r_undeclared.eml", "Принтер на втором этаже не печатает"),
        ("windows1252_labelled_iso88591.eml", "El “presupuesto” – 1.200 € … ¿lo aprueban?"),
        ("deeply_nested_leaf_text.eml", "Texto en lo mas hondo."),
    ],
)
def test_the_stored_body_reads_right(name, expected):
    mail = ingest.ingest((DATA / name).read_bytes())

    assert expected in mail.ticket.opening_message.body
    assert expected in mail.body_text
    assert "Ã" not in mail.ticket.opening_message.body


def test_uuencoded_files_become_attachments():
    mail = ingest.ingest((DATA / "uuencoded_transfer_encoding.eml").read_bytes())

    stored = Attachment.objects.get(message=mail.ticket.opening_message)
    assert stored.filename == "error.txt"
    assert stored.file.read() == b"ERROR: disk full\n"
