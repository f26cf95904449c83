from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from escala.tiers.models import Specialty, Team

from .choices import OrganizationKind, RequesterKind


class Organization(models.Model):
    """A customer company or one of our own departments."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    email_domain = models.CharField(
        _("email domain"),
        max_length=200,
        blank=True,
        help_text=_("Mail from unknown senders at this domain is filed under this organization."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Requester(models.Model):
    """Anyone who asks for help: an employee or an external customer. A requester may exist
    without a login (a caller, a mail sender) and get one later."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requester",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RequesterKind.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="requesters",
        verbose_name=_("organization"),
    )
    is_manager = models.BooleanField(
        _("organization manager"),
        default=False,
        help_text=_("Sees every ticket of the organization."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="requester_email_unique_ci"),
        ]
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Agent(models.Model):
    """A member of the help desk staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent",
        verbose_name=_("login"),
    )
    teams = models.ManyToManyField(Team, related_name="agents", verbose_name=_("teams"))
    skills = models.ManyToManyField(
        Specialty, blank=True, related_name="agents", verbose_name=_("skills")
    )
    is_supervisor = models.BooleanField(
        _("supervisor"), default=False, help_text=_("Sees and works every ticket.")
    )
    is_away = models.BooleanField(_("away"), default=False)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "An inactive agent no longer works at the desk, e.g. after leaving every agent "
            "group of the directory; their history stays."
        ),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.username
