from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "efs.practices"
    label = "practices"
    verbose_name = _("Practices and innovations")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
        from .network import access as network_access  # noqa: F401
        from .sources import register

        register()  # the bank proposes practices as route items (routes.registry)
