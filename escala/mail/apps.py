from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "escala.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from escala.tiers.models import Vendor

        from . import outbound  # noqa: F401  (connects the notification listener)
        from .models import Mailbox
        from .thread_match import clear_cache

        for model in (Mailbox, Vendor):
            post_save.connect(clear_cache, sender=model, dispatch_uid=f"mail-cache-{model}")
            post_delete.connect(clear_cache, sender=model, dispatch_uid=f"mail-cache-d-{model}")
