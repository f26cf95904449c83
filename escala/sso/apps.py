from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "escala.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from . import sync  # noqa: F401  (registers the directory check with escala worker)
