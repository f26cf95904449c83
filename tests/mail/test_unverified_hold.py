"""A mail held as "unverified sender": the agent sees the verdict and releases it as that
person, files it as a new ticket or discards it; each decision is recorded. The verdict also
shows on the ticket's message."""

import pytest
from django.urls import reverse

from escala.mail import ingest, thread_match
from escala.mail.choices import Decision, InboundStatus, Outcome
from escala.mail.models import Outbox
from escala.tickets.actions import create_ticket
from escala.tickets.models import Ticket

from .conftest import compose, signed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client, settings) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def ticket(customer) -> Ticket:
    return create_ticket(
        requester=customer, subject="La impresora", body="No imprime.", channel="email", by=None
    )


@pytest.fixture
def held(ticket, customer):
    mail = ingest.ingest(compose(sender=customer.email, subject=f"Re: [{ticket.reference}] x"))
    assert mail.outcome == Outcome.UNVERIFIED_SENDER
    return mail


def test_the_held_mail_shows_why_it_was_not_verified(client, l1_agent, held, customer):
    client.force_login(l1_agent.user)
    html = client.get(reverse("mail:detail", args=[held.pk])).content.decode()
    assert "Not verified" in html
    assert "Release as" in html
    assert customer.email in html


def test_releasing_posts_it_as_the_sender_and_records_who_decided(
    client, l1_agent, held, ticket, customer
):
    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "release"})
    held.refresh_from_db()
    assert (held.status, held.outcome) == (InboundStatus.PROCESSED, Outcome.REPLY)
    assert (held.decision, held.decided_by) == (Decision.RELEASED, l1_agent.user)
    assert held.filed_message.author_requester == customer
    # The ticket's message says how its sender was (not) verified, and who released it.
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Not verified" in page
    assert "Released as the sender" in page


def test_filing_an_unverified_mail_as_a_new_ticket_mails_no_one(client, l1_agent, held):
    before = Outbox.objects.count()
    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "new_ticket"})
    held.refresh_from_db()
    assert (held.outcome, held.decision) == (Outcome.NEW_TICKET, Decision.NEW_TICKET)
    assert Outbox.objects.count() == before  # no receipt to an address nobody verified


def test_discarding_is_recorded(client, l1_agent, held):
    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[held.pk]), {"action": "dismiss"})
    held.refresh_from_db()
    assert (held.status, held.decision, held.decided_by) == (
        InboundStatus.IGNORED,
        Decision.DISMISSED,
        l1_agent.user,
    )


def test_only_the_agent_themself_may_release_a_mail_that_acts_as_them(
    client, l1_agent, l2_network_agent, ticket
):
    raw = compose(
        sender=l1_agent.user.email,
        subject="Re: x",
        to=thread_match.reply_address(ticket.pk, l1_agent.user.email),
        body="Resuelto.",
    )
    mail = ingest.ingest(raw)
    assert mail.outcome == Outcome.UNVERIFIED_SENDER

    client.force_login(l2_network_agent.user)
    client.post(reverse("mail:act", args=[mail.pk]), {"action": "release"})
    mail.refresh_from_db()
    assert mail.status == InboundStatus.QUARANTINED
    assert ticket.messages.count() == 1

    client.force_login(l1_agent.user)
    client.post(reverse("mail:act", args=[mail.pk]), {"action": "release"})
    mail.refresh_from_db()
    assert (mail.outcome, mail.decided_by) == (Outcome.AGENT_REPLY, l1_agent.user)


def test_a_verified_message_says_so_on_the_ticket_page(client, l1_agent, ticket, customer, dns):
    raw = compose(sender=customer.email, subject=f"Re: [{ticket.reference}] gracias")
    mail = ingest.ingest(signed(raw, dns))
    assert mail.outcome == Outcome.REPLY
    client.force_login(l1_agent.user)
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Sender verified: DKIM signature of" in page
