"""Single sign-on: which directory groups and mail domains give which place in the help desk
(DirectoryMapping, edited in the admin), and which users a directory manages (DirectoryAccount)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.people.models import Organization
from escala.tiers.models import Team

from .choices import MappingSource, MatchKind, Source


def normalize_value(match: str, value: str) -> str:
    value = (value or "").strip().lower()
    if match == MatchKind.EMAIL_DOMAIN:
        value = value.lstrip("@")
    return value


class DirectoryMapping(models.Model):
    """One rule, applied at every sign-in through a directory: members of a group (or people whose
    mail is at a domain) become requesters of an organization, or agents of a team (the team's
    tier comes with it), and may be made supervisors or administrators."""

    source = models.CharField(
        _("directory"), max_length=10, choices=MappingSource.choices, default=MappingSource.ANY
    )
    provider = models.CharField(
        _("OpenID Connect provider"),
        max_length=100,
        blank=True,
        help_text=_("The provider ID of the social application; blank: every provider."),
    )
    match = models.CharField(
        _("match on"), max_length=20, choices=MatchKind.choices, default=MatchKind.GROUP
    )
    value = models.CharField(
        _("group or domain"),
        max_length=500,
        help_text=_(
            "A group’s name or full DN (LDAP), a value of the groups claim (OpenID Connect), "
            "or a mail domain such as example.com. Case does not matter."
        ),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_mappings",
        verbose_name=_("requester of organization"),
    )
    organization_manager = models.BooleanField(
        _("organization manager"),
        default=False,
        help_text=_("Sees every ticket of the organization."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_mappings",
        verbose_name=_("agent of team"),
    )
    supervisor = models.BooleanField(
        _("supervisor"), default=False, help_text=_("Sees and works every ticket.")
    )
    administrator = models.BooleanField(
        _("administrator"), default=False, help_text=_("Full access to the administration.")
    )
    position = models.PositiveIntegerField(
        _("position"),
        default=100,
        help_text=_("When several rules give an organization, the lowest position wins."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("directory mapping")
        verbose_name_plural = _("directory mappings")

    def __str__(self) -> str:
        return f"{self.get_match_display()}: {self.value}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.value = normalize_value(self.match, self.value)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.value = normalize_value(self.match, self.value)
        errors: dict[str, list] = {}
        if not self.value:
            errors["value"] = [_("Write the group or the domain.")]
        elif self.match == MatchKind.EMAIL_DOMAIN and (
            "@" in self.value or "." not in self.value or " " in self.value
        ):
            errors["value"] = [_("Write a mail domain such as example.com.")]
        if self.match == MatchKind.EMAIL_DOMAIN and (
            self.team_id or self.supervisor or self.administrator
        ):
            # Anyone can own an address at a domain; only a group says who works the desk.
            errors["match"] = [_("Only a directory group can make someone an agent or admin.")]
        if not (self.organization_id or self.team_id or self.supervisor or self.administrator):
            errors["organization"] = [
                _("Choose an organization, a team, or the supervisor or administrator flag.")
            ]
        if self.organization_manager and not self.organization_id:
            errors["organization_manager"] = [_("A manager needs an organization.")]
        if self.provider and self.source == MappingSource.LDAP:
            errors["provider"] = [_("A provider only applies to OpenID Connect.")]
        if errors:
            raise ValidationError(errors)


class DirectoryAccount(models.Model):
    """A user whose identity, groups and right to sign in come from a directory."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="directory_account",
        verbose_name=_("login"),
    )
    source = models.CharField(_("directory"), max_length=10, choices=Source.choices)
    provider = models.CharField(_("OpenID Connect provider"), max_length=100, blank=True)
    external_id = models.CharField(
        _("identity in the directory"),
        max_length=500,
        help_text=_("The entry’s DN (LDAP) or the subject (OpenID Connect)."),
    )
    groups = models.JSONField(_("groups at the last sign-in"), default=list, blank=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    last_checked_at = models.DateTimeField(
        _("last checked in the directory"), null=True, blank=True
    )
    deactivated_by_directory = models.BooleanField(
        _("deactivated by the directory"),
        default=False,
        help_text=_(
            "Removed or disabled in the directory: the login is inactive until the directory "
            "enables it again."
        ),
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_source_display()})"
