from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data protection (GDPR / LOPDGDD): export and erase a requester's data, retention."""

    name = "escala.privacy"
    label = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from . import retention  # noqa: F401 (registers the periodic retention job)
