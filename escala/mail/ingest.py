"""Stored raw mail -> the right ticket action. The three ways in (pipe, SMTP/LMTP, IMAP) all call
`store()` first and `process()` after (or `store_and_parse()` and `process_batch()` for many);
nothing here talks to a network but the sender checks, which run before any transaction.

`store` writes the raw bytes and nothing else, so a mail is safe before any parsing can fail.
`process` handles one stored mail in its own transaction: the ticket change and the mail's new
status commit together, so a crash either leaves the mail `received` (it is processed again
later) or processed once. Any refusal or bug puts the mail in quarantine with the reason.

The steps live in modules of their own: `store` (the raw bytes), `route` (what a mail asks
for, and `Hold`), `new_ticket` (a mail that opens one), `filing` (attachments and thread ids of
a filed mail) and `batch` (many mails in one transaction). This module is their one entry.
"""

from __future__ import annotations

import logging
import time
import traceback

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import DomainError, Forbidden, InvalidTransition
from escala.tickets import events

from . import batch, bounces, route, thread_match
from .batch import BATCH_FIELDS, process_batch
from .choices import Decision, InboundStatus, Outcome
from .models import InboundMail
from .parse import ParsedMail, dedup_key
from .route import Hold, Result, parse_stored
from .store import store, store_many, store_many_new

__all__ = [
    "BATCH_FIELDS",
    "Hold",
    "Result",
    "dedup_key",
    "dismiss",
    "ingest",
    "parse_stored",
    "pending",
    "process",
    "process_batch",
    "process_batch_again",
    "release",
    "store",
    "store_and_parse",
    "store_many",
]

log = logging.getLogger(__name__)


def store_and_parse(
    raws: list[bytes], **store_kwargs
) -> tuple[list[int], dict[int, ParsedMail | Exception | None]]:
    """`store_many`, then parse the mails it stored (for `process_batch`). A mail that was
    already stored is left out: it is filed from the bytes stored first, read back."""
    ids, created = store_many_new(raws, **store_kwargs)
    return ids, parse_new(ids, created, raws, **store_kwargs)


def parse_new(
    ids: list[int], created: set[int], raws: list[bytes], **store_kwargs
) -> dict[int, ParsedMail | Exception | None]:
    """The mails this call stored, parsed and their senders checked (for `process_batch`)."""
    parsed: dict[int, ParsedMail | Exception | None] = {}
    # The sender checks (DNS) run here, before the processing transaction locks anything.
    where = InboundMail(
        mailbox=store_kwargs.get("mailbox"),
        envelope_to=",".join(store_kwargs.get("envelope_to") or ()),
    )
    for pk, raw in zip(ids, raws, strict=True):
        if pk in created and pk not in parsed:
            parsed[pk] = route.verified(where, route.parse_stored(raw, len(raw)), raw)
    return parsed


# A pipe's mails whose tickets the relay holds are tried again this many times, a moment apart;
# the last time their batch waits for the locks (a deadlock is then broken and retried).
BUSY_ROUNDS = 20


def process_batch_again(
    ids: list[int], raws: list[bytes], parsed: dict, *, tries: int = 3, **store_kwargs
) -> list[InboundMail]:
    """`process_batch` for the pipe, which runs beside the worker's relay (decision 0024): a
    mail answering a ticket the relay holds is not waited for but processed in a next round,
    in order, once the relay has committed; and a batch the database chose to break a deadlock
    (its whole transaction rolled back: each mail still `received`) is tried again as a batch,
    parsed afresh (processing changes the parsed mail). Other database errors, or the last
    try's, are raised to the caller. Returns the mails processed."""
    raw_of = dict(zip(ids, raws, strict=True))
    done: list[InboundMail] = []
    todo = ids
    for round_ in range(BUSY_ROUNDS):
        busy: list[int] | None = [] if round_ < BUSY_ROUNDS - 1 else None
        for attempt in range(tries):
            try:
                done += process_batch(todo, parsed, busy=busy)
                break
            except OperationalError as exc:
                if attempt == tries - 1 or not _deadlock(exc):
                    raise
                log.warning("Mail batch %s..%s broke a deadlock; trying it again", ids[0], ids[-1])
                parsed = parse_new(todo, set(parsed), [raw_of[pk] for pk in todo], **store_kwargs)
                if busy:
                    busy.clear()
        if not busy:
            return done
        todo = busy
        time.sleep(0.02 * (round_ + 1))  # the relay's batch commits within a second or so
    return done


def _deadlock(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")  # deadlock, serialization


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
    `release` (see `release`): the agent vouches for the sender.
    With the worker's relay, the receipt is written with the mail (by the mail's own rules) and
    the other listeners are the worker's (`events.left_to_worker`); a page relays its own."""
    with events.left_to_worker():
        return _process(mail_id, force=force, as_new_ticket=as_new_ticket, release=release, by=by)


def _process(mail_id: int, *, force: bool, as_new_ticket: bool, release: bool, by) -> InboundMail:  # noqa: ANN001
    wanted = {InboundStatus.RECEIVED} | ({InboundStatus.QUARANTINED} if force else set())
    # Parsed and checked (DNS) before the transaction: no lock waits on a name server.
    early = InboundMail.objects.select_related("mailbox").filter(pk=mail_id).first()
    parsed = None
    if early is not None and early.status in wanted:
        parsed = route.verified(early, route.parse_stored(early.raw, early.size), early.raw)
    try:
        with transaction.atomic():
            locked = InboundMail.objects.select_for_update()
            if isinstance(parsed, ParsedMail):
                locked = locked.defer("raw_column")  # parsed already
            mail = locked.get(pk=mail_id)
            if mail.status not in wanted:
                return mail
            # Its sender's domain locked (see there), before anything about it is read.
            batch.tune_transaction([parsed.from_addr] if isinstance(parsed, ParsedMail) else [])
            mail.attempts += 1
            try:
                with transaction.atomic():
                    result = route.route(
                        mail, as_new_ticket=as_new_ticket, release=release, by=by, parsed=parsed
                    )
            except route.Hold as hold:
                result = route.Result(hold.status, hold.outcome, hold.reason)
            except DomainError as exc:
                result = route.Result(InboundStatus.QUARANTINED, Outcome.REFUSED, exc.message)
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
                _finish(mail, route.Result(InboundStatus.QUARANTINED, Outcome.ERROR, reason))
        return mail


def _finish(mail: InboundMail, result: route.Result) -> None:
    batch.apply_result(mail, result)
    mail.save()


def ingest(raw: bytes, **store_kwargs) -> InboundMail:
    mail, _created = store(raw, **store_kwargs)
    return process(mail.pk)


def pending(limit: int | None = None):
    ids = InboundMail.objects.filter(status=InboundStatus.RECEIVED).order_by("pk")
    return list(ids.values_list("pk", flat=True)[:limit])


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
