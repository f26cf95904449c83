"""Routing settings, tags, triggers, macros and the notification outbox."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.core.i18n import Localized
from escala.people.models import Agent
from escala.tickets.choices import Status
from escala.tickets.models import Ticket
from escala.tiers.choices import Priority
from escala.tiers.models import Team

from .choices import TRIGGER_EVENTS, ActionKind, ConditionField, Operator, RoutingMode


class TeamRouting(models.Model):
    """How new tickets are handed out inside a team."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="routing", verbose_name=_("team")
    )
    mode = models.CharField(
        _("routing"), max_length=20, choices=RoutingMode.choices, default=RoutingMode.LEAST_LOADED
    )
    last_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class TicketTag(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tags")
    name = models.SlugField(_("tag"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["ticket", "name"], name="tag_once")]
        indexes = [models.Index(fields=["name"], name="tag_name")]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


def _validate_conditions(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Conditions must be a list."))
    for item in value:
        if not isinstance(item, dict) or item.get("field") not in ConditionField.values:
            raise ValidationError(_("Each condition needs a known “field”."))
        if item.get("op", "is") not in Operator.values:
            raise ValidationError(_("Unknown operator “%(op)s”."), params={"op": item.get("op")})
        if "value" not in item:
            raise ValidationError(_("Each condition needs a “value”."))


def _validate_actions(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("A trigger needs at least one action."))
    for item in value:
        if not isinstance(item, dict) or item.get("action") not in ActionKind.values:
            raise ValidationError(_("Each action needs a known “action”."))


class Trigger(models.Model):
    """When an event happens and the ticket matches every condition, run the actions.

    conditions: [{"field": "priority", "op": "is", "value": "critical"}, ...]
    actions: [{"action": "notify", "value": "supervisors"}, {"action": "add_tag", "value": "vip"}]
    Events caused by a trigger never fire triggers, so triggers cannot loop.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    event = models.CharField(_("on event"), max_length=30, choices=TRIGGER_EVENTS)
    conditions = models.JSONField(
        _("conditions"), default=list, blank=True, validators=[_validate_conditions]
    )
    actions = models.JSONField(_("actions"), default=list, validators=[_validate_actions])
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")

    def __str__(self) -> str:
        return self.name


class Macro(Localized, models.Model):
    """A canned reply with placeholders, in both languages, that may also set fields.

    Placeholders: {{ requester.name }}, {{ ticket.reference }}, {{ ticket.subject }},
    {{ ticket.tier }}, {{ agent.name }}.
    """

    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100)
    body_en = models.TextField(_("reply (English)"), blank=True)
    body_es = models.TextField(_("reply (Spanish)"), blank=True)
    set_status = models.CharField(
        _("set status"),
        max_length=20,
        blank=True,
        choices=[
            (s, s.label) for s in (Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_VENDOR)
        ],
    )
    set_priority = models.CharField(
        _("set priority"), max_length=10, choices=Priority.choices, blank=True
    )
    add_tag = models.SlugField(_("add tag"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")


class Notification(models.Model):
    """Outbox: someone must be told something about a ticket. The mail side delivers it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_outbox")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.agent} (#{self.ticket_id})"
