from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "escala.demo"
    label = "demo"
