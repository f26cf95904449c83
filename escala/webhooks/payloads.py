"""What a webhook receiver gets: the ticket as it is now and the change that happened."""

from typing import Any

from escala.tickets.choices import EventKind
from escala.tickets.models import Message, Ticket, TicketEvent

from .choices import WebhookEvent

# Which history rows are worth telling the outside world about, and under which name.
EVENT_MAP: dict[str, str] = {
    EventKind.CREATED: WebhookEvent.TICKET_CREATED,
    EventKind.REPLIED: WebhookEvent.TICKET_REPLIED,
    EventKind.REQUESTER_REPLIED: WebhookEvent.TICKET_REPLIED,
    EventKind.STATUS_CHANGED: WebhookEvent.TICKET_STATUS_CHANGED,
    EventKind.ESCALATED: WebhookEvent.TICKET_ESCALATED,
    EventKind.REFERRED_TO_VENDOR: WebhookEvent.TICKET_REFERRED,
    EventKind.RESOLVED: WebhookEvent.TICKET_RESOLVED,
}


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "tier": ticket.tier.level,
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "requester_id": ticket.requester_id,
        "organization_id": ticket.organization_id,
        "category": ticket.category.code if ticket.category else None,
        "vendor": ticket.vendor.name if ticket.vendor else None,
        "vendor_case_number": ticket.vendor_case_number,
        "url": f"/api/v1/tickets/{ticket.pk}",
    }


def for_ticket_event(name: str, event: TicketEvent, ticket: Ticket) -> dict[str, Any]:
    change: dict[str, Any] = {
        "kind": event.kind,
        "at": event.created_at.isoformat(),
        "by": event.actor_name,
        "field": event.field,
        "old": event.old_value,
        "new": event.new_value,
        "reason": event.reason,
    }
    if name == WebhookEvent.TICKET_REPLIED and (message_id := event.data.get("message_id")):
        message = Message.objects.filter(pk=message_id).first()
        if message is not None:
            change["message"] = {
                "id": message.pk,
                "author_kind": message.author_kind,
                "author_name": message.author_name,
                "body": message.body,
            }
    return {
        "event": name,
        "ticket_event_id": event.pk,
        "ticket": ticket_summary(ticket),
        "change": change,
    }
