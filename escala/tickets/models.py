from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from escala.core.choices import quick_labels
from escala.people.models import Agent, Organization, Requester
from escala.tiers.choices import Impact, Priority, Urgency
from escala.tiers.models import Category, SupportTier, Team, Vendor

from .choices import (
    OPEN_STATUSES,
    AuthorKind,
    BodyFormat,
    Channel,
    EventKind,
    LinkKind,
    MessageKind,
    Status,
    StayReason,
    VendorCaseStatus,
)


def format_reference(number: int) -> str:
    return f"{settings.ESCALA_TICKET_PREFIX}-{number:06d}"


@quick_labels("channel", "status", "impact", "urgency", "priority")
class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=250)
    requester = models.ForeignKey(
        Requester, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("requester")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    impact = models.CharField(
        _("impact"), max_length=10, choices=Impact.choices, default=Impact.MEDIUM
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("category"),
    )
    tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("tier")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("vendor"),
    )
    vendor_case_number = models.CharField(_("vendor case number"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent ticket"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    # Bumped by every action: a form that carries an older version is refused, not applied.
    version = models.PositiveIntegerField(default=1)
    # The soonest due instant of the ticket's running SLA/OLA clocks (None: nothing is running
    # toward a target). A cache kept by escala.sla.clocks with the TicketClock rows, so the
    # queue sorts and filters by it from an index instead of reading every ticket's clocks.
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "tier", "-created_at"], name="ticket_queue_tier"),
            models.Index(fields=["team", "status", "-created_at"], name="ticket_queue_team"),
            models.Index(
                fields=["assignee", "status", "-created_at"], name="ticket_queue_assignee"
            ),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
            models.Index(fields=["organization", "-created_at"], name="ticket_organization"),
            # Newest first, the order of every list (and the API's keyset cursor).
            models.Index(fields=["-created_at", "-id"], name="ticket_newest"),
            # The queue's "Due" sort (soonest first, nothing due last) and its SLA filters.
            models.Index(fields=["sla_due_at", "id"], name="ticket_sla_due"),
        ]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> "Ticket":
        ticket = super().from_db(db, field_names, values, **kwargs)
        # Where the ticket was routed when read (tier, team, assignee; None when not read): an
        # action that moves it lets the live console update the queues it leaves as well.
        known = ticket.__dict__
        ticket.routed_as_loaded = (  # type: ignore[attr-defined]
            known.get("tier_id"),
            known.get("team_id"),
            known.get("assignee_id"),
        )
        return ticket

    @property
    def reference(self) -> str:
        return format_reference(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class TicketParticipant(models.Model):
    """An agent pulled into a ticket outside their tiers, or a requester copied on it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    requester = models.ForeignKey(
        Requester, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(agent__isnull=False, requester__isnull=True)
                | Q(agent__isnull=True, requester__isnull=False),
                name="participant_is_agent_xor_requester",
            ),
            models.UniqueConstraint(fields=["ticket", "agent"], name="participant_agent_once"),
            models.UniqueConstraint(
                fields=["ticket", "requester"], name="participant_requester_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent or self.requester} on #{self.ticket_id}"


@quick_labels("kind", "author_kind", "channel")
class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_kind = models.CharField(_("author kind"), max_length=10, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_requester = models.ForeignKey(
        Requester, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    author_vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    # Every message before the console wrote Markdown is plain text, and is shown as before.
    body_format = models.CharField(
        _("format"), max_length=10, choices=BodyFormat.choices, default=BodyFormat.TEXT
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"))
    time_spent = models.DurationField(_("time spent"), null=True, blank=True)
    # Which ticket this message was first written on (kept when a merge moves it).
    original_ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_thread")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.REPLY


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random folder per file: names never collide and cannot be guessed from the ticket number.
    import uuid

    return f"attachments/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150)
    size = models.PositiveBigIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


@quick_labels("kind")
class TicketEvent(models.Model):
    """Append-only history. Every action writes one (or more) in its own transaction."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"))
    field = models.CharField(_("field"), max_length=40, blank=True)
    old_value = models.CharField(_("from"), max_length=250, blank=True)
    new_value = models.CharField(_("to"), max_length=250, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket"),
            models.Index(fields=["kind", "created_at"], name="event_kind"),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        # History is written once: correcting it would make every metric read from it a lie.
        if not self._state.adding:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)


class QueuedEvent(models.Model):
    """A committed event whose listeners (routing, triggers, SLA clocks, report facts, webhooks)
    have not run yet. Written in the event's own transaction when the worker relays events
    (ESCALA_EVENT_RELAY = "worker"), deleted in the transaction that runs its listeners: each
    event's listeners run exactly once, even if the web process dies right after the commit."""

    event = models.OneToOneField(
        TicketEvent, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Its in-transaction listeners (the mails it sends) were put off to the relay too: an API
    # request only writes its rows (see events.record).
    recorded_later = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("queued event")
        verbose_name_plural = _("queued events")

    def __str__(self) -> str:
        return f"event {self.event_id}"


@quick_labels("entry_reason", "exit_reason")
class TierStay(models.Model):
    """One stay of a ticket at a tier: time per level and escalation rates are read from here."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tier_stays")
    tier = models.ForeignKey(SupportTier, on_delete=models.PROTECT, related_name="stays")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="stays"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="stays"
    )
    entered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entry_reason = models.CharField(max_length=20, choices=StayReason.choices)
    entry_note = models.TextField(blank=True)
    handover = models.TextField(blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    exit_reason = models.CharField(max_length=20, choices=StayReason.choices, blank=True)

    class Meta:
        ordering = ["entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(left_at__isnull=True), name="one_open_stay"
            )
        ]
        indexes = [models.Index(fields=["tier", "entered_at"], name="stay_tier")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} at tier {self.tier_id} from {self.entered_at:%Y-%m-%d %H:%M}"


@quick_labels("status")
class VendorCase(models.Model):
    """One referral of a ticket to a vendor; a ticket may go to vendors more than once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="vendor_cases")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="cases")
    external_reference = models.CharField(_("vendor case number"), max_length=100, blank=True)
    contact = models.CharField(_("vendor contact"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VendorCaseStatus.choices,
        default=VendorCaseStatus.OPEN,
    )
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="open"),
                name="one_open_vendor_case",
            )
        ]
        verbose_name = _("vendor case")
        verbose_name_plural = _("vendor cases")

    def __str__(self) -> str:
        return f"{self.vendor} {self.external_reference}".strip()


@quick_labels("kind")
class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_once"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="link_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} {self.kind} #{self.target_id}"
