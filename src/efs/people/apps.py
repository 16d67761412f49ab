from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "efs.people"
    label = "people"
    verbose_name = _("People and organizations")

    def ready(self) -> None:
        from . import access  # noqa: F401  (registers the scope policies of this app)
