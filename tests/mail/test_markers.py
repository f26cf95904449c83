"""Which mails are dropped as automatic, and how a second delivery is recorded.

Only machine markers drop a mail that threads to a ticket (RFC 3834 Auto-Submitted, X-Autoreply,
X-Autorespond, Precedence: auto_reply, X-Auto-Response-Suppress with an auto-reply subject);
Precedence list/bulk/junk and a vacation-like subject alone keep a person's reply."""

import pytest

from escala.mail import ingest
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail, Outbox

from .conftest import compose

# Limits, markers and bounces are the subject here, not who may act: the sender rule is lenient
# (tests/mail/test_sender_auth.py covers it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


@pytest.fixture
def opened(customer):
    return ingest.ingest(compose(sender=customer.email, message_id="<abre@client.example>"))


@pytest.mark.parametrize(
    "headers",
    [{"Precedence": "list"}, {"Precedence": "bulk"}, {"Precedence": "junk"},
     {"List-Id": "<soporte.lista.example>", "Precedence": "list"}, {"Auto-Submitted": "no"},
     {"X-Autoreply": "no"}],
)  # fmt: skip
def test_a_persons_reply_with_list_or_bulk_precedence_is_kept(opened, customer, headers):
    reply = ingest.ingest(
        compose(
            sender=customer.email,
            subject="Re: No funciona la impresora",
            body="Sigue sin imprimir.",
            in_reply_to="<abre@client.example>",
            headers=headers,
        )
    )
    assert (reply.outcome, reply.ticket_id) == (Outcome.REPLY, opened.ticket_id)
    assert opened.ticket.messages.count() == 2


def test_a_reply_with_only_a_vacation_like_subject_is_kept(opened, customer):
    reply = ingest.ingest(
        compose(
            sender=customer.email,
            subject="Vacaciones: ¿quién atiende mi ticket?",
            in_reply_to="<abre@client.example>",
        )
    )
    assert reply.outcome == Outcome.REPLY


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: x"),
        ({"X-Autoreply": "yes"}, "Re: x"),
        ({"X-Autorespond": "vacation"}, "Re: x"),
        ({"Precedence": "auto_reply"}, "Re: x"),
        ({"X-Auto-Response-Suppress": "All"}, "Automatic reply: x"),
    ],
)
def test_machine_markers_drop_a_mail_that_threads_to_a_ticket(opened, customer, headers, subject):
    reply = ingest.ingest(
        compose(
            sender=customer.email,
            subject=subject,
            in_reply_to="<abre@client.example>",
            headers=headers,
        )
    )
    assert (reply.status, reply.outcome) == (InboundStatus.IGNORED, Outcome.AUTO_REPLY)
    assert opened.ticket.messages.count() == 1


def test_new_bulk_mail_opens_no_ticket(customer):
    mail = ingest.ingest(compose(sender=customer.email, headers={"Precedence": "bulk"}))
    assert (mail.status, mail.outcome) == (InboundStatus.IGNORED, Outcome.AUTO_REPLY)
    assert not Outbox.objects.exists()


# --- duplicates -------------------------------------------------------------------------------


def test_a_second_delivery_is_counted_on_the_stored_mail(customer, frozen_clock):
    raw = compose(sender=customer.email, message_id="<dos-veces@client.example>")
    first = ingest.ingest(raw)
    frozen_clock.advance(seconds=90)
    # The same mail through another server: a trace header more, other line endings.
    again = b"Received: from mx2.example by mx.escala.example\r\n" + raw.replace(b"\n", b"\r\n")
    second = ingest.ingest(again)
    ingest.store_many([raw, raw])

    assert second.pk == first.pk
    stored = InboundMail.objects.get()
    assert stored.duplicate_count == 3
    assert stored.last_duplicate_at == frozen_clock()
    assert first.ticket.messages.count() == 1


def test_a_different_mail_reusing_a_message_id_is_not_dropped(customer):
    first = ingest.ingest(compose(sender=customer.email, message_id="<reusado@client.example>"))
    other = ingest.ingest(
        compose(sender=customer.email, subject="Otro asunto", message_id="<reusado@client.example>")
    )
    assert other.pk != first.pk
    assert InboundMail.objects.count() == 2


def test_the_quarantine_page_shows_how_often_a_mail_came_again(client, l1_agent, settings):
    settings.ESCALA_MAIL_UNKNOWN_SENDERS = "hold"
    raw = compose(sender="nadie@desconocido.example", message_id="<held@x.example>")
    mail = ingest.ingest(raw)
    ingest.ingest(raw)
    ingest.ingest(raw)
    client.force_login(l1_agent.user)
    listing = client.get("/desk/mail/").content.decode()
    detail = client.get(f"/desk/mail/{mail.pk}/").content.decode()
    for page in (listing, detail):
        assert "2 times, last" in page or "2 veces, la última" in page


def test_a_filed_mail_delivered_again_is_listed_for_agents_who_see_its_ticket(
    client, l1_agent, customer
):
    raw = compose(sender=customer.email, subject="Llegó dos veces", message_id="<2x@x.example>")
    ingest.ingest(raw)
    ingest.ingest(raw)
    ingest.ingest(compose(sender=customer.email, subject="Solo una vez"))
    client.force_login(l1_agent.user)
    page = client.get("/desk/mail/?status=duplicates").content.decode()
    assert "Llegó dos veces" in page
    assert "Solo una vez" not in page
