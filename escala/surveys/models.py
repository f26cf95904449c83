from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.people.models import Agent
from escala.tickets.models import Ticket, TicketEvent
from escala.tiers.models import SupportTier, Team


class Survey(models.Model):
    """One satisfaction question per resolution of a ticket, answered through a signed link.

    What the rating is about is copied at resolution time: the resolving agent, team and tier,
    and every tier the ticket passed through, so later moves never change old answers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="surveys")
    resolution = models.OneToOneField(
        TicketEvent, on_delete=models.CASCADE, related_name="survey", verbose_name=_("resolution")
    )
    resolved_at = models.DateTimeField(_("resolved"))
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("resolving agent"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("team"),
    )
    tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("tier")
    )
    tiers_visited = models.ManyToManyField(
        SupportTier, related_name="+", verbose_name=_("tiers passed through")
    )
    # Part of the signed token: a new nonce revokes every link handed out before.
    nonce = models.CharField(max_length=32)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    class Meta:
        ordering = ["-resolved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["resolved_at"], name="survey_resolved")]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.rating or '-'}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None
