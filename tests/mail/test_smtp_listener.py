"""`escala mail serve`: mail delivered by SMTP or LMTP on loopback is stored, then filed."""

import smtplib

import pytest

from escala.mail.choices import Outcome, Source
from escala.mail.models import InboundMail
from escala.mail.smtp_server import make_controller

from .conftest import compose, free_port

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("lenient")]


@pytest.fixture
def listener():
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_a_mail_delivered_by_smtp_becomes_a_ticket(listener, customer):
    raw = compose(sender=customer.email, subject="Por SMTP")
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as smtp:
        refused = smtp.sendmail(customer.email, ["soporte@escala.example"], raw)
    assert refused == {}

    mail = InboundMail.objects.get()
    assert (mail.source, mail.outcome) == (Source.SMTP, Outcome.NEW_TICKET)
    assert mail.ticket.subject == "Por SMTP"
    assert mail.envelope_to == "soporte@escala.example"


def test_a_bounce_with_a_null_sender_is_recognised_by_its_envelope(listener):
    raw = compose(sender="MAILER-DAEMON@mx.example", subject="Undelivered Mail")
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as smtp:
        smtp.sendmail("<>", ["soporte@escala.example"], raw)
    mail = InboundMail.objects.get()
    assert (mail.envelope_from, mail.outcome) == ("<>", Outcome.BOUNCE)


def test_lmtp_delivery_works_too(customer):
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port, lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as lmtp:
            lmtp.sendmail(
                customer.email, ["soporte@escala.example"], compose(sender=customer.email)
            )
    finally:
        controller.stop()
    assert InboundMail.objects.get().outcome == Outcome.NEW_TICKET
