"""A reply lands on the right ticket; a stranger quoting someone else's ticket does not."""

import pytest

from escala.mail import ingest, thread_match
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import ThreadId
from escala.tickets.actions import add_participant, add_reply, close_ticket, resolve_ticket
from escala.tickets.choices import AuthorKind, Status
from escala.tickets.models import Message, Ticket, TicketLink, TicketParticipant

from .conftest import compose, signed

# Who sent the mail is not what these tests are about: mail nobody claims is taken
# from anyone (tests/mail/test_sender_auth.py covers the checks).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lenient")]


def _ticket_by_mail(customer, **kwargs) -> Ticket:
    mail = ingest.ingest(compose(sender=f"{customer.name} <{customer.email}>", **kwargs))
    assert mail.outcome == Outcome.NEW_TICKET, mail.reason
    return mail.ticket


def _notification_id(ticket: Ticket) -> str:
    """A Message-ID Escala sent for the ticket, as its notification would carry."""
    row = ThreadId.objects.create(
        message_id=thread_match.new_message_id(), ticket=ticket, created_at=ticket.created_at
    )
    return row.message_id


def test_a_new_mail_from_a_known_requester_opens_a_ticket_in_their_name(customer):
    ticket = _ticket_by_mail(customer, subject="La VPN no conecta")

    assert ticket.requester == customer
    assert ticket.channel == "email"
    assert ticket.subject == "La VPN no conecta"
    first = ticket.messages.get()
    assert (first.author_kind, first.author_requester) == (AuthorKind.REQUESTER, customer)


def test_a_reply_threads_by_in_reply_to_and_shows_only_the_new_text(customer):
    ticket = _ticket_by_mail(customer)
    sent = _notification_id(ticket)

    reply = compose(
        sender=customer.email,
        subject="Re: No funciona la impresora",
        body=(
            "Ya he reiniciado la impresora.\n\nOn Mon, 2 Mar 2026, Soporte wrote:\n> ¿Ha probado?\n"
        ),
        in_reply_to=f"<{sent}>",
        references=f"<{sent}>",
    )
    mail = ingest.ingest(reply)

    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)
    message = mail.filed_message
    assert message.body == "Ya he reiniciado la impresora."
    assert message.author_requester == customer
    assert "¿Ha probado?" in mail.body_text  # the full original stays one click away


def test_a_reply_threads_by_references_when_in_reply_to_is_missing(customer):
    ticket = _ticket_by_mail(customer)
    sent = _notification_id(ticket)
    mail = ingest.ingest(
        compose(sender=customer.email, subject="otra cosa", references=f"<x@y> <{sent}>")
    )
    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)


def test_a_reply_to_the_requesters_own_first_mail_threads_too(customer):
    first = compose(sender=customer.email, message_id="<first-mail@client.example>")
    ticket = ingest.ingest(first).ticket
    again = compose(
        sender=customer.email, subject="Re: sigo", in_reply_to="<first-mail@client.example>"
    )
    assert ingest.ingest(again).ticket == ticket


def test_a_reply_threads_by_the_reference_in_the_subject(customer):
    ticket = _ticket_by_mail(customer)
    mail = ingest.ingest(
        compose(sender=customer.email, subject=f"RE: [{ticket.reference}] No funciona")
    )
    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)


def test_a_reply_threads_by_the_signed_reply_address(customer):
    ticket = _ticket_by_mail(customer)
    mail = ingest.ingest(
        compose(
            sender=customer.email,
            subject="sin referencia",
            to=thread_match.reply_address(ticket.pk, customer.email),
        )
    )
    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)


