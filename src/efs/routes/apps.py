from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutesConfig(AppConfig):
    name = "efs.routes"
    label = "routes"
    verbose_name = _("Individual educational routes")

    def ready(self) -> None:
        from efs.diagnostics.public import on_attempt_finished

        from . import access  # noqa: F401  (registers the scope policies of this app)
        from .services import remeasurements_take

        on_attempt_finished(remeasurements_take)
