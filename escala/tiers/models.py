from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.core.i18n import Localized

from .choices import Impact, Priority, Urgency


class SupportTier(Localized, models.Model):
    """One support level. Tiers are data: an organization may rename them or add one."""

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    code = models.SlugField(_("code"), max_length=16, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    examples_en = models.TextField(_("typical examples (English)"), blank=True)
    examples_es = models.TextField(_("typical examples (Spanish)"), blank=True)
    # What a requester reads about where their ticket is ("with our Level 2 specialists").
    portal_label_en = models.CharField(_("portal wording (English)"), max_length=150, blank=True)
    portal_label_es = models.CharField(_("portal wording (Spanish)"), max_length=150, blank=True)
    is_external = models.BooleanField(
        _("external"), default=False, help_text=_("Handled by an outside vendor.")
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("support tier")
        verbose_name_plural = _("support tiers")

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def short(self) -> str:
        return f"L{self.level}"


class Specialty(Localized, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.localized("name")


class Team(Localized, models.Model):
    """A group of agents at one tier. `name` is its English name (unique, what the API and the
    configuration use); `name_es` its Spanish one. Pages show `label`, in the reader's language."""

    name = models.CharField(_("name (English)"), max_length=100, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="teams", verbose_name=_("tier")
    )
    specialties = models.ManyToManyField(
        Specialty, blank=True, related_name="teams", verbose_name=_("specialties")
    )
    email = models.EmailField(_("team email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["tier__level", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.label

    @property
    def name_en(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the active language (the English one when no Spanish name is set)."""
        return self.localized("name")


class Category(Localized, models.Model):
    """A kind of request, with the tier and team where it starts."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    tier = models.ForeignKey(
        SupportTier, on_delete=models.PROTECT, related_name="categories", verbose_name=_("tier")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("team"),
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("specialty"),
        help_text=_("Used to pick the team when a ticket of this kind is escalated."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")


class Vendor(models.Model):
    """An external provider under contract: Level 4."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    support_email = models.EmailField(_("support email"))
    contract_reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    specialties = models.ManyToManyField(
        Specialty, blank=True, related_name="vendors", verbose_name=_("specialties")
    )
    response_time = models.DurationField(_("agreed response time"), default=timedelta(hours=8))
    resolution_time = models.DurationField(_("agreed resolution time"), default=timedelta(days=5))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix."""

    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_rule_unique_cell")
        ]
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")

    def __str__(self) -> str:
        cell = f"{self.get_impact_display()} × {self.get_urgency_display()}"
        return f"{cell} → {self.get_priority_display()}"
