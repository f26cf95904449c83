from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What an agent is told about. The order is the preferences page's."""

    ASSIGNED = "assigned", _("Assigned to me")
    ESCALATED = "escalated", _("Escalated to my team or tier")
    RETURNED = "returned", _("Sent back to my team or tier")
    REQUESTER_REPLIED = "requester_replied", _("Requester replied on my ticket")
    SLA_WARNING = "sla_warning", _("SLA warning on my ticket")
    SLA_BREACHED = "sla_breached", _("SLA breached on my ticket")
    MENTIONED = "mentioned", _("Mentioned in an internal note")


class Delivery(models.TextChoices):
    IN_APP = "in_app", _("In the console")
    MAIL = "mail", _("By mail")
    BOTH = "both", _("In the console and by mail")
    NONE = "none", _("Off")


# Without a saved choice: in the console always; by mail too for what cannot wait.
DEFAULT_DELIVERY: dict[str, str] = {
    # Routing assigns every new ticket: a mail each time would bury the ones that matter.
    Kind.ASSIGNED: Delivery.IN_APP,
    Kind.ESCALATED: Delivery.BOTH,  # the team's escalation mail always went out
    Kind.RETURNED: Delivery.IN_APP,
    Kind.REQUESTER_REPLIED: Delivery.IN_APP,
    Kind.SLA_WARNING: Delivery.IN_APP,
    Kind.SLA_BREACHED: Delivery.BOTH,
    Kind.MENTIONED: Delivery.BOTH,
}

IN_APP = {Delivery.IN_APP, Delivery.BOTH}
BY_MAIL = {Delivery.MAIL, Delivery.BOTH}
