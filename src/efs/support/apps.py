from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "efs.support"
    label = "support"
    verbose_name = _("Methodological support")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
        from .sources import register

        register()  # consultations, mentoring and cycles as route items (routes.registry)
