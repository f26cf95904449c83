from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    IGNORED = "ignored", _("Ignored")


class Source(models.TextChoices):
    PIPE = "pipe", _("Pipe")
    SMTP = "smtp", _("SMTP/LMTP")
    IMAP = "imap", _("IMAP")
    MANUAL = "manual", _("Manual")


class Outcome(models.TextChoices):
    """What ingest did with a mail (or why it did not)."""

    NEW_TICKET = "new_ticket", _("New ticket")
    REPLY = "reply", _("Reply on a ticket")
    AGENT_REPLY = "agent_reply", _("Agent reply on a ticket")
    VENDOR_MESSAGE = "vendor_message", _("Vendor message")
    AUTO_REPLY = "auto_reply", _("Auto-reply (ignored)")
    BOUNCE = "bounce", _("Bounce (ignored)")
    LOOP = "loop", _("Our own mail (ignored)")
    DUPLICATE = "duplicate", _("Duplicate")
    STRANGER = "stranger", _("Sender is not a participant")
    RATE_LIMITED = "rate_limited", _("Too many mails from this sender")
    DOMAIN_NOT_ALLOWED = "domain_not_allowed", _("Sender domain not allowed")
    UNREADABLE = "unreadable", _("Unreadable mail")
    TOO_LARGE = "too_large", _("Mail too large")
    BOUNCE_RECORDED = "bounce_recorded", _("Bounce of our mail (recorded on its ticket)")
    REFUSED = "refused", _("Refused by the ticket rules")
    VENDOR_UNMATCHED = "vendor_unmatched", _("Vendor mail without a ticket")
    NO_SENDER = "no_sender", _("No sender address")
    UNVERIFIED_SENDER = "unverified_sender", _("Unverified sender")
    ERROR = "error", _("Processing error")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")


class NotificationKind(models.TextChoices):
    RECEIVED = "received", _("Request received")
    AGENT_REPLY = "agent_reply", _("Agent reply")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ESCALATED = "escalated", _("Escalated to your team")
    RESOLVED = "resolved", _("Resolved")
    VENDOR = "vendor", _("Mail to vendor")
    MAJOR_INCIDENT = "major_incident", _("Major incident update")
    AGENT_NOTICE = "agent_notice", _("Notification to an agent")


class SenderPolicy(models.TextChoices):
    """Who may act by mail through a mailbox (see authn.py and the README)."""

    STRICT = "strict", _("Strict: a verified sender (DKIM/DMARC) or a valid reply token")
    TOKEN = "token", _("Token: replies need a valid reply token or a verified sender")
    LENIENT = "lenient", _("Lenient: anyone, unless the domain says the mail is forged")


class AuthResult(models.TextChoices):
    PASS = "pass", _("Verified")
    FAIL = "fail", _("Forged")
    NONE = "none", _("Not verified")
    TEMPERROR = "temperror", _("Not verified (DNS error)")


class Decision(models.TextChoices):
    """What an agent decided about a held mail."""

    RELEASED = "released", _("Released as the sender")
    NEW_TICKET = "new_ticket", _("Filed as a new ticket")
    DISMISSED = "dismissed", _("Dismissed")
    RETRIED = "retried", _("Processed again")


class AlertKind(models.TextChoices):
    ACK_SENDER = "ack_sender", _("Acknowledgements held back for a sender")
    ACK_DOMAIN = "ack_domain", _("New tickets flooding in from a domain")
    SENDER_RATE = "sender_rate", _("Mail held: too many from one sender")
