from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "efs.api"
    label = "api"
