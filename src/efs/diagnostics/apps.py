from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "efs.diagnostics"
    label = "diagnostics"
    verbose_name = _("Diagnostics of professional deficits")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
