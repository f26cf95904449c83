"""Mail: raw inbound messages (stored before anything else), mailboxes, the outbox, and every
Message-ID that belongs to a ticket (how replies find their thread)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.tickets.models import Message, Ticket
from escala.tiers.models import Category, Vendor

from . import rawstore
from .choices import (
    AlertKind,
    AuthResult,
    Decision,
    InboundStatus,
    NotificationKind,
    OutboxStatus,
    Outcome,
    SenderPolicy,
    Source,
)


class Mailbox(models.Model):
    """A support address Escala reads: by IMAP polling, or delivered to it by SMTP/LMTP/pipe."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), unique=True)
    # New tickets from this mailbox get this category, and so its tier and team.
    default_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("category")
    )
    is_trusted = models.BooleanField(
        _("trusted"),
        default=False,
        help_text=_("Only mail from trusted mailboxes may steer routing with X-Escala-* headers."),
    )
    sender_policy = models.CharField(
        _("sender checks"),
        max_length=10,
        choices=SenderPolicy.choices,
        default=SenderPolicy.STRICT,
        help_text=_(
            "What a mail must prove before it acts as its sender. Agents acting by mail always "
            "need a verified sender and their own reply token."
        ),
    )
    trusted_authserv_ids = models.CharField(
        _("trusted Authentication-Results"),
        max_length=500,
        blank=True,
        help_text=_(
            "authserv-ids (comma-separated) of the mail servers whose Authentication-Results "
            "are believed, e.g. mx.google.com for a Gmail mailbox. Only servers that remove "
            "such headers from incoming mail."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_tls = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    imap_processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=200,
        blank=True,
        help_text=_("Empty: processed mail is only flagged as seen."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundMail(models.Model):
    """One raw message exactly as it arrived. Written before parsing; processed once."""

    dedup_key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    # The bytes as they arrived: in this column, or (raw_key) an object of the raw-mail storage;
    # `mail.raw` reads them wherever they are (rawstore.py). raw_sha256 proves them intact.
    raw_column = models.BinaryField(db_column="raw")
    raw_key = models.CharField(max_length=100, blank=True, db_index=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("mailbox")
    )
    envelope_from = models.CharField(max_length=998, blank=True)
    envelope_to = models.CharField(max_length=998, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InboundStatus.choices,
        default=InboundStatus.RECEIVED,
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mails"
    )
    filed_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mails"
    )
    # What the parser made of it, kept for the console: sanitized HTML and the full text.
    body_html = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    no_auto_reply = models.BooleanField(default=False)
    # Who sent it, as far as Escala could verify (authn.verdict), the reply token it carried
    # and the mode that applied: shown on the held mail and on the ticket's message.
    auth_result = models.CharField(
        _("sender verification"), max_length=10, choices=AuthResult.choices, blank=True
    )
    auth = models.JSONField(default=dict, blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The same mail delivered again (same Message-ID and content): how often, and when last.
    duplicate_count = models.PositiveIntegerField(_("further deliveries"), default=0)
    last_duplicate_at = models.DateTimeField(_("last delivered again"), null=True, blank=True)
    # For the acknowledgement limits: the sender's domain, and when a receipt was queued for it.
    sender_domain = models.CharField(max_length=254, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # What was left out of the mail when it was filed (attachments over a limit), one per line.
    notes = models.TextField(_("left out"), blank=True)
    # Times the worker took it up after it was left `received` (see mail/leftovers.py).
    leftover_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status"),
            models.Index(fields=["sender", "received_at"], name="inbound_sender"),
            models.Index(fields=["sender", "acknowledged_at"], name="inbound_acked"),
            models.Index(fields=["sender_domain", "processed_at"], name="inbound_domain"),
        ]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"

    @property
    def raw(self) -> bytes:
        """The mail's bytes, from this row or the raw-mail storage (rawstore.Unavailable when
        the storage cannot give them now)."""
        return rawstore.read(self)


class ThreadId(models.Model):
    """A Message-ID that belongs to a ticket: every mail Escala sent, and every mail it filed.

    A reply's In-Reply-To/References are looked up here first."""

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mail_ids")
    outgoing = models.BooleanField(default=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.message_id


class Outbox(models.Model):
    """A mail to send. The worker drains it with retry, so a slow server never slows a page."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    event_id = models.BigIntegerField(null=True, blank=True)
    to = models.CharField(_("to"), max_length=998)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    # An agent's Markdown reply also goes as HTML (the plain text stays the first part).
    html_body = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "kind", "to"],
                condition=models.Q(event_id__isnull=False),
                name="outbox_once_per_event",
            )
        ]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"


class MailAlert(models.Model):
    """Something the admins should look at: a limit held automatic mail back. One open row per
    (kind, key), counted up while it goes on; an admin marks it handled."""

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    key = models.CharField(_("address or domain"), max_length=254)
    count = models.PositiveIntegerField(_("times"), default=1)
    detail = models.TextField(_("detail"), blank=True)
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))
    last_mail = models.ForeignKey(
        InboundMail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("handled"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="mail_alert_one_open",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "last_at"], name="mail_alert_open")]
        verbose_name = _("mail alert")
        verbose_name_plural = _("mail alerts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.key}"


class BouncedAddress(models.Model):
    """An address our mail could not be delivered to (a delivery report said so). Kept until an
    agent clears it or the address writes to us again."""

    address = models.CharField(_("address"), max_length=254, unique=True)  # lower case
    permanent = models.BooleanField(_("permanent failure"), default=True)
    status = models.CharField(_("status code"), max_length=20, blank=True)
    diagnostic = models.TextField(_("diagnostic"), blank=True)
    count = models.PositiveIntegerField(_("bounces"), default=1)
    first_at = models.DateTimeField(_("first bounce"))
    last_at = models.DateTimeField(_("last bounce"))
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_at"]
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return self.address
