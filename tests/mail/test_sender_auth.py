"""No one acts as someone else by mail, through each way in: the pipe (`escala mail ingest`),
the SMTP listener and IMAP polling (a real Dovecot). Forged mail is held as "unverified sender",
posts nothing and mails no one; verified senders and valid reply tokens get through.

The DKIM signatures are real (keys made in the test, dkimpy signing); only the name server is
a fake that publishes those keys (tests/mail/dkimkeys.py)."""

import imaplib
import os
import smtplib
import tempfile
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.core.management import call_command

from escala.mail import delivery, imap, thread_match
from escala.mail.choices import InboundStatus, Outcome
from escala.mail.models import InboundMail, Mailbox, Outbox
from escala.mail.smtp_server import make_controller
from escala.tickets.choices import AuthorKind
from escala.tickets.models import Message, Ticket

from .conftest import compose, free_port, signed
from .dkimkeys import keypair, sign_with
from .dovecot import dovecot_binary, start

pytestmark = pytest.mark.django_db(transaction=True)

IMAP_USER, IMAP_PASSWORD = "desk", "secret-pw"


# --- the three ways in ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dovecot_port():
    if dovecot_binary() is None and not os.environ.get("CI"):
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="escala-dovecot-auth-"))
    port = free_port()
    process = start(base, port, IMAP_USER, IMAP_PASSWORD)
    yield port
    process.terminate()
    process.wait(timeout=10)


class Pipe:
    name = "pipe"

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.count = 0

    def deliver(self, raw: bytes, rcpt: list[str]) -> InboundMail:
        self.count += 1
        path = self.tmp / f"mail-{self.count}.eml"
        path.write_bytes(raw)
        args = [f"--recipient={r}" for r in rcpt]
        call_command("mail", "ingest", str(path), *args)
        return InboundMail.objects.order_by("-pk").first()


class Smtp:
    name = "smtp"

    def __init__(self) -> None:
        self.port = free_port()
        self.controller = make_controller(host="127.0.0.1", port=self.port)
        self.controller.start()

    def deliver(self, raw: bytes, rcpt: list[str]) -> InboundMail:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=20) as smtp:
            smtp.sendmail("bounces@sender.example", rcpt, raw)
        return InboundMail.objects.order_by("-pk").first()

    def stop(self) -> None:
        self.controller.stop()


class Imap:
    name = "imap"

    def __init__(self, port: int) -> None:
        self.conn = imaplib.IMAP4("127.0.0.1", port)
        self.conn.login(IMAP_USER, IMAP_PASSWORD)
        self.conn.select("INBOX")
        _status, data = self.conn.select("INBOX")
        if int(data[0]) > 0:
            self.conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            self.conn.expunge()
        # Default mode of a mailbox: strict.
        self.box = Mailbox.objects.create(
            name="soporte",
            address="soporte@escala.example",
            imap_host="127.0.0.1",
            imap_port=port,
            imap_tls=False,
            imap_user=IMAP_USER,
            imap_password=IMAP_PASSWORD,
        )

    def deliver(self, raw: bytes, rcpt: list[str]) -> InboundMail:
        status, _ = self.conn.append("INBOX", None, None, raw)
        assert status == "OK"
        imap.poll(self.box)
        return InboundMail.objects.order_by("-pk").first()

    def stop(self) -> None:
        self.conn.logout()


@pytest.fixture(params=["pipe", "smtp", "imap"])
def way_in(request, tmp_path):
    if request.param == "pipe":
        yield Pipe(tmp_path)
        return
    way = Smtp() if request.param == "smtp" else Imap(request.getfixturevalue("dovecot_port"))
    try:
        yield way
    finally:
        way.stop()


def _deliver(way_in, raw: bytes, to: str = "soporte@escala.example") -> InboundMail:
    return way_in.deliver(raw, [to])


def _nothing_mailed_since(before: int) -> None:
    assert Outbox.objects.count() == before, "a held mail must never mail anyone"


def _held(mail: InboundMail) -> None:
    assert (mail.status, mail.outcome) == (InboundStatus.QUARANTINED, Outcome.UNVERIFIED_SENDER)
    assert mail.auth_result in ("none", "fail")
    assert mail.auth["mode"] == "strict"


# --- a ticket of the customer's, with the team's notifications sent ---------------------------


@pytest.fixture
def ticket(customer, customer_colleague, l1_agent, dns) -> Ticket:
    from escala.tickets.actions import add_participant, create_ticket

    ticket = create_ticket(
        requester=customer, subject="La impresora", body="No imprime.", channel="email", by=None
    )
    add_participant(ticket=ticket, by=None, requester=customer_colleague)
    return ticket


