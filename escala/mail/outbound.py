"""Mail out: ticket events become Outbox rows in the event's own transaction (a transactional
outbox: the notification commits, or rolls back, with the change), and the worker drains the
outbox through Django's email backend with retry. Pages never wait for a mail server.

Every Message-ID Escala sends is recorded as a ThreadId of its ticket before it leaves, so the
answer threads back whichever header the mail client keeps.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.dispatch import receiver
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from escala.core import clock, rows
from escala.core.errors import InvalidTransition, ValidationFailed
from escala.core.text_templates import render_text
from escala.tickets import actions
from escala.tickets.choices import BodyFormat, EventKind, MessageKind, Status, VendorCaseStatus
from escala.tickets.events import relays_in_worker, ticket_event_recorded, ticket_events_committed
from escala.tickets.models import Message, Ticket, TicketEvent, VendorCase
from escala.tickets.permissions import ensure_can_work

from . import thread_match
from .addresses import clean_header_text, is_clean_addr_spec
from .choices import NotificationKind, OutboxStatus
from .models import Outbox, ThreadId

log = logging.getLogger(__name__)
_SAFE_MSGID = re.compile(r"[!-;=?-~]{1,250}@[!-;=?-~]{1,250}")  # printable ASCII without < >

SILENT_STATUSES = {Status.OPEN, Status.RESOLVED, Status.NEW}  # resolution has its own mail
NOTIFIED_KINDS = {
    EventKind.CREATED,
    EventKind.REPLIED,
    EventKind.STATUS_CHANGED,
    EventKind.RESOLVED,
}  # the agents' mails (escalated to my team, assigned to me...): escala.notifications

# The mail a ticket is being filed from (its Message-ID, and whether it asked for no automatic
# answer): set by ingest around create_ticket, read when the CREATED event is recorded.
_answering: ContextVar[tuple[str, bool] | None] = ContextVar("escala_mail_answering", default=None)
# Outbox rows queued inside `batched()`: one delivery task for the lot instead of one per row.
_batch: ContextVar[list[int] | None] = ContextVar("escala_mail_outbox_batch", default=None)


@contextlib.contextmanager
def answering(message_id: str, *, no_auto_reply: bool) -> Iterator[None]:
    token = _answering.set((message_id, no_auto_reply))
    try:
        yield
    finally:
        _answering.reset(token)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Collect the rows queued (and committed) in the block; enqueue one task for them at the
    end. A row whose task is never enqueued is still sent: see `drain` and `escala mail retry`."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
    finally:
        ids = _batch.get() or []
        _batch.reset(token)
        if ids:
            _enqueue_many(ids)


# --- building mails -----------------------------------------------------------------------------


def _thread_headers(ticket: Ticket, *, new_ticket: bool = False) -> tuple[str, str]:
    ids = (
        []  # a ticket created in this very transaction has no mail yet
        if new_ticket
        else list(
            ThreadId.objects.filter(ticket=ticket)
            .order_by("created_at", "id")
            .values_list("message_id", flat=True)
        )
        + [t.message_id for t in rows.held(ThreadId) if t.ticket_id == ticket.pk]
    )
    if not ids and (origin := _answering.get()) and origin[0]:
        ids = [origin[0]]  # the receipt answers the mail that opened the ticket
    # Ids filed from incoming mail were written by strangers: only printable ASCII, no spaces
    # nor brackets, ever reaches our headers.
    ids = [i for i in ids if _SAFE_MSGID.fullmatch(i)]
    if not ids:
        return "", ""
    refs = ids[:1] + ids[-9:] if len(ids) > 10 else ids
    return f"<{ids[-1]}>", " ".join(f"<{i}>" for i in dict.fromkeys(refs))


def queue_mail(
    *,
    ticket: Ticket | None,
    kind: str,
    to: str,
    subject: str,
    body: str,
    event: TicketEvent | None = None,
    by: Any = None,
    auto: bool = True,
    vendor=None,
    new_ticket: bool = False,
    fresh: bool = False,
    html_body: str = "",
) -> Outbox | None:
    """Put one mail in the outbox (in the caller's transaction) and send it after commit.
    `fresh`: the event is being notified for the first time (its own signal), and its
    recipients are listed once each, so no duplicate can meet the (event, kind, to) constraint:
    no savepoint to catch one, and inside `rows.buffered()` (a mail batch) the rows are written
    with the batch's others, at its end."""
    to = to.strip()
    if not is_clean_addr_spec(to):
        # One clean addr-spec per mail, or nothing: a name, a list or a line break in a stored
        # address never becomes a recipient (nor a header).
        log.warning("not mailing %r: not one clean address", to[:100])
        return None
    subject = clean_header_text(subject)
    message_id = thread_match.new_message_id()
    in_reply_to, references = (
        _thread_headers(ticket, new_ticket=new_ticket) if ticket is not None else ("", "")
    )
    headers = {"X-Escala-Loop": settings.ESCALA_MAIL_ADDRESS}
    if auto:
        # RFC 3834: machines must not answer this mail automatically.
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    if ticket is not None:
        headers["X-Escala-Ticket"] = ticket.reference
    now = clock.now()
    outbox = Outbox(
        ticket=ticket,
        kind=kind,
        event_id=event.pk if event is not None else None,
        to=to,
        subject=subject[:998],
        body=body,
        html_body=html_body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        # The reply address is this recipient's own: only they may answer through it.
        reply_to=thread_match.reply_address(ticket.pk, to) if ticket is not None else "",
        headers=headers,
        created_at=now,
        next_attempt_at=now,
        created_by=by,
    )
    thread_id = (
        ThreadId(message_id=message_id, ticket=ticket, vendor=vendor, created_at=now)
        if ticket is not None
        else None
    )
    if fresh:
        # Nothing can conflict: held, and written with the batch's others at its end (after
        # its event, itself held: the event's id is filled in then).
        rows.insert_later(outbox, ids={"event_id": event} if event is not None else None)
        if thread_id is not None:
            rows.insert_later(thread_id)
    else:
        try:
            with transaction.atomic():
                outbox.save(force_insert=True)
                if thread_id is not None:
                    thread_id.save(force_insert=True)
        except IntegrityError:
            return None  # this event already queued this mail to this address
    if event is None or not relays_in_worker():
        transaction.on_commit(lambda: _committed(outbox.pk))
    # else: the worker's relay of the event enqueues it with the batch (`_deliver_relayed`).
    return outbox


def _committed(outbox_id: int) -> None:
    pending = _batch.get()
    if pending is not None:
        pending.append(outbox_id)
    else:
        _enqueue(outbox_id)


def _enqueue(outbox_id: int, run_after=None) -> None:
    try:
        if run_after is not None:
            deliver_outbox.using(run_after=run_after).enqueue(outbox_id)
        else:
            deliver_outbox.enqueue(outbox_id)
    except Exception:  # the row stays pending; `escala mail retry` sends it
        log.exception("could not enqueue outbox %s", outbox_id)


def _subject(ticket: Ticket, text: str) -> str:
    return f"[{ticket.reference}] {text}"


def _render(kind: str, language: str, context: dict[str, Any]) -> str:
    with translation.override(language):
        # Text mail: never HTML-escaped (core.text_templates).
        return render_text(f"mail/notifications/{kind}.txt", context).strip() + "\n"


def _requester_recipients(ticket: Ticket, *, new: bool = False) -> list[tuple[str, str, str]]:
    """(email, name, language) of the requester and requesters copied on the ticket."""
    people = [ticket.requester]
    if not new:
        people += [
            p.requester for p in ticket.participants.select_related("requester") if p.requester
        ]
    seen, out = set(), []
    for person in people:
        if person.email and person.email.lower() not in seen:
            seen.add(person.email.lower())
            out.append((person.email, person.name, person.language))
    return out


def _may_notify(event: TicketEvent) -> bool:
    """Whether the event can send mail at all (a routed ticket becoming open sends none)."""
    if not settings.ESCALA_MAIL_NOTIFY or event.kind not in NOTIFIED_KINDS:
        return False
    return not (event.kind == EventKind.STATUS_CHANGED and event.new_value in SILENT_STATUSES)


def notify(event: TicketEvent, *, fresh: bool = False) -> list[Outbox]:
    """The mails one ticket event sends, queued in the event's transaction. The event is
    recorded before the action finishes changing the ticket, so what the event itself says (new
    status, summary, receiving team) is taken from the event, not from the ticket row."""
    if not _may_notify(event):
        return []
    if event.kind == EventKind.CREATED:
        # The ticket was created a moment ago in this transaction: the object in hand is whole,
        # and it has no participants nor mail yet.
        origin = _answering.get()
        if origin and origin[1]:  # a mail that asked for no automatic answer gets none
            return []
        queued = _to_requesters(
            event.ticket, event, NotificationKind.RECEIVED, None, new=True, fresh=fresh
        )
        return [q for q in queued if q is not None]
    ticket = (
        Ticket.objects.select_related("requester", "team", "tier")
        .filter(pk=event.ticket_id)
        .first()
    )
    if ticket is None:
        return []
    queued: list[Outbox | None] = []
    if event.kind == EventKind.REPLIED and event.data.get("public"):
        message = Message.objects.filter(
            pk=event.data.get("message_id"), kind=MessageKind.REPLY
        ).first()
        if message is not None:
            queued += _to_requesters(
                ticket, event, NotificationKind.AGENT_REPLY, message, auto=False, fresh=fresh
            )
    elif event.kind == EventKind.STATUS_CHANGED:
        queued += _to_requesters(ticket, event, NotificationKind.STATUS_CHANGED, None, fresh=fresh)
    elif event.kind == EventKind.RESOLVED:
        from escala.surveys.actions import survey_link

        link = survey_link(resolution=event)
        queued += _to_requesters(
            ticket, event, NotificationKind.RESOLVED, None, fresh=fresh, extra={"survey": link}
        )
    return [q for q in queued if q is not None]


def _to_requesters(
    ticket: Ticket,
    event: TicketEvent,
    kind: str,
    message: Message | None,
    auto: bool = True,
    new: bool = False,
    fresh: bool = False,
    extra: dict[str, Any] | None = None,
) -> list[Outbox | None]:
    out = []
    markdown = message is not None and message.body_format == BodyFormat.MARKDOWN
    if markdown:
        from escala.knowledge.markdown import plain_text

        # The text part: the Markdown as written, less the heading and emphasis marks.
        extra = {**(extra or {}), "message_text": plain_text(message.body)}
    for email, name, language in _requester_recipients(ticket, new=new):
        with translation.override(language):
            subject = _subject(ticket, ticket.subject)
            status = (
                Status(event.new_value).label
                if event.field == "status" and event.new_value in Status.values
                else ticket.get_status_display()
            )
        body = _render(
            kind,
            language,
            {
                "ticket": ticket,
                "name": name,
                "message": message,
                "event": event,
                "status": status,
                "summary": event.reason,
                "portal_hint": True,
                **(extra or {}),
            },
        )
        html_body = _html_reply(ticket, message, language) if markdown else ""
        out.append(
            queue_mail(
                ticket=ticket,
                kind=kind,
                to=email,
                subject=subject,
                body=body,
                html_body=html_body,
                event=event,
                auto=auto,
                new_ticket=new,
                fresh=fresh,  # the recipients are listed once each, by lower-case address
            )  # fmt: skip
        )
    return out


def _html_reply(ticket: Ticket, message: Message | None, language: str) -> str:
    """The HTML part of a Markdown reply: the knowledge base's one renderer (raw HTML off, nh3
    allow-list), in a plain wrapper; the text part stays the mail's first and whole part."""
    from escala.knowledge.markdown import render

    with translation.override(language):
        return render_to_string(
            "mail/notifications/agent_reply.html",
            {"ticket": ticket, "message": message, "html": render(message.body if message else "")},
        )


@receiver(ticket_event_recorded, dispatch_uid="escala.mail.notify")
def _on_ticket_event(sender, event: TicketEvent, **kwargs) -> None:
    if not _may_notify(event):
        return  # not even a savepoint
    if event.kind == EventKind.CREATED and rows.is_buffered():
        # A mail batch's new ticket: the receipt reads nothing and only holds its rows, so no
        # savepoint. A Python error drops what it held; a database error fails the mail, whose
        # own savepoint rolls back (it is quarantined, to be retried).
        position = rows.mark()
        try:
            notify(event, fresh=True)
        except DatabaseError:
            raise
        except Exception:
            rows.forget_since(position)
            log.exception("notifications for event %s failed", event.pk)
        return
    try:
        # A savepoint: a bug here never breaks (nor rolls back) the action that caused it.
        with transaction.atomic():
            notify(event, fresh=True)
    except Exception:
        log.exception("notifications for event %s failed", event.pk)


@receiver(ticket_events_committed, dispatch_uid="escala.mail.deliver_relayed")
def _deliver_relayed(sender, events: list[TicketEvent], **kwargs) -> None:
    """With the worker's relay, the mails the events queued go to one delivery task per relayed
    batch: an API burst enqueues no task per ticket."""
    if not relays_in_worker():
        return
    ids = list(
        Outbox.objects.filter(
            event_id__in=[e.pk for e in events], status=OutboxStatus.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue_many(ids))


def _enqueue_many(ids: list[int]) -> None:
    try:
        deliver_outbox_many.enqueue(ids)
    except Exception:  # the rows stay pending; the worker's drain sends them
        log.exception("could not enqueue the delivery of %d outbox rows", len(ids))


# --- Level 4: mail the vendor ---------------------------------------------------------------------


def email_vendor(*, ticket: Ticket | int, by: Any, body: str) -> Outbox:
    """An agent mails the vendor's support address about a referred ticket, with its context.
    The vendor's answers come back as vendor messages on the ticket (see ingest)."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write the message to the vendor."), field="body")
    with transaction.atomic():
        locked = Ticket.objects.select_related("requester").get(
            pk=ticket.pk if isinstance(ticket, Ticket) else ticket
        )
        ensure_can_work(by, locked)
        case = (
            VendorCase.objects.select_related("vendor")
            .filter(ticket=locked, status=VendorCaseStatus.OPEN)
            .first()
        )
        if case is None:
            raise InvalidTransition(_("The ticket has no open vendor case."), field="body")
        vendor = case.vendor
        address = vendor_address(case).strip()
        if not is_clean_addr_spec(address):
            raise ValidationFailed(
                _("The vendor's support address is not a valid mail address."), field="body"
            )
        first = locked.messages.filter(kind=MessageKind.REPLY).first()
        # The wrapper speaks the language the agent writes in (the body is theirs).
        language = (translation.get_language() or "en")[:2]
        with translation.override(language):
            subject_text = locked.subject
            if case.external_reference:
                subject_text += " " + _("(case %(reference)s)") % {
                    "reference": case.external_reference
                }
            text = _render(
                NotificationKind.VENDOR,
                language,
                {"ticket": locked, "case": case, "vendor": vendor, "body": body, "first": first},
            )
        outbox = queue_mail(
            ticket=locked,
            kind=NotificationKind.VENDOR,
            to=address,
            subject=_subject(locked, subject_text),
            body=text,
            by=by,
            auto=False,
            vendor=vendor,
        )
        actions.add_note(
            ticket=locked,
            by=by,
            # Queued, not yet sent: the outbox delivers it (and retries) after the commit.
            body=_("Mail to %(vendor)s <%(address)s>, queued for delivery:")
            % {"vendor": vendor.name, "address": address}
            + "\n\n"
            + body,
        )
    assert outbox is not None  # noqa: S101  (no event id: the unique constraint cannot fire)
    return outbox


# --- the worker side (the sending itself: escala.mail.delivery) -----------------------------


def vendor_address(case: VendorCase) -> str:
    """Where mail about `case` goes: the contact typed at referral when it is an address
    ("Ana Ruiz <ana@vendor.example>" or a bare address), else the vendor's support address."""
    _name, address = parseaddr(case.contact or "")
    try:
        validate_email(address)
    except ValidationError:
        return case.vendor.support_email
    return address


# The delivery tasks keep their paths here (queued tasks name them); the sending is
# escala.mail.delivery's.
@task
def deliver_outbox(outbox_id: int) -> str:
    from .delivery import deliver

    return deliver(outbox_id)


@task
def deliver_outbox_many(outbox_ids: list[int]) -> list[str]:
    from .delivery import deliver_many

    return deliver_many(outbox_ids)
