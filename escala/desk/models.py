from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from escala.core.i18n import Localized
from escala.people.models import Agent


class SavedFilter(models.Model):
    """A queue view an agent named and keeps: the queue, its filters and its sort."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "name"], name="saved_filter_name_once")
        ]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")

    def __str__(self) -> str:
        return self.name


class LabelsStamp(models.Model):
    """One row whose stamp changes, by database triggers (migration 0005), in the same
    transaction as any change to the few-row tables that queue rows, filters and action forms
    name: tiers, teams, categories, vendors, organizations, agents and their users' names.
    desk.labels keeps those names in memory per stamp, so a page reads them with one tiny query
    instead of several, and a change made by any process (the admin, a bulk load, another
    server) shows at once."""

    stamp = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.stamp)


class CannedReply(Localized, models.Model):
    """A ready text an agent drops into the reply box and edits before sending: their own
    (`owner`) or shared with the whole desk (`owner` empty, kept by supervisors and admins).
    Written in both languages; the requester's language is inserted, placeholders filled like a
    macro's. Unlike a macro it changes nothing on the ticket."""

    owner = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    body_es = models.TextField(_("text (Spanish)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        # A name once per owner, and once among the shared, whatever its case (the picker lists
        # both by name). Two partial indexes: one over a nullable owner would let every shared
        # row be distinct. The action checks first to answer at the field (desk/actions.py).
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                condition=Q(owner__isnull=False),
                name="canned_reply_name_once_per_owner",
                violation_error_message=_("A canned reply of that name exists already."),
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(owner__isnull=True),
                name="canned_reply_name_once_shared",
                violation_error_message=_("A canned reply of that name exists already."),
            ),
        ]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class Signature(models.Model):
    """An agent's signature, appended to their public replies (never to internal notes)."""

    agent = models.OneToOneField(
        Agent, on_delete=models.CASCADE, related_name="signature", verbose_name=_("agent")
    )
    body = models.TextField(_("signature"), blank=True, max_length=1000)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return str(self.agent)
