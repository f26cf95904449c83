"""Relations between tickets: related and duplicate links, parent and child, merge."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escala.core import clock
from escala.core.errors import InvalidTransition, ValidationFailed

from .. import events
from ..choices import EventKind, LinkKind, Status, StayReason
from ..models import Message, Ticket, TicketLink
from ..permissions import ensure_can_work
from ._common import close_open_vendor_case, close_stay, lock, touch


def _lock_pair(a: Ticket | int, b: Ticket | int) -> tuple[Ticket, Ticket]:
    """Lock two tickets in id order, so two merges crossing each other cannot deadlock."""
    a_pk = a.pk if isinstance(a, Ticket) else a
    b_pk = b.pk if isinstance(b, Ticket) else b
    if a_pk == b_pk:
        raise ValidationFailed(_("A ticket cannot be linked to itself."), field="target")
    first, second = sorted((a_pk, b_pk))
    locked = {first: lock(first), second: lock(second)}
    return locked[a_pk], locked[b_pk]


def link_tickets(*, source: Ticket | int, target: Ticket | int, by: Any, kind: str) -> TicketLink:
    if kind not in LinkKind.values:
        raise ValidationFailed(_("Unknown link kind."), field="kind")
    with transaction.atomic():
        src, dst = _lock_pair(source, target)
        ensure_can_work(by, src)
        ensure_can_work(by, dst)
        link, created = TicketLink.objects.get_or_create(
            source=src,
            target=dst,
            kind=kind,
            defaults={"created_at": clock.now(), "created_by": by},
        )
        if created:
            events.record(
                src,
                EventKind.LINKED,
                by=by,
                field=kind,
                new=dst.reference,
                data={"ticket_id": dst.pk, "kind": kind, "direction": "out"},
            )
            events.record(
                dst,
                EventKind.LINKED,
                by=by,
                field=kind,
                new=src.reference,
                data={"ticket_id": src.pk, "kind": kind, "direction": "in"},
            )
            touch(src)
            touch(dst)
    return link


def unlink_tickets(*, link: TicketLink, by: Any) -> None:
    with transaction.atomic():
        src, dst = _lock_pair(link.source_id, link.target_id)
        ensure_can_work(by, src)
        ensure_can_work(by, dst)
        deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
        if deleted:
            for here, there in ((src, dst), (dst, src)):
                events.record(
                    here,
                    EventKind.UNLINKED,
                    by=by,
                    field=link.kind,
                    old=there.reference,
                    data={"ticket_id": there.pk},
                )
                touch(here)


def set_parent(*, child: Ticket | int, parent: Ticket | int | None, by: Any) -> Ticket:
    with transaction.atomic():
        if parent is None:
            locked_child = lock(child)
            ensure_can_work(by, locked_child)
            if locked_child.parent_id is None:
                return locked_child
            old = locked_child.parent.reference
            locked_child.parent = None
            events.record(locked_child, EventKind.PARENT_SET, by=by, field="parent", old=old)
            touch(locked_child)
            return locked_child
        locked_child, locked_parent = _lock_pair(child, parent)
        ensure_can_work(by, locked_child)
        ensure_can_work(by, locked_parent)
        # Walk up from the new parent: meeting the child would make a cycle.
        ancestor = locked_parent
        while ancestor is not None:
            if ancestor.pk == locked_child.pk:
                raise ValidationFailed(
                    _("That would make the ticket its own ancestor."), field="parent"
                )
            ancestor = ancestor.parent
        old = locked_child.parent.reference if locked_child.parent_id else ""
        locked_child.parent = locked_parent
        events.record(
            locked_child,
            EventKind.PARENT_SET,
            by=by,
            field="parent",
            old=old,
            new=locked_parent.reference,
            data={"ticket_id": locked_parent.pk},
        )
        touch(locked_child)
    return locked_child


def merge_tickets(
    *, source: Ticket | int, target: Ticket | int, by: Any, reason: str = ""
) -> Ticket:
    """Fold `source` into `target`: its conversation moves, both keep their own history, and
    `source` is closed pointing at `target`."""
    with transaction.atomic():
        src, dst = _lock_pair(source, target)
        ensure_can_work(by, src)
        ensure_can_work(by, dst)
        if src.requester_id != dst.requester_id:
            raise ValidationFailed(
                _("Only tickets of the same requester can be merged."), field="target"
            )
        if src.is_closed or dst.is_closed:
            raise InvalidTransition(_("A closed ticket cannot be merged."), field="target")
        moved = Message.objects.filter(ticket=src).update(ticket=dst)
        close_open_vendor_case(
            src, by=by, outcome=_("Merged into %(ref)s") % {"ref": dst.reference}
        )
        close_stay(src, by=by, reason=StayReason.MERGED)
        events.record(
            src,
            EventKind.MERGED,
            by=by,
            field="status",
            old=src.status,
            new=Status.CLOSED,
            reason=reason.strip(),
            data={"ticket_id": dst.pk, "into": dst.reference, "messages": moved},
        )
        events.record(
            dst,
            EventKind.ABSORBED,
            by=by,
            new=src.reference,
            reason=reason.strip(),
            data={"ticket_id": src.pk, "messages": moved},
        )
        src.status = Status.CLOSED
        src.closed_at = clock.now()
        src.merged_into = dst
        touch(src)
        touch(dst)
    return dst
