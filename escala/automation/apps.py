from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "escala.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from . import listeners  # noqa: F401