def test_a_forged_reply_address_with_a_guessed_ticket_number_is_not_trusted(customer):
    ticket = _ticket_by_mail(customer)
    real = thread_match.reply_address(ticket.pk, customer.email)
    expiry = real.split("+")[1].split(".")[1]
    forged = f"soporte+t{ticket.pk}.{expiry}.{'0' * thread_match.TOKEN_LENGTH}@escala.example"

    token = forged.split("+")[1].split("@")[0]
    assert thread_match.ticket_id_from_token(token, customer.email) is None
    mail = ingest.ingest(compose(sender="otro@desconocido.example", subject="hola", to=forged))
    assert mail.outcome == Outcome.NEW_TICKET
    assert mail.ticket != ticket


def test_a_stranger_quoting_someones_ticket_reference_opens_their_own_ticket(
    customer, customer_colleague
):
    ticket = _ticket_by_mail(customer)
    sent = _notification_id(ticket)
    forged = compose(
        sender="intruso@otro.example",
        subject=f"Re: [{ticket.reference}] No funciona la impresora",
        body="Cierren esto, por favor.",
        in_reply_to=f"<{sent}>",
    )
    mail = ingest.ingest(forged)

    assert mail.outcome == Outcome.NEW_TICKET
    assert mail.ticket != ticket
    assert mail.ticket.requester.email == "intruso@otro.example"
    assert ticket.messages.count() == 1  # nothing was posted on the requester's ticket
    assert not Message.objects.filter(ticket=ticket, body__contains="Cierren").exists()


def test_a_stranger_reply_is_held_for_an_agent_when_configured(settings, customer):
    settings.ESCALA_MAIL_STRANGER_REPLY = "hold"
    ticket = _ticket_by_mail(customer)
    mail = ingest.ingest(
        compose(sender="intruso@otro.example", subject=f"Re: [{ticket.reference}] x")
    )
    assert (mail.status, mail.outcome) == (InboundStatus.QUARANTINED, Outcome.STRANGER)
    assert ticket.reference in mail.reason
    assert ticket.messages.count() == 1


def test_a_colleague_copied_on_the_ticket_replies_as_themself(customer, customer_colleague):
    ticket = _ticket_by_mail(customer)
    add_participant(ticket=ticket, by=None, requester=customer_colleague)
    mail = ingest.ingest(
        compose(sender=customer_colleague.email, subject=f"Re: [{ticket.reference}] x")
    )
    assert mail.outcome == Outcome.REPLY
    assert mail.filed_message.author_requester == customer_colleague


def test_addresses_in_cc_are_never_added_to_an_existing_ticket(customer, customer_colleague):
    ticket = _ticket_by_mail(customer)
    ingest.ingest(
        compose(
            sender=customer.email,
            subject=f"Re: [{ticket.reference}] x",
            cc=f"{customer_colleague.email}, extra@otro.example",
        )
    )
    assert not TicketParticipant.objects.filter(ticket=ticket).exists()


def test_an_agent_answering_by_mail_posts_a_public_agent_reply(customer, l1_agent, dns):
    # Even with mail nobody claims taken from anyone, an agent acts by mail only with a verified
    # sender and their own reply address (tests/mail/test_sender_auth.py covers the refusals).
    ticket = _ticket_by_mail(customer)
    raw = compose(
        sender=l1_agent.user.email,
        subject=f"Re: [{ticket.reference}] x",
        to=thread_match.reply_address(ticket.pk, l1_agent.user.email),
        body="Hecho.",
    )
    mail = ingest.ingest(signed(raw, dns))
    assert mail.outcome == Outcome.AGENT_REPLY
    assert mail.filed_message.author_kind == AuthorKind.AGENT
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_a_reply_to_a_resolved_ticket_reopens_it(customer, l1_agent):
    ticket = _ticket_by_mail(customer)
    add_reply(ticket=ticket, by=l1_agent.user, body="Reinicie.")
    resolve_ticket(ticket=ticket, by=l1_agent.user, summary="Reinicio")
    ingest.ingest(compose(sender=customer.email, subject=f"Re: [{ticket.reference}] sigue mal"))
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED


