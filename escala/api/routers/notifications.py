"""The caller's own notifications (escala/notifications): list, mark one read, mark all read.

Only ever the token owner's: another person's notification is a 404, like one that does not
exist. Paged like the other lists: newest first, follow `next_cursor`."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from escala.core.errors import NotFound, ValidationFailed
from escala.core.paging import keyset_page
from escala.notifications import actions, present, queries
from escala.notifications.choices import Kind

from .. import auth
from ..schemas.common import COMMON_ERRORS, MAX_ID, WRITE_ERRORS, InputSchema

router = Router(tags=["notifications"])
PathId = Path(..., ge=1, le=MAX_ID)


class NotificationOut(Schema):
    id: int
    kind: str = Field(description=f"One of: {', '.join(Kind.values)}.")
    text: str = Field(description="What happened, in the request's language.")
    detail: str = Field(description="A note's excerpt or an escalation's reason, if any.")
    ticket_id: int
    ticket_reference: str
    ticket_subject: str
    actor_id: int | None
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    unread: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int


class NotificationFilters(InputSchema):
    unread: bool = Field(False, description="Only the unread ones.")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)


class ReadAllOut(Schema):
    marked: int
    unread_count: int


def _out(n) -> dict[str, Any]:  # noqa: ANN001
    return {
        "id": n.pk,
        "kind": n.kind,
        "text": present.text(n.kind, n.params),
        "detail": present.detail(n.params),
        "ticket_id": n.ticket_id,
        "ticket_reference": n.ticket.reference,
        "ticket_subject": n.ticket.subject,
        "actor_id": n.actor_id,
        "params": n.params,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "unread": n.read_at is None,
    }


@router.get("/notifications", response={200: NotificationPage, **COMMON_ERRORS}, auth=auth.read)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict:
    """The caller's notifications, newest first. Follow `next_cursor` for the next page."""
    user = request.auth
    page = keyset_page(
        queries.inbox(user, unread_only=filters.unread),
        order=[("id", True)],
        cursor=filters.cursor,
        size=filters.limit,
    )
    if filters.cursor and page.is_first:
        raise ValidationFailed(_("This cursor is not valid."), field="cursor")
    return {
        "items": [_out(n) for n in page.rows],
        "next_cursor": page.next_cursor,
        "unread_count": queries.unread_count(user),
    }


@router.post("/notifications/read-all", response={200: ReadAllOut, **WRITE_ERRORS}, auth=auth.write)
def read_all(request: HttpRequest) -> dict:
    """Mark every unread notification of the caller read."""
    marked = actions.mark_all_read(by=request.auth)
    return {"marked": marked, "unread_count": queries.unread_count(request.auth)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    auth=auth.write,
)
def read_one(request: HttpRequest, notification_id: int = PathId) -> dict:
    """Mark one of the caller's notifications read (again: no change)."""
    if not queries.inbox(request.auth).filter(pk=notification_id).exists():
        raise NotFound(_("Notification not found."))
    found = actions.mark_read(notification=notification_id, by=request.auth)
    return _out(queries.inbox(request.auth).get(pk=found.pk))
