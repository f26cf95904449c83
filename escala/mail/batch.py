"""Many stored mails processed in one transaction (`process_batch`), each in its own
savepoint; the batch's sender, thread, rate and limit look-ups are read once for all of them,
the listeners of its ticket events run once after the commit. Also the bookkeeping that one
mail's processing (`ingest.process`) shares: the transaction's tuning, a result on the mail."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Sequence

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)

from escala.automation import routing
from escala.core import clock, memo, rows
from escala.core.errors import DomainError
from escala.knowledge import search
from escala.tickets import events

from . import (
    alerts,
    bounces,
    limits,
    new_ticket,
    outbound,
    route,
    thread_match,
)
from .choices import AlertKind, InboundStatus, Outcome
from .models import InboundMail
from .parse import (
    ParsedMail,
)

log = logging.getLogger(__name__)


def tune_transaction(senders: Sequence[str] = ()) -> None:
    """On PostgreSQL, in one statement, before the transaction writes anything:
    - the tickets it files are indexed for search together, at its commit;
    - it commits without waiting for the disk (ESCALA_MAIL_ASYNC_COMMIT): the raw mail was
      already stored with a full commit, so if the server crashed and lost this transaction
      the mail would simply be `received` again and `escala mail retry` would process it, once;
    - it holds, until its commit, one advisory lock per sender domain of `senders` (the mails
      it files; taken after their rows are locked). What a mail decides depends on the
      sender's and domain's mails before it (the acknowledgement window, the rate and flood
      limits, a reply to the ticket the sender just opened), read at the start and written at
      the commit: another consumer filing the same domain at once (an SMTP session's thread,
      a pipe the MTA started, IMAP) waits for this commit instead of counting without it.
      `escala mail ingest --jobs` gives each domain to one process: they never wait here.
      Taken in key order, so two batches never wait for each other's. SQLite writes one
      transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_domain_key(limits.domain_of(s)) for s in senders})
    sql = f"SELECT set_config('{search.AT_COMMIT_SETTING}', 'on', true)"
    if settings.ESCALA_MAIL_ASYNC_COMMIT:
        sql += ", set_config('synchronous_commit', 'off', true)"
    params: list = []
    if keys:
        # The aggregate reads the sorted subquery's rows in order: the locks in key order.
        sql += (
            ", (SELECT count(pg_advisory_xact_lock(%s, k))"
            " FROM (SELECT k FROM unnest(%s::int[]) AS k ORDER BY k) AS keys)"
        )
        params = [_DOMAIN_LOCKS, keys]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# The class of Escala's advisory locks on sender domains (pg_advisory_xact_lock(class, key)).
_DOMAIN_LOCKS = 0x6D61696C  # "mail"


def _domain_key(domain: str) -> int:
    digest = hashlib.blake2b(domain.encode("utf-8", "replace"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def apply_result(mail: InboundMail, result: route.Result) -> None:
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
    ids: list[int],
    parsed: dict[int, ParsedMail | Exception | None] | None = None,
    *,
    busy: list[int] | None = None,
) -> list[InboundMail]:
    """Process many stored mails in one transaction, each in its own savepoint: a mail that is
    refused or hits a bug is quarantined alone and the others go on. The batch commits at once
    (a crash before that leaves every mail of it `received`, processed again later, once), and
    the listeners of its ticket events run once for the whole batch, after the commit.
    `parsed`: what `route.parse_stored` made of the mails' raw bytes already (the pipe parses
    what it has just stored); those mails' raw bytes are then not read back.

    `busy`: a mail answering a ticket another transaction holds (the worker's relay) is not
    waited for but left `received`, its id added to the list, for the caller's next batch
    (thread_match.claim); the mails returned are those processed.

    Raises only when the database fails; the caller then falls back to `process` mail by mail."""
    # With the worker's relay, the batch's receipts are written in its transaction and the rest
    # of its events' listeners (clocks, facts, triggers) are the worker's, woken at the commit:
    # the next batch is parsed and filed while the worker relays this one (decision 0024).
    with (
        memo.batch(),
        events.batched(),
        events.left_to_worker() as handed,
        outbound.batched(),
        transaction.atomic(),
        rows.buffered(),  # the batch's outbox, thread ids, stays and queued events: at its end
    ):
        memo.remember(("defer_busy",), busy is not None)
        locked = InboundMail.objects.select_for_update()
        if parsed is not None:
            locked = locked.defer("raw_column")  # read only if a mail of the batch was not parsed
        mails = list(locked.filter(pk__in=ids, status=InboundStatus.RECEIVED).order_by("pk"))
        given = parsed or {}
        parsed = {
            mail.pk: given[mail.pk] if mail.pk in given else route.parse_stored(mail.raw, mail.size)
            for mail in mails
        }
        readable = [p for p in parsed.values() if isinstance(p, ParsedMail)]
        senders = [p.from_addr for p in readable]
        tune_transaction(senders)  # before anything about them is read or written
        thread_match.prefetch_senders(senders)
        thread_match.prefetch_threads(readable)
        route.prefetch_rates(senders)
        new_ticket.prefetch_organizations(senders)
        limits.prefetch(senders)
        done = []
        for mail in mails:
            saved = memo.snapshot()
            try:
                with transaction.atomic():
                    result = route.route(mail, parsed=parsed[mail.pk])
            except thread_match.Busy:
                memo.restore(saved)  # its savepoint was rolled back; nothing of it is kept
                busy.append(mail.pk)  # type: ignore[union-attr]  (only raised with `busy`)
                continue
            except route.Hold as hold:
                result = route.Result(hold.status, hold.outcome, hold.reason)
            except DomainError as exc:
                result = route.Result(InboundStatus.QUARANTINED, Outcome.REFUSED, exc.message)
            except (OperationalError, InterfaceError):
                raise  # the connection itself: the caller tries mail by mail
            except Exception:
                log.exception("mail %s could not be processed", mail.pk)
                reason = traceback.format_exc(limit=6)[-4000:]
                result = route.Result(InboundStatus.QUARANTINED, Outcome.ERROR, reason)
            if result.status != InboundStatus.PROCESSED:
                memo.restore(saved)  # its savepoint was rolled back
            mail.attempts += 1
            apply_result(mail, result)
            route.count_rate(mail.sender)
            done.append(mail)
        mails = done
        if handed is None:  # else the worker routes them with the rest
            _route_new_tickets(mails)
        rows.update_rows(mails, BATCH_FIELDS)
        bounces.clear([m.sender for m in mails if m.status == InboundStatus.PROCESSED])
    return mails


def _route_new_tickets(mails: list[InboundMail]) -> None:
    """Where the batch relays its own events (ESCALA_EVENT_RELAY=inline, or inside a page),
    give its new tickets to their agents before it commits, not in the relay right after: each
    ticket's search row is then written once, at the commit, with its assignee. The relay finds
    them assigned. With the worker's relay the worker routes them, while this process files the
    next batch. Routing is a convenience: a failure leaves the ticket in its team's queue."""
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
