from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "escala.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from escala.tickets.events import ticket_events_committed

        from . import facts, periodic  # noqa: F401  (registers the periodic job)

        ticket_events_committed.connect(facts.on_ticket_events, dispatch_uid="reports.facts")
