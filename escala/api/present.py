"""Rows to response dicts. Explicit, so the API's shape never changes by accident with a model."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from escala.tickets.models import Attachment, Message, Ticket, TicketEvent, TierStay
from escala.tiers.models import Category, SupportTier

# What a ticket's response shows of other rows. Only two are joined: PostgreSQL's planner time
# grows steeply with each join to the ticket table (7 joins: ~150 ms to plan a 50-row page, more
# than the query takes to run at a million tickets; 2 joins: under 1 ms). The small tables come
# with one `id IN (...)` query each.
TICKET_JOINED = ("requester", "assignee__user")
TICKET_PREFETCHED = ("tier", "team", "organization", "category", "vendor")


def with_related(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related(*TICKET_JOINED).prefetch_related(*TICKET_PREFETCHED)


def tier(t: SupportTier) -> dict[str, Any]:
    return {"id": t.pk, "level": t.level, "code": t.code, "name": t.name}


def category(c: Category | None) -> dict[str, Any] | None:
    return None if c is None else {"id": c.pk, "code": c.code, "name": c.name}


def _ref(obj: Any, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, name)}


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "reference": t.reference,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "impact": t.impact,
        "urgency": t.urgency,
        "channel": t.channel,
        "tier": tier(t.tier),
        "team": _ref(t.team),
        "assignee": _ref(t.assignee, "display_name"),
        "requester": {"id": t.requester.pk, "name": t.requester.name},
        "organization": _ref(t.organization),
        "category": category(t.category),
        "vendor": _ref(t.vendor),
        "vendor_case_number": t.vendor_case_number,
        "parent_id": t.parent_id,
        "merged_into_id": t.merged_into_id,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "first_response_at": t.first_response_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "resolution_summary": t.resolution_summary,
        "version": t.version,
    }


def attachment(a: Attachment, ticket_id: int) -> dict[str, Any]:
    return {
        "id": a.pk,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "url": reverse("api-v1:download_attachment", args=[ticket_id, a.pk]),
    }


def message(m: Message) -> dict[str, Any]:
    spent = m.time_spent
    return {
        "id": m.pk,
        "kind": m.kind,
        "author_kind": m.author_kind,
        "author_name": m.author_name,
        "body": m.body,
        "body_format": m.body_format,
        "channel": m.channel,
        "created_at": m.created_at,
        "time_spent_minutes": None if spent is None else int(spent.total_seconds() // 60),
        "attachments": [attachment(a, m.ticket_id) for a in m.attachments.all()],
    }


def event(e: TicketEvent, *, staff: bool) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor_name": e.actor_name,
        "created_at": e.created_at,
        "field": e.field,
        "old_value": e.old_value,
        "new_value": e.new_value,
        "reason": e.reason if staff or e.kind in REQUESTER_REASONS else "",
        "data": e.data if staff else {},
    }


# What a requester reads of the history: the conversation and the life cycle, not the desk's
# internal moves (notes, assignments, escalation reasons).
REQUESTER_EVENTS = frozenset(
    {
        "created",
        "replied",
        "requester_replied",
        "status_changed",
        "resolved",
        "reopened",
        "closed",
        "merged",
        "absorbed",
    }
)
REQUESTER_REASONS = frozenset({"resolved", "reopened", "closed"})


def stay(s: TierStay, *, staff: bool) -> dict[str, Any]:
    return {
        "id": s.pk,
        "tier": tier(s.tier),
        "team": _ref(s.team) if staff else None,
        "vendor": _ref(s.vendor) if staff else None,
        "entered_at": s.entered_at,
        "left_at": s.left_at,
        "entry_reason": s.entry_reason,
        "exit_reason": s.exit_reason,
        "entry_note": s.entry_note if staff else "",
        "handover": s.handover if staff else "",
    }
