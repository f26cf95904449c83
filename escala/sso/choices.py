from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a signed-in identity comes from."""

    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")


class MappingSource(models.TextChoices):
    ANY = "any", _("Any directory")
    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")


class MatchKind(models.TextChoices):
    GROUP = "group", _("Directory group")
    EMAIL_DOMAIN = "email_domain", _("Mail domain")
