from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TiersConfig(AppConfig):
    name = "escala.tiers"
    label = "tiers"
    verbose_name = _("Support tiers")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from escala.core.memo import forget_config

        # Any change to the tier configuration forgets what the queries remembered of it.
        for model in self.get_models():
            post_save.connect(forget_config, sender=model, dispatch_uid=f"config.{model}.save")
            post_delete.connect(forget_config, sender=model, dispatch_uid=f"config.{model}.del")
            for m2m in model._meta.local_many_to_many:  # e.g. a team's specialties
                through = m2m.remote_field.through
                m2m_changed.connect(forget_config, sender=through, dispatch_uid=f"config.{through}")
