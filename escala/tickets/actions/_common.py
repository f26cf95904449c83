"""Shared steps of the ticket actions: locking, checking a form's version, tier stays."""

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from escala.core import clock, memo, rows
from escala.core.errors import InvalidTransition, NotFound, StaleObject, ValidationFailed
from escala.people.models import Agent
from escala.people.queries import agent_of
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .. import events
from ..choices import ALLOWED_TRANSITIONS, EventKind, Status, VendorCaseStatus
from ..models import Attachment, Message, Ticket, TicketParticipant, TierStay, VendorCase

_CONFIG_RELATIONS = (
    ("tier", SupportTier),
    ("team", Team),
    ("category", Category),
    ("vendor", Vendor),
)


def lock(ticket: Ticket | int, *, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock. Call inside transaction.atomic().

    `expected_version` is the version the user's form was built from: if someone changed the
    ticket since, the action is refused rather than silently overwriting their change.
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    held = _held_lock.get()
    if held is not None and held.pk == pk:
        _held_lock.set(None)  # good for one action: what it writes is not on this copy
        locked = held
    else:
        # Lock first, then read: on PostgreSQL a row that waited for the lock is re-read, but
        # the rows joined to it by select_related are not, so one query would return a stale
        # assignee.
        if not Ticket.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True):
            raise NotFound(_("Ticket not found."))
        # Two joins, the rest by primary key: PostgreSQL takes ~20 ms to plan six joins to the
        # ticket table, far more than running this lookup. In a batch (the worker's relay, a
        # mail batch) each tier, team, category and vendor row is read once for all its tickets.
        locked = _with_config(
            Ticket.objects.select_related("assignee__user", "requester").get(pk=pk)
        )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject(
            _(
                "This ticket was changed by someone else while you were working on it. "
                "Reload it to see the change, then try again."
            )
        )
    return locked


# A ticket its caller locked and read as `lock` does (`lock_skipping`), for the next `lock` of it.
_held_lock: ContextVar[Ticket | None] = ContextVar("escala_held_lock", default=None)


def lock_skipping(pk: int) -> Ticket | None:
    """Lock the ticket without waiting for it and read it as `lock` does, in one query; None
    when another transaction holds it (or it is gone). Nothing is waited for, so nothing joined
    can be older than the row (`lock`'s reason for two queries). `already_locked` hands it to
    the action that follows."""
    found = list(
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("assignee__user", "requester")
        .filter(pk=pk)
    )
    return _with_config(found[0]) if found else None


@contextlib.contextmanager
def already_locked(ticket: Ticket | None) -> Iterator[None]:
    """Inside the block, the first `lock` of `ticket` takes it as it is (locked and read by
    `lock_skipping` in this transaction, unchanged since) instead of locking and reading it
    again."""
    token = _held_lock.set(ticket)
    try:
        yield
    finally:
        _held_lock.reset(token)


