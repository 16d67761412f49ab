from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "efs.coordination"
    label = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
        from .programs import access as programs_access  # noqa: F401
