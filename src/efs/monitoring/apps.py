from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "efs.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг"

    def ready(self) -> None:
        from efs.diagnostics.public import register_profile_reader

        from . import elements  # noqa: F401  (the registry of data elements)
        from .home import deficit_profile

        # region level and above, the deficit map reads the build's deficit profile
        register_profile_reader(deficit_profile)
