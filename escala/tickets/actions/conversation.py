"""Replies, notes and vendor messages."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import Forbidden, InvalidTransition, ValidationFailed
from escala.people.models import Requester
from escala.people.queries import agent_of, is_admin, requester_of
from escala.tiers.models import Vendor

from .. import events
from ..choices import AuthorKind, BodyFormat, Channel, EventKind, MessageKind, Status
from ..models import Message, Ticket
from ..permissions import ensure_can_see, ensure_can_work
from ._common import (
    lock,
    required_text,
    set_status,
    start_work,
    store_attachments,
    touch,
    validate_attachments,
)
from .workflow import reopen_locked


def _check_format(body_format: str) -> str:
    if body_format not in BodyFormat.values:
        raise ValidationFailed(_("Unknown message format."), field="body")
    return body_format


def _check_time_spent(time_spent: timedelta | None) -> None:
    if time_spent is not None and (time_spent < timedelta(0) or time_spent > timedelta(days=1)):
        raise ValidationFailed(_("Time spent must be between 0 and 24 hours."), field="time_spent")


def add_reply(
    *,
    ticket: Ticket | int,
    by: Any,
    body: str,
    channel: str = Channel.PORTAL,
    attachments: Iterable[UploadedFile] = (),
    time_spent: timedelta | None = None,
    expected_version: int | None = None,
    as_requester: Requester | None = None,
    body_format: str = BodyFormat.TEXT,
) -> Message:
    """A public reply: from an agent (counts as a response) or from the requester.

    `as_requester` names who wrote it when the system posts on someone's behalf (`by=None`, e.g.
    mail ingest): the ticket's requester or a requester copied on it. Anyone else is refused.
    `body_format="markdown"`: an agent's reply written in Markdown (rendered when shown).
    """
    body = required_text(body, field="body", message=_("The reply is empty."))
    _check_format(body_format)
    _check_time_spent(time_spent)
    files = validate_attachments(attachments)
    is_staff = by is not None and (agent_of(by) is not None or is_admin(by))
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        if is_staff:
            ensure_can_work(by, locked)
            message = _agent_reply(locked, by, body, channel, time_spent, body_format)
        else:
            ensure_can_see(by, locked)
            message = _requester_reply(locked, by, body, channel, as_requester)
        store_attachments(message, files)
        touch(locked)
    return message


def _agent_reply(
    ticket: Ticket,
    by: Any,
    body: str,
    channel: str,
    time_spent: timedelta | None,
    body_format: str,
) -> Message:
    if ticket.is_closed:
        raise InvalidTransition(_("A closed ticket cannot be answered."))
    now = clock.now()
    message = Message.objects.create(
        ticket=ticket,
        original_ticket=ticket,
        kind=MessageKind.REPLY,
        author_kind=AuthorKind.AGENT,
        author_user=by,
        author_name=by.get_full_name() or by.get_username(),
        body=body,
        body_format=body_format,
        channel=channel,
        created_at=now,
        time_spent=time_spent,
    )
    events.record(ticket, EventKind.REPLIED, by=by, data={"message_id": message.pk, "public": True})
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    start_work(ticket, by=by)
    return message


def _requester_reply(
    ticket: Ticket, by: Any, body: str, channel: str, as_requester: Requester | None = None
) -> Message:
    requester = requester_of(by) if by is not None else ticket.requester
    if as_requester is not None:
        is_party = (
            as_requester.pk == ticket.requester_id
            or ticket.participants.filter(requester=as_requester).exists()
        )
        if by is not None or not is_party:
            raise Forbidden(_("Only the requester can reply here."))
        requester = as_requester
    if requester is None:
        raise Forbidden(_("Only the requester can reply here."))
    if ticket.is_closed:
        raise InvalidTransition(
            _("This ticket is closed. Please open a new request."), field="body"
        )
    now = clock.now()
    message = Message.objects.create(
        ticket=ticket,
        original_ticket=ticket,
        kind=MessageKind.REPLY,
        author_kind=AuthorKind.REQUESTER,
        author_user=by,
        author_requester=requester,
        author_name=requester.name,
        body=body,
        channel=channel,
        created_at=now,
    )
    events.record(ticket, EventKind.REQUESTER_REPLIED, by=by, data={"message_id": message.pk})
    # The requester answering moves the ball back to the desk.
    if ticket.status == Status.PENDING_CUSTOMER:
        set_status(ticket, Status.OPEN, by=by, reason=_("The requester replied."))
    elif ticket.status == Status.RESOLVED:
        reopen_locked(ticket, by=by, reason=_("The requester replied to the resolved ticket."))
    return message


def add_note(
    *,
    ticket: Ticket | int,
    by: Any,
    body: str,
    attachments: Iterable[UploadedFile] = (),
    time_spent: timedelta | None = None,
    expected_version: int | None = None,
    body_format: str = BodyFormat.TEXT,
) -> Message:
    """An internal note: agents only, never shown to the requester."""
    body = required_text(body, field="body", message=_("The note is empty."))
    _check_format(body_format)
    _check_time_spent(time_spent)
    files = validate_attachments(attachments)
    if by is not None and not (agent_of(by) is not None or is_admin(by)):
        raise Forbidden(_("Only help desk agents can add internal notes."))
    with transaction.atomic():
        locked = lock(ticket, expected_version=expected_version)
        ensure_can_work(by, locked)
        message = Message.objects.create(
            ticket=locked,
            original_ticket=locked,
            kind=MessageKind.NOTE,
            author_kind=AuthorKind.AGENT if by is not None else AuthorKind.SYSTEM,
            author_user=by,
            author_name=(by.get_full_name() or by.get_username()) if by else "Escala",
            body=body,
            body_format=body_format,
            channel=Channel.PORTAL,
            created_at=clock.now(),
            time_spent=time_spent,
        )
        store_attachments(message, files)
        events.record(
            locked, EventKind.NOTE_ADDED, by=by, data={"message_id": message.pk, "public": False}
        )
        touch(locked)
    return message


def add_vendor_message(
    *,
    ticket: Ticket | int,
    vendor: Vendor,
    body: str,
    by: Any = None,
    public: bool = False,
    channel: str = Channel.EMAIL,
    attachments: Iterable[UploadedFile] = (),
) -> Message:
    """What a vendor wrote (by mail, or typed in by an agent); internal unless made public."""
    body = required_text(body, field="body", message=_("The message is empty."))
    files = validate_attachments(attachments)
    with transaction.atomic():
        locked = lock(ticket)
        ensure_can_work(by, locked)
        message = Message.objects.create(
            ticket=locked,
            original_ticket=locked,
            kind=MessageKind.REPLY if public else MessageKind.NOTE,
            author_kind=AuthorKind.VENDOR,
            author_user=by,
            author_vendor=vendor,
            author_name=vendor.name,
            body=body,
            channel=channel,
            created_at=clock.now(),
        )
        store_attachments(message, files)
        events.record(
            locked,
            EventKind.VENDOR_MESSAGE,
            by=by,
            data={"message_id": message.pk, "vendor_id": vendor.pk, "public": public},
        )
        touch(locked)
    return message
