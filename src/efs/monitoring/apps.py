from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "efs.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг"

    def ready(self) -> None:
        from . import elements  # noqa: F401  (the registry of data elements)
