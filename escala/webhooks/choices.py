from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_REPLIED = "ticket.replied", _("Public reply")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    TICKET_ESCALATED = "ticket.escalated", _("Escalated")
    TICKET_REFERRED = "ticket.referred_to_vendor", _("Referred to vendor")
    TICKET_RESOLVED = "ticket.resolved", _("Resolved")
    # Sent by the SLA clocks (escala.sla) through escala.webhooks.actions.notify().
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACH = "sla.breach", _("SLA breached")
    # Sent by escala.problems through escala.webhooks.actions.notify_about().
    PROBLEM_OPENED = "problem.opened", _("Problem opened")
    PROBLEM_CHANGED = "problem.changed", _("Problem changed")
    PROBLEM_KNOWN_ERROR = "problem.known_error", _("Known error published")
    MAJOR_DECLARED = "major_incident.declared", _("Major incident declared")
    MAJOR_CHANGED = "major_incident.changed", _("Major incident changed")
    MAJOR_UPDATED = "major_incident.updated", _("Major incident update sent")
    MAJOR_RESOLVED = "major_incident.resolved", _("Major incident resolved")


PING = "ping"  # the test-send; never subscribed to, always allowed


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
