from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "escala.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from . import listeners, report  # noqa: F401 - listeners connects the event listeners

        if apps.is_installed("escala.reports"):
            from escala.reports.queries import EXTENSIONS

            if report.contribute not in EXTENSIONS:
                EXTENSIONS.append(report.contribute)
