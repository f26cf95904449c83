"""The sign-in policy an admin sets, self-registration rules, and the sign-in log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInPolicy(models.Model):
    """One row (pk=1): how people sign in, edited in the admin."""

    require_two_factor_for_staff = models.BooleanField(
        _("require two-factor for agents and admins"),
        default=False,
        help_text=_(
            "Agents and admins without an authenticator app or a passkey are sent to set one "
            "up before they can use the console or the admin."
        ),
    )
    magic_link_enabled = models.BooleanField(
        _("requesters may sign in with a link by mail"),
        default=True,
        help_text=_(
            "A single-use link, valid for a few minutes, for people who only use the portal."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policy")

    def __str__(self) -> str:
        return str(_("Sign-in policy"))

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SignInPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class SelfRegistration(models.Model):
    """Who may create their own requester account: everyone whose mail address is at `domain`,
    joining `organization`. No row, no self-registration."""

    domain = models.CharField(
        _("mail domain"),
        max_length=253,
        unique=True,
        help_text=_("For example cliente.example; an address at a subdomain does not match."),
    )
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.CASCADE,
        related_name="self_registrations",
        verbose_name=_("organization"),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("self-registration domain")
        verbose_name_plural = _("self-registration domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class SignInMethod(models.TextChoices):
    PASSWORD = "password", _("password")
    TWO_FACTOR = "mfa", _("password and two-factor")
    PASSKEY = "passkey", _("passkey")
    MAGIC_LINK = "magic_link", _("link by mail")
    PASSWORD_RESET = "password_reset", _("password reset")
    SINGLE_SIGN_ON = "socialaccount", _("single sign-on")
    DIRECTORY = "ldap", _("directory (LDAP)")
    OTHER = "other", _("other")


class SignInRecord(models.Model):
    """One attempt to sign in, successful or not: who, when, from where, how."""

    at = models.DateTimeField(_("when"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sign_ins",
        verbose_name=_("user"),
    )
    login = models.CharField(_("name given"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    method = models.CharField(
        _("method"), max_length=20, choices=SignInMethod.choices, default=SignInMethod.PASSWORD
    )
    success = models.BooleanField(_("succeeded"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-in log")
        indexes = [models.Index(fields=["user", "-at"], name="signin_user_at")]

    def __str__(self) -> str:
        return f"{self.login or self.user_id} {self.at:%Y-%m-%d %H:%M} {self.method}"
