"""Which ticket does a mail belong to, and who is its sender to Escala?

Order: a reply token issued to the sender (signed, bound to the ticket and to the address the
mail was sent to, with an expiry); then the Message-IDs it answers (In-Reply-To, References)
against the ids Escala sent or filed; then the `[ESC-000123]` reference in the subject.
Finding a ticket is not permission to post on it: ingest checks the sender's authentication
(authn.py), the token and that the sender is a participant.
"""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from escala.core import clock, memo, rows
from escala.core.shared import SharedCopy
from escala.people.models import Agent, Requester
from escala.tickets.actions._common import lock_skipping
from escala.tickets.models import Ticket, TicketParticipant
from escala.tiers.models import Vendor

from .models import ThreadId
from .parse import ParsedMail

TOKEN_LENGTH = 20  # hex digits of HMAC-SHA256: 80 bits, far beyond guessing
_DAY = 86400


def _signature(ticket_id: int, expires: str, recipient: str) -> str:
    message = f"{ticket_id}.{expires}.{recipient.strip().lower()}"
    return salted_hmac("escala.mail.reply-token.v2", message, algorithm="sha256").hexdigest()[
        :TOKEN_LENGTH
    ]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def reply_token(ticket_id: int, recipient: str, *, days: int | None = None) -> str:
    """t<ticket>.<expiry day>.<signature>: the signature binds the ticket, the expiry and the
    address the mail was sent to. Only that address may use it, until it expires."""
    days = settings.ESCALA_MAIL_TOKEN_DAYS if days is None else days
    expires = _base36(int(clock.now().timestamp()) // _DAY + days)
    return f"t{ticket_id}.{expires}.{_signature(ticket_id, expires, recipient)}"


def reply_address(ticket_id: int, recipient: str) -> str:
    """support+t123.<expiry>.<signature>@domain: the reply address of a mail to `recipient`;
    replies carry the ticket even without threading headers, and prove who received it."""
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.partition("@")
    return f"{local}+{reply_token(ticket_id, recipient)}@{domain}"


@dataclass(frozen=True)
class Token:
    ticket_id: int
    expires: str
    signature: str
    address: str  # the whole reply address it came in

    def state_for(self, sender: str) -> str:
        """ "valid", "expired" (right sender, too old) or "invalid" (not issued to `sender`)."""
        if not self.expires or not sender:
            return TOKEN_INVALID
        if not hmac.compare_digest(
            _signature(self.ticket_id, self.expires, sender), self.signature
        ):
            return TOKEN_INVALID
        if int(self.expires, 36) * _DAY < clock.now().timestamp():
            return TOKEN_EXPIRED
        return TOKEN_VALID


TOKEN_VALID, TOKEN_EXPIRED, TOKEN_INVALID = "valid", "expired", "invalid"
_TOKEN = re.compile(rf"t(\d{{1,18}})(?:\.([0-9a-z]{{1,8}})\.|-)([0-9a-f]{{{TOKEN_LENGTH}}})")


def tokens_in(addresses: list[str]) -> list[Token]:
    """The reply tokens on Escala's own address among `addresses` (a ticket each names; whether
    the sender may use it is `Token.state_for`). The old tokens (t<id>-<sig>), bound to no
    recipient, still name their ticket but are never valid."""
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.lower().partition("@")
    found = []
    for address in addresses:
        user, _, host = address.lower().partition("@")
        base, plus, token = user.partition("+")
        if not plus or base != local or host != domain:
            continue
        if match := _TOKEN.fullmatch(token):
            found.append(
                Token(int(match.group(1)), match.group(2) or "", match.group(3), address.lower())
            )
    return found


def ticket_id_from_token(token: str, sender: str) -> int | None:
    """The ticket of a token that `sender` may use, else None."""
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.lower().partition("@")
    for found in tokens_in([f"{local}+{token}@{domain}"]):
        if found.state_for(sender) == TOKEN_VALID:
            return found.ticket_id
    return None


def new_message_id() -> str:
    domain = settings.ESCALA_MAIL_ADDRESS.partition("@")[2] or "escala.invalid"
    return f"escala.{uuid.uuid4().hex}@{domain}"


def reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.ESCALA_TICKET_PREFIX)
    return re.compile(r"\[\s*" + prefix + r"-0*(\d{1,12})\s*\]", re.IGNORECASE)


