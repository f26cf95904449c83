from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escala.core import clock


class Scope(models.TextChoices):
    TICKETS_READ = "tickets:read", _("Read tickets and the directory")
    TICKETS_WRITE = "tickets:write", _("Create and work tickets")
    ADMIN = "admin", _("Administer webhooks (administrators only)")


class ApiToken(models.Model):
    """A personal access token. Only its SHA-256 is kept: the token itself is shown once.

    The token reads `esc_<prefix>_<secret>`; the prefix finds the row, the hash proves it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (esc_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > clock.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
