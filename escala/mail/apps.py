from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "escala.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        from datetime import timedelta

        from django.db.models.signals import post_delete, post_save

        from escala.core.periodic import periodic
        from escala.tiers.models import Vendor

        from . import delivery, outbound  # noqa: F401  (outbound connects the notification listener)

        # The outbox's safety net: rows whose delivery task was lost, and retries that are due.
        periodic("mail.outbox", every=timedelta(minutes=1))(delivery.drain_in_worker)
        # Mail a killed pipe, poll or listener left `received`: processed without a person.
        from .leftovers import process_leftovers

        periodic("mail.leftovers", every=timedelta(seconds=30))(process_leftovers)
        from .models import Mailbox
        from .thread_match import clear_cache

        for model in (Mailbox, Vendor):
            post_save.connect(clear_cache, sender=model, dispatch_uid=f"mail-cache-{model}")
            post_delete.connect(clear_cache, sender=model, dispatch_uid=f"mail-cache-d-{model}")
