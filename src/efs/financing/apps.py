from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "efs.financing"
    label = "financing"
    verbose_name = _("Personalised financing")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
