from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    PENDING_VENDOR = "pending_vendor", _("Pending vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# The one state machine. Every action that moves a ticket checks it here.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {
            Status.OPEN,
            Status.PENDING_CUSTOMER,
            Status.PENDING_VENDOR,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    Status.OPEN: frozenset(
        {Status.PENDING_CUSTOMER, Status.PENDING_VENDOR, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_CUSTOMER: frozenset(
        {Status.OPEN, Status.PENDING_VENDOR, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_VENDOR: frozenset(
        {Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.REOPENED, Status.CLOSED}),
    Status.REOPENED: frozenset(
        {
            Status.OPEN,
            Status.PENDING_CUSTOMER,
            Status.PENDING_VENDOR,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    Status.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset(
    {Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_VENDOR, Status.REOPENED}
)
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class BodyFormat(models.TextChoices):
    """How a message's body is written: plain text (mail, the portal, the API, every message
    before the console's Markdown) or Markdown (the console's composer)."""

    TEXT = "text", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")


class AuthorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    REQUESTER = "requester", _("Requester")
    VENDOR = "vendor", _("Vendor")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    REPLIED = "replied", _("Public reply")
    NOTE_ADDED = "note_added", _("Internal note")
    REQUESTER_REPLIED = "requester_replied", _("Requester replied")
    VENDOR_MESSAGE = "vendor_message", _("Vendor message")
    CLAIMED = "claimed", _("Claimed")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    FIELD_CHANGED = "field_changed", _("Field changed")
    ESCALATED = "escalated", _("Escalated")
    DE_ESCALATED = "de_escalated", _("De-escalated")
    REFERRED_TO_VENDOR = "referred_to_vendor", _("Referred to vendor")
    VENDOR_CASE_CLOSED = "vendor_case_closed", _("Vendor case closed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another ticket")
    ABSORBED = "absorbed", _("Absorbed a merged ticket")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Unlinked")
    PARENT_SET = "parent_set", _("Parent set")
    PARTICIPANT_ADDED = "participant_added", _("Participant added")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    NOTIFIED = "notified", _("Notified")
    MAIL_BOUNCED = "mail_bounced", _("Notification bounced")


class StayReason(models.TextChoices):
    CREATED = "created", _("Created here")
    ESCALATED = "escalated", _("Escalated")
    DE_ESCALATED = "de_escalated", _("De-escalated")
    REFERRED = "referred", _("Referred to vendor")
    RETURNED = "returned", _("Returned from vendor")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    REOPENED = "reopened", _("Reopened")


class VendorCaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
