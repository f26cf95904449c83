"""Step 2: one stored mail -> the ticket action it asks for (`route`), decided in order: size,
bounces and automatic mail, loops, the sender's rate, the thread it answers, and whether its
sender is verified for what it does (`sender_policy`). A mail that must not be filed raises
`Hold` with the reason it is kept in quarantine (or ignored) for. Also the parse step that runs
before the processing transaction (`parse_stored`, `verified`: the DNS checks of the sender)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from escala.core import clock, memo
from escala.tickets import actions
from escala.tickets.actions._common import already_locked
from escala.tickets.choices import Channel, VendorCaseStatus
from escala.tickets.models import Message, Ticket, VendorCase

from . import (
    authn,
    bounces,
    filing,
    limits,
    new_ticket,
    sender_policy,
    thread_match,
)
from .automatic import automatic_kind, wants_no_auto_reply
from .choices import InboundStatus, Outcome
from .hygiene import scrub_nul
from .models import InboundMail
from .parse import ParsedMail, parse_mail, reply_text


def verified(mail: InboundMail, parsed, raw) -> ParsedMail | Exception | None:  # noqa: ANN001
    """The parsed mail with its sender verdict (`parsed.auth`, see sender_policy.check)."""
    if isinstance(parsed, ParsedMail):
        parsed.auth = sender_policy.check(mail, parsed, bytes(raw))  # type: ignore[attr-defined]
    return parsed


@dataclass
class Result:
    status: str
    outcome: str
    reason: str = ""
    ticket: Ticket | None = None
    message: Message | None = None


class Hold(Exception):  # noqa: N818  (a decision, not an error)
    """Stop processing: keep the mail in quarantine (or ignore it) with this reason."""

    def __init__(self, outcome: str, reason: str, status: str = InboundStatus.QUARANTINED) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.status = status


def parse_stored(raw: bytes | memoryview, size: int) -> ParsedMail | Exception | None:
    """Parse before the savepoints so the batch's senders can be read at once; an error is
    kept and raised again in the mail's own savepoint. None: too large to parse."""
    if size > settings.ESCALA_MAIL_MAX_RAW_BYTES:
        return None
    try:
        return _parse(raw)
    except Exception as exc:  # noqa: BLE001  (raised again where the mail is quarantined)
        return exc


def _parse(raw: bytes | memoryview) -> ParsedMail:
    """parse_mail, and no NUL left in any text (PostgreSQL refuses it; a mail quarantined for
    one could never be retried)."""
    parsed = parse_mail(bytes(raw), max_attachment_bytes=settings.ESCALA_MAX_ATTACHMENT_BYTES)
    return scrub_nul(parsed)


