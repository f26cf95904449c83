from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "escala.desk"
    verbose_name = _("Agent console")

    def ready(self) -> None:
        from escala.tickets.events import tickets_touched
        from escala.tickets.models import Ticket

        from . import live

        # Open pages learn of every ticket change right after its commit (desk.live).
        tickets_touched.connect(live.on_tickets_touched, sender=Ticket, dispatch_uid="desk.live")
