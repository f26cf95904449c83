from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "escala.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from . import listeners, periodic  # noqa: F401  (connect signals, register jobs)
