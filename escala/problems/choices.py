from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    ROOT_CAUSE_KNOWN = "root_cause_known", _("Root cause known")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The one state machine of a problem. A known error needs a published workaround, so it is
# reached only through publish_workaround; "back" moves exist because an investigation can be
# proved wrong (the root cause was not the cause after all).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ProblemStatus.INVESTIGATING: frozenset(
        {
            ProblemStatus.ROOT_CAUSE_KNOWN,
            ProblemStatus.KNOWN_ERROR,
            ProblemStatus.RESOLVED,
            ProblemStatus.CLOSED,
        }
    ),
    ProblemStatus.ROOT_CAUSE_KNOWN: frozenset(
        {
            ProblemStatus.INVESTIGATING,
            ProblemStatus.KNOWN_ERROR,
            ProblemStatus.RESOLVED,
            ProblemStatus.CLOSED,
        }
    ),
    ProblemStatus.KNOWN_ERROR: frozenset(
        {ProblemStatus.INVESTIGATING, ProblemStatus.RESOLVED, ProblemStatus.CLOSED}
    ),
    ProblemStatus.RESOLVED: frozenset({ProblemStatus.INVESTIGATING, ProblemStatus.CLOSED}),
    ProblemStatus.CLOSED: frozenset({ProblemStatus.INVESTIGATING}),
}

OPEN_PROBLEM_STATUSES = frozenset(
    {ProblemStatus.INVESTIGATING, ProblemStatus.ROOT_CAUSE_KNOWN, ProblemStatus.KNOWN_ERROR}
)


class ProblemEventKind(models.TextChoices):
    CREATED = "created", _("Opened")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ROOT_CAUSE = "root_cause", _("Root cause recorded")
    WORKAROUND = "workaround", _("Workaround published")
    TICKET_LINKED = "ticket_linked", _("Incident linked")
    TICKET_UNLINKED = "ticket_unlinked", _("Incident unlinked")
    VENDOR_CASE = "vendor_case", _("Vendor case linked")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", _("Incident answered with the workaround")


class MajorIncidentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")


class MajorIncidentEventKind(models.TextChoices):
    DECLARED = "declared", _("Declared")
    TICKET_LINKED = "ticket_linked", _("Ticket linked")
    TICKET_UNLINKED = "ticket_unlinked", _("Ticket unlinked")
    UPDATE = "update", _("Update posted")
    SUBSCRIBED = "subscribed", _("A requester said it affects them too")
    RESOLVED = "resolved", _("Resolved")