@dataclass
class Match:
    ticket: Ticket | None
    how: str = ""  # "token", "references", "subject" or ""
    # The reply token the mail came with, as far as its sender goes: "valid" only when the
    # ticket was found by a token issued to this very sender (and not expired).
    token_state: str = ""
    token_address: str = ""
    # The ticket as `claim` locked and read it, for the action that files the mail on it.
    locked: Ticket | None = None


def find_ticket(
    mail: ParsedMail, envelope_to: list[str] | None = None, sender: str | None = None
) -> Match:
    """Which ticket the mail is about. A reply token issued to its sender comes first (it is
    what proves the sender received our mail); then the Message-IDs it answers; then any other
    token-like address or the subject's reference, which only NAME a ticket."""
    sender = (mail.from_addr if sender is None else sender).lower()
    recipients = mail.to + mail.cc + mail.delivered_to + list(envelope_to or [])
    tokens = tokens_in(recipients)
    states = [(t, t.state_for(sender)) for t in tokens]
    for token, state in states:
        if state == TOKEN_VALID:
            match = _found(token.ticket_id, "token")
            if match.ticket is not None:
                match.token_state, match.token_address = state, token.address
                return match
    match = _by_references(mail) or Match(None)
    if match.ticket is None:
        for token, _state in states:
            match = _found(token.ticket_id, "token")
            if match.ticket is not None:
                break
    if match.ticket is None and (found := reference_pattern().search(mail.subject)):
        match = _found(int(found.group(1)), "subject")
    if states:
        # Not valid for this sender: say why (expired beats invalid).
        best = min(states, key=lambda pair: pair[1] != TOKEN_EXPIRED)
        match.token_state, match.token_address = best[1], best[0].address
    return match


def _by_references(mail: ParsedMail) -> Match | None:
    ids = list(dict.fromkeys(mail.in_reply_to + list(reversed(mail.references))))
    if not ids:
        return None
    wanted = [i[:255] for i in ids]
    read = memo.get(("thread_ids",), {})  # the batch's, read at its start
    # A mail filed earlier in this batch: its id is still held (the first one keeps it). Looked
    # for only where the batch's start found none (that one wins): the held rows are many.
    known = {}
    if unread := [i for i in wanted if not read.get(i)]:
        for row in reversed(rows.held(ThreadId)):
            if row.message_id in unread:
                known[row.message_id] = row.ticket_id
    known |= {i: read[i] for i in wanted if read.get(i)}
    if missing := [i for i in wanted if i not in read]:
        known |= _thread_tickets(missing)
    for message_id in ids:
        if message_id in known:
            return _found(known[message_id], "references")
    return None


def token_recipients(address: str) -> list[str]:
    """To whom Escala sent mails with this reply address (for the agent's explanation)."""
    from .models import Outbox

    return sorted(
        set(Outbox.objects.filter(reply_to__iexact=address).values_list("to", flat=True)[:20])
    )


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


def shared_tables() -> dict:
    """This process's copy of the small tables (mailboxes, vendors), for the mail modules."""
    return _shared.current()


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
        .filter(user__is_active=True, is_active=True)
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


class Busy(Exception):  # noqa: N818  (not an error: the mail waits for the next batch)
    """The ticket a mail of a batch answers is locked by another transaction right now."""


def claim(match: Match) -> None:
    """In a pipe's batch (`memo.note_busy`), lock the ticket the mail answers without waiting:
    the worker's relay locks tickets while the batch files (decision 0024), and a batch that
    never waits for one of its locks can never close a deadlock with it. Busy: the mail is left
    for the next batch. Read again as it locks it, as the ticket actions' `lock` reads it:
    the action that files the mail takes it from there (`Match.locked`), not reading it a
    third time."""
    if match.ticket is None or not memo.get(("defer_busy",)):
        return
    ticket = lock_skipping(match.ticket.pk)
    if ticket is None:
        raise Busy(match.ticket.pk)
    match.ticket = match.locked = ticket


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
