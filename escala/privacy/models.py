from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.tickets.models import Ticket


class PrivacyKind(models.TextChoices):
    EXPORT = "export", _("Personal data exported")
    ERASE = "erase", _("Requester erased")
    ANONYMIZE = "anonymize", _("Ticket anonymized (retention)")
    DELETE = "delete", _("Ticket deleted (retention)")


class PrivacyRecord(models.Model):
    """The audit trail of data protection: who exported or erased what, when and why. It names
    the requester by id only, so it outlives the erasure it records."""

    kind = models.CharField(_("kind"), max_length=20, choices=PrivacyKind.choices)
    requester_id = models.BigIntegerField(_("requester id"), null=True, blank=True)
    ticket_id = models.BigIntegerField(_("ticket id"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data protection record")
        verbose_name_plural = _("data protection records")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"


class AnonymizedTicket(models.Model):
    """A closed ticket the retention policy has already de-identified (done once)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True)
    anonymized_at = models.DateTimeField(_("anonymized"))

    class Meta:
        verbose_name = _("anonymized ticket")
        verbose_name_plural = _("anonymized tickets")

    def __str__(self) -> str:
        return f"#{self.ticket_id}"
