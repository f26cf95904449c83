"""Stored raw mail -> the right ticket action. The three ways in (pipe, SMTP/LMTP, IMAP) all call
`store()` first and `process()` after; nothing here talks to a network.

`store` writes the raw bytes and nothing else, so a mail is safe before any parsing can fail.
`process` handles one stored mail in its own transaction: the ticket change and the mail's new
status commit together, so a crash either leaves the mail `received` (it is processed again
later) or processed once. Any refusal or bug puts the mail in quarantine with the reason.
"""

from __future__ import annotations

import logging
import mimetypes
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _

from escala.automation import routing
from escala.core import clock, memo, rows
from escala.core.errors import DomainError, Forbidden, InvalidTransition
from escala.core.filenames import clean_filename
from escala.knowledge import search
from escala.people.choices import OrganizationKind, RequesterKind
from escala.people.models import Organization, Requester
from escala.tickets import actions, events
from escala.tickets.choices import Channel, LinkKind, VendorCaseStatus
from escala.tickets.models import Message, Ticket, VendorCase
from escala.tickets.requester_fields import staff_fields_ignored
from escala.tiers.models import Category

from . import alerts, authn, bounces, limits, outbound, sender_policy, thread_match
from .choices import AlertKind, Decision, InboundStatus, Outcome, Source
from .hygiene import no_nul, scrub_nul
from .models import InboundMail, Mailbox, ThreadId
from .parse import (
    ParsedAttachment,
    ParsedMail,
    automatic_kind,
    link_inline_images,
    message_id_and_dedup_key,
    parse_mail,
    reply_text,
    wants_no_auto_reply,
)

log = logging.getLogger(__name__)


# --- 1. store -------------------------------------------------------------------------------------


