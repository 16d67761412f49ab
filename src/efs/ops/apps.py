from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "efs.ops"
    label = "ops"
