from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "escala.problems"
    verbose_name = _("Problems")

    def ready(self) -> None:
        if not apps.is_installed("escala.reports"):
            return
        from escala.reports import figures as report_figures
        from escala.reports.queries import EXTENSIONS

        from . import report

        if report.contribute not in EXTENSIONS:
            EXTENSIONS.append(report.contribute)
        for figure in report.figures():
            if figure.key not in report_figures.BY_KEY:
                report_figures.FIGURES.append(figure)
                report_figures.BY_KEY[figure.key] = figure
