from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "efs.workforce"
    label = "workforce"
    verbose_name = _("Workforce security")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
