from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "escala.desk"
    verbose_name = _("Agent console")

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (register the jobs)
