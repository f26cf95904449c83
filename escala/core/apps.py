from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "escala.core"
    label = "core"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from .inputs import flatten_one_line_fields

        pre_save.connect(flatten_one_line_fields, dispatch_uid="escala.core.one_line_fields")
