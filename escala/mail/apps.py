from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "escala.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        from . import outbound  # noqa: F401  (connects the notification listener)