def route(  # noqa: C901, PLR0912  (one decision per kind of sender, in order)
    mail: InboundMail,
    *,
    as_new_ticket: bool = False,
    release: bool = False,
    by=None,
    parsed: ParsedMail | Exception | None = None,
) -> Result:
    if mail.size > settings.ESCALA_MAIL_MAX_RAW_BYTES:
        raise Hold(
            Outcome.TOO_LARGE,
            _("The mail is %(size)s MB, above the %(limit)s MB limit.")
            % {
                "size": mail.size // (1024 * 1024),
                "limit": settings.ESCALA_MAIL_MAX_RAW_BYTES // (1024 * 1024),
            },
        )
    if isinstance(parsed, Exception):
        raise parsed
    if parsed is None:
        parsed = _parse(mail.raw)
    mail.sender = parsed.from_addr[:254]
    mail.sender_domain = limits.domain_of(mail.sender)
    mail.notes = filing.attachment_limit_note(parsed)
    mail.subject = parsed.subject[:250]
    mail.body_text = parsed.text
    mail.body_html = parsed.html
    mail.no_auto_reply = wants_no_auto_reply(parsed)
    auth = getattr(parsed, "auth", None)
    if auth is None:
        auth = sender_policy.check(mail, parsed, bytes(mail.raw))
    mail.auth, mail.auth_result = auth, auth["result"]
    if as_new_ticket:
        if not parsed.from_addr:
            raise Hold(Outcome.NO_SENDER, _("The mail has no sender address."))
        sender = thread_match.identify(parsed.from_addr)
        if not sender_policy.verified(auth) and not release:
            # Filed by an agent, but the address may not be the sender's: no receipt to it.
            mail.no_auto_reply = True
        return new_ticket.new_ticket(mail, parsed, sender.requester, by=by, checked=True)

    # The envelope sender is known only when the way in gave one ("<>" is the null sender).
    kind = automatic_kind(parsed, mail.envelope_from or None)
    if kind == "bounce":
        recorded = bounces.record_bounce(bytes(mail.raw), inbound_mail_id=mail.pk)
        if recorded:
            addresses = ", ".join(sorted({r.address for r in recorded}))
            return Result(
                InboundStatus.PROCESSED,
                Outcome.BOUNCE_RECORDED,
                _("Mail to %(addresses)s bounced.") % {"addresses": addresses},
                recorded[0].ticket,
            )
        raise Hold(Outcome.BOUNCE, _("Delivery report (bounce)."), InboundStatus.IGNORED)
    if kind == "auto_reply":
        raise Hold(Outcome.AUTO_REPLY, _("Automatic reply."), InboundStatus.IGNORED)
    if _is_our_own(parsed):
        raise Hold(Outcome.LOOP, _("A mail Escala sent itself."), InboundStatus.IGNORED)
    if not parsed.from_addr:
        raise Hold(Outcome.NO_SENDER, _("The mail has no sender address."))

    sender = thread_match.identify(parsed.from_addr)
    if sender.agent is None:
        _check_rate(mail)
    envelope_to = [a for a in mail.envelope_to.split(",") if a]
    match = thread_match.find_ticket(parsed, envelope_to)
    thread_match.claim(match)  # may leave the mail for the next batch (thread_match.Busy)
    sender_policy.note_token(auth, match)
    address = parsed.from_addr
    # Each check below holds the mail before anything is written or mailed; `release`: an
    # agent vouched for the sender.
    gate = (lambda why: None) if release else _hold_unverified(auth)
    gate(sender_policy.forged(auth))
    if kind == "bulk" and match.ticket is None:
        # List or bulk mail, or a vacation-like subject without a machine marker: a reply of a
        # person to a ticket is kept (without automatic answers); a new one opens nothing.
        raise Hold(Outcome.AUTO_REPLY, _("Bulk or list mail."), InboundStatus.IGNORED)

    if sender.vendor is not None and sender.agent is None and sender.requester is None:
        gate(sender_policy.refuse_vendor(auth, match, parsed, envelope_to, sender.vendor))
        return _vendor_mail(mail, parsed, sender.vendor, match)
    if match.ticket is not None:
        ticket = match.ticket
        if sender.agent is not None:
            gate(sender_policy.refuse_agent(auth, match, address))
            with already_locked(match.locked):
                message = actions.add_reply(
                    ticket=ticket,
                    by=sender.agent.user,
                    body=reply_body(parsed),
                    channel=Channel.EMAIL,
                    attachments=filing.files(parsed),
                )
            filing.after(mail, parsed, ticket, message)
            return Result(InboundStatus.PROCESSED, Outcome.AGENT_REPLY, "", ticket, message)
        if thread_match.is_requester_party(ticket, sender.requester):
            gate(sender_policy.refuse_reply(auth, match, address))
            if ticket.is_closed:
                return new_ticket.new_ticket(mail, parsed, sender.requester, related_to=ticket)
            with already_locked(match.locked):
                message = actions.add_reply(
                    ticket=ticket,
                    by=None,
                    as_requester=sender.requester,
                    body=reply_body(parsed),
                    channel=Channel.EMAIL,
                    attachments=filing.files(parsed),
                )
            filing.after(mail, parsed, ticket, message)
            return Result(InboundStatus.PROCESSED, Outcome.REPLY, "", ticket, message)
        # Someone who is not on the ticket: never posted as its requester.
        if settings.ESCALA_MAIL_STRANGER_REPLY == "hold":
            raise Hold(
                Outcome.STRANGER,
                _("%(sender)s is not a participant of %(ticket)s.")
                % {"sender": parsed.from_addr, "ticket": ticket.reference},
            )
    gate(sender_policy.refuse_new(auth, match, address))
    return new_ticket.new_ticket(mail, parsed, sender.requester)