def store(
    raw: bytes,
    *,
    source: str = Source.PIPE,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> tuple[InboundMail, bool]:
    """Keep the raw bytes. Returns (mail, created); a second delivery of the same mail is not
    stored twice. Raises only when the database itself fails (the caller retries later)."""
    message_id, key = message_id_and_dedup_key(raw)
    existing = InboundMail.objects.filter(dedup_key=key).first()
    if existing is not None:
        _count_duplicates({key: 1})
        return existing, False
    try:
        with transaction.atomic():
            mail = _inbound(
                raw, key, message_id, source, mailbox, envelope_from, envelope_to, clock.now()
            )
            mail.save(force_insert=True)
    except IntegrityError:
        # Another process stored the same mail between our check and our insert.
        _count_duplicates({key: 1})
        return InboundMail.objects.get(dedup_key=key), False
    return mail, True


def _count_duplicates(deliveries: dict[str, int]) -> None:
    """The same mail (same Message-ID and content) arrived again: count it on the stored one."""
    now = clock.now()
    by_count: dict[int, list[str]] = {}
    for key, times in deliveries.items():
        by_count.setdefault(times, []).append(key)
    for times, keys in by_count.items():
        InboundMail.objects.filter(dedup_key__in=keys).update(
            duplicate_count=F("duplicate_count") + times, last_duplicate_at=now
        )


def _inbound(raw, key, message_id, source, mailbox, envelope_from, envelope_to, now) -> InboundMail:  # noqa: ANN001, PLR0913
    return InboundMail(
        dedup_key=key,
        # What a header or an MTA gives may carry NUL, which PostgreSQL refuses in text.
        message_id=no_nul(message_id)[:998],
        raw=raw,
        size=len(raw),
        source=source,
        mailbox=mailbox,
        envelope_from=no_nul(envelope_from)[:998],
        envelope_to=no_nul(",".join(envelope_to))[:998],
        received_at=now,
    )


def store_many(raws: list[bytes], **store_kwargs) -> list[int]:
    """Store a batch in one transaction and one INSERT (one disk flush for the lot); returns the
    mails' ids in order. Used by the pipe when an MTA or a script hands over many files at once."""
    return _store_many(raws, **store_kwargs)[0]


def store_and_parse(
    raws: list[bytes], **store_kwargs
) -> tuple[list[int], dict[int, ParsedMail | Exception | None]]:
    """`store_many`, then parse the mails it stored (for `process_batch`). A mail that was
    already stored is left out: it is filed from the bytes stored first, read back."""
    ids, created = _store_many(raws, **store_kwargs)
    parsed: dict[int, ParsedMail | Exception | None] = {}
    # The sender checks (DNS) run here, before the processing transaction locks anything.
    where = InboundMail(
        mailbox=store_kwargs.get("mailbox"),
        envelope_to=",".join(store_kwargs.get("envelope_to") or ()),
    )
    for pk, raw in zip(ids, raws, strict=True):
        if pk in created and pk not in parsed:
            parsed[pk] = _verified(where, parse_stored(raw, len(raw)), raw)
    return ids, parsed


def _verified(mail: InboundMail, parsed, raw) -> ParsedMail | Exception | None:  # noqa: ANN001
    """The parsed mail with its sender verdict (`parsed.auth`, see sender_policy.check)."""
    if isinstance(parsed, ParsedMail):
        parsed.auth = sender_policy.check(mail, parsed, bytes(raw))  # type: ignore[attr-defined]
    return parsed


def _store_many(
    raws: list[bytes],
    *,
    source: str = Source.PIPE,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
) -> tuple[list[int], set[int]]:
    """The ids of `raws` in order, and those of the mails this call stored."""
    message_ids, keys = [], []
    for raw in raws:
        mid, key = message_id_and_dedup_key(raw)
        message_ids.append(mid)
        keys.append(key)
    now = clock.now()
    with transaction.atomic():
        known = dict(InboundMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk"))
        new: dict[str, InboundMail] = {}
        created: set[int] = set()
        again: dict[str, int] = {}
        for raw, key, mid in zip(raws, keys, message_ids, strict=True):
            if key not in known and key not in new:
                new[key] = _inbound(raw, key, mid, source, mailbox, envelope_from, envelope_to, now)
            else:
                again[key] = again.get(key, 0) + 1
        if again:
            _count_duplicates(again)
        try:
            with transaction.atomic():
                InboundMail.objects.bulk_create(new.values())
        except IntegrityError:
            # Another process stored some of them meanwhile: one by one, as `store` does.
            for key, mail in new.items():
                stored, was_new = store(
                    bytes(mail.raw),
                    source=source,
                    mailbox=mailbox,
                    envelope_from=envelope_from,
                    envelope_to=envelope_to,
                )
                known[key] = stored.pk
                if was_new:
                    created.add(stored.pk)
            new = {}
        known.update((key, mail.pk) for key, mail in new.items())
        created.update(mail.pk for mail in new.values())
        if any(pk is None for pk in known.values()):  # a backend that returns no ids
            known = dict(
                InboundMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk")
            )
            created = {known[key] for key in new}
    return [known[key] for key in keys], created


# --- 2. process -----------------------------------------------------------------------------------


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


def process(
    mail_id: int,
    *,
    force: bool = False,
    as_new_ticket: bool = False,
    release: bool = False,
    by=None,
) -> InboundMail:
    """Process one stored mail exactly once. `force` re-processes a quarantined one;
    `as_new_ticket` (an agent's decision, `by`) files it as a new ticket whatever it looked like;
    `release` (see `release`): the agent vouches for the sender."""
    wanted = {InboundStatus.RECEIVED} | ({InboundStatus.QUARANTINED} if force else set())
    # Parsed and checked (DNS) before the transaction: no lock waits on a name server.
    early = InboundMail.objects.select_related("mailbox").filter(pk=mail_id).first()
    parsed = None
    if early is not None and early.status in wanted:
        parsed = _verified(early, parse_stored(early.raw, early.size), early.raw)
    try:
        with transaction.atomic():
            _tune_transaction()
            locked = InboundMail.objects.select_for_update()
            if isinstance(parsed, ParsedMail):
                locked = locked.defer("raw")  # parsed already
            mail = locked.get(pk=mail_id)
            if mail.status not in wanted:
                return mail
            mail.attempts += 1
            try:
                with transaction.atomic():
                    result = _route(
                        mail, as_new_ticket=as_new_ticket, release=release, by=by, parsed=parsed
                    )
            except Hold as hold:
                result = Result(hold.status, hold.outcome, hold.reason)
            except DomainError as exc:
                result = Result(InboundStatus.QUARANTINED, Outcome.REFUSED, exc.message)
            if by is not None and result.status == InboundStatus.PROCESSED:
                mail.decision = (
                    Decision.NEW_TICKET
                    if as_new_ticket
                    else Decision.RELEASED
                    if release
                    else Decision.RETRIED
                )
                mail.decided_by, mail.decided_at = by, clock.now()
            _finish(mail, result)
            if mail.status == InboundStatus.PROCESSED:
                bounces.clear([mail.sender])  # the address works: it wrote to us
            return mail
    except Exception:
        # A bug or a broken database row: record it in a fresh transaction, never lose the mail.
        log.exception("mail %s could not be processed", mail_id)
        reason = traceback.format_exc(limit=6)[-4000:]
        with transaction.atomic():
            mail = InboundMail.objects.select_for_update().get(pk=mail_id)
            if mail.status == InboundStatus.RECEIVED or force:
                mail.attempts += 1
                _finish(mail, Result(InboundStatus.QUARANTINED, Outcome.ERROR, reason))
        return mail


def _tune_transaction() -> None:
    """On PostgreSQL, processing commits without waiting for the disk: the raw mail was already
    stored with a full commit, so if the server crashed and lost this transaction the mail would
    simply be `received` again and `escala mail retry` would process it, once. The tickets the
    transaction files are indexed for search together, at its commit."""
    if connection.vendor != "postgresql":
        return
    search.index_at_commit()
    if settings.ESCALA_MAIL_ASYNC_COMMIT:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _finish(mail: InboundMail, result: Result) -> None:
    _apply(mail, result)
    mail.save()


def _apply(mail: InboundMail, result: Result) -> None:
    if result.status != InboundStatus.PROCESSED:
        mail.acknowledged_at = None  # its savepoint, and the receipt with it, rolled back
    if result.outcome == Outcome.RATE_LIMITED:
        alerts.raise_alert(
            kind=AlertKind.SENDER_RATE, key=mail.sender, detail=mail.subject, mail_id=mail.pk
        )
    mail.status = result.status
    mail.outcome = result.outcome
    mail.reason = result.reason
    mail.ticket = result.ticket
    mail.filed_message = result.message
    mail.processed_at = clock.now()


BATCH_FIELDS = [
    "status",
    "outcome",
    "reason",
    "ticket",
    "filed_message",
    "processed_at",
    "attempts",
    "sender",
    "subject",
    "body_text",
    "body_html",
    "no_auto_reply",
    "auth",
    "auth_result",
    "sender_domain",
    "acknowledged_at",
    "notes",
]


def process_batch(
    ids: list[int], parsed: dict[int, ParsedMail | Exception | None] | None = None
) -> list[InboundMail]:
    """Process many stored mails in one transaction, each in its own savepoint: a mail that is
    refused or hits a bug is quarantined alone and the others go on. The batch commits at once
    (a crash before that leaves every mail of it `received`, processed again later, once), and
    the listeners of its ticket events run once for the whole batch, after the commit.
    `parsed`: what `parse_stored` made of the mails' raw bytes already (the pipe parses what it
    has just stored); those mails' raw bytes are then not read back.

    Raises only when the database fails; the caller then falls back to `process` mail by mail."""
    # The memo outlives the transaction: the listeners run after the commit share it too. With
    # the worker's relay, this process relays the batch's events itself, as one batch, at once.
    with (
        memo.batch(),
        events.batched(),
        events.relayed_now(),
        outbound.batched(),
        transaction.atomic(),
        rows.buffered(),  # the batch's outbox, thread ids, stays and queued events: at its end
    ):
        _tune_transaction()
        locked = InboundMail.objects.select_for_update()
        if parsed is not None:
            locked = locked.defer("raw")  # read only if a mail of the batch was not parsed
        mails = list(locked.filter(pk__in=ids, status=InboundStatus.RECEIVED).order_by("pk"))
        given = parsed or {}
        parsed = {
            mail.pk: given[mail.pk] if mail.pk in given else parse_stored(mail.raw, mail.size)
            for mail in mails
        }
        readable = [p for p in parsed.values() if isinstance(p, ParsedMail)]
        senders = [p.from_addr for p in readable]
        thread_match.prefetch_senders(senders)
        thread_match.prefetch_threads(readable)
        _prefetch_rates(senders)
        _prefetch_organizations(senders)
        limits.prefetch(senders)
        for mail in mails:
            mail.attempts += 1
            saved = memo.snapshot()
            try:
                with transaction.atomic():
                    result = _route(mail, parsed=parsed.pop(mail.pk))
            except Hold as hold:
                result = Result(hold.status, hold.outcome, hold.reason)
            except DomainError as exc:
                result = Result(InboundStatus.QUARANTINED, Outcome.REFUSED, exc.message)
            except (OperationalError, InterfaceError):
                raise  # the connection itself: the caller tries mail by mail
            except Exception:
                log.exception("mail %s could not be processed", mail.pk)
                reason = traceback.format_exc(limit=6)[-4000:]
                result = Result(InboundStatus.QUARANTINED, Outcome.ERROR, reason)
            if result.status != InboundStatus.PROCESSED:
                memo.restore(saved)  # its savepoint was rolled back
            _apply(mail, result)
            _count_rate(mail.sender)
        _route_new_tickets(mails)
        rows.update_rows(mails, BATCH_FIELDS)
        bounces.clear([m.sender for m in mails if m.status == InboundStatus.PROCESSED])
    return mails


def _route_new_tickets(mails: list[InboundMail]) -> None:
    """Give the batch's new tickets to their agents before it commits, not in the relay right
    after: each ticket's search row is then written once, at the commit, with its assignee,
    instead of rewritten under its word indexes a moment later. The relay finds them assigned.
    Routing is a convenience: a failure leaves the ticket in its team's queue."""
    for mail in mails:
        if mail.outcome != Outcome.NEW_TICKET or mail.ticket is None:
            continue
        if routing.nothing_to_route(mail.ticket):
            continue  # no team (nor a savepoint for it)
        try:
            with transaction.atomic():
                routing.route(mail.ticket)  # created in this transaction: current
        except Exception:
            log.exception("Could not route ticket %s", mail.ticket.pk)


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


def ingest(raw: bytes, **store_kwargs) -> InboundMail:
    mail, _created = store(raw, **store_kwargs)
    return process(mail.pk)


def pending(limit: int | None = None):
    ids = InboundMail.objects.filter(status=InboundStatus.RECEIVED).order_by("pk")
    return list(ids.values_list("pk", flat=True)[:limit])


# --- routing ------------------------------------------------------------------------------------


def dismiss(mail_id: int, *, by) -> InboundMail:
    """An agent decides a quarantined mail needs nothing: it is kept, marked ignored."""
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail_id)
        if mail.status == InboundStatus.QUARANTINED:
            mail.status = InboundStatus.IGNORED
            name = by.get_full_name() or by.get_username() if by is not None else "Escala"
            mail.reason = (
                mail.reason + "\n" + _("Dismissed by %(name)s.") % {"name": name}
            ).strip()
            mail.processed_at = clock.now()
            mail.decision, mail.decided_by, mail.decided_at = Decision.DISMISSED, by, clock.now()
            mail.save(
                update_fields=[
                    "status", "reason", "processed_at", "decision", "decided_by", "decided_at"
                ]
            )  # fmt: skip
    return mail


def release(mail_id: int, *, by) -> InboundMail:
    """An agent vouches for the sender of a mail held as unverified: it is processed as that
    person's. A mail from an agent acts as that agent, so only they (or an administrator) may
    release it."""
    mail = InboundMail.objects.get(pk=mail_id)
    if mail.outcome != Outcome.UNVERIFIED_SENDER:
        raise InvalidTransition(_("Only a mail held as an unverified sender can be released."))
    sender = thread_match.identify(mail.sender) if mail.sender else None
    if (
        sender is not None
        and sender.agent is not None
        and sender.agent.user_id != by.pk
        and not by.is_superuser
    ):
        raise Forbidden(
            _("Only %(agent)s may release a mail that acts as them.")
            % {"agent": sender.agent.display_name}
        )
    return process(mail_id, force=True, release=True, by=by)


def _route(  # noqa: C901, PLR0912  (one decision per kind of sender, in order)
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
    mail.notes = _attachment_limit_note(parsed)
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
        return _new_ticket(mail, parsed, sender.requester, by=by, checked=True)

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
            message = actions.add_reply(
                ticket=ticket,
                by=sender.agent.user,
                body=_reply_body(parsed),
                channel=Channel.EMAIL,
                attachments=_files(parsed),
            )
            _after(mail, parsed, ticket, message)
            return Result(InboundStatus.PROCESSED, Outcome.AGENT_REPLY, "", ticket, message)
        if thread_match.is_requester_party(ticket, sender.requester):
            gate(sender_policy.refuse_reply(auth, match, address))
            if ticket.is_closed:
                return _new_ticket(mail, parsed, sender.requester, related_to=ticket)
            message = actions.add_reply(
                ticket=ticket,
                by=None,
                as_requester=sender.requester,
                body=_reply_body(parsed),
                channel=Channel.EMAIL,
                attachments=_files(parsed),
            )
            _after(mail, parsed, ticket, message)
            return Result(InboundStatus.PROCESSED, Outcome.REPLY, "", ticket, message)
        # Someone who is not on the ticket: never posted as its requester.
        if settings.ESCALA_MAIL_STRANGER_REPLY == "hold":
            raise Hold(
                Outcome.STRANGER,
                _("%(sender)s is not a participant of %(ticket)s.")
                % {"sender": parsed.from_addr, "ticket": ticket.reference},
            )
    gate(sender_policy.refuse_new(auth, match, address))
    return _new_ticket(mail, parsed, sender.requester)


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


def _prefetch_rates(senders: list[str]) -> None:
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


def _prefetch_organizations(senders: list[str]) -> None:
    """The organizations of the batch's sender domains (for new requesters), in one query."""
    domains = sorted({s.rpartition("@")[2].lower() for s in senders if "@" in s})
    if domains:
        found = _organizations_by_domain(domains)
        for domain in domains:
            memo.remember(("org", domain), found.get(domain))


def _organizations_by_domain(domains: list[str]) -> dict[str, Organization]:
    """The active organization of each (lower-case) mail domain; by name when two claim one."""
    found: dict[str, Organization] = {}
    orgs = (
        Organization.objects.annotate(domain=Lower("email_domain"))
        .filter(domain__in=domains, is_active=True)
        .order_by(*Organization._meta.ordering, "pk")
    )
    for org in orgs:
        found.setdefault(org.domain, org)
    return found


def _count_rate(sender: str) -> None:
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


def _reply_body(parsed: ParsedMail) -> str:
    return reply_text(parsed) or _("(empty message)")


def _subject(parsed: ParsedMail) -> str:
    subject = thread_match.reference_pattern().sub("", parsed.subject).strip()
    return (subject or _("(no subject)"))[:250]


def _requester_for(parsed: ParsedMail, *, checked: bool = False) -> Requester:
    """The requester for an unknown sender. `checked`: an agent already vouched for them."""
    address = parsed.from_addr
    domain = address.rpartition("@")[2].lower()
    allowed = [d.lower().lstrip("@") for d in settings.ESCALA_MAIL_ALLOWED_DOMAINS]
    if allowed and domain not in allowed and not checked:
        raise Hold(
            Outcome.DOMAIN_NOT_ALLOWED,
            _("Mail from %(domain)s may not open tickets.") % {"domain": domain},
        )
    if settings.ESCALA_MAIL_UNKNOWN_SENDERS == "hold" and not checked:
        raise Hold(Outcome.REFUSED, _("%(sender)s is not a known requester.") % {"sender": address})
    org = memo.cached(("org", domain), lambda: _organizations_by_domain([domain]).get(domain))
    if org is None:
        org = memo.cached(("org", None), _default_organization)
    kind = (
        RequesterKind.EMPLOYEE
        if org.kind == OrganizationKind.DEPARTMENT
        else RequesterKind.CUSTOMER
    )
    requester = Requester(
        name=(parsed.from_name or address.partition("@")[0])[:200],
        email=address,
        kind=kind,
        organization=org,
    )
    if not rows.insert_unless_taken(requester):  # filed a moment ago by another worker
        requester = Requester.objects.get(email__iexact=address)
    memo.remember(("requester", address.lower()), requester)
    return requester


def _default_organization() -> Organization:
    org, _created = Organization.objects.get_or_create(
        name=settings.ESCALA_MAIL_DEFAULT_ORGANIZATION,
        defaults={"kind": OrganizationKind.CUSTOMER},
    )
    return org


def _new_ticket(
    mail: InboundMail,
    parsed: ParsedMail,
    requester: Requester | None,
    *,
    related_to: Ticket | None = None,
    by=None,
    checked: bool = False,
) -> Result:
    if requester is None:
        requester = _requester_for(parsed, checked=checked)
    category = mail.mailbox.default_category if mail.mailbox else None
    trusted = mail.mailbox is not None and mail.mailbox.is_trusted
    if trusted and (code := parsed.header("x-escala-category")):
        # Control headers steer routing only from a mailbox marked trusted.
        category = Category.objects.filter(code=code.strip(), is_active=True).first()
    asked = {
        name: value
        for name in ("impact", "urgency")
        if (value := parsed.header(f"x-escala-{name}").strip().lower())
    }
    # The desk's fields from a requester's mail are dropped: the one requester-field policy.
    impact_urgency = staff_fields_ignored(asked, trusted=trusted)
    # No receipt for lists and bulk mail, nor beyond the acknowledgement limits (`limits`).
    quiet = (
        mail.no_auto_reply or not settings.ESCALA_MAIL_NOTIFY or not limits.may_acknowledge(mail)
    )
    with outbound.answering(parsed.message_id, no_auto_reply=quiet):
        ticket = actions.create_ticket(
            requester=requester,
            subject=_subject(parsed),
            body=parsed.text or _("(empty message)"),
            channel=Channel.EMAIL,
            by=by,
            category=category,
            attachments=_files(parsed),
            **impact_urgency,
        )
    message = ticket.opening_message
    if related_to is not None:
        actions.link_tickets(source=ticket, target=related_to, by=None, kind=LinkKind.RELATED)
    _after(mail, parsed, ticket, message)
    return Result(InboundStatus.PROCESSED, Outcome.NEW_TICKET, "", ticket, message)


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
        body=_reply_body(parsed),
        by=None,
        public=False,
        channel=Channel.EMAIL,
        attachments=_files(parsed),
    )
    number = thread_match.case_number_in(parsed.subject)
    if number and number != case.external_reference:
        actions.set_vendor_case_number(ticket=case.ticket_id, by=None, case_number=number)
    ticket = Ticket.objects.get(pk=case.ticket_id)
    _after(mail, parsed, ticket, message)
    return Result(InboundStatus.PROCESSED, Outcome.VENDOR_MESSAGE, "", ticket, message)


# --- attachments and bookkeeping ---------------------------------------------------------------


def _allowed(att: ParsedAttachment) -> str:
    """Why an attachment cannot be kept ("" when it can), by the same rules as the portal."""
    if att.size > settings.ESCALA_MAX_ATTACHMENT_BYTES:
        return "too_large"
    guessed = mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
    allowed = set(settings.ESCALA_ALLOWED_ATTACHMENT_TYPES)
    if guessed not in allowed:
        return "type"
    return ""


def _name_with_extension(att: ParsedAttachment) -> str:
    name = clean_filename(att.filename)  # TNEF's and forwarded parts' names too
    if mimetypes.guess_type(name)[0] is None:
        ext = mimetypes.guess_extension(att.content_type.split(";")[0].strip())
        if ext:
            name = clean_filename(name + ext)
    return name


def _files(parsed: ParsedMail) -> list[SimpleUploadedFile]:
    files = []
    for att in parsed.attachments:
        att.filename = _name_with_extension(att)
        if reason := _allowed(att):
            parsed.dropped.append(_dropped(att, reason))
            continue
        if len(files) >= settings.ESCALA_MAIL_MAX_ATTACHMENTS:
            parsed.dropped.append(_dropped(att, "too_many"))
            continue
        guessed = mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
        files.append(SimpleUploadedFile(att.filename, att.data, content_type=guessed))
        parsed.kept.append(att)
    return files


def _inline_urls(parsed: ParsedMail, message: Message) -> dict[str, str]:
    """Content-ID -> the access-checked URL of the attachment it was stored as (the action
    stores the files in the order it was given them)."""
    stored = list(message.attachments.order_by("pk").values_list("pk", flat=True))
    if len(stored) != len(parsed.kept):
        return {}
    return {
        att.content_id.lower(): reverse("attachment", args=[pk])
        for att, pk in zip(parsed.kept, stored, strict=True)
        if att.content_id
    }


def _dropped(att: ParsedAttachment, reason: str):
    from .parse import DroppedAttachment

    return DroppedAttachment(att.filename, att.size, reason)


def _after(mail: InboundMail, parsed: ParsedMail, ticket: Ticket, message: Message | None) -> None:
    if message is not None and parsed.html and any(a.content_id for a in parsed.kept):
        mail.body_html = link_inline_images(parsed.html, _inline_urls(parsed, message))
    if parsed.message_id:
        # INSERT ... ON CONFLICT DO NOTHING: the first ticket filed with a Message-ID keeps it.
        rows.insert_later(
            ThreadId(
                message_id=parsed.message_id[:255],
                ticket=ticket,
                outgoing=False,
                created_at=clock.now(),
            ),
            ignore_conflicts=True,
        )
    if parsed.dropped:
        body = _("Attachments of the mail that were not kept:") + "\n" + _dropped_lines(parsed)
        mail.notes = body
        actions.add_note(ticket=ticket, by=None, body=body)


NOTE_LINES = 30  # dropped attachments named one by one in the note; the others are counted


def _dropped_lines(parsed: ParsedMail) -> str:
    reasons = {
        "too_large": _("over the size limit"),
        "too_many": _("over the limit of %(n)d files per mail")
        % {"n": settings.ESCALA_MAIL_MAX_ATTACHMENTS},
    }
    lines = [
        _("“%(name)s” (%(kb)s KB): %(why)s")
        % {
            "name": clean_filename(d.filename),
            "kb": max(1, d.size // 1024),
            "why": reasons.get(d.reason, _("file type not accepted")),
        }
        for d in parsed.dropped[:NOTE_LINES]
    ]
    if len(parsed.dropped) > NOTE_LINES:
        lines.append(_("… and %(n)d more.") % {"n": len(parsed.dropped) - NOTE_LINES})
    return "\n".join(lines)


def _attachment_limit_note(parsed: ParsedMail) -> str:
    """Said on the stored mail as soon as it is read, so a held mail shows it too."""
    limit = settings.ESCALA_MAIL_MAX_ATTACHMENTS
    if len(parsed.attachments) <= limit:
        return ""
    return _(
        "The mail has %(count)d attachments: only the first %(limit)d can be kept, the others "
        "are left out."
    ) % {"count": len(parsed.attachments), "limit": limit}
