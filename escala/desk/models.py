from django.db import models
from django.utils.translation import gettext_lazy as _

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