def lock_many(ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """`lock` for many tickets at once (the relay's batch): two queries whatever their number.
    The rows are locked in id order, so two lockers of overlapping sets never deadlock. Those
    not found are left out."""
    found = list(
        Ticket.objects.select_for_update()
        .filter(pk__in=list(ticket_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not found:
        return {}
    tickets = Ticket.objects.select_related("assignee__user", "requester").filter(pk__in=found)
    return {t.pk: _with_config(t) for t in tickets}


def _with_config(ticket: Ticket) -> Ticket:
    for name, model in _CONFIG_RELATIONS:
        related_id = getattr(ticket, f"{name}_id")
        if related_id is not None:
            row = memo.cached((name, related_id), lambda m=model, i=related_id: m.objects.get(pk=i))
            setattr(ticket, name, row)
    return ticket


def touch(ticket: Ticket) -> None:
    ticket.updated_at = clock.now()
    ticket.version += 1
    ticket.save()


def required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    return text


def check_transition(ticket: Ticket, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS.get(ticket.status, frozenset()):
        raise InvalidTransition(
            _("A ticket that is “%(from)s” cannot become “%(to)s”.")
            % {"from": ticket.get_status_display(), "to": Status(to).label},
            field="status",
        )


def set_status(ticket: Ticket, to: str, *, by: Any, reason: str = "") -> None:
    """Move the status and write the STATUS_CHANGED event; no-op when already there."""
    if ticket.status == to:
        return
    events.record(
        ticket,
        EventKind.STATUS_CHANGED,
        by=by,
        field="status",
        old=ticket.status,
        new=to,
        reason=reason,
    )
    ticket.status = to


def start_work(ticket: Ticket, *, by: Any) -> None:
    """Someone took the ticket up: a new or reopened ticket becomes open."""
    if ticket.status in (Status.NEW, Status.REOPENED):
        set_status(ticket, Status.OPEN, by=by)


def require_open(ticket: Ticket, what: str) -> None:
    if not ticket.is_open:
        raise InvalidTransition(
            _("%(what)s is not possible: the ticket is %(status)s.")
            % {"what": what, "status": ticket.get_status_display().lower()}
        )


def require_agent(by: Any) -> Agent | None:
    """The acting agent; None for the system or an admin without an agent profile."""
    return agent_of(by) if by is not None else None


def open_stay(
    ticket: Ticket,
    *,
    tier: SupportTier,
    team: Team | None,
    by: Any,
    reason: str,
    note: str = "",
    handover: str = "",
    vendor: Vendor | None = None,
) -> TierStay:
    stay = rows.new(
        TierStay,
        ticket=ticket,
        tier=tier,
        team=team,
        vendor=vendor,
        entered_at=clock.now(),
        entered_by=by,
        entry_reason=reason,
        entry_note=note,
        handover=handover,
    )
    rows.insert_later(stay)  # a mail batch writes its new tickets' stays together
    return stay


def close_stay(ticket: Ticket, *, by: Any, reason: str) -> TierStay | None:
    rows.flush()  # a stay opened earlier in this batch
    stay = TierStay.objects.filter(ticket=ticket, left_at__isnull=True).first()
    if stay is not None:
        stay.left_at = clock.now()
        stay.left_by = by
        stay.exit_reason = reason
        stay.save(update_fields=["left_at", "left_by", "exit_reason"])
    return stay


def close_open_vendor_case(ticket: Ticket, *, by: Any, outcome: str) -> VendorCase | None:
    case = VendorCase.objects.filter(ticket=ticket, status=VendorCaseStatus.OPEN).first()
    if case is None:
        return None
    case.status = VendorCaseStatus.CLOSED
    case.closed_at = clock.now()
    case.closed_by = by
    case.outcome = outcome
    case.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
    events.record(
        ticket,
        EventKind.VENDOR_CASE_CLOSED,
        by=by,
        field="vendor",
        old=case.vendor.name,
        new="",
        reason=outcome,
        data={
            "vendor_case_id": case.pk,
            "vendor_id": case.vendor_id,
            "external_reference": case.external_reference,
        },
    )
    ticket.vendor = None
    ticket.vendor_case_number = ""
    return case


def add_participant_row(ticket: Ticket, *, agent: Agent | None = None, requester=None) -> bool:
    _row, created = TicketParticipant.objects.get_or_create(
        ticket=ticket, agent=agent, requester=requester, defaults={"added_at": clock.now()}
    )
    return created


def validate_attachments(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    import mimetypes

    from escala.core.filenames import clean_filename

    allowed = set(settings.ESCALA_ALLOWED_ATTACHMENT_TYPES)
    limit = settings.ESCALA_MAX_ATTACHMENT_BYTES
    checked = []
    for f in files:
        name = clean_filename(f.name)  # every stored name: no NUL, controls, bidi, paths
        if f.size is None or f.size > limit:
            raise ValidationFailed(
                _("“%(name)s” is larger than the %(limit)s MB limit.")
                % {"name": name, "limit": limit // (1024 * 1024)},
                field="attachments",
            )
        # Trust neither the browser's claim nor the name alone: both must say an allowed type.
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        declared = (getattr(f, "content_type", None) or guessed).split(";")[0].strip().lower()
        if guessed not in allowed or declared not in allowed:
            raise ValidationFailed(
                _("Files of the type of “%(name)s” cannot be attached.") % {"name": name},
                field="attachments",
            )
        f.name = name
        f.content_type = guessed  # type: ignore[attr-defined]
        checked.append(f)
    return checked


def store_attachments(message: Message, files: list[UploadedFile]) -> list[Attachment]:
    stored = []
    for f in files:
        stored.append(
            Attachment.objects.create(
                message=message,
                file=f,
                filename=f.name,
                content_type=f.content_type,  # type: ignore[attr-defined]
                size=f.size,
            )
        )
    return stored
