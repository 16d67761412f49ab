from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "efs.demo"
    label = "demo"
