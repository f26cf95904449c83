from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "escala.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import listeners  # noqa: F401 - connects the ticket-event listener
