from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class OpsConfig(AppConfig):
    name = "efs.ops"
    label = "ops"
    verbose_name = _("Platform operation")
    default = True


class TasksDatabaseConfig(TasksAppConfig):
    """The task queue's admin section, named in Russian (the package names it in English)."""

    verbose_name = _("Background task queue")  # type: ignore[assignment]  # Django takes a lazy string; the package declares str
    default = False
