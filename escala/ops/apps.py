from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Escala in production: backups, health and metrics, worker heartbeats."""

    name = "escala.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import jobs  # noqa: F401 (registers the periodic jobs)
