"""Auto-replies and bounces never open tickets nor get answers; floods are held."""

import pytest

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import Outbox
from escala.tickets.models import Ticket

from .conftest import compose

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "vacation"},
    ],
)
def test_automatic_mail_is_ignored(headers, customer):
    mail = ingest.ingest(compose(sender=customer.email, headers=headers))
    assert (mail.status, mail.outcome) == (InboundStatus.IGNORED, Outcome.AUTO_REPLY)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "subject", ["Automatic reply: VPN", "Respuesta automática: VPN", "Out of Office: x"]
)
def test_vacation_replies_are_ignored_by_their_subject(subject, customer):
    mail = ingest.ingest(compose(sender=customer.email, subject=subject))
    assert mail.outcome == Outcome.AUTO_REPLY


def test_a_vacation_reply_to_a_ticket_is_not_posted_on_it(customer):
    ticket = ingest.ingest(compose(sender=customer.email)).ticket
    mail = ingest.ingest(
        compose(
            sender=customer.email,
            subject=f"Automatic reply: [{ticket.reference}] x",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert mail.outcome == Outcome.AUTO_REPLY
    assert ticket.messages.count() == 1


def test_a_bounce_with_a_null_envelope_sender_is_ignored(customer):
    raw = compose(sender="MAILER-DAEMON@mx.example", subject="Undelivered Mail")
    mail = ingest.ingest(raw, envelope_from="<>")
    assert mail.outcome == Outcome.BOUNCE


def test_a_mail_escala_sent_itself_is_ignored():
    mail = ingest.ingest(
        compose(
            sender="soporte@escala.example", headers={"X-Escala-Loop": "soporte@escala.example"}
        )
    )
    assert mail.outcome == Outcome.LOOP


def test_a_flood_from_one_sender_is_held_after_the_rate_limit(settings, customer):
    settings.ESCALA_MAIL_RATE_LIMIT = 3
    outcomes = [
        ingest.ingest(compose(sender=customer.email, subject=f"mail {i}")).outcome for i in range(5)
    ]
    assert outcomes == [Outcome.NEW_TICKET] * 3 + [Outcome.RATE_LIMITED] * 2
    assert Ticket.objects.count() == 3


def test_the_rate_limit_window_passes(settings, frozen_clock, customer):
    settings.ESCALA_MAIL_RATE_LIMIT = 1
    ingest.ingest(compose(sender=customer.email, subject="uno"))
    frozen_clock.advance(seconds=settings.ESCALA_MAIL_RATE_WINDOW + 1)
    assert ingest.ingest(compose(sender=customer.email, subject="dos")).outcome == "new_ticket"


def test_mail_from_a_list_opens_a_ticket_but_gets_no_automatic_answer(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        listed = ingest.ingest(
            compose(sender=customer.email, headers={"List-Id": "<grupo.example>"})
        )
        direct = ingest.ingest(compose(sender=customer.email, subject="directo"))
    assert listed.outcome == direct.outcome == Outcome.NEW_TICKET
    assert not Outbox.objects.filter(ticket=listed.ticket).exists()
    assert Outbox.objects.filter(ticket=direct.ticket, kind="received").count() == 1