def _hold_unverified(auth: dict):  # noqa: ANN202
    def gate(why: str) -> None:
        if why:
            lines = [why, *authn.describe(auth)]
            raise Hold(Outcome.UNVERIFIED_SENDER, "\n".join(lines))

    return gate


def _is_our_own(parsed: ParsedMail) -> bool:
    ours = {settings.ESCALA_MAIL_ADDRESS.lower()} | thread_match.mailbox_addresses()
    if parsed.header("x-escala-loop"):
        return True
    local, _, domain = settings.ESCALA_MAIL_ADDRESS.lower().partition("@")
    sender = parsed.from_addr
    return sender in ours or (sender.startswith(local + "+") and sender.endswith("@" + domain))


def _recent_mails():
    since = clock.now() - timedelta(seconds=settings.ESCALA_MAIL_RATE_WINDOW)
    return InboundMail.objects.filter(received_at__gte=since).exclude(status=InboundStatus.RECEIVED)


def prefetch_rates(senders: list[str]) -> None:
    """How many mails each sender of the batch sent lately, in one query."""
    senders = sorted({s[:254] for s in senders if s})
    if not senders:
        return
    counts = dict(
        _recent_mails()
        .filter(sender__in=senders)
        .values("sender")
        .annotate(n=Count("pk"))
        .values_list("sender", "n")
    )
    for sender in senders:
        memo.remember(("rate", sender), counts.get(sender, 0))


def count_rate(sender: str) -> None:
    """A mail of the batch is no longer `received`: it counts for the next ones."""
    if sender and (count := memo.get(("rate", sender))) is not None:
        memo.remember(("rate", sender), count + 1)


def _check_rate(mail: InboundMail) -> None:
    # A mail being processed is still `received`, so it never counts itself.
    recent = memo.cached(
        ("rate", mail.sender), lambda: _recent_mails().filter(sender=mail.sender).count()
    )
    if recent >= settings.ESCALA_MAIL_RATE_LIMIT:
        raise Hold(
            Outcome.RATE_LIMITED,
            _("%(sender)s sent more than %(n)d mails in %(minutes)d minutes.")
            % {
                "sender": mail.sender,
                "n": settings.ESCALA_MAIL_RATE_LIMIT,
                "minutes": settings.ESCALA_MAIL_RATE_WINDOW // 60,
            },
        )


def reply_body(parsed: ParsedMail) -> str:
    return reply_text(parsed) or _("(empty message)")


def _vendor_mail(
    mail: InboundMail, parsed: ParsedMail, vendor, match: thread_match.Match
) -> Result:
    open_cases = VendorCase.objects.filter(vendor=vendor, status=VendorCaseStatus.OPEN)
    case = None
    if match.ticket is not None:
        case = open_cases.filter(ticket=match.ticket).first()
    if case is None:
        number = thread_match.case_number_in(parsed.subject)
        if number:
            case = open_cases.filter(external_reference__iexact=number).first()
    if case is None:
        raise Hold(
            Outcome.VENDOR_UNMATCHED,
            _("Mail from %(vendor)s that matches no open vendor case.") % {"vendor": vendor.name},
        )
    message = actions.add_vendor_message(
        ticket=case.ticket_id,
        vendor=vendor,
        body=reply_body(parsed),
        by=None,
        public=False,
        channel=Channel.EMAIL,
        attachments=filing.files(parsed),
    )
    number = thread_match.case_number_in(parsed.subject)
    if number and number != case.external_reference:
        actions.set_vendor_case_number(ticket=case.ticket_id, by=None, case_number=number)
    ticket = Ticket.objects.get(pk=case.ticket_id)
    filing.after(mail, parsed, ticket, message)
    return Result(InboundStatus.PROCESSED, Outcome.VENDOR_MESSAGE, "", ticket, message)
