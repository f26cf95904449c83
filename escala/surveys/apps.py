from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "escala.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from escala.tickets.events import ticket_event_committed

        from . import actions

        ticket_event_committed.connect(actions.on_ticket_event, dispatch_uid="surveys.resolved")