def test_a_reply_to_a_closed_ticket_opens_a_new_ticket_linked_as_related(customer, l1_agent):
    ticket = _ticket_by_mail(customer)
    close_ticket(ticket=ticket, by=l1_agent.user, reason="Sin respuesta")
    mail = ingest.ingest(compose(sender=customer.email, subject=f"Re: [{ticket.reference}] otra"))

    assert mail.outcome == Outcome.NEW_TICKET
    assert mail.ticket != ticket
    assert TicketLink.objects.filter(source=mail.ticket, target=ticket, kind="related").exists()


def test_a_reply_to_a_merged_ticket_lands_on_the_surviving_ticket(customer, l1_agent):
    from escala.tickets.actions import merge_tickets

    first = _ticket_by_mail(customer, subject="uno")
    second = _ticket_by_mail(customer, subject="dos")
    merge_tickets(source=second, target=first, by=l1_agent.user)
    mail = ingest.ingest(compose(sender=customer.email, subject=f"Re: [{second.reference}] x"))
    assert mail.ticket == first


def test_unknown_senders_join_the_organization_of_their_domain(customer_org):
    mail = ingest.ingest(compose(sender="Nueva <nueva@FibraRapida.example>"))
    assert mail.ticket.requester.organization == customer_org
    assert mail.ticket.requester.name == "Nueva"


def test_unknown_senders_of_other_domains_go_to_the_default_organization(settings):
    settings.ESCALA_MAIL_DEFAULT_ORGANIZATION = "Clientes por correo"
    mail = ingest.ingest(compose(sender="alguien@desconocido.example"))
    assert mail.ticket.organization.name == "Clientes por correo"


def test_the_domain_allow_list_holds_mail_from_other_domains(settings, customer_org):
    settings.ESCALA_MAIL_ALLOWED_DOMAINS = ["fibrarapida.example"]
    held = ingest.ingest(compose(sender="alguien@desconocido.example"))
    allowed = ingest.ingest(compose(sender="nuevo@fibrarapida.example"))

    assert (held.status, held.outcome) == (InboundStatus.QUARANTINED, Outcome.DOMAIN_NOT_ALLOWED)
    assert allowed.outcome == Outcome.NEW_TICKET


def test_control_headers_steer_routing_only_from_a_trusted_mailbox(categories):
    from escala.mail.models import Mailbox

    trusted = Mailbox.objects.create(
        name="bd", address="bd@escala.example", is_trusted=True, sender_policy="lenient"
    )
    plain = Mailbox.objects.create(
        name="web", address="web@escala.example", sender_policy="lenient"
    )
    headers = {"X-Escala-Category": "database", "X-Escala-Impact": "high"}

    steered = ingest.ingest(compose(sender="a@x.example", headers=headers), mailbox=trusted)
    ignored = ingest.ingest(compose(sender="b@x.example", headers=headers), mailbox=plain)

    assert (steered.ticket.category, steered.ticket.impact) == (categories["database"], "high")
    assert (ignored.ticket.category, ignored.ticket.impact) == (None, "medium")


def test_a_mailbox_default_category_routes_its_new_tickets(categories, teams):
    from escala.mail.models import Mailbox

    box = Mailbox.objects.create(
        name="bd",
        address="bd@escala.example",
        default_category=categories["database"],
        sender_policy="lenient",
    )
    mail = ingest.ingest(compose(sender="a@x.example"), mailbox=box)
    assert mail.ticket.team == teams["Databases"]


def test_a_mail_from_an_agent_naming_a_ticket_only_in_its_subject_is_held(customer, l1_agent, dns):
    ticket = _ticket_by_mail(customer)
    raw = compose(sender=l1_agent.user.email, subject=f"Re: [{ticket.reference}] x", body="Cierro.")
    mail = ingest.ingest(signed(raw, dns))  # verified, but no reply address of their own
    assert (mail.status, mail.outcome) == (InboundStatus.QUARANTINED, Outcome.UNVERIFIED_SENDER)
    assert ticket.messages.count() == 1
