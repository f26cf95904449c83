from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "escala.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from escala.tickets.events import ticket_event_committed

        from . import listeners

        ticket_event_committed.connect(
            listeners.on_ticket_event, dispatch_uid="webhooks.on_ticket_event"
        )
