"""Sending the outbox: the worker's delivery tasks and drains claim due rows, send them through
Django's email backend and mark them sent, at least once, with retry and back-off. The rows are
written by escala.mail.outbound, whose tasks call `deliver` and `deliver_many`.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.db import transaction

from escala.core import clock

from . import bounces, outbound
from .addresses import clean_header_text, is_clean_addr_spec
from .choices import OutboxStatus
from .models import Outbox

log = logging.getLogger(__name__)


def drain(now=None) -> list[str]:
    """Send every due row: the safety net for rows whose task was never enqueued (a crash just
    after the commit) and for retries whose back-off has passed. Run by `escala mail retry`;
    the worker runs `drain_in_worker`."""
    return [deliver(pk) for pk in due_outbox()]


# The worker's minute drain sends inline for this long, and hands the rest to delivery tasks of
# this size: a burst's thousands of pending receipts never hold its tick (and the relay of new
# ticket events, run between tasks) for minutes.
DRAIN_SECONDS = 5.0
DRAIN_TASK_ROWS = 50


def drain_in_worker(now=None) -> list[str]:
    """`drain` for the worker's periodic job: the due rows it cannot send within DRAIN_SECONDS
    are enqueued as delivery tasks (a row sent meanwhile by its own task is skipped)."""
    due = due_outbox()
    stop = time.monotonic() + DRAIN_SECONDS
    done = []
    for n in range(0, len(due), DRAIN_TASK_ROWS):
        if time.monotonic() >= stop:
            for start in range(n, len(due), DRAIN_TASK_ROWS):
                outbound._enqueue_many(due[start : start + DRAIN_TASK_ROWS])
            break
        done += deliver_many(due[n : n + DRAIN_TASK_ROWS])  # as a delivery task does
    return done


def deliver(outbox_id: int) -> str:
    """Send one outbox row if it is due. At-least-once: the row is marked sent after the server
    accepted it."""
    return deliver_many([outbox_id])[0]


# A batch's rows are claimed, sent and marked sent this many at a time: a claim (its back-off)
# outlasts the sending of its rows even with a slow server, and a crash between a send and its
# mark sends again, after the back-off, at most this many.
CLAIM_ROWS = 25


def deliver_many(outbox_ids: list[int]) -> list[str]:
    """`deliver` of each row of `outbox_ids` (the results in their order), for a batch: per
    CLAIM_ROWS rows, one transaction claims the due ones (one lock query, one bounce query, one
    UPDATE per attempt count) and one UPDATE marks those sent; one mail connection sends them
    all. At-least-once as `deliver`: a row is marked sent after the server accepted it."""
    results: dict[int, str] = {}
    mailer = None
    try:
        for start in range(0, len(outbox_ids), CLAIM_ROWS):
            sending = _claim(outbox_ids[start : start + CLAIM_ROWS], results)
            if sending and mailer is None and len(outbox_ids) > 1:
                mailer = _open_mailer()
            sent: list[int] = []
            try:
                for row in sending:
                    results[row.pk] = outcome = _send(row, mailer)
                    if outcome == "sent":
                        sent.append(row.pk)
                    elif mailer is not None:  # a new connection for the next row
                        mailer.close()
                        mailer = _open_mailer()
            finally:
                _mark_sent(sent)
    finally:
        if mailer is not None:
            mailer.close()
    return [results.get(pk, "skipped") for pk in outbox_ids]


def _claim(outbox_ids: list[int], results: dict[int, str]) -> list[Outbox]:
    """Lock the rows of `outbox_ids`, fail the due ones whose address bounced, and claim the
    others (their attempt counted, their next attempt after the back-off): a second worker will
    not pick them up meanwhile. The claimed rows, in the order of `outbox_ids`."""
    now = clock.now()
    with transaction.atomic():
        found = list(Outbox.objects.select_for_update().filter(pk__in=outbox_ids).order_by("pk"))
        due = [r for r in found if r.status == OutboxStatus.PENDING and r.next_attempt_at <= now]
        # The address bounced for good: not sent again (ESCALA_MAIL_BOUNCED_ADDRESSES).
        reasons = bounces.suppressed_reasons([r.to for r in due]) if due else {}
        claimed: dict[int, list[Outbox]] = {}
        for row in due:
            if suppressed := reasons.get(row.to):
                row.status = OutboxStatus.FAILED
                row.last_error = suppressed
                row.save(update_fields=["status", "last_error"])
                results[row.pk] = "suppressed"
                continue
            claimed.setdefault(row.attempts, []).append(row)
        for attempts, batch in claimed.items():
            Outbox.objects.filter(pk__in=[r.pk for r in batch]).update(
                attempts=attempts + 1, next_attempt_at=now + _backoff(attempts + 1)
            )
            for row in batch:
                row.attempts = attempts + 1
                row.next_attempt_at = now + _backoff(attempts + 1)
    by_pk = {r.pk: r for batch in claimed.values() for r in batch}
    return [by_pk.pop(pk) for pk in outbox_ids if pk in by_pk]


def _open_mailer() -> Any:
    """One connection of the email backend for a batch's mails (SMTP: one login for all)."""
    mailer = mailers.default
    try:
        mailer.open()
    except Exception:  # noqa: BLE001  (each send tries again, and fails into its retry)
        log.warning("could not open the mail connection", exc_info=True)
    return mailer


def _mark_sent(pks: list[int]) -> None:
    if pks:
        Outbox.objects.filter(pk__in=pks).update(
            status=OutboxStatus.SENT, sent_at=clock.now(), last_error=""
        )


def _send(row: Outbox, mailer: Any) -> str:
    """Send one claimed row through `mailer` (None: a connection of its own); "sent" or
    "failed" (its retry scheduled, or the row failed for good)."""
    outbox_id = row.pk
    if not is_clean_addr_spec(row.to) or (row.reply_to and not is_clean_addr_spec(row.reply_to)):
        Outbox.objects.filter(pk=outbox_id).update(
            status=OutboxStatus.FAILED, last_error="Not one clean recipient address."
        )
        return "failed"
    # Last guard: whatever a row holds, no header value carries a line break or a control.
    headers = {name: clean_header_text(value) for name, value in row.headers.items()}
    headers["Message-ID"] = f"<{clean_header_text(row.message_id)}>"
    if row.in_reply_to:
        headers["In-Reply-To"] = clean_header_text(row.in_reply_to)
    if row.references:
        headers["References"] = clean_header_text(row.references)
    mail = (EmailMultiAlternatives if row.html_body else EmailMessage)(
        subject=clean_header_text(row.subject),
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers=headers,
    )
    if row.html_body:
        mail.attach_alternative(row.html_body, "text/html")  # type: ignore[union-attr]
    try:
        if mailer is None:
            mail.send()
        else:
            mailer.send_messages([mail])
    except Exception as exc:  # noqa: BLE001  (any failure of the server: retry later)
        with transaction.atomic():
            row = Outbox.objects.select_for_update().get(pk=outbox_id)
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.ESCALA_MAIL_OUTBOX_MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
            row.save(update_fields=["last_error", "status"])
            if row.status == OutboxStatus.PENDING:
                when = row.next_attempt_at
                transaction.on_commit(lambda: outbound._enqueue(outbox_id, run_after=when))
        return "failed"
    return "sent"


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def due_outbox() -> list[int]:
    return list(
        Outbox.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=clock.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