def _thread_id(ticket: Ticket) -> str:
    """A Message-ID of the ticket's thread (here: the one its receipt carried)."""
    return ticket.mail_ids.order_by("pk").first().message_id


# --- forged mail, through each way in -------------------------------------------------------


def test_a_forged_agent_reply_through_the_agents_own_reply_address_is_held(
    way_in, ticket, l1_agent
):
    before = Outbox.objects.count()
    agent = l1_agent.user.email
    raw = compose(
        sender=f"{l1_agent.display_name} <{agent}>",
        subject=f"Re: [{ticket.reference}] La impresora",
        to=thread_match.reply_address(ticket.pk, agent),
        in_reply_to=f"<{_thread_id(ticket)}>",
        body="Su caso está resuelto, pague aquí: http://evil.example",
    )
    mail = _deliver(way_in, raw, thread_match.reply_address(ticket.pk, agent))

    _held(mail)
    assert agent in mail.reason  # the reason names the agent whose address was used
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AGENT).exists()
    _nothing_mailed_since(before)


def test_a_verified_agent_without_their_own_reply_address_is_held(way_in, ticket, l1_agent, dns):
    """DKIM passes, but In-Reply-To of the customer's own mail is all it has: no action."""
    before = Outbox.objects.count()
    raw = compose(
        sender=l1_agent.user.email,
        subject=f"Re: [{ticket.reference}] x",
        in_reply_to=f"<{_thread_id(ticket)}>",
        body="Cerrado.",
    )
    mail = _deliver(way_in, signed(raw, dns))

    assert (mail.status, mail.outcome) == (InboundStatus.QUARANTINED, Outcome.UNVERIFIED_SENDER)
    assert mail.auth_result == "pass"
    assert ticket.messages.count() == 1
    _nothing_mailed_since(before)


def test_a_forged_requester_reply_by_the_subject_reference_is_held(way_in, ticket, customer):
    before = Outbox.objects.count()
    raw = compose(sender=customer.email, subject=f"Re: [{ticket.reference}] ciérrenlo")
    mail = _deliver(way_in, raw)

    _held(mail)
    assert ticket.reference in mail.reason
    assert ticket.messages.count() == 1
    _nothing_mailed_since(before)


def test_a_forged_requester_reply_by_in_reply_to_is_held(way_in, ticket, customer):
    before = Outbox.objects.count()
    raw = compose(
        sender=customer.email, subject="Re: la impresora", in_reply_to=f"<{_thread_id(ticket)}>"
    )
    mail = _deliver(way_in, raw)

    _held(mail)
    assert ticket.messages.count() == 1
    _nothing_mailed_since(before)


def test_a_reply_address_sent_to_another_recipient_is_not_valid_for_the_sender(
    way_in, ticket, customer, customer_colleague
):
    """The colleague's reply address, used From the requester's address: held."""
    before = Outbox.objects.count()
    theirs = thread_match.reply_address(ticket.pk, customer_colleague.email)
    raw = compose(sender=customer.email, subject="Re: la impresora", to=theirs)
    mail = _deliver(way_in, raw, theirs)

    _held(mail)
    assert mail.auth["token"] == "invalid"
    assert ticket.messages.count() == 1
    _nothing_mailed_since(before)


def test_an_address_hidden_in_an_encoded_display_name_is_only_a_name(way_in, ticket, customer, dns):
    """CVE-2023-27043: the requester's address encoded in the name, the attacker's in <>."""
    local, _, domain = customer.email.partition("@")
    raw = compose(
        sender="",
        subject=f"Re: [{ticket.reference}] ciérrenlo",
        verbatim={"From": f"=?utf-8?q?{local}=40{domain}=3E?= <attacker@evil.example>"},
    )
    mail = _deliver(way_in, signed(raw, dns, "evil.example"))  # the attacker's own signature

    assert mail.sender == "attacker@evil.example"
    assert mail.auth_result == "pass"  # it IS the attacker's mail...
    assert mail.ticket != ticket  # ...so it opens the attacker's own ticket
    assert mail.ticket.requester.email == "attacker@evil.example"
    assert ticket.messages.count() == 1
    # (The agent the new ticket was routed to is told too: escala/notifications' own mail.)
    to_requesters = Outbox.objects.filter(ticket=mail.ticket).exclude(kind="agent_notice")
    assert set(to_requesters.values_list("to", flat=True)) == {"attacker@evil.example"}


