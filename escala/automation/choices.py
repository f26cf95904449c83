from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.tickets.choices import EventKind


class RoutingMode(models.TextChoices):
    LEAST_LOADED = "least_loaded", _("Least-loaded available agent")
    ROUND_ROBIN = "round_robin", _("Round robin")
    MANUAL = "manual", _("Nobody: agents take tickets from the queue")


# The events a trigger can fire on.
TRIGGER_EVENTS = [
    (EventKind.CREATED, EventKind.CREATED.label),
    (EventKind.REPLIED, EventKind.REPLIED.label),
    (EventKind.REQUESTER_REPLIED, EventKind.REQUESTER_REPLIED.label),
    (EventKind.STATUS_CHANGED, EventKind.STATUS_CHANGED.label),
    # Priority, category, team or tags changed (conditions say which value it has now).
    (EventKind.FIELD_CHANGED, EventKind.FIELD_CHANGED.label),
    (EventKind.ESCALATED, EventKind.ESCALATED.label),
    (EventKind.ASSIGNED, EventKind.ASSIGNED.label),
    (EventKind.REOPENED, EventKind.REOPENED.label),
    (EventKind.SLA_WARNING, EventKind.SLA_WARNING.label),
    (EventKind.SLA_BREACHED, EventKind.SLA_BREACHED.label),
]


class ConditionField(models.TextChoices):
    STATUS = "status", _("Status")
    PRIORITY = "priority", _("Priority")
    CHANNEL = "channel", _("Channel")
    TIER_LEVEL = "tier_level", _("Tier level")
    TEAM = "team", _("Team")
    CATEGORY = "category", _("Category")
    ORGANIZATION = "organization", _("Organization")
    ASSIGNED = "assigned", _("Has an assignee")
    TAG = "tag", _("Tag")


class Operator(models.TextChoices):
    IS = "is", _("is")
    IS_NOT = "is_not", _("is not")
    IN = "in", _("is one of")


class ActionKind(models.TextChoices):
    SET_TEAM = "set_team", _("Set team")
    SET_PRIORITY = "set_priority", _("Set priority")
    SET_STATUS = "set_status", _("Set status")
    ADD_TAG = "add_tag", _("Add tag")
    ASSIGN = "assign", _("Assign to agent")
    NOTIFY = "notify", _("Notify")
    ESCALATE = "escalate", _("Escalate to the next tier")
