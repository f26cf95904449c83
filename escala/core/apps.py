from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "escala.core"
    label = "core"
