"""Which ticket does a mail belong to, and who is its sender to Escala?

Order: the Message-IDs it answers (In-Reply-To, References) against the ids Escala sent or filed;
then a signed reply token in a recipient address; then the `[ESC-000123]` reference in the subject.
Finding a ticket is not permission to post on it: ingest checks the sender is a participant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models.functions import Lower

from escala.core import memo, rows
from escala.core.shared import SharedCopy
from escala.people.models import Agent, Requester
from escala.tickets.models import Ticket, TicketParticipant
from escala.tiers.models import Vendor

from .models import ThreadId
from .parse import ParsedMail

TOKEN_LENGTH = 20  # hex digits of HMAC-SHA256: 80 bits, far beyond guessing


def _signature(ticket_id: int) -> str:
    key = ("escala.mail.reply-token:" + settings.SECRET_KEY).encode()
    return hmac.new(key, str(ticket_id).encode(), hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def reply_token(ticket_id: int) -> str:
    return f"t{ticket_id}-{_signature(ticket_id)}"


def ticket_id_from_token(token: str) -> int | None:
    match = re.fullmatch(rf"t(\d{{1,18}})-([0-9a-f]{{{TOKEN_LENGTH}}})", token.lower())
    if not match:
        return None
    ticket_id = int(match.group(1))
    if hmac.compare_digest(_signature(ticket_id), match.group(2)):
        return ticket_id
    return None


def reply_address(ticket_id: int) -> str:
    """support+t123-<signature>@domain: replies carry the ticket even without threading headers."""
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.partition("@")
    return f"{local}+{reply_token(ticket_id)}@{domain}"


def new_message_id() -> str:
    domain = settings.ESCALA_MAIL_ADDRESS.partition("@")[2] or "escala.invalid"
    return f"escala.{uuid.uuid4().hex}@{domain}"


def _token_in(addresses: list[str]) -> int | None:
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.lower().partition("@")
    for address in addresses:
        user, _, host = address.lower().partition("@")
        if "+" not in user:
            continue
        base, _, token = user.partition("+")
        if base == local and host == domain and (found := ticket_id_from_token(token)):
            return found
    return None


def reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.ESCALA_TICKET_PREFIX)
    return re.compile(r"\[\s*" + prefix + r"-0*(\d{1,12})\s*\]", re.IGNORECASE)


@dataclass
class Match:
    ticket: Ticket | None
    how: str = ""  # "references", "token", "subject" or ""


def find_ticket(mail: ParsedMail, envelope_to: list[str] | None = None) -> Match:
    ids = list(dict.fromkeys(mail.in_reply_to + list(reversed(mail.references))))
    if ids:
        wanted = [i[:255] for i in ids]
        # A mail filed earlier in this batch: its id is still held (the first one keeps it).
        known = {}
        for row in reversed(rows.held(ThreadId)):
            if row.message_id in wanted:
                known[row.message_id] = row.ticket_id
        read = memo.get(("thread_ids",), {})  # the batch's, read at its start
        known |= {i: read[i] for i in wanted if read.get(i)}
        if missing := [i for i in wanted if i not in read]:
            known |= _thread_tickets(missing)
        for message_id in ids:
            if message_id in known:
                return _found(known[message_id], "references")
    recipients = mail.to + mail.cc + mail.delivered_to + list(envelope_to or [])
    if (ticket_id := _token_in(recipients)) is not None:
        match = _found(ticket_id, "token")
        if match.ticket is not None:
            return match
    if found := reference_pattern().search(mail.subject):
        return _found(int(found.group(1)), "subject")
    return Match(None)


def _found(ticket_id: int, how: str) -> Match:
    # Read at the batch's start, and only by the first mail that points at it: a later one
    # reads it again, with what the first one changed.
    ticket = memo.take(("ticket", ticket_id))
    if ticket is None:
        ticket = _tickets().filter(pk=ticket_id).first()
    # A merged ticket lives on in the one it was merged into.
    hops = 0
    while ticket is not None and ticket.merged_into_id and hops < 10:
        ticket = _tickets().get(pk=ticket.merged_into_id)
        hops += 1
    return Match(ticket, how if ticket is not None else "")


def _tickets():
    return Ticket.objects.select_related("requester")


def _thread_tickets(message_ids) -> dict[str, int]:  # noqa: ANN001
    """Message-ID -> the ticket it belongs to, for those Escala sent or filed."""
    return dict(
        ThreadId.objects.filter(message_id__in=message_ids).values_list("message_id", "ticket_id")
    )


@dataclass
class Sender:
    address: str
    agent: Agent | None = None
    requester: Requester | None = None
    vendor: Vendor | None = None


# Small tables read for every mail: kept per process, dropped whenever a row changes in any
# process (the admin's change reaches the mail listener too: escala.core.shared), else after 30 s.
_shared = SharedCopy("mail-match", max_age=30.0)


def clear_cache(**kwargs) -> None:
    _shared.forget()


def mailbox_addresses() -> set[str]:
    _cache = _shared.current()
    if "mailboxes" not in _cache:
        from .models import Mailbox

        _cache["mailboxes"] = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    return _cache["mailboxes"]  # type: ignore[return-value]


def vendor_for_domain(domain: str) -> Vendor | None:
    _cache = _shared.current()
    if "vendors" not in _cache:
        by_domain: dict[str, Vendor] = {}
        for vendor in Vendor.objects.filter(is_active=True).order_by("pk"):
            by_domain.setdefault(vendor.support_email.rpartition("@")[2].lower(), vendor)
        _cache["vendors"] = by_domain
    return _cache["vendors"].get(domain.lower())  # type: ignore[union-attr]


def _agents(addresses: list[str]):
    return (
        Agent.objects.select_related("user")
        .filter(user__is_active=True)
        .annotate(mail=Lower("user__email"))
        .filter(mail__in=addresses)
        .order_by("pk")
    )


def _requesters(addresses: list[str]):
    return Requester.objects.annotate(mail=Lower("email")).filter(mail__in=addresses)


def prefetch_senders(addresses: list[str]) -> None:
    """In a mail batch: read the agents and requesters of all its senders in two queries."""
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not memo.active() or not wanted:
        return
    agents: dict[str, Agent] = {}
    for agent in _agents(wanted):
        agents.setdefault(agent.mail, agent)
    requesters = {r.mail: r for r in _requesters(wanted)}
    for address in wanted:
        memo.remember(("agent", address), agents.get(address))
        memo.remember(("requester", address), requesters.get(address))


def prefetch_threads(mails: list[ParsedMail]) -> None:
    """In a mail batch: the Message-IDs its mails answer, and the tickets those and their
    subjects' references point at, in two queries instead of two a mail."""
    if not memo.active() or not mails:
        return
    wanted = {i[:255] for mail in mails for i in mail.in_reply_to + mail.references}
    read = dict.fromkeys(wanted)
    if wanted:
        read |= _thread_tickets(wanted)
    memo.remember(("thread_ids",), read)
    pattern = reference_pattern()
    ticket_ids = {t for t in read.values() if t} | {
        int(found.group(1)) for mail in mails if (found := pattern.search(mail.subject))
    }
    if ticket_ids:
        for pk, ticket in _tickets().in_bulk(ticket_ids).items():
            memo.remember(("ticket", pk), ticket)


def identify(address: str) -> Sender:
    address = address.strip().lower()
    sender = Sender(address)
    if not address:
        return sender
    sender.agent = memo.cached(("agent", address), lambda: _agents([address]).first())
    sender.requester = memo.cached(("requester", address), lambda: _requesters([address]).first())
    sender.vendor = vendor_for_domain(address.rpartition("@")[2])
    return sender


def is_requester_party(ticket: Ticket, requester: Requester | None) -> bool:
    """The ticket's requester, or a requester copied on it."""
    if requester is None:
        return False
    if requester.pk == ticket.requester_id:
        return True
    return TicketParticipant.objects.filter(ticket=ticket, requester=requester).exists()


def case_number_in(subject: str) -> str:
    """The vendor's own case number, when the vendor's subject carries one."""
    cleaned = reference_pattern().sub(" ", subject)
    found = re.search(settings.ESCALA_MAIL_VENDOR_CASE_PATTERN, cleaned)
    return found.group(1)[:100] if found else ""
