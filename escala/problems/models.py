"""Problems: the cause behind one or many incidents, investigated by Level 3.

A problem links the tickets (incidents) it explains; its history is a list of ProblemEvent rows
written by the actions, like a ticket's. Publishing a workaround turns it into a known error and
writes (or updates) the knowledge article Level 1 reads."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.core.choices import quick_labels
from escala.knowledge.models import Article
from escala.people.models import Agent, Requester
from escala.tickets.models import Ticket, VendorCase
from escala.tiers.models import SupportTier, Team

from .choices import (
    OPEN_PROBLEM_STATUSES,
    MajorIncidentEventKind,
    MajorIncidentStatus,
    ProblemEventKind,
    ProblemStatus,
)


@quick_labels("status")
class Problem(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProblemStatus.choices,
        default=ProblemStatus.INVESTIGATING,
    )
    owner_tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="problems", verbose_name=_("level")
    )
    owner_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("engineer"),
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    # Level 1 reads the workaround in the requester's language: both are written, as the
    # knowledge article it becomes must be.
    workaround_es = models.TextField(_("workaround (Spanish)"), blank=True)
    workaround_en = models.TextField(_("workaround (English)"), blank=True)
    vendor_case = models.ForeignKey(
        VendorCase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("vendor case"),
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("knowledge article"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("opened"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    root_cause_at = models.DateTimeField(_("root cause found"), null=True, blank=True)
    known_error_at = models.DateTimeField(_("known error since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "owner_tier"], name="problem_queue")]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"PRB-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES

    def workaround(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        wanted = (language or get_language() or "es")[:2]
        first, other = (
            (self.workaround_en, self.workaround_es)
            if wanted == "en"
            else (self.workaround_es, self.workaround_en)
        )
        return first or other


class ProblemTicket(models.Model):
    """An incident explained by a problem. A ticket belongs to one problem at most."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="problem_link")
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → {self.problem_id}"


@quick_labels("kind")
class ProblemEvent(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    old_value = models.CharField(max_length=250, blank=True)
    new_value = models.CharField(max_length=250, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.problem_id}"


class MajorIncident(models.Model):
    """A shared service is down and many people are affected: one record that links their
    tickets, answers them all at once and tells the next people before they write."""

    title_es = models.CharField(_("public title (Spanish)"), max_length=200)
    title_en = models.CharField(_("public title (English)"), max_length=200)
    description = models.TextField(_("internal notes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MajorIncidentStatus.choices,
        default=MajorIncidentStatus.ACTIVE,
    )
    show_in_portal = models.BooleanField(_("announce in the portal"), default=True)
    source_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared from ticket"),
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="major_incidents",
        verbose_name=_("problem"),
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared"), db_index=True)
    updated_at = models.DateTimeField(_("last update"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("major incident")
        verbose_name_plural = _("major incidents")

    def __str__(self) -> str:
        return f"{self.reference} {self.title_en}"

    @property
    def reference(self) -> str:
        return f"MI-{self.pk:05d}"

    @property
    def is_active(self) -> bool:
        return self.status == MajorIncidentStatus.ACTIVE

    def title(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        wanted = (language or get_language() or "es")[:2]
        return (self.title_en if wanted == "en" else self.title_es) or self.title_es


class MajorIncidentTicket(models.Model):
    major_incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="links"
    )
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="major_incident_link"
    )
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → MI {self.major_incident_id}"


class MajorIncidentUpdate(models.Model):
    major_incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="updates"
    )
    body_es = models.TextField(_("update (Spanish)"))
    body_en = models.TextField(_("update (English)"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    final = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"update of MI {self.major_incident_id}"

    def body(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        wanted = (language or get_language() or "es")[:2]
        return (self.body_en if wanted == "en" else self.body_es) or self.body_es


class MajorIncidentSubscriber(models.Model):
    """A person who said "this affects me too" on the portal's banner instead of writing in:
    a request answered by the banner."""

    major_incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="subscribers"
    )
    requester = models.ForeignKey(
        Requester, on_delete=models.CASCADE, related_name="major_incident_subscriptions"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["major_incident", "requester"], name="subscribe_once")
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} on MI {self.major_incident_id}"


@quick_labels("kind")
class MajorIncidentEvent(models.Model):
    major_incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MajorIncidentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    new_value = models.CharField(max_length=250, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on MI {self.major_incident_id}"