def test_cr_lf_in_an_encoded_display_name_never_reaches_a_header(way_in, dns, settings):
    raw = compose(
        sender="",
        verbatim={
            "From": "=?utf-8?q?Eve=0D=0ABcc:_victim@victim.example=0D=0A?= <eve@evil.example>",
            "Subject": "=?utf-8?q?Hola=0D=0ABcc:_victim@victim.example?=",
        },
    )
    mail = _deliver(way_in, signed(raw, dns))

    assert mail.outcome == Outcome.NEW_TICKET
    requester = mail.ticket.requester
    assert requester.email == "eve@evil.example"
    assert "\n" not in requester.name
    assert "\r" not in requester.name
    django_mail.outbox = []
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert delivery.drain() == ["sent"]
    [sent] = django_mail.outbox
    assert sent.recipients() == ["eve@evil.example"]
    message = sent.message()
    assert message["Bcc"] is None
    assert "victim" not in str(message["To"])
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]


def test_a_mail_its_domain_says_is_forged_is_held_even_from_a_lenient_mailbox(
    way_in, ticket, customer, dns
):
    Mailbox.objects.update(sender_policy="lenient")
    if way_in.name != "imap":
        Mailbox.objects.create(
            name="lenient", address="soporte@escala.example", sender_policy="lenient"
        )
    domain = customer.email.partition("@")[2]
    dns.publish_dmarc(domain, "reject")
    raw = compose(sender=customer.email, subject=f"Re: [{ticket.reference}] x")
    mail = _deliver(way_in, raw)

    assert (mail.outcome, mail.auth_result) == (Outcome.UNVERIFIED_SENDER, "fail")
    assert mail.auth["mode"] == "lenient"
    assert ticket.messages.count() == 1


# --- the positive cases -----------------------------------------------------------------------


def test_a_dkim_aligned_reply_of_the_requester_is_posted_as_them(way_in, ticket, customer, dns):
    raw = compose(sender=customer.email, subject=f"Re: [{ticket.reference}] sigue igual")
    mail = _deliver(way_in, signed(raw, dns))

    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)
    assert mail.auth["by"] == "dkim"
    assert mail.filed_message.author_requester == customer


def test_a_verified_agent_with_their_own_reply_address_posts_the_public_reply(
    way_in, ticket, l1_agent, customer, dns
):
    agent = l1_agent.user.email
    own = thread_match.reply_address(ticket.pk, agent)
    raw = compose(sender=agent, subject="Re: x", to=own, body="Ya está arreglada.")
    mail = _deliver(way_in, signed(raw, dns), own)

    assert mail.outcome == Outcome.AGENT_REPLY
    assert mail.filed_message.author_kind == AuthorKind.AGENT
    assert Outbox.objects.filter(ticket=ticket, to=customer.email, kind="agent_reply").exists()


def test_a_trusted_servers_authentication_results_verify_the_sender(
    way_in, ticket, customer, settings
):
    settings.ESCALA_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.escala.example"]
    if way_in.name == "imap":
        Mailbox.objects.update(trusted_authserv_ids="mx.escala.example")
    domain = customer.email.partition("@")[2]
    raw = (
        f"Authentication-Results: mx.escala.example; dkim=pass header.d={domain}; "
        f"dmarc=pass header.from={domain}\n"
    ).encode() + compose(sender=customer.email, subject=f"Re: [{ticket.reference}] x")
    mail = _deliver(way_in, raw)

    assert (mail.outcome, mail.auth["by"]) == (Outcome.REPLY, "authentication-results")


def test_authentication_results_of_an_untrusted_server_count_for_nothing(way_in, ticket, customer):
    domain = customer.email.partition("@")[2]
    raw = (
        f"Authentication-Results: mx.evil.example; dmarc=pass header.from={domain}\n"
    ).encode() + compose(sender=customer.email, subject=f"Re: [{ticket.reference}] x")
    mail = _deliver(way_in, raw)
    _held(mail)


def test_the_requesters_own_valid_reply_address_is_enough(way_in, ticket, customer):
    own = thread_match.reply_address(ticket.pk, customer.email)
    raw = compose(sender=customer.email, subject="sin firma", to=own)
    mail = _deliver(way_in, raw, own)

    assert (mail.outcome, mail.ticket) == (Outcome.REPLY, ticket)
    assert mail.auth["token"] == "valid"
    assert mail.auth_result == "none"


def test_a_forged_signature_with_the_attackers_key_fails(way_in, ticket, customer, dns):
    domain = customer.email.partition("@")[2]
    dns.publish_key(domain)  # the real key is published...
    forger_key, _public = keypair("forger")  # ...the mail is signed with another
    raw = compose(sender=customer.email, subject=f"Re: [{ticket.reference}] x")
    mail = _deliver(way_in, sign_with(raw, domain, forger_key))

    _held(mail)
    assert mail.auth["dkim"][0]["result"] == "fail"
