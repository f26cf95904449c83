from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
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
        user_logged_out.connect(_forget_session, dispatch_uid="desk.live.logout")


def _forget_session(sender: Any, **kwargs: Any) -> None:
    from .live_views import forget_session

    forget_session(sender, **kwargs)
