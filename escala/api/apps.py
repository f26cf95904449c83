from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "escala.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from escala.people.models import Agent, Requester

        from .models import ApiToken
        from .tokens import forget_tokens

        # What a remembered token carries: the token, its user and the user's profile.
        for model in (ApiToken, get_user_model(), Agent, Requester):
            post_save.connect(forget_tokens, sender=model, dispatch_uid=f"tokens.{model}.save")
            post_delete.connect(forget_tokens, sender=model, dispatch_uid=f"tokens.{model}.del")
